import { runCli } from '../../failover/cli/program';

export interface CliRun {
  readonly out: string;
  readonly err: string;
  readonly code: number;
}

/** Runs the real program in-process (exit code from its table), capturing what it writes to stdout and stderr. */
export async function captureCli(args: readonly string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const spyOut = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const spyErr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  let code: number;
  try {
    code = await runCli(args);
  } finally {
    spyOut.mockRestore();
    spyErr.mockRestore();
    process.exitCode = 0;
  }
  return { out, err, code };
}
