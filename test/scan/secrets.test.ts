import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';

/** The secret/PII scan (secretlint, .secretlintrc.yaml) as `npm run scan:secrets` runs it, from the repository root. */

const ROOT = resolve(__dirname, '../..');
const CONFIG = join(ROOT, '.secretlintrc.yaml');
const SECRETLINT = join(ROOT, 'node_modules', '.bin', 'secretlint');

interface Finding {
  readonly file: string;
  readonly ruleId: string;
  readonly messageId: string;
}

function scan(...globs: string[]): { status: number | null; findings: Finding[] } {
  const run = spawnSync(SECRETLINT, ['--format', 'unix', '--no-color', '--secretlintrc', CONFIG, ...globs], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(run.error).toBeUndefined();
  // A crashed secretlint (bad config, missing rule) says so on stderr: that must fail here, not pass as "no findings".
  expect(run.stderr).toBe('');
  // One line per finding: "<file>:<line>:<col>: [<messageId>] <masked message> [<severity>/<preset> > <rule>]".
  const findings = [...run.stdout.matchAll(/^(.+?):\d+:\d+: \[(\w+)\] .* \[\w+\/(?:\S+ > )?(\S+)\]$/gm)].map(
    ([, file, messageId, ruleId]) => ({ file: file!, messageId: messageId!, ruleId: ruleId! }),
  );
  return { status: run.status, findings };
}

/** A random string over an alphabet: planted values differ on every run. */
const randomFrom = (alphabet: string, length: number) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

describe('secret and PII scan (secretlint)', () => {
  it('GIVEN the repository WHEN scanned THEN there is no finding', () => {
    const { status, findings } = scan('**/*');
    expect(findings).toEqual([]);
    expect(status).toBe(0);
  });

  describe('GIVEN a temporary file with planted secrets', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'regionflip-secret-scan-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    // Built at run time from random parts, so no literal here is itself a finding in the repository scan.
    it.each([
      [
        'an AWS secret access key',
        // 40 characters of the key alphabet; the rule's pattern ends in \b, so the last one is alphanumeric (a key ending
        // in "/" or "+" at the end of a line is not matched: 2 runs in 64 would fail for that alone).
        () => `aws_secret_access_key = ${randomFrom(`${ALNUM}/+`, 39)}${randomFrom(ALNUM, 1)}`,
        '@secretlint/secretlint-rule-aws',
      ],
      [
        'a private key',
        () =>
          generateKeyPairSync('ec', { namedCurve: 'P-256' })
            .privateKey.export({ format: 'pem', type: 'pkcs8' })
            .toString(),
        '@secretlint/secretlint-rule-privatekey',
      ],
      [
        'a real-looking e-mail address (PII)',
        () => `const owner = '${randomFrom('abcdefgh', 6)}@${randomFrom('abcdefgh', 8)}.io';`,
        '@secretlint/secretlint-rule-pattern',
      ],
      [
        'an ARN with a real-looking account id',
        () => `arn:aws:iam::${randomInt(100_000_000_000, 999_999_999_998)}:role/${randomFrom('ABCDEFGH', 6)}`,
        '@secretlint/secretlint-rule-pattern',
      ],
    ])('WHEN the file holds %s THEN the scan fails and names the rule', (_what, content, ruleId) => {
      const file = join(dir, `planted-${randomFrom('abcdefgh', 8)}.ts`);
      writeFileSync(file, `${content()}\n`);
      const { status, findings } = scan(file);
      expect(findings.map((f) => ({ file: f.file, ruleId: f.ruleId }))).toEqual([{ file, ruleId }]);
      expect(status).toBe(1);
    });
  });

  it('GIVEN the allowlist WHEN read THEN every allowed value carries a "# reason:" comment', () => {
    const doc = parseDocument(readFileSync(CONFIG, 'utf8'));
    const allows: { value: unknown; comment: string }[] = [];
    const visit = (node: unknown): void => {
      if (isMap(node)) {
        for (const pair of (node as YAMLMap).items) {
          if (isScalar(pair.key) && pair.key.value === 'allows' && isSeq(pair.value)) {
            const seq = pair.value;
            seq.items.forEach((item, i) => {
              // The yaml parser hangs the comment above a list's first item on the list itself.
              const comment = (isScalar(item) ? item.commentBefore : undefined) ?? (i === 0 ? seq.commentBefore : '');
              allows.push({ value: isScalar(item) ? item.value : item, comment: comment ?? '' });
            });
          } else visit(pair.value);
        }
      } else if (isSeq(node)) node.items.forEach(visit);
    };
    visit(doc.contents);
    expect(allows.length).toBeGreaterThan(0);
    for (const allow of allows) {
      expect({ ...allow, reasoned: /^\s*reason: .{20,}/.test(allow.comment) }).toEqual({ ...allow, reasoned: true });
    }
  });
});
