import { cleanupEnvironments } from '../../chaos/env/env-state';
import type { MotoServer } from '../../chaos/env/moto-server';

export default async function globalTeardown(): Promise<void> {
  // A test whose environment never stopped (a hang cut off by jest's timeout, a worker force-exited) leaves its tenant
  // services running detached: stop them, and say so, since it points at a teardown bug.
  const leftovers = await cleanupEnvironments({ orphansOnly: true });
  if (leftovers.killed.length > 0) {
    process.stderr.write(
      `stopped ${leftovers.killed.length} process(es) of ${leftovers.environments} local environment(s) that a test ` +
        `did not stop (pids ${leftovers.killed.map((p) => p.pid).join(', ')})\n`,
    );
  }
  const holder = globalThis as { __moto?: MotoServer };
  await holder.__moto?.stop();
  // The next project's teardown in the same run finds nothing left to stop.
  holder.__moto = undefined;
}
