import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../failover/cli/program';
import { failbackRunbook } from '../../runbooks/definitions/failback';
import { RUNBOOKS } from '../../runbooks/definitions/index';
import { manualFailoverRunbook } from '../../runbooks/definitions/manual-failover';
import { CLI, SWITCH_RUNBOOK_STEPS } from '../../runbooks/definitions/types';
import { DANGEROUS, renderAll, renderRunbook } from '../../runbooks/render';

const RUNBOOK_DIR = join(__dirname, '../../runbooks');
const RUNBOOK_COMMANDS = ['failback', 'failover', 'automation', 'status', 'probe', 'notifications'];

/** Splits a shell command line into words (double quotes group; enough for the runbooks' commands). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('runbook Markdown', () => {
  it.each(RUNBOOKS.map((r) => [r.file]))(
    'GIVEN the definitions WHEN rendered THEN runbooks/%s is exactly the committed file (run `npx tsx runbooks/render.ts`)',
    (file) => {
      const committed = readFileSync(join(RUNBOOK_DIR, file), 'utf8');
      expect(committed).toBe(renderAll()[file]);
    },
  );

  it('GIVEN every runbook WHEN rendered THEN each risky step is marked "(dangerous!)" and each step has purpose, expectation, check and fallback', () => {
    for (const runbook of RUNBOOKS) {
      const markdown = renderRunbook(runbook);
      runbook.steps.forEach((step, i) => {
        const heading = markdown.split('\n').find((l) => l.startsWith(`## Step ${i + 1}.`));
        expect(heading?.includes(DANGEROUS)).toBe(step.risky === true);
        for (const text of [step.purpose, step.expect, step.verify, step.ifItFails])
          expect(text.length).toBeGreaterThan(5);
      });
    }
  });

  it('GIVEN the failback and manual failover runbooks THEN together their steps run every executable step of the switch runbook', () => {
    for (const runbook of [failbackRunbook, manualFailoverRunbook]) {
      const covered = new Set(runbook.steps.flatMap((s) => s.runs ?? []));
      expect([...SWITCH_RUNBOOK_STEPS].filter((s) => !covered.has(s))).toEqual([]);
    }
  });

  it('GIVEN every CLI command in the Markdown WHEN parsed against the real CLI THEN each command, subcommand and flag exists', () => {
    const program = buildProgram();
    const checked = new Set<string>();
    for (const runbook of RUNBOOKS) {
      for (const line of runbook.steps.flatMap((s) => [s.command, s.check]).map((c) => c?.line ?? '')) {
        if (!line.startsWith(CLI)) continue;
        const args = words(line.slice(CLI.length));
        let command = program;
        const path: string[] = [];
        for (const word of args) {
          const sub = command.commands.find((c) => c.name() === word);
          if (!sub) break;
          command = sub;
          path.push(word);
        }
        const known = [...command.options, ...program.options].map((o) => o.long);
        const unknown = args.filter((a) => a.startsWith('--') && !known.includes(a));
        expect({ command: line, path: path.length > 0, unknown }).toEqual({
          command: line,
          path: true,
          unknown: [],
        });
        checked.add(path[0]!);
      }
    }
    expect([...checked].filter((c) => RUNBOOK_COMMANDS.includes(c)).sort()).toEqual([...RUNBOOK_COMMANDS].sort());
  });
});
