import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describeFailure, EXIT } from '../../failover/cli/exit-codes';
import { buildProgram } from '../../failover/cli/program';
import { RunbookStepError, RunbookUsageError } from '../../runbooks/errors';
import { captureCli } from './capture-cli';

const { version } = require('../../package.json') as { version: string };

describe('the CLI conventions (in-process)', () => {
  it('GIVEN --version WHEN run THEN it prints the package version and exits 0', async () => {
    expect(await captureCli(['--version'])).toEqual({ code: 0, out: `${version}\n`, err: '' });
  });

  it('GIVEN an unknown command WHEN run THEN exit 2 with one error line and a short hint, not the whole help', async () => {
    const { code, err, out } = await captureCli(['stauts']);
    expect(code).toBe(EXIT.usage);
    expect(out).toBe('');
    const lines = err.trimEnd().split('\n');
    expect(lines[0]).toBe("error: unknown command 'stauts'");
    expect(err).toContain('Did you mean status?');
    expect(lines.at(-1)).toBe('  (add --help for usage)');
    expect(lines.length).toBeLessThanOrEqual(3);
  });

  it('GIVEN the AWS CLI habit --region WHEN failover THEN exit 2 and the hint names --to', async () => {
    const { code, err } = await captureCli(['failover', '--region', 'us-west-2']);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/^error: required option '--to <region>' not specified\n/);
    expect(err).toContain(
      'RegionFlip calls --region "--to <region>" here (the Region to move traffic to): failover --to us-west-2',
    );
  });

  it('GIVEN --zone-id "" (an unset $ZONE_ID) WHEN given to every command that takes --zone-id THEN each exits 2 naming the empty flag, before anything is called', async () => {
    const withZoneId = (cmd: Command, prefix: string[] = []): string[][] =>
      cmd.commands.flatMap((c) => [
        ...(c.options.some((o) => o.long === '--zone-id') ? [[...prefix, c.name()]] : []),
        ...withZoneId(c, [...prefix, c.name()]),
      ]);
    const commands = withZoneId(buildProgram());
    expect(commands.map((c) => c.join(' ')).sort()).toEqual(
      [
        'automation',
        'failback',
        'failover',
        'notifications',
        'probe',
        'runs abandon',
        'runs list',
        'runs show',
        'status',
      ].sort(),
    );
    for (const command of commands) {
      const { code, err } = await captureCli([...command, '--target', 'aws', '--zone-id', '']);
      expect({ command, code, err: err.split('\n')[0] }).toEqual({
        command,
        code: EXIT.usage,
        err: "error: option '--zone-id <id>' argument '' is invalid. --zone-id is empty: leave --zone-id out to look the zone up by name, or set ZONE_ID first",
      });
    }
  });

  it('GIVEN automation disable without --reason WHEN run THEN exit 2 and the fix is named', async () => {
    const { code, err } = await captureCli(['automation', 'disable', '--target', 'aws']);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/^error: automation disable needs --reason "<why>"/);
  });

  it('GIVEN -o yaml WHEN status THEN exit 2 naming the allowed formats', async () => {
    const { code, err } = await captureCli(['status', '-o', 'yaml']);
    expect(code).toBe(EXIT.usage);
    expect(err).toContain('Allowed choices are table, json');
  });
});

describe('what an error reaching the top level becomes', () => {
  const named = (name: string, message: string, extra: object = {}) =>
    Object.assign(new Error(message), { name }, extra);

  it.each([
    [
      'missing credentials',
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      EXIT.access,
      /log in/,
    ],
    [
      'expired token',
      named('ExpiredTokenException', 'The security token included in the request is expired'),
      EXIT.access,
      /log in/,
    ],
    [
      'permission',
      named('AccessDeniedException', 'User: x is not authorized to perform: sns:ListTopics'),
      EXIT.access,
      /permissions/,
    ],
    [
      'no network',
      named('Error', 'fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }),
      EXIT.access,
      /network/,
    ],
    ['an HTML answer', named('Error', "char '<' is not expected: mismatched tags <html>"), EXIT.usage, /\$ZONE_ID/],
    ['a usage error', new RunbookUsageError('--yes needs --reason'), EXIT.usage, undefined],
    ['a step error', new RunbookStepError('switch', 'lease held'), EXIT.failed, undefined],
    ['anything else', new Error('boom\nsecond line'), EXIT.failed, undefined],
  ])('GIVEN %s WHEN described THEN exit code and the fix fit', (_what, err, code, fix) => {
    const failure = describeFailure(err);
    expect(failure.code).toBe(code);
    expect(failure.message).not.toContain('\n');
    if (fix) expect(failure.fix).toMatch(fix);
  });
});

describe('the regionflip binary (a real process)', () => {
  const bin = join(__dirname, '../../failover/cli/regionflip.cjs');
  const run = (args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8',
      // No credentials anywhere and no instance metadata: what a laptop without `aws sso login` looks like.
      env: {
        PATH: process.env.PATH,
        HOME: '/nonexistent',
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });

  it('GIVEN no AWS credentials WHEN status --target aws THEN exit 4, two lines on stderr (what, then what to do), no SDK notice', () => {
    const res = run(['status', '--target', 'aws', '--zone-id', 'ZTEST']);
    expect(res.status).toBe(EXIT.access);
    expect(res.stdout).toBe('');
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^error: no valid AWS credentials/),
      expect.stringMatching(/^ {2}log in/),
    ]);
    expect(res.stderr).not.toContain('NodeVersionSupportWarning');
  });
});
