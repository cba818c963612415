import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EXIT, EXIT_CODE_TABLE } from '../../failover/cli/exit-codes';

const ROOT = join(__dirname, '../..');

/** The rows of README.md's "Exit codes" table, as [code, meaning]. */
function readmeExitCodes(): [number, string][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Exit codes'));
  return section
    .split('\n')
    .filter((l) => /^\|\s*\d+\s*\|/.test(l))
    .map((l) => {
      const [, code, meaning] = l.split('|').map((c) => c.trim());
      return [Number(code), meaning!];
    });
}

/** Every .ts file of a folder, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the exit-code table', () => {
  it("GIVEN README.md's Exit codes table WHEN compared with failover/cli/exit-codes.ts THEN the rows are the same, in order", () => {
    expect(readmeExitCodes()).toEqual(EXIT_CODE_TABLE.map(([code, meaning]) => [code, meaning]));
  });

  it('GIVEN the EXIT constants THEN each has exactly one row of the table', () => {
    expect(EXIT_CODE_TABLE.map(([code]) => code).sort((a, b) => a - b)).toEqual(
      Object.values(EXIT).sort((a, b) => a - b),
    );
  });

  it('GIVEN every command source (failover/cli, runbooks, chaos) WHEN scanned THEN no exit code is a bare number', () => {
    const files = ['failover/cli', 'runbooks', 'chaos'].flatMap((d) => sources(join(ROOT, d)));
    const literal = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${relative(ROOT, file)}:${i + 1}` }))
        .filter(({ line }) => /process\.exit(Code\s*=\s*[^;]*\b\d+\b|\(\s*\d)/.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(literal).toEqual([]);
  });
});
