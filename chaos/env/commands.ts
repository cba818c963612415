import type { Command } from 'commander';
import { EXIT } from '../../failover/cli/exit-codes';
import { loadConfig } from '../../failover/config/load';
import { cleanupEnvironments } from './env-state';
import { startLocalEnvironment } from './environment';

/** `regionflip env up|down`: the local two-Region environment (chaos/env). */
export function registerEnvCommands(program: Command): void {
  const env = program
    .command('env')
    .description('the local two-Region environment: moto, a tenant service per Region, alarms, failover, DNS');

  env
    .command('up')
    .description('start the local environment, print its endpoints, and keep it running until Ctrl-C')
    .action(async () => {
      const config = loadConfig(program.opts<{ config?: string }>().config);
      // Listening from the start: a Ctrl-C while it starts lets the start finish and then stops everything it started,
      // instead of Node's default exit leaving moto and the services running.
      const signalled = new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      const leftovers = await cleanupEnvironments({ orphansOnly: true });
      if (leftovers.killed.length > 0) {
        process.stderr.write(`stopped ${leftovers.killed.length} process(es) left by a crashed environment\n`);
      }
      const local = await startLocalEnvironment({
        config,
        handlerLogLevel: 'INFO',
        log: (line) => process.stderr.write(`env: ${line}\n`),
      });
      const c = local.config;
      const premium = c.tenants.find((t) => t.tier === 'premium') ?? c.tenants[0]!;
      const lines = [
        `RegionFlip local environment ${local.id}`,
        `  moto (AWS APIs, both Regions)  ${local.motoEndpoint}`,
        `  hosted zone                    ${c.dns.zoneName} (${local.hostedZoneId}), TTL ${c.dns.ttlSeconds} s`,
        ...Object.values(local.regions).map(
          (r) =>
            `  ${r.region.padEnd(31)}load balancer ${r.loadBalancerUrl}  service ${r.serviceUrl} (pid ${r.servicePid})`,
        ),
        `  combined log (both Regions)    ${local.combinedLogFile}`,
        `  detection                      ${c.detection.datapointsToAlarm} of ${c.detection.evaluationPeriods} periods of ${c.detection.periodSeconds} s`,
        '',
        `try: curl -H "Authorization: Bearer ${local.tenantToken(premium.id)}" ${local.regions[c.regions.primary]!.loadBalancerUrl}/orders`,
        `AWS CLI: aws --endpoint-url ${local.motoEndpoint} --region ${c.regions.primary} cloudwatch describe-alarms`,
        'Ctrl-C stops everything; `regionflip env down` stops leftovers of a crashed run.',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      const signal = await signalled;
      process.stderr.write(`env: ${signal}: stopping\n`);
      await local.stop();
      process.stderr.write(`env: stopped; the run's combined log: ${local.combinedLogFile}\n`);
      // Stopped by a signal, as the exit-code table says: 130 for Ctrl-C, 143 for SIGTERM (not 0: it did not finish).
      process.exitCode = signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
    });

  env
    .command('down')
    .description('stop every recorded local environment, including processes left behind by a crashed run')
    .action(async () => {
      const report = await cleanupEnvironments();
      process.stdout.write(
        report.environments === 0
          ? 'no local environment recorded in .cache/env\n'
          : `stopped ${report.environments} environment(s); killed ${report.killed.length} leftover process(es)` +
              `${report.killed.length ? `: ${report.killed.map((p) => `${p.role}${p.region ? ` ${p.region}` : ''} (pid ${p.pid})`).join(', ')}` : ''}\n`,
      );
    });
}
