import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { createTenantDataTable } from '../../../chaos/env/data-table';
import { localLoadBalancerName, Route53DnsClient } from '../../../chaos/env/dns';
import { writeEnvState } from '../../../chaos/env/env-state';
import { OncallInbox } from '../../../chaos/env/oncall-inbox';
import { type AwsClients, createAwsClients } from '../../../failover/aws/clients';
import { controlRegionOf, namesFor } from '../../../failover/config/names';
import { type ConfigInput, configSchema, type RegionFlipConfig } from '../../../failover/config/schema';
import { createControlTable } from '../../../failover/state/control-table';
import { provisionRecords, zoneRecords } from '../../../failover/switch/records';
import { CloudWatchReplicationLag, SnsOncallRoute, SnsSubscriptionsInbox } from '../../../runbooks/aws-deployment';
import { buildRunbookContext, type RunbookContext } from '../../../runbooks/connect';
import { DnsServedByProbe } from '../../../runbooks/served-by-probe';
import { motoTarget, uniqueName } from '../../support/moto';

export const ONCALL_EMAIL = 'oncall@example.com';

/**
 * One deployment provisioned in moto, isolated by unique names: control table, tenant data tables in both Regions,
 * the hosted zone with its records (shaped like the local environment's), the on-call topic, the Regions' health alarms,
 * and one stand-in tenant service per Region on 127.0.0.1 that answers /health with `x-served-by-region`.
 */

export const PRIMARY = 'us-east-1';
export const SECONDARY = 'us-west-2';

export interface TestDeployment {
  readonly config: RegionFlipConfig;
  readonly clients: AwsClients;
  readonly hostedZoneId: string;
  readonly topicArn: string;
  readonly serviceUrls: Record<string, string>;
  readonly ctx: RunbookContext;
  setRegionAlarm(region: string, state: 'OK' | 'ALARM'): Promise<void>;
  stop(): Promise<void>;
}

export function testConfig(overrides: Partial<ConfigInput> = {}): RegionFlipConfig {
  return configSchema.parse({
    app: uniqueName('rb').replace(/-/g, ''),
    regions: { primary: PRIMARY, secondary: SECONDARY },
    dns: { zoneName: `${uniqueName('z')}.example.com`, ttlSeconds: 5 },
    tenants: [
      { id: 'acme', tier: 'premium' },
      { id: 'globex', tier: 'premium' },
      { id: 'initech', tier: 'advanced' },
      { id: 'hooli', tier: 'basic' },
    ],
    policy: { targetHealthySeconds: 0, leaseSeconds: 10 },
    ...overrides,
  });
}

async function startRegionService(region: string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader('x-served-by-region', region);
    res.end(JSON.stringify({ status: 'ok', region }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

export async function provisionDeployment(
  opts: { activeRegion?: string; config?: RegionFlipConfig } = {},
): Promise<TestDeployment> {
  const config = opts.config ?? testConfig();
  const names = namesFor(config);
  const regions = [PRIMARY, SECONDARY];
  const clients = createAwsClients(regions, motoTarget());
  const controlRegion = controlRegionOf(config);
  await createControlTable(clients.dynamodb[controlRegion]!, names.controlTable);
  for (const region of regions) await createTenantDataTable(clients.dynamodb[region]!, names.dataTable);
  const zone = await clients.route53.send(
    new CreateHostedZoneCommand({ Name: config.dns.zoneName, CallerReference: uniqueName('ref') }),
  );
  const hostedZoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, '');
  await provisionRecords(
    clients.route53,
    hostedZoneId,
    zoneRecords(config, opts.activeRegion ?? PRIMARY, (region, tenant) => localLoadBalancerName(region, tenant)),
  );
  const topic = await clients.sns[controlRegion]!.send(new CreateTopicCommand({ Name: names.oncallTopic }));
  // Somebody is paged, as in a real deployment (moto confirms a subscription at once).
  await clients.sns[controlRegion]!.send(
    new SubscribeCommand({ TopicArn: topic.TopicArn!, Protocol: 'email', Endpoint: ONCALL_EMAIL }),
  );
  const setRegionAlarm = async (region: string, state: 'OK' | 'ALARM') => {
    const cw = clients.cloudwatch[region]!;
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: names.regionAlarm(region),
        Namespace: 'RegionFlip',
        MetricName: 'Unhealthy',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: names.regionAlarm(region), StateValue: state, StateReason: 'test' }),
    );
  };
  for (const region of regions) await setRegionAlarm(region, 'OK');
  const servers = await Promise.all(regions.map(startRegionService));
  const serviceUrls = Object.fromEntries(
    regions.map((r, i) => [r, `http://127.0.0.1:${(servers[i]!.address() as AddressInfo).port}`]),
  );
  const oncallRoute = new SnsOncallRoute(clients.sns[controlRegion]!, async () => topic.TopicArn!);
  const ctx = buildRunbookContext({
    target: 'local',
    config,
    clients,
    hostedZoneId,
    controlRegion,
    oncallTopic: topic.TopicArn!,
    inbox: new SnsSubscriptionsInbox(oncallRoute),
    oncallRoute,
    // CloudWatch's ReplicationLatency, read from moto (where nothing publishes it: no datapoint).
    replicationLag: new CloudWatchReplicationLag(clients.cloudwatch, names.dataTable, [PRIMARY, SECONDARY]),
    probe: new DnsServedByProbe(
      () => new Route53DnsClient({ route53: clients.route53, hostedZoneId, loadBalancerUrl: (r) => serviceUrls[r] }),
    ),
  });
  return {
    config,
    clients,
    hostedZoneId,
    topicArn: topic.TopicArn!,
    serviceUrls,
    ctx,
    setRegionAlarm,
    async stop() {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/**
 * Makes `dep` look like a running local environment to `--target local` (its state file in `stateDir`, as `env up`
 * writes it); the inbox and replication model answer at the URLs given (by default nothing listens there).
 */
export function writeLocalEnvState(
  dep: TestDeployment,
  stateDir: string,
  urls: { oncallInboxUrl?: string; replicationUrl?: string } = {},
): void {
  writeEnvState(
    {
      id: 'cli-test',
      runnerPid: process.pid,
      startedAt: new Date().toISOString(),
      processes: [],
      connection: {
        motoEndpoint: motoTarget().endpoint!,
        hostedZoneId: dep.hostedZoneId,
        config: dep.config,
        regions: Object.fromEntries(
          Object.entries(dep.serviceUrls).map(([region, url]) => [
            region,
            { serviceUrl: url, loadBalancerUrl: url, servicePid: process.pid },
          ]),
        ),
        adminToken: 'unused',
        oncallInboxUrl: urls.oncallInboxUrl ?? 'http://127.0.0.1:9/unused',
        replicationUrl: urls.replicationUrl ?? 'http://127.0.0.1:9/unused',
      },
    },
    stateDir,
  );
}

/**
 * A deployment in moto that `--target local` sees as a running local environment, with the local environment's real
 * on-call inbox subscribed to its on-call topic. `stop()` undoes all of it (the state directory and the variable too).
 */
export async function localDeploymentWithInbox(
  name: string,
): Promise<{ dep: TestDeployment; inbox: OncallInbox; stop: () => Promise<void> }> {
  const dep = await provisionDeployment();
  const inbox = new OncallInbox();
  await inbox.start();
  await inbox.subscribe(dep.clients.sns[controlRegionOf(dep.config)]!, dep.topicArn);
  const dir = mkdtempSync(join(tmpdir(), `regionflip-${name}-`));
  writeLocalEnvState(dep, dir, { oncallInboxUrl: inbox.url });
  const saved = process.env.REGIONFLIP_ENV_STATE_DIR;
  process.env.REGIONFLIP_ENV_STATE_DIR = dir;
  return {
    dep,
    inbox,
    stop: async () => {
      await inbox.stop();
      await dep.stop();
      rmSync(dir, { recursive: true, force: true });
      if (saved === undefined) delete process.env.REGIONFLIP_ENV_STATE_DIR;
      else process.env.REGIONFLIP_ENV_STATE_DIR = saved;
    },
  };
}
