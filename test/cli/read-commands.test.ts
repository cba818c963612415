import type { Command } from 'commander';
import { buildProgram } from '../../failover/cli/program';
import { localDeploymentWithInbox, PRIMARY, SECONDARY, type TestDeployment } from '../runbooks/support/deployment';
import { failOverTo } from '../runbooks/support/runbook-deps';
import { captureCli } from './capture-cli';

/** Commands that change something (traffic, automation, runs, processes): no `-o`, they report what they did. */
const CHANGES = ['failback', 'failover', 'runs abandon', 'env up', 'env down', 'drill run', 'drill rollback'];
/** `automation` reads with `status` and changes with `disable` / `enable`: one command, so it takes `-o` as well. */
const READS_BY_ACTION = ['automation'];

/** Every command of the tree that takes no subcommand, by its full name (`runs show`). */
function leaves(cmd: Command, prefix: string[] = []): { name: string; cmd: Command }[] {
  return cmd.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return c.commands.length > 0 ? leaves(c, path) : [{ name: path.join(' '), cmd: c }];
  });
}

const readCommands = () => leaves(buildProgram()).filter((l) => !CHANGES.includes(l.name));

describe('-o json|table on every read command', () => {
  it('GIVEN the command tree WHEN every command that is not a change is listed THEN each takes -o with exactly table and json', () => {
    const reads = readCommands();
    expect(reads.map((r) => r.name).sort()).toEqual(
      [
        'automation',
        'drill list',
        'drill validate',
        'notifications',
        'probe',
        'runs list',
        'runs show',
        'status',
      ].sort(),
    );
    for (const { name, cmd } of reads) {
      const output = cmd.options.find((o) => o.long === '--output');
      expect({ name, short: output?.short, choices: output?.argChoices }).toEqual({
        name,
        short: '-o',
        choices: ['table', 'json'],
      });
    }
    // The change commands exist under these names (a rename would otherwise turn one into an unchecked "read").
    const names = leaves(buildProgram()).map((l) => l.name);
    for (const name of [...CHANGES, ...READS_BY_ACTION]) expect(names).toContain(name);
  });

  describe('run against a deployment in moto, as the local environment', () => {
    let dep: TestDeployment;
    let stop: () => Promise<void>;
    let runId: string;

    beforeAll(async () => {
      ({ dep, stop } = await localDeploymentWithInbox('read-commands'));
      // One failover and one failback run, so there are switches, messages and a run to show.
      await failOverTo(dep, SECONDARY);
      const failback = await captureCli([
        'failback',
        '--to',
        PRIMARY,
        '--yes',
        '--force',
        '--reason',
        'read commands test',
        '--replication-timeout',
        '200',
        '--target',
        'local',
      ]);
      expect(failback.code).toBe(0);
      const runs = JSON.parse((await captureCli(['runs', 'list', '--target', 'local', '-o', 'json'])).out) as {
        runId: string;
      }[];
      runId = runs[0]!.runId;
    });
    afterAll(() => stop());

    it('GIVEN each read command WHEN run with -o json THEN it exits 0 and stdout is one parseable JSON document', async () => {
      const args: Record<string, string[]> = {
        automation: ['status'],
        'runs show': [runId],
        'drill validate': ['chaos/drills/region-outage.yaml'],
      };
      const results = [];
      for (const { name, cmd } of readCommands()) {
        const target = cmd.options.some((o) => o.long === '--target') ? ['--target', 'local'] : [];
        const run = await captureCli([...name.split(' '), ...(args[name] ?? []), ...target, '-o', 'json']);
        let parsed: unknown;
        try {
          parsed = JSON.parse(run.out);
        } catch (err) {
          parsed = `not JSON (${(err as Error).message}): ${run.out.slice(0, 200)} ${run.err.slice(0, 200)}`;
        }
        results.push({ name, code: run.code, json: typeof parsed === 'object' && parsed !== null });
        if (typeof parsed === 'string') results.push({ name, problem: parsed });
      }
      expect(results).toEqual(readCommands().map(({ name }) => ({ name, code: 0, json: true })));
    });
  });
});
