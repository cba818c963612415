import {
  type CloudWatchClient,
  type PutCompositeAlarmCommandInput,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import type { AwsClients } from '../../failover/aws/clients';
import { controlRegionOf, namesFor } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { createControlTable } from '../../failover/state/control-table';
import { provisionRecords, zoneRecords } from '../../failover/switch/records';
import {
  type LoadBalancerRef,
  type MetricAlarmDefinition,
  type MetricRef,
  type RegionAlarms,
  regionAlarms,
} from '../../infra/alarms/definitions';
import { createTenantDataTable } from './data-table';
import { localLoadBalancerName } from './dns';

/**
 * Creates in moto what the CDK app creates in AWS, from the same configuration and the same definitions: the tenant
 * data table per Region (with a stream, for replication), the control table (in the control Region, the primary),
 * an alarm topic per Region and the on-call topic, the Region alarms of infra/alarms/definitions.ts (the composite's
 * ALARM and OK actions publish to the Region's alarm topic), and the hosted zone with the records of
 * failover/switch/records.ts, routing to the primary Region.
 */

export interface Provisioned {
  readonly hostedZoneId: string;
  readonly dataStreamArns: Readonly<Record<string, string>>;
  readonly alarmTopicArns: Readonly<Record<string, string>>;
  readonly oncallTopicArn: string;
  readonly alarms: Readonly<Record<string, RegionAlarms>>;
  readonly loadBalancers: Readonly<Record<string, LoadBalancerRef>>;
}

/** The local load balancer's CloudWatch dimensions (in AWS: the ALB's and target group's full names). */
export function localLoadBalancerRef(config: Pick<RegionFlipConfig, 'app'>, region: string): LoadBalancerRef {
  return {
    loadBalancerFullName: `app/${config.app}-shared/${region}`,
    targetGroupFullName: `targetgroup/${config.app}-shared/${region}`,
  };
}

function motoMetric(m: MetricRef) {
  return {
    Namespace: m.namespace,
    MetricName: m.metricName,
    Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
  };
}

async function putMetricAlarm(cloudwatch: CloudWatchClient, def: MetricAlarmDefinition): Promise<void> {
  const common = {
    AlarmName: def.name,
    AlarmDescription: def.description,
    ComparisonOperator: def.comparison,
    Threshold: def.threshold,
    EvaluationPeriods: def.evaluationPeriods,
    DatapointsToAlarm: def.datapointsToAlarm,
    TreatMissingData: def.treatMissingData,
  };
  const q = def.query;
  if (q.kind === 'metric') {
    const stat = q.metric.stat;
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        ...common,
        ...motoMetric(q.metric),
        Period: def.periodSeconds,
        ...(stat.startsWith('p') ? { ExtendedStatistic: stat } : { Statistic: stat as 'Sum' | 'Average' | 'Maximum' }),
      }),
    );
    return;
  }
  const refs = [...q.numerators, q.denominator];
  const sum = q.numerators.map((_, i) => `FILL(m${i + 1},0)`).join('+');
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      ...common,
      Metrics: [
        ...refs.map((m, i) => ({
          Id: `m${i + 1}`,
          MetricStat: { Metric: motoMetric(m), Period: def.periodSeconds, Stat: m.stat },
          ReturnData: false,
        })),
        { Id: 'e1', Expression: `100*(${sum})/m${refs.length}`, Label: def.kind, ReturnData: true },
      ],
    }),
  );
}

/**
 * moto 5.2.5 has no PutCompositeAlarm action, but its PutMetricAlarm stores an `AlarmRule` and DescribeAlarms then
 * returns the alarm under CompositeAlarms. The SDK's PutMetricAlarm input has no AlarmRule, so a one-request
 * middleware adds it to the JSON body. Against AWS the CDK creates the composite alarm; this is used only with moto.
 */
export async function putCompositeAlarmInMoto(
  cloudwatch: CloudWatchClient,
  input: PutCompositeAlarmCommandInput,
): Promise<void> {
  const command = new PutMetricAlarmCommand({
    AlarmName: input.AlarmName,
    AlarmDescription: input.AlarmDescription,
    ActionsEnabled: input.ActionsEnabled,
    AlarmActions: input.AlarmActions,
    OKActions: input.OKActions,
    InsufficientDataActions: input.InsufficientDataActions,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanThreshold',
  });
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { body?: unknown; headers?: Record<string, string> };
      if (typeof request.body === 'string') {
        const body = { ...JSON.parse(request.body), AlarmRule: input.AlarmRule };
        delete body.EvaluationPeriods;
        delete body.ComparisonOperator;
        request.body = JSON.stringify(body);
        if (request.headers) request.headers['content-length'] = String(Buffer.byteLength(request.body as string));
      }
      return next(args);
    },
    { step: 'build', name: 'regionflipCompositeAlarmRule' },
  );
  await cloudwatch.send(command);
}

export async function provisionLocalResources(config: RegionFlipConfig, clients: AwsClients): Promise<Provisioned> {
  const names = namesFor(config);
  const regions = [config.regions.primary, config.regions.secondary];
  const controlRegion = controlRegionOf(config);

  const dataStreamArns: Record<string, string> = {};
  const alarmTopicArns: Record<string, string> = {};
  const alarms: Record<string, RegionAlarms> = {};
  const loadBalancers: Record<string, LoadBalancerRef> = {};
  await Promise.all(
    regions.map(async (region) => {
      dataStreamArns[region] = await createTenantDataTable(clients.dynamodb[region]!, names.dataTable);
      const topic = await clients.sns[region]!.send(new CreateTopicCommand({ Name: names.alarmTopic }));
      alarmTopicArns[region] = topic.TopicArn!;
      loadBalancers[region] = localLoadBalancerRef(config, region);
      alarms[region] = regionAlarms(config, region, loadBalancers[region]);
      const cloudwatch = clients.cloudwatch[region]!;
      for (const def of alarms[region].metricAlarms) await putMetricAlarm(cloudwatch, def);
      await putCompositeAlarmInMoto(cloudwatch, {
        AlarmName: alarms[region].composite.name,
        AlarmDescription: alarms[region].composite.description,
        AlarmRule: alarms[region].composite.rule,
        ActionsEnabled: true,
        AlarmActions: [alarmTopicArns[region]],
        OKActions: [alarmTopicArns[region]],
      });
      // moto creates alarms in OK; CloudWatch creates them in INSUFFICIENT_DATA until their first evaluation.
      for (const name of [...alarms[region].metricAlarms.map((a) => a.name), alarms[region].composite.name]) {
        await cloudwatch.send(
          new SetAlarmStateCommand({
            AlarmName: name,
            StateValue: 'INSUFFICIENT_DATA',
            StateReason: 'Unchecked: Initial alarm creation',
          }),
        );
      }
    }),
  );
  await createControlTable(clients.dynamodb[controlRegion]!, names.controlTable);
  const oncall = await clients.sns[controlRegion]!.send(new CreateTopicCommand({ Name: names.oncallTopic }));

  const zone = await clients.route53.send(
    new CreateHostedZoneCommand({
      Name: config.dns.zoneName,
      CallerReference: `${config.app}-${Date.now()}-${process.pid}`,
    }),
  );
  const hostedZoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, '');
  await provisionRecords(
    clients.route53,
    hostedZoneId,
    zoneRecords(config, config.regions.primary, (region, premiumTenantId) =>
      localLoadBalancerName(region, premiumTenantId),
    ),
  );
  return { hostedZoneId, dataStreamArns, alarmTopicArns, oncallTopicArn: oncall.TopicArn!, alarms, loadBalancers };
}
