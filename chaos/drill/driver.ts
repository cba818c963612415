import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../../failover/aws/clients';
import { controlRegionOf, namesFor } from '../../failover/config/names';
import { runtimeSettingsFromConfig } from '../../failover/config/runtime-settings';
import type { RegionFlipConfig } from '../../failover/config/schema';
import type { AuditEntry } from '../../failover/core/types';
import { failoverDepsFromSettings } from '../../failover/handler/failover-handler';
import { findOncallTopicArn } from '../../failover/notify/sns-notifier';
import type { ControlStore } from '../../failover/ports';
import { DynamoControlStore } from '../../failover/state/control-table';
import type { ControlTableRef } from '../../failover/state/drill-marker';
import { executeSwitch, type SwitchReport, systemClock } from '../../failover/switch/execute-switch';
import { type Route53RecordsSwitchDeps, route53SwitchFor } from '../../failover/switch/route53-switch';
import type { ServiceFault } from '../../infra/tenant-service/fault';
import { HEALTH_PATH } from '../../infra/tenant-service/routes';
import { Route53DnsClient } from '../env/dns';
import type { JournalEnvironment, UndoAction } from './journal';
import type { AlarmTransition } from './measure/measurements';
import type { SwitchRecord } from './measure/route53-calls';
import type { DrillTarget } from './schema';
import type { Resolve, TrafficTenant } from './traffic';

/** An undo entry for a fault. */
export type FaultUndo = Extract<UndoAction, { kind: 'fault' }>;

/**
 * What a rollback needs: lift faults, switch back, and say what is still not restored. Implemented by the live drivers
 * (local environment, AWS) and, after a crash, from the journal alone (chaos/drill/rollback.ts).
 */
export interface RestoreOps {
  readonly config: RegionFlipConfig;
  readonly store: ControlStore;
  /** The control table itself, for the "drill in progress" marker that the runbooks' prechecks read. */
  readonly controlTable: ControlTableRef;
  /** Lifts one fault the drill injected; returns what was done, for the journal. */
  lift(undo: FaultUndo): Promise<string>;
  /** Switches all tenants back through the one switch (caller "drill"). Undefined when nothing had to move. */
  failback(region: string, runId: string): Promise<SwitchRecord | undefined>;
  /** Faults still in place (service fault switches, FIS experiments, paused replication), for the verification. */
  remainingFaults(undo: readonly FaultUndo[]): Promise<string[]>;
  /**
   * Where traffic goes, observed: the routing records Route 53 serves and a client probe per tenant through a fresh
   * resolver. Returns what is not on `region` (empty when everything is). Never the control table: it is only a claim.
   */
  observedRoutingProblems(region: string): Promise<string[]>;
  /**
   * Stops what the drill itself runs that could switch traffic (the local environment's SNS delivery to the failover
   * handler) and waits for a switch under way. The first rollback, so no rollback races a switch. Returns a detail.
   */
  stopOwnSwitching?(): Promise<string>;
}

/** Where a drill runs: the local two-Region environment, or deployed stacks. */
export interface DrillDriver extends RestoreOps {
  readonly target: DrillTarget;
  readonly environment: JournalEnvironment;
  /** Traffic defaults of the target, for what the drill file leaves out. */
  readonly trafficDefaults: {
    /** Requests per second per tenant, shared by its clients when the drill file sets no per-client rate. */
    readonly ratePerTenant: number;
    readonly writeShare: number;
    readonly timeoutMs: number;
  };
  /** How far back client-side probes look when the drill file gives no window. */
  readonly defaultProbeWindowMs: number;
  /** How often the runner checks waits and stop conditions. */
  readonly pollMs: number;
  trafficTenants(): TrafficTenant[];
  /** One client's resolver; `cacheAgeMs`: how far into its TTL the client's cache already is (staggered clients). */
  newResolver(cacheAgeMs?: number): Resolve;
  /** What the RTO floor is computed from, besides the drill's rate and the configuration (chaos/drill/measure/rto-floor.ts). */
  readonly detectionDelays: {
    readonly evaluationDelayMs: number;
    readonly publishDelayMs: number;
    /** The modelled Route 53 propagation (chaos/env/route53-propagation.ts); absent where it is real and measured. */
    readonly route53PropagationMs?: number;
  };
  /**
   * Takes the whole Region down (drill fault `region-outage`); returns the FIS experiment id when FIS injected it.
   * Locally nothing of the Region runs any more (LocalEnvironment.setRegionDown).
   */
  takeRegionDown(region: string): Promise<string | undefined>;
  /** Injects a Region's service fault; returns the FIS experiment id when FIS injected it. */
  setServiceFault(region: string, fault: ServiceFault): Promise<string | undefined>;
  pauseReplication(): Promise<string | undefined>;
  replicationLagMs(): Promise<number | undefined>;
  /** When the Region's health alarm last went to ALARM at or after `since`; undefined if it did not. */
  alarmFiredAt(region: string, since: number): Promise<number | undefined>;
  /** Every alarm that went to ALARM in [since, until]; absent where the target does not record transitions (AWS). */
  alarmsFired?(since: number, until: number): Promise<AlarmTransition[]>;
  /** Whether a named alarm is in ALARM now (stop conditions). */
  alarmInAlarm(region: string, alarmName: string): Promise<boolean>;
  /** When the alarm notification for the Region left SNS at or after `since` (undefined where it cannot be seen). */
  notifiedAt(region: string, since: number): number | undefined;
  /** The failover handler's switches at or after `since`, with the Route 53 calls each made. */
  handlerSwitches(since: number, audit: readonly AuditEntry[]): SwitchRecord[];
  /** Per tenant, the write sequence numbers with the id prefix that the Region's data table holds. */
  presentWriteSeqs(region: string, tenantIds: readonly string[], idPrefix: string): Promise<Map<string, Set<number>>>;
  close(): Promise<void>;
}

/** The control table in the control Region, where the Lambda and the runbooks keep their state too. */
export function controlTableFor(config: RegionFlipConfig, clients: AwsClients): ControlTableRef {
  const region = controlRegionOf(config);
  const db = clients.dynamodb[region];
  if (!db) throw new Error(`no DynamoDB client for the control table's Region ${region}`);
  return { db, tableName: namesFor(config).controlTable };
}

export function controlStoreFor(config: RegionFlipConfig, clients: AwsClients): ControlStore {
  const { db, tableName } = controlTableFor(config, clients);
  return new DynamoControlStore(db, {
    tableName,
    primaryRegion: config.regions.primary,
    automationEnabled: config.policy.automationEnabled,
    autoFailoverWindowSeconds: config.policy.windowSeconds,
  });
}

/**
 * The drill's failback: the same executeSwitch as the failover Lambda and the runbooks, caller "drill", audited and
 * announced to on-call like any other switch.
 */
export async function drillFailback(
  config: RegionFlipConfig,
  clients: AwsClients,
  store: ControlStore,
  hostedZoneId: string,
  region: string,
  runId: string,
  switchOptions: Pick<Route53RecordsSwitchDeps, 'inSyncPollMs'> = {},
): Promise<SwitchRecord | undefined> {
  const names = namesFor(config);
  // The on-call topic lives with the control table.
  const sns = clients.sns[controlRegionOf(config)];
  if (!sns) throw new Error(`no SNS client for ${controlRegionOf(config)}`);
  const oncallTopicArn = await findOncallTopicArn(sns, names.oncallTopic, controlRegionOf(config));
  // The failover Lambda's own adapters (one factory): the drill switches exactly as the Lambda does.
  const adapters = failoverDepsFromSettings(
    runtimeSettingsFromConfig(config, { hostedZoneId, oncallTopicArn }),
    clients,
  );
  const deps = {
    store,
    // The Lambda's switch (failoverDepsFromSettings builds the same), polling for INSYNC as the caller's profile says.
    trafficSwitch: route53SwitchFor(config, clients.route53, hostedZoneId, switchOptions),
    notifier: adapters.notifier,
    clock: systemClock,
    owner: `drill:${runId}`,
  };
  const request = {
    switch: { targetRegion: region, scope: { kind: 'region' } },
    caller: 'drill',
    actor: process.env.USER ?? 'drill',
    reason: `drill ${runId} rollback: traffic back to ${region}`,
    trigger: `drill:${runId}`,
    leaseSeconds: config.policy.leaseSeconds,
  } as const;
  // A lease held by a switch that just finished, or by a holder that died (a killed drill, a crashed Lambda), expires
  // after leaseSeconds: wait that long before giving up.
  const deadline = Date.now() + (config.policy.leaseSeconds + 2) * 1000;
  let report = await executeSwitch(deps, request);
  while (report.outcome === 'lease-held' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    report = await executeSwitch(deps, request);
  }
  if (report.outcome === 'failed' || report.outcome === 'lease-held') {
    throw new Error(
      `failback to ${region} ${report.outcome === 'failed' ? `failed: ${report.error}` : 'could not start: another switch holds the lease'}` +
        ' — rerun `regionflip drill rollback`',
    );
  }
  return failbackRecord(report, region);
}

/** The journal's record of a failback switch report; undefined when nothing had to move. */
export function failbackRecord(report: SwitchReport, region: string): SwitchRecord | undefined {
  if (report.outcome === 'noop') return undefined;
  return {
    at: Date.now(),
    by: 'drill-rollback',
    toRegion: region,
    recordsChanged: report.switchOutcome?.recordsChanged ?? 0,
    changeCalls: report.switchOutcome?.changeCalls ?? 0,
    retries: report.switchOutcome?.retries ?? 0,
  };
}

export interface ObservedRoutingOptions {
  readonly config: RegionFlipConfig;
  readonly route53: AwsClients['route53'];
  readonly hostedZoneId: string;
  /**
   * Where a client probe goes for a Region the DNS answer names (a local load balancer or service URL); undefined
   * skips the probe for that Region (a Region with nothing running locally, or AWS, where the OS resolver is used).
   */
  readonly probeBaseUrl?: (region: string) => string | undefined;
  readonly fetchImpl?: typeof fetch;
}

/**
 * The routing as observed from outside: (1) the routing records Route 53 serves, planned against the target by the
 * one switch's own reader (a non-empty plan = records not on the target); (2) per tenant, a fresh resolver follows its
 * name and a GET /health is sent where the answer points, which must be served by the target Region.
 */
/** Client probes in flight at once during a rollback's verification: bounded, so a thousand tenants do not flood the target. */
const PROBES_AT_ONCE = 8;

export async function observedRoutingProblems(opts: ObservedRoutingOptions, region: string): Promise<string[]> {
  const { config } = opts;
  const problems: string[] = [];
  const plan = await route53SwitchFor(config, opts.route53, opts.hostedZoneId).plan({
    targetRegion: region,
    scope: { kind: 'region' },
  });
  if (plan.changes.length > 0) {
    problems.push(
      `${plan.changes.length} routing record(s) Route 53 serves are not on ${region}: ${plan.changes
        .slice(0, 5)
        .map((c) => `${c.name} -> ${c.from ?? '(none)'}`)
        .join(', ')}`,
    );
  }
  if (!opts.probeBaseUrl) return problems;
  const fetchImpl = opts.fetchImpl ?? fetch;
  const names = namesFor(config);
  const dns = new Route53DnsClient({
    route53: opts.route53,
    hostedZoneId: opts.hostedZoneId,
    loadBalancerUrl: opts.probeBaseUrl,
  });
  // One probe per tenant, a few at a time: each is a DNS read and an HTTP call, and waiting for them one by one made
  // this verification the longest step of a rollback. Problems keep the tenants' order.
  const probeTenant = async (tenantId: string): Promise<string | undefined> => {
    const hostname = names.tenantRecord(tenantId);
    try {
      const answer = await dns.resolve(hostname);
      if (answer.region !== region) return `client probe: ${hostname} resolves to ${answer.region}, not ${region}`;
      const res = await fetchImpl(new URL(HEALTH_PATH, answer.url), { signal: AbortSignal.timeout(5000) });
      const servedBy = res.headers.get('x-served-by-region') ?? ((await res.json()) as { region?: string }).region;
      if (!res.ok || servedBy !== region) {
        return `client probe: ${hostname} answered ${res.status} from ${servedBy ?? 'an unknown Region'}`;
      }
      return undefined;
    } catch (err) {
      return `client probe: ${hostname} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  for (let i = 0; i < config.tenants.length; i += PROBES_AT_ONCE) {
    const batch = config.tenants.slice(i, i + PROBES_AT_ONCE);
    for (const problem of await Promise.all(batch.map((t) => probeTenant(t.id)))) {
      if (problem !== undefined) problems.push(problem);
    }
  }
  return problems;
}

/** The audit entries of automatic failovers and pages since a moment (newest last). */
export function handlerOutcomes(audit: readonly AuditEntry[], since: number) {
  const recent = audit.filter((e) => e.at.getTime() >= since).sort((a, b) => a.at.getTime() - b.at.getTime());
  return {
    failovers: recent.filter((e) => e.caller === 'automatic-failover' && e.outcome === 'switched'),
    pages: recent.filter((e) => e.outcome === 'paged'),
  };
}

/**
 * Per tenant, the write sequence numbers a Region's tenant data table holds for the drill's writes (order items whose
 * id starts with the drill's prefix; see infra/tenant-service/data-model.ts).
 */
export async function writeSeqsIn(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenantIds: readonly string[],
  idPrefix: string,
): Promise<Map<string, Set<number>>> {
  const present = new Map<string, Set<number>>();
  for (const tenantId of tenantIds) {
    const seqs = new Set<number>();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': tenantId, ':prefix': `order#${idPrefix}-` },
          ProjectionExpression: 'writeSeq',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) if (typeof item.writeSeq === 'number') seqs.add(item.writeSeq);
      start = page.LastEvaluatedKey;
    } while (start);
    present.set(tenantId, seqs);
  }
  return present;
}
