import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { putCompositeAlarmInMoto } from '../../chaos/env/provision';
import { type AwsClients, createAwsClients } from '../../failover/aws/clients';
import { controlRegionOf, namesFor } from '../../failover/config/names';
import {
  loadRuntimeSettings,
  type RuntimeSettings,
  runtimeSettingsFromConfig,
  toEnvironment,
} from '../../failover/config/runtime-settings';
import { configSchema, type RegionFlipConfig } from '../../failover/config/schema';
import { createControlTable } from '../../failover/state/control-table';
import { normaliseDnsName, provisionRecords, zoneRecords } from '../../failover/switch/records';
import { motoTarget, uniqueName } from '../support/moto';

/**
 * One RegionFlip deployment in moto, isolated by unique names: the hosted zone and its records (provisioned with
 * failover/switch/records.ts), the control table, the on-call topic, and each Region's alarms (metric alarms and the
 * composite "Region unhealthy" alarm) set with SetAlarmState, since moto never evaluates alarms.
 */

export const EAST = 'us-east-1';
export const WEST = 'us-west-2';

export interface FailoverDeployment {
  readonly config: RegionFlipConfig;
  readonly clients: AwsClients;
  readonly settings: RuntimeSettings;
  /** routing record name → the regional name it points at. */
  routing(): Promise<Map<string, string>>;
  setRegionHealth(region: string, state: 'OK' | 'ALARM'): Promise<void>;
  /** Messages published to the on-call topic (moto keeps them; read through its internal API). */
  oncallMessages(): Promise<{ subject: string; message: Record<string, unknown> }[]>;
}

export async function provisionFailoverDeployment(premiumTenants = 2): Promise<FailoverDeployment> {
  const config = configSchema.parse({
    app: uniqueName('it').replace(/-/g, ''),
    regions: { primary: EAST, secondary: WEST },
    dns: { zoneName: `${uniqueName('z')}.example.com`, ttlSeconds: 5 },
    tenants: [
      ...Array.from({ length: premiumTenants }, (_, i) => ({ id: `premium-${i}`, tier: 'premium' })),
      { id: 'initech', tier: 'advanced' },
      { id: 'hooli', tier: 'basic' },
    ],
    policy: { targetHealthySeconds: 0, leaseSeconds: 10 },
  });
  const names = namesFor(config);
  const clients = createAwsClients([EAST, WEST], motoTarget());

  const zone = await clients.route53.send(
    new CreateHostedZoneCommand({ Name: config.dns.zoneName, CallerReference: uniqueName('ref') }),
  );
  const hostedZoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, '');
  await provisionRecords(
    clients.route53,
    hostedZoneId,
    zoneRecords(config, EAST, (region, tenant) => `${tenant ?? 'shared'}-lb.${region}.elb.example.com`),
  );
  // The control table and on-call topic live in the control Region, as deployed.
  const controlRegion = controlRegionOf(config);
  await createControlTable(clients.dynamodb[controlRegion]!, names.controlTable);
  const topic = await clients.sns[controlRegion]!.send(new CreateTopicCommand({ Name: names.oncallTopic }));

  for (const region of [EAST, WEST]) {
    const cloudwatch = clients.cloudwatch[region]!;
    const component = names.componentAlarm(region, 'alb-5xx-rate');
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: component,
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_ELB_5XX_Count',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await putCompositeAlarmInMoto(cloudwatch, {
      AlarmName: names.regionAlarm(region),
      AlarmRule: `ALARM("${component}")`,
    });
  }

  // Round-trip through the Lambda's environment, as the deployed function reads it.
  const settings = loadRuntimeSettings(
    toEnvironment(runtimeSettingsFromConfig(config, { hostedZoneId, oncallTopicArn: topic.TopicArn! })),
  );

  const deployment: FailoverDeployment = {
    config,
    clients,
    settings,
    async routing() {
      const routingNames = new Set([
        names.sharedRoutingRecord,
        ...config.tenants.filter((t) => t.tier === 'premium').map((t) => names.tenantRecord(t.id)),
      ]);
      const found = new Map<string, string>();
      let start: { name?: string; type?: string } = {};
      for (;;) {
        const page = await clients.route53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            StartRecordName: start.name,
            StartRecordType: start.type as 'CNAME' | undefined,
          }),
        );
        for (const rrset of page.ResourceRecordSets ?? []) {
          const name = normaliseDnsName(rrset.Name ?? '');
          const value = rrset.ResourceRecords?.[0]?.Value;
          if (routingNames.has(name) && value) found.set(name, normaliseDnsName(value));
        }
        if (!page.IsTruncated) return found;
        start = { name: page.NextRecordName, type: page.NextRecordType };
      }
    },
    async setRegionHealth(region, state) {
      const cloudwatch = clients.cloudwatch[region]!;
      for (const alarm of [names.componentAlarm(region, 'alb-5xx-rate'), names.regionAlarm(region)]) {
        await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: state, StateReason: 'test' }));
      }
    },
    async oncallMessages() {
      const data = await motoData();
      const found = data.sns.Topic.find((t) => t.arn === topic.TopicArn);
      return (found?.sent_notifications ?? []).map(([, message, subject]) => ({
        subject: subject ?? '',
        message: JSON.parse(message) as Record<string, unknown>,
      }));
    },
  };
  await deployment.setRegionHealth(EAST, 'ALARM');
  await deployment.setRegionHealth(WEST, 'OK');
  return deployment;
}

/** Where every routing record points: the set of Regions (one element once a switch has fully landed). */
export function regionsOf(routing: Map<string, string>): string[] {
  return [...new Set([...routing.values()].map((value) => (value.includes(`.${WEST}.`) ? WEST : EAST)))].sort();
}

type MotoSnsData = { sns: { Topic: { arn: string; sent_notifications: [string, string, string | null][] }[] } };

/**
 * moto's dump of every backend. It is built while other tests' requests run against the same server and can fail
 * with a 500 page when a backend changes under it (seen with concurrent suites): read it again, a few times.
 */
async function motoData(): Promise<MotoSnsData> {
  let last = '';
  for (let attempt = 1; attempt <= 5; attempt++) {
    const res = await fetch(`${motoTarget().endpoint}/moto-api/data.json`);
    const text = await res.text();
    if (res.ok) return JSON.parse(text) as MotoSnsData;
    last = `${res.status} ${text.slice(0, 120)}`;
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
  throw new Error(`moto's /moto-api/data.json kept failing: ${last}`);
}
