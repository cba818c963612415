import { Listr } from 'listr2';
import { type DrillProgress, drillPhases, type PhaseStatus } from './progress';

interface Phase {
  readonly initialTitle: string;
  resolve(status: { status: PhaseStatus; title?: string }): void;
  promise: Promise<{ status: PhaseStatus; title?: string }>;
  /** Title and output set before listr2 reached the task are applied when it does. */
  title?: string;
  output?: string;
  task?: { title: string; output: string };
}

/**
 * Live progress in the terminal with listr2: every phase of the drill listed up front (method steps by name), each
 * ticking as the runner reaches and finishes it. The runner drives it through {@link DrillProgress}.
 */
export function listrProgress(stepNames: readonly string[], renderer: 'default' | 'simple' = 'default') {
  const phases = new Map<string, Phase>();
  for (const { key, title } of drillPhases(stepNames)) {
    let resolve!: Phase['resolve'];
    const promise = new Promise<{ status: PhaseStatus; title?: string }>((r) => {
      resolve = r;
    });
    phases.set(key, { initialTitle: title, resolve, promise });
  }
  const list = new Listr(
    [...phases.entries()].map(([, phase]) => ({
      title: phase.initialTitle,
      task: async (_ctx: unknown, task: { title: string; output: string; skip(message?: string): void }) => {
        phase.task = task;
        if (phase.title) task.title = phase.title;
        if (phase.output) task.output = phase.output;
        const end = await phase.promise;
        if (end.title) task.title = end.title;
        if (end.status === 'skipped') task.skip(end.title ?? phase.initialTitle);
        if (end.status === 'failed') throw new Error(end.title ?? `${phase.initialTitle} failed`);
      },
    })),
    {
      concurrent: false,
      exitOnError: false,
      // listr2's own SIGINT listener calls process.exit: the drill handles its signals itself and rolls back first.
      registerSignalListeners: false,
      renderer,
      rendererOptions: { collapseErrors: false },
    },
  );
  const done = list.run().catch(() => undefined);
  const progress: DrillProgress = {
    start(key, title) {
      const phase = phases.get(key);
      if (!phase) return;
      phase.title = title;
      if (phase.task) phase.task.title = title;
    },
    note(key, text) {
      const phase = phases.get(key);
      if (!phase) return;
      phase.output = text;
      if (phase.task) phase.task.output = text;
    },
    end: (key, status, title) => phases.get(key)?.resolve({ status, title }),
  };
  return { progress, done };
}
