import {
  type ExperimentSummary,
  type ExperimentTemplate,
  type ExperimentTemplateSummary,
  type FisClient,
  GetExperimentCommand,
  GetExperimentTemplateCommand,
  ListExperimentsCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from '@aws-sdk/client-fis';

import { FIS_TAGS } from '../../../infra/fis/tags';

/**
 * Faults on AWS through the FIS experiment templates that the CDK app creates (infra/fis), found by their tags
 * (infra/fis/tags.ts), so the drill needs no template id. The template's own stop conditions (CloudWatch alarms) stop
 * it too; the drill stops it in its rollbacks.
 */

export interface FisTemplateQuery {
  readonly app: string;
  readonly fault: string;
  readonly region: string;
}

export interface FisFaultsOptions {
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The tag StartExperiment puts on every experiment a drill starts: its run id, so a crash recovery can find it. */
export const DRILL_RUN_TAG = 'regionflip:drill';

const ACTIVE = new Set(['pending', 'initiating', 'running']);
const OVER = new Set(['completed', 'stopped', 'failed', 'cancelled']);

export class FisFaults {
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  /** `fis` holds one client per Region: FIS experiments run in the Region whose resources they act on. */
  constructor(
    private readonly fis: Readonly<Record<string, FisClient>>,
    options: FisFaultsOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private client(region: string): FisClient {
    const client = this.fis[region];
    if (!client) throw new Error(`no FIS client for Region "${region}": create one for each Region of the deployment`);
    return client;
  }

  /** The template tagged for this fault, or undefined when the CDK app created none. */
  async findTemplate(query: FisTemplateQuery): Promise<ExperimentTemplateSummary | undefined> {
    const client = this.client(query.region);
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListExperimentTemplatesCommand({ nextToken, maxResults: 100 }));
      const found = (page.experimentTemplates ?? []).find(
        (t) =>
          t.tags?.[FIS_TAGS.app] === query.app &&
          t.tags?.[FIS_TAGS.fault] === query.fault &&
          t.tags?.[FIS_TAGS.region] === query.region,
      );
      if (found) return found;
      nextToken = page.nextToken;
    } while (nextToken);
    return undefined;
  }

  /** The whole template (actions, targets, stop conditions, role), for the dry run; FIS's error if it is gone. */
  async describeTemplate(region: string, templateId: string): Promise<ExperimentTemplate> {
    const out = await this.client(region).send(new GetExperimentTemplateCommand({ id: templateId }));
    if (!out.experimentTemplate) throw new Error(`FIS returned no experiment template ${templateId} in ${region}`);
    return out.experimentTemplate;
  }

  /**
   * The experiments still active (pending, initiating, running) that the drill run started, found by the tag
   * StartExperiment put on them: how a rollback finds an experiment whose id never reached the journal (a crash
   * between StartExperiment and the journal write). Every page is read.
   */
  async activeExperimentsOf(region: string, drillRunId: string): Promise<ExperimentSummary[]> {
    const client = this.client(region);
    const found: ExperimentSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListExperimentsCommand({ nextToken, maxResults: 100 }));
      for (const e of page.experiments ?? []) {
        const status = e.state?.status;
        if (e.id && e.tags?.[DRILL_RUN_TAG] === drillRunId && status !== undefined && ACTIVE.has(status)) found.push(e);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return found;
  }

  /** Starts the experiment and resolves once FIS reports it running; a failed start is an error with FIS's reason. */
  async start(region: string, templateId: string, clientToken: string, drillRunId: string): Promise<string> {
    const client = this.client(region);
    const out = await client.send(
      new StartExperimentCommand({
        experimentTemplateId: templateId,
        clientToken,
        tags: { [DRILL_RUN_TAG]: drillRunId },
      }),
    );
    const id = out.experiment?.id;
    if (!id) throw new Error(`FIS did not return an experiment id for template ${templateId} in ${region}`);
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const { status, reason } = await this.state(region, id);
      if (status === 'running') return id;
      if (status !== undefined && !ACTIVE.has(status)) {
        throw new Error(
          `FIS experiment ${id} (template ${templateId}, ${region}) ended as "${status}": ${reason ?? 'no reason given'}`,
        );
      }
      if (Date.now() > deadline) {
        await this.stop(region, id);
        throw new Error(`FIS experiment ${id} did not start running within ${this.timeoutMs / 1000} s: it was stopped`);
      }
      await this.sleep(this.pollMs);
    }
  }

  async state(region: string, experimentId: string): Promise<{ status?: string; reason?: string }> {
    const out = await this.client(region).send(new GetExperimentCommand({ id: experimentId }));
    return { status: out.experiment?.state?.status, reason: out.experiment?.state?.reason };
  }

  /** Stops the experiment (an experiment that already ended is fine) and waits until FIS says it is over. */
  async stop(region: string, experimentId: string): Promise<void> {
    const client = this.client(region);
    const before = await this.state(region, experimentId);
    if (before.status !== undefined && OVER.has(before.status)) return;
    await client.send(new StopExperimentCommand({ id: experimentId }));
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const { status } = await this.state(region, experimentId);
      if (status !== undefined && OVER.has(status)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `FIS experiment ${experimentId} in ${region} is still "${status}" after StopExperiment: check the FIS console`,
        );
      }
      await this.sleep(this.pollMs);
    }
  }
}
