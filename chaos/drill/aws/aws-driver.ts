import {
  AlarmType,
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
} from '@aws-sdk/client-cloudwatch';
import type { FisClient } from '@aws-sdk/client-fis';
import { z } from 'zod';
import type { AwsClients } from '../../../failover/aws/clients';
import { namesFor } from '../../../failover/config/names';
import type { RegionFlipConfig } from '../../../failover/config/schema';
import type { ServiceFault } from '../../../infra/tenant-service/fault';
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
import { getServiceFault, setServiceFault } from '../fault-switch';
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
  /** The fault switch's admin token, when faults go through the tenant service instead of FIS. */
  readonly adminToken?: string;
  readonly runId: string;
  readonly fetchImpl?: typeof fetch;
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

const SERVICE_FAULT_KIND: Record<Exclude<ServiceFault['kind'], 'none'>, string> = {
  outage: 'region-outage',
  'error-rate': 'error-rate',
  latency: 'latency',
};

/**
 * The drill against deployed stacks. Faults go through the FIS experiment templates the CDK app tags for RegionFlip
 * (chaos/drill/aws/fis-faults.ts); a Region fault without a template goes through each regional endpoint's fault switch
 * over HTTPS. Alarms, routing and the audit trail are read from the deployment itself.
 */
export function awsDriver(opts: AwsDriverOptions): DrillDriver {
  const { config, clients } = opts;
  const names = namesFor(config);
  const store = controlStoreFor(config, clients);
  const fis = new FisFaults(opts.fis, opts.fisOptions);
  const fetchImpl = opts.fetchImpl ?? fetch;
  const cloudwatch = (region: string): CloudWatchClient => {
    const cw = clients.cloudwatch[region];
    if (!cw) throw new Error(`no CloudWatch client for ${region}`);
    return cw;
  };
  /** Every regional endpoint in a Region: the shared service and each premium tenant's. */
  const endpoints = (region: string) => [
    `https://${names.sharedRegionalRecord(region)}`,
    ...config.tenants
      .filter((t) => t.tier === 'premium')
      .map((t) => `https://${names.premiumRegionalRecord(t.id, region)}`),
  ];
  const adminToken = () => {
    if (!opts.adminToken) {
      throw new Error(
        'no FIS experiment template for this fault and no admin token for the fault switch: deploy the FIS templates ' +
          '(CDK app) or set REGIONFLIP_ADMIN_TOKEN',
      );
    }
    return opts.adminToken;
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
      if (fault.kind === 'none') throw new Error('use lift() to clear a fault');
      const template = await fis.findTemplate({ app: config.app, fault: SERVICE_FAULT_KIND[fault.kind], region });
      if (template?.id) return fis.start(region, template.id, `${opts.runId}-${fault.kind}-${Date.now()}`, opts.runId);
      const token = adminToken();
      for (const url of endpoints(region)) await setServiceFault(url, token, fault, fetchImpl);
      return undefined;
    },
    // The Region-outage FIS template (tagged regionflip:fault=region-outage) holds the cross-Region scenario.
    takeRegionDown(region) {
      return this.setServiceFault(region, { kind: 'outage' });
    },
    async pauseReplication() {
      const region = config.regions.primary;
      const template = await fis.findTemplate({ app: config.app, fault: 'replication-pause', region });
      if (!template?.id) {
        throw new Error(
          `no FIS experiment template tagged regionflip:fault=replication-pause in ${region}: deploy it with the CDK app ` +
            '(FIS action aws:dynamodb:global-table-pause-replication)',
        );
      }
      return fis.start(region, template.id, `${opts.runId}-replication-${Date.now()}`, opts.runId);
    },
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
      if (undo.experimentId) {
        await fis.stop(experimentRegion(undo), undo.experimentId);
        return `FIS experiment ${undo.experimentId} stopped`;
      }
      if (!('region' in undo.fault)) return `nothing to lift for ${undo.fault.kind}`;
      const token = adminToken();
      for (const url of endpoints(undo.fault.region)) await setServiceFault(url, token, { kind: 'none' }, fetchImpl);
      return `fault switches of ${undo.fault.region} set to none`;
    },
    async remainingFaults(undo) {
      const remaining: string[] = [];
      for (const u of undo) {
        if (u.experimentId) {
          const { status } = await fis.state(experimentRegion(u), u.experimentId);
          if (status === 'running' || status === 'pending' || status === 'initiating' || status === 'stopping') {
            remaining.push(`FIS experiment ${u.experimentId} is ${status}`);
          }
        } else if ('region' in u.fault && opts.adminToken) {
          for (const url of endpoints(u.fault.region)) {
            const fault = await getServiceFault(url, opts.adminToken, fetchImpl);
            if (fault.kind !== 'none') remaining.push(`${url} still has fault ${fault.kind}`);
          }
        }
      }
      return remaining;
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
