import {
  AlarmType,
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  HistoryItemType,
  paginateDescribeAlarmHistory,
} from '@aws-sdk/client-cloudwatch';
import type { FisClient } from '@aws-sdk/client-fis';
import { z } from 'zod';
import type { AwsClients } from '../../../failover/aws/clients';
import { namesFor } from '../../../failover/config/names';
import type { RegionFlipConfig } from '../../../failover/config/schema';
import { FIS_LATENCY_TAG, FIS_TAGS, type FisFault } from '../../../infra/fis/tags';
import {
  controlStoreFor,
  controlTableFor,
  type DrillDriver,
  drillFailback,
  type FaultUndo,
  handlerOutcomes,
  observedRoutingProblems,
  writeSeqsIn,
} from '../driver';
import type { AlarmTransition } from '../measure/measurements';
import type { Fault } from '../schema';
import { FisFaults } from './fis-faults';

export interface AwsDriverOptions {
  readonly config: RegionFlipConfig;
  readonly clients: AwsClients;
  readonly fis: Readonly<Record<string, FisClient>>;
  readonly hostedZoneId: string;
  /**
   * The synthetic clients' identities: JSON `{"<tenant id>": "<ID token>"}` (REGIONFLIP_TENANT_TOKENS), each an ID token
   * of the tenant's drill-probe user in the user pool (infra/README.md, "Tenant identity"). The drill never holds a
   * key that can mint tokens.
   */
  readonly tenantTokens?: string;
  readonly runId: string;
  readonly fisOptions?: ConstructorParameters<typeof FisFaults>[1];
}

const HOW_TO_GET_TOKENS =
  "sign in each tenant's drill-probe user (aws cognito-idp admin-initiate-auth --auth-flow ADMIN_USER_PASSWORD_AUTH …) " +
  'and set REGIONFLIP_TENANT_TOKENS=\'{"<tenant id>":"<IdToken>",…}\' (infra/README.md, "Tenant identity")';

/** Every configured tenant's ID token from REGIONFLIP_TENANT_TOKENS; an error names what is missing and the fix. */
export function parseTenantTokens(text: string | undefined, config: RegionFlipConfig): Record<string, string> {
  if (!text) throw new Error(`REGIONFLIP_TENANT_TOKENS is not set: ${HOW_TO_GET_TOKENS}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`REGIONFLIP_TENANT_TOKENS is not JSON: ${HOW_TO_GET_TOKENS}`);
  }
  const tokens = z.record(z.string(), z.string().min(1)).safeParse(parsed);
  if (!tokens.success) {
    throw new Error(`REGIONFLIP_TENANT_TOKENS must map tenant ids to ID tokens (strings): ${HOW_TO_GET_TOKENS}`);
  }
  const missing = config.tenants.filter((t) => !tokens.data[t.id]).map((t) => t.id);
  if (missing.length > 0) {
    throw new Error(`REGIONFLIP_TENANT_TOKENS has no token for tenant(s) ${missing.join(', ')}: ${HOW_TO_GET_TOKENS}`);
  }
  return tokens.data;
}

/**
 * The FIS action each template runs, for errors that say what to deploy (infra/fis/drill-experiments.ts). On AWS every
 * fault goes through FIS: the tenant service's fault switch is not routed by any listener (local environment only).
 */
const FIS_ACTIONS: Record<FisFault, string> = {
  'region-outage': 'aws:network:disrupt-connectivity + aws:dynamodb:global-table-pause-replication',
  'service-outage': 'aws:network:disrupt-connectivity on the app subnets',
  latency: 'aws:ecs:task-network-latency',
  'replication-pause': 'aws:dynamodb:global-table-pause-replication',
};

/**
 * The FIS template a drill fault runs on AWS; undefined for the faults FIS does not inject (error-rate has no FIS
 * action; automation-disable is a control-table write). alarm-flap runs as service-outage cycles (chaos/drill/method.ts).
 */
export function fisFaultOf(fault: Fault): FisFault | undefined {
  switch (fault.kind) {
    case 'region-outage':
    case 'service-outage':
    case 'latency':
    case 'replication-pause':
      return fault.kind;
    case 'alarm-flap':
      return 'service-outage';
    case 'error-rate':
    case 'automation-disable':
      return undefined;
  }
}

/** The state changes to ALARM in CloudWatch's alarm history item (its HistoryData is JSON with newState). */
function alarmTransitionOf(
  item: { AlarmName?: string; AlarmType?: string; Timestamp?: Date; HistoryData?: string },
  region: string,
): AlarmTransition | undefined {
  if (!item.AlarmName || !item.Timestamp || !item.HistoryData) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(item.HistoryData);
  } catch {
    throw new Error(`CloudWatch alarm history of ${item.AlarmName} in ${region} is not JSON: ${item.HistoryData}`);
  }
  const state = (data as { newState?: { stateValue?: string } }).newState?.stateValue;
  if (state !== 'ALARM') return undefined;
  return {
    at: item.Timestamp.getTime(),
    region,
    alarm: item.AlarmName,
    composite: item.AlarmType === AlarmType.CompositeAlarm,
  };
}

/**
 * The drill against deployed stacks. Faults go through the FIS experiment templates the CDK app deploys and tags
 * (infra/fis): there is no other way in, since no public listener routes the fault switch. Alarms, routing and the
 * audit trail are read from the deployment itself.
 */
export function awsDriver(opts: AwsDriverOptions): DrillDriver {
  const { config, clients } = opts;
  const names = namesFor(config);
  const store = controlStoreFor(config, clients);
  const fis = new FisFaults(opts.fis, opts.fisOptions);
  const cloudwatch = (region: string): CloudWatchClient => {
    const cw = clients.cloudwatch[region];
    if (!cw) throw new Error(`no CloudWatch client for ${region}`);
    return cw;
  };
  /** Starts the fault's template in the Region; no template is an error naming the tag and the action to deploy. */
  const startFault = async (fault: FisFault, region: string, check?: (tags: Record<string, string>) => void) => {
    const template = await fis.findTemplate({ app: config.app, fault, region });
    if (!template?.id) {
      throw new Error(
        `no FIS experiment template tagged ${FIS_TAGS.app}=${config.app}, ${FIS_TAGS.fault}=${fault}, ` +
          `${FIS_TAGS.region}=${region}: deploy the Region stack of the CDK app (infra/fis, FIS action ${FIS_ACTIONS[fault]})`,
      );
    }
    check?.(template.tags ?? {});
    return fis.start(region, template.id, `${opts.runId}-${fault}-${Date.now()}`, opts.runId);
  };
  const alarm = async (region: string, alarmName: string) => {
    const out = await cloudwatch(region).send(
      new DescribeAlarmsCommand({
        AlarmNames: [alarmName],
        AlarmTypes: [AlarmType.CompositeAlarm, AlarmType.MetricAlarm],
      }),
    );
    return out.CompositeAlarms?.[0] ?? out.MetricAlarms?.[0];
  };
  const experimentRegion = (undo: FaultUndo) => ('region' in undo.fault ? undo.fault.region : config.regions.primary);

  return {
    target: 'aws',
    config,
    store,
    controlTable: controlTableFor(config, clients),
    environment: { target: 'aws', config, hostedZoneId: opts.hostedZoneId },
    trafficDefaults: { ratePerTenant: 1, writeShare: 0.2, timeoutMs: 5000 },
    // CloudWatch's own delays are not documented (aws-facts.md: "live lag n/d"): the floor counts them as 0.
    detectionDelays: { evaluationDelayMs: 0, publishDelayMs: 0 },
    defaultProbeWindowMs: 60_000,
    pollMs: 5000,
    trafficTenants: () => {
      const tokens = parseTenantTokens(opts.tenantTokens, config);
      return config.tenants.map((t) => ({
        id: t.id,
        tier: t.tier,
        token: tokens[t.id]!,
        hostname: names.tenantRecord(t.id),
      }));
    },
    // The operating system's resolver: it honours the record TTLs as real clients do.
    newResolver: () => async (hostname) => `https://${hostname}`,
    async setServiceFault(region, fault) {
      switch (fault.kind) {
        case 'none':
          throw new Error('use lift() to clear a fault');
        case 'outage':
          return startFault('service-outage', region);
        case 'latency':
          // StartExperiment takes no parameters: the template's delay must be the drill's.
          return startFault('latency', region, (tags) => {
            if (tags[FIS_LATENCY_TAG] !== String(fault.ms)) {
              throw new Error(
                `the latency template in ${region} adds ${tags[FIS_LATENCY_TAG] ?? 'an unknown'} ms, the drill asks ` +
                  `${fault.ms} ms: set the drill's latency to ${tags[FIS_LATENCY_TAG]} ms or change FIS_LATENCY_MS (infra/fis)`,
              );
            }
          });
        case 'error-rate':
          throw new Error(
            'the error-rate fault has no FIS action (FIS cannot make a service answer 5xx at a rate) and the fault ' +
              'switch is not reachable on AWS: run this drill on the local environment (--target local)',
          );
      }
    },
    takeRegionDown: (region) => startFault('region-outage', region),
    pauseReplication: () => startFault('replication-pause', config.regions.primary),
    async replicationLagMs() {
      const region = config.regions.primary;
      const now = new Date();
      const out = await cloudwatch(region).send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/DynamoDB',
          MetricName: 'ReplicationLatency',
          Dimensions: [
            { Name: 'TableName', Value: names.dataTable },
            { Name: 'ReceivingRegion', Value: config.regions.secondary },
          ],
          StartTime: new Date(now.getTime() - 5 * 60_000),
          EndTime: now,
          Period: 60,
          Statistics: ['Maximum'],
        }),
      );
      const latest = (out.Datapoints ?? []).sort(
        (a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0),
      )[0];
      return latest?.Maximum;
    },
    async lift(undo) {
      const region = experimentRegion(undo);
      if (!undo.experimentId) {
        // The drill died between StartExperiment and the journal write, or started nothing: find by the run's tag.
        const fisFault = fisFaultOf(undo.fault);
        const template = fisFault && (await fis.findTemplate({ app: config.app, fault: fisFault, region }));
        const orphans = template?.id
          ? (await fis.activeExperimentsOf(region, opts.runId)).filter((e) => e.experimentTemplateId === template.id)
          : [];
        if (orphans.length === 0) {
          return `nothing to lift for ${undo.fault.kind}: no FIS experiment of drill ${opts.runId} is active in ${region}`;
        }
        const lifted: string[] = [];
        for (const e of orphans) {
          await fis.stop(region, e.id!);
          lifted.push(`${e.id} (${(await fis.state(region, e.id!)).status ?? 'state unknown'})`);
        }
        return `FIS experiment(s) of drill ${opts.runId} found by tag in ${region}, stopped: ${lifted.join(', ')}`;
      }
      await fis.stop(region, undo.experimentId);
      const { status } = await fis.state(region, undo.experimentId);
      return `FIS experiment ${undo.experimentId} in ${region}: ${status ?? 'state unknown'}`;
    },
    async remainingFaults(undo) {
      const remaining = new Map<string, string>();
      for (const u of undo) {
        if (!u.experimentId) continue;
        const { status } = await fis.state(experimentRegion(u), u.experimentId);
        if (status === 'running' || status === 'pending' || status === 'initiating' || status === 'stopping') {
          remaining.set(u.experimentId, `FIS experiment ${u.experimentId} is ${status}`);
        }
      }
      // Whatever the journal says, no experiment this drill started may still be active in either Region.
      for (const region of [config.regions.primary, config.regions.secondary]) {
        for (const e of await fis.activeExperimentsOf(region, opts.runId)) {
          if (e.id && !remaining.has(e.id)) remaining.set(e.id, `FIS experiment ${e.id} is ${e.state?.status}`);
        }
      }
      return [...remaining.values()];
    },
    failback: (region, runId) => drillFailback(config, clients, store, opts.hostedZoneId, region, runId),
    // Records only: clients in AWS resolve through the operating system, outside this process.
    observedRoutingProblems: (region) =>
      observedRoutingProblems({ config, route53: clients.route53, hostedZoneId: opts.hostedZoneId }, region),
    async alarmFiredAt(region, since) {
      const a = await alarm(region, names.regionAlarm(region));
      const at = a?.StateUpdatedTimestamp?.getTime();
      return a?.StateValue === 'ALARM' && at !== undefined && at >= since ? at : undefined;
    },
    // Which alarm fired when, composite and children, from each Region's alarm history (every page).
    async alarmsFired(since, until) {
      const fired: AlarmTransition[] = [];
      for (const region of [config.regions.primary, config.regions.secondary]) {
        const pages = paginateDescribeAlarmHistory(
          { client: cloudwatch(region) },
          {
            HistoryItemType: HistoryItemType.StateUpdate,
            AlarmTypes: [AlarmType.CompositeAlarm, AlarmType.MetricAlarm],
            StartDate: new Date(since),
            EndDate: new Date(until),
            ScanBy: 'TimestampAscending',
          },
        );
        for await (const page of pages) {
          for (const item of page.AlarmHistoryItems ?? []) {
            if (!item.AlarmName?.startsWith(names.alarmPrefix)) continue;
            const transition = alarmTransitionOf(item, region);
            if (transition) fired.push(transition);
          }
        }
      }
      return fired.sort((a, b) => a.at - b.at);
    },
    async alarmInAlarm(region, alarmName) {
      return (await alarm(region, alarmName))?.StateValue === 'ALARM';
    },
    // SNS deliveries are not observable from outside AWS: the stage folds into the decision stage.
    notifiedAt: () => undefined,
    handlerSwitches(since, audit) {
      // The Lambda's Route 53 call count is in its logs and CloudTrail, not in the audit trail.
      return handlerOutcomes(audit, since).failovers.map((e) => ({
        at: e.at.getTime(),
        by: 'failover-handler' as const,
        toRegion: e.request?.targetRegion ?? 'unknown',
        recordsChanged: e.recordsChanged ?? 0,
        changeCalls: 0,
        retries: 0,
      }));
    },
    async presentWriteSeqs(region, tenantIds, idPrefix) {
      const db = clients.dynamodb[region];
      if (!db) throw new Error(`no DynamoDB client for ${region}`);
      return writeSeqsIn(db, names.dataTable, tenantIds, idPrefix);
    },
    async close() {},
  };
}
