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
  alarmMetricQueries,
  type LoadBalancerRef,
  type MetricAlarmDefinition,
  type MetricRef,
  probeAlarm,
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
  /** By the Region the alarm LIVES in: names.probeAlarm(peer), fed by the prober (chaos/env/prober.ts). */
  readonly probeAlarms: Readonly<Record<string, readonly MetricAlarmDefinition[]>>;
  /** The on-call topic of each Region (monitoring alarms notify their own Region's; oncallTopicArn is the control one). */
  readonly oncallTopicArns: Readonly<Record<string, string>>;
  readonly loadBalancers: Readonly<Record<string, LoadBalancerRef>>;
}

/** The local load balancer's CloudWatch dimensions (in AWS: the ALB's and target group's full names). */
export function localLoadBalancerRef(config: Pick<RegionFlipConfig, 'app'>, region: string): LoadBalancerRef {
  return {
    loadBalancerFullName: `app/${config.app}-shared/${region}`,
    targetGroupFullNames: [`targetgroup/${config.app}-shared/${region}`],
  };
}

function motoMetric(m: MetricRef) {
  return {
    Namespace: m.namespace,
    MetricName: m.metricName,
    Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
  };
}

async function putMetricAlarm(
  cloudwatch: CloudWatchClient,
  def: MetricAlarmDefinition,
  actions: { alarm: string[]; ok: string[] } = { alarm: [], ok: [] },
): Promise<void> {
  const common = {
    AlarmName: def.name,
    AlarmDescription: def.description,
    ComparisonOperator: def.comparison,
    Threshold: def.threshold,
    EvaluationPeriods: def.evaluationPeriods,
    DatapointsToAlarm: def.datapointsToAlarm,
    TreatMissingData: def.treatMissingData,
    ActionsEnabled: true,
    AlarmActions: actions.alarm,
    OKActions: actions.ok,
  };
  const q = def.query;
  if (q.kind === 'metric') {
    const stat = q.metric.stat;
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        ...common,
        ...motoMetric(q.metric),
        Period: def.periodSeconds,
        ...(stat.startsWith('p')
          ? { ExtendedStatistic: stat }
          : { Statistic: stat as 'Sum' | 'Average' | 'Maximum' | 'Minimum' }),
      }),
    );
    return;
  }
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      ...common,
      Metrics: (alarmMetricQueries(def) ?? []).map((m) => ({
        ...m,
        ...(m.MetricStat
          ? {
              MetricStat: {
                ...m.MetricStat,
                Metric: { ...m.MetricStat.Metric, Dimensions: [...m.MetricStat.Metric.Dimensions] },
              },
            }
          : {}),
      })),
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
  const probeAlarms: Record<string, MetricAlarmDefinition[]> = {};
  const oncallTopicArns: Record<string, string> = {};
  const loadBalancers: Record<string, LoadBalancerRef> = {};
  await Promise.all(
    regions.map(async (region) => {
      dataStreamArns[region] = await createTenantDataTable(clients.dynamodb[region]!, names.dataTable);
      const topic = await clients.sns[region]!.send(new CreateTopicCommand({ Name: names.alarmTopic }));
      alarmTopicArns[region] = topic.TopicArn!;
      const oncall = await clients.sns[region]!.send(new CreateTopicCommand({ Name: names.oncallTopic }));
      oncallTopicArns[region] = oncall.TopicArn!;
      loadBalancers[region] = localLoadBalancerRef(config, region);
      alarms[region] = regionAlarms(config, region, loadBalancers[region]);
      const cloudwatch = clients.cloudwatch[region]!;
      for (const def of alarms[region].metricAlarms) await putMetricAlarm(cloudwatch, def);
      // Monitoring alarms notify on-call only: never the alarm topic, never in the composite.
      for (const def of alarms[region].monitorAlarms) {
        await putMetricAlarm(cloudwatch, def, { alarm: [oncallTopicArns[region]], ok: [] });
      }
      // The alarm about the peer Region lives here, fed by this Region's probes of the peer (chaos/env/prober.ts).
      const peer = region === config.regions.primary ? config.regions.secondary : config.regions.primary;
      probeAlarms[region] = [probeAlarm(config, peer)];
      for (const def of probeAlarms[region]) {
        await putMetricAlarm(cloudwatch, def, { alarm: [alarmTopicArns[region]], ok: [alarmTopicArns[region]] });
      }
      await putCompositeAlarmInMoto(cloudwatch, {
        AlarmName: alarms[region].composite.name,
        AlarmDescription: alarms[region].composite.description,
        AlarmRule: alarms[region].composite.rule,
        ActionsEnabled: true,
        AlarmActions: [alarmTopicArns[region]],
        OKActions: [alarmTopicArns[region]],
      });
      // moto creates alarms in OK; CloudWatch creates them in INSUFFICIENT_DATA until their first evaluation.
      const created = [
        ...alarms[region].metricAlarms,
        ...alarms[region].monitorAlarms,
        ...probeAlarms[region],
        alarms[region].composite,
      ];
      for (const name of created.map((a) => a.name)) {
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
  return {
    hostedZoneId,
    dataStreamArns,
    alarmTopicArns,
    oncallTopicArn: oncallTopicArns[controlRegion]!,
    oncallTopicArns,
    alarms,
    probeAlarms,
    loadBalancers,
  };
}
