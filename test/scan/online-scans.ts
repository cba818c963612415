import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * `npm run scan:online`: the scans that need a network service (npm's advisory database), for a connected CI. Where that
 * service cannot be reached it says so in one line and exits 0: no network is no finding, and no pass either.
 * Exits 1 on a high or critical advisory in the installed dependencies.
 */

const run = spawnSync('npm', ['audit', '--json', '--audit-level=high'], {
  cwd: resolve(__dirname, '../..'),
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const report = (() => {
  try {
    return JSON.parse(run.stdout) as {
      metadata?: { vulnerabilities: Record<string, number> };
      message?: string;
    };
  } catch {
    return {};
  }
})();

if (report.metadata === undefined) {
  const why = report.message ?? run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`;
  console.log(
    `npm audit: NOT RUN, the advisory service is not reachable from here (${why}); run it in a connected CI.`,
  );
  process.exit(0);
}
const { high = 0, critical = 0, ...rest } = report.metadata.vulnerabilities;
console.log(`npm audit: ${critical} critical, ${high} high, ${JSON.stringify(rest)} below the bar`);
process.exit(high + critical > 0 ? 1 : 0);
