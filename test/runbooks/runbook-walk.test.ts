import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { startLocalEnvironment } from '../../chaos/env/environment';
import type { LocalEnvironment } from '../../chaos/env/types';
import { loadConfig } from '../../failover/config/load';
import { configSchema } from '../../failover/config/schema';
import { motoTarget, uniqueName } from '../support/moto';

/**
 * Follows each Markdown runbook literally against a local environment: every ```sh block is run as typed, through a
 * shell in a pseudo-terminal (`script`), answering its questions with the ```input block that follows it, and its
 * output must contain every line of the ```expect block (`exit N` / `exit 0|1`: the exit code). A step marked
 * "Not walked locally" is not run: the walk names each one, and the list below must match the Markdown.
 * The runbooks are walked in the order of an incident: fail over, fail back, the kill switch, then a game day.
 */

const ROOT = join(__dirname, '../..');
const WALK_ORDER = ['manual-failover.md', 'failback.md', 'automation.md', 'game-day.md'];
const NOT_WALKED = [
  'game-day.md Step 2. Run the Region-outage drill',
  'game-day.md Step 3. Start a local environment to practise on',
  'game-day.md Step 6. Stop the environment',
  'game-day.md Step 7. The same drill against AWS (dangerous!)',
];

interface WalkCommand {
  readonly step: string;
  readonly line: string;
  readonly input: string[];
  readonly exits: number[];
  readonly output: string[];
}

/** The runbook's steps: their commands, or why they are not walked. */
function parseRunbook(file: string): { commands: WalkCommand[]; notWalked: string[] } {
  const markdown = readFileSync(join(ROOT, 'runbooks', file), 'utf8');
  const commands: WalkCommand[] = [];
  const notWalked: string[] = [];
  for (const section of markdown.split(/^(?=## Step )/m).slice(1)) {
    const step = `${file} ${section.split('\n')[0]!.slice(3)}`;
    if (section.includes('**Not walked locally:**')) {
      notWalked.push(step);
      continue;
    }
    const blocks = [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({
      kind: m[1]!,
      lines: m[2]!.split('\n').filter((l) => l.trim() !== ''),
    }));
    for (let i = 0; i < blocks.length; i++) {
      if (blocks[i]!.kind !== 'sh') continue;
      const input = blocks[i + 1]?.kind === 'input' ? blocks[i + 1]!.lines : [];
      const expectBlock = blocks[i + (input.length > 0 ? 2 : 1)];
      if (expectBlock?.kind !== 'expect') throw new Error(`${step}: a command without an expect block`);
      const [exitLine, ...output] = expectBlock.lines;
      const exits = /^exit ([\d|]+)$/.exec(exitLine ?? '')?.[1];
      if (!exits) throw new Error(`${step}: the expect block must start with "exit N", got "${exitLine}"`);
      commands.push({ step, line: blocks[i]!.lines.join('\n'), input, exits: exits.split('|').map(Number), output });
    }
  }
  return { commands, notWalked };
}

const strip = (text: string) => stripVTControlCharacters(text).replace(/\r/g, '');

/** Runs one command line in a shell on a pseudo-terminal, typing each answer once a question (`…: `) is asked. */
function runLiterally(line: string, input: readonly string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn('script', ['-qfec', line, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let answered = 0;
    let sinceAnswer = '';
    const onData = (chunk: Buffer) => {
      const text = strip(chunk.toString('utf8'));
      output += text;
      sinceAnswer += text;
      if (answered < input.length && /[?:] $/.test(sinceAnswer)) {
        child.stdin.write(`${input[answered++]}\r`);
        sinceAnswer = '';
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

describe('the Markdown runbooks, followed literally on the local environment', () => {
  let env: LocalEnvironment;
  let childEnv: NodeJS.ProcessEnv;
  const notWalked: string[] = [];

  beforeAll(async () => {
    // The shipped configuration (Regions, tenants, as the runbooks name them) under names of its own on the shared moto.
    const shipped = loadConfig();
    const app = uniqueName('walk')
      .replace(/[^a-z0-9-]/g, '')
      .slice(0, 21);
    const config = configSchema.parse({ ...shipped, app, dns: { ...shipped.dns, zoneName: `${app}.example.com` } });
    env = await startLocalEnvironment({ config, motoEndpoint: motoTarget().endpoint });
    childEnv = { ...process.env, REGIONFLIP_TARGET: 'local', REGIONFLIP_ENV_ID: env.id, NO_COLOR: '1' };
  });
  afterAll(async () => {
    await env?.stop();
  });

  it.each(WALK_ORDER.map((f) => [f]))(
    'GIVEN runbooks/%s WHEN each command is typed as written THEN each gives the exit code and output it states',
    async (file) => {
      const { commands, notWalked: skipped } = parseRunbook(file);
      notWalked.push(...skipped);
      expect(commands.length).toBeGreaterThan(0);
      for (const c of commands) {
        const { code, output } = await runLiterally(c.line, c.input, childEnv);
        const missing = c.output.filter((expected) => !output.includes(expected));
        const ok = c.exits.includes(code) && missing.length === 0;
        // The whole output only when it went wrong: what the reader of the runbook would have seen.
        expect({ step: c.step, command: c.line, code, missing, output: ok ? '' : output }).toEqual({
          step: c.step,
          command: c.line,
          code: c.exits.includes(code) ? code : c.exits.join(' or '),
          missing: [],
          output: '',
        });
      }
    },
    600_000,
  );

  it('GIVEN the walk WHEN done THEN exactly the steps marked "Not walked locally" were not run, each named', () => {
    expect(notWalked).toEqual(NOT_WALKED);
  });
});
