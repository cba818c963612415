import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInstallStep } from '../../chaos/env/moto-server';

/** The one-time moto install: quiet when a step works, the whole log when it fails. */
describe('a moto install step', () => {
  const logFile = () => join(mkdtempSync(join(tmpdir(), 'moto-install-')), 'install.log');
  const noisy = (exit: number) => [
    '-e',
    `for (let i = 0; i < 40; i++) console.error('WARNING: pip line ' + i); console.log('last line'); process.exit(${exit})`,
  ];

  it('GIVEN a step that succeeds with 41 lines of output WHEN it runs THEN nothing reaches the terminal and the log keeps it', () => {
    const log = logFile();
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => writes.push(String(chunk)) > 0);
    try {
      runInstallStep(process.execPath, noisy(0), 'the fix', log);
    } finally {
      spy.mockRestore();
    }
    expect(writes).toEqual([]);
    expect(readFileSync(log, 'utf8')).toContain('WARNING: pip line 39');
  });

  it('GIVEN a step that fails WHEN it runs THEN the error names the command, the exit, the fix and carries the full log', () => {
    const log = logFile();
    let message = '';
    try {
      runInstallStep(process.execPath, noisy(3), 'check the pip index', log);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^moto install failed: ".+" \(exit 3\): check the pip index\. Its full log/);
    expect(message).toContain(log);
    for (let i = 0; i < 40; i++) expect(message).toContain(`WARNING: pip line ${i}\n`);
    expect(message).toContain('last line');
  });

  it('GIVEN a command that does not exist WHEN it runs THEN the error says so and gives the fix', () => {
    expect(() => runInstallStep('/nonexistent/python3', ['-m', 'venv', 'x'], 'install Python 3.9+', logFile())).toThrow(
      /"\/nonexistent\/python3 -m venv x" \(spawnSync \/nonexistent\/python3 ENOENT\): install Python 3\.9\+/,
    );
  });
});
