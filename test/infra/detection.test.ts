import { Match, Template } from 'aws-cdk-lib/assertions';
import { ALARM_KINDS, FAILOVER_METRIC, namesFor, TENANT_ALARM_KINDS } from '../../failover/config/names';
import { probeTargets } from '../../infra/alarms/definitions';
import { type Synthesized, synthesize } from './synth';

/**
 * Detection wiring as deployed: what can trigger a failover (and what cannot), that every load balancer is watched,
 * that each Region is probed from its peer with the alarm, topic, key and Lambda subscription all in the peer, and that
 * the failover Lambda is reconciled every minute and watched on its own metrics.
 */
let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});
afterAll(() => synth?.dispose());

const regions = ['us-east-1', 'us-west-2'] as const;
const peerOf = (r: string) => (r === 'us-east-1' ? 'us-west-2' : 'us-east-1');
const templateOf = (region: string) => Template.fromStack(synth.stacks.regions[region]!);
const names = () => namesFor(synth.config);
const idOf = (template: Template, type: string, props: Record<string, unknown>) => {
  const [id] = Object.keys(template.findResources(type, { Properties: props }));
  if (!id) throw new Error(`no ${type} with ${JSON.stringify(props)}`);
  return id;
};

describe.each(regions)('detection in %s', (region) => {
  it('GIVEN the request-count alarm WHEN synthesised THEN it only notifies on-call and is no failover trigger', () => {
    const template = templateOf(region);
    const monitor = names().monitorAlarm(region, 'request-volume');
    const oncall = idOf(template, 'AWS::SNS::Topic', { TopicName: names().oncallTopic });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: monitor,
      MetricName: 'RequestCount',
      AlarmActions: [{ Ref: oncall }],
    });
    const composite = Object.values(
      template.findResources('AWS::CloudWatch::CompositeAlarm', {
        Properties: { AlarmName: names().regionAlarm(region) },
      }),
    )[0]!;
    expect(composite.Properties.AlarmRule).not.toContain('monitor');
    expect(composite.Properties.AlarmRule).not.toContain('RequestCount');
    const alarmTopic = idOf(template, 'AWS::SNS::Topic', { TopicName: names().alarmTopic });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      if (alarm.Properties.AlarmName !== monitor) continue;
      expect(JSON.stringify(alarm.Properties.AlarmActions ?? [])).not.toContain(alarmTopic);
    }
  });

  it('GIVEN the failover triggers WHEN synthesised THEN 5xx is guarded by a minimum of requests and healthy hosts are a percentage', () => {
    const template = templateOf(region);
    const min = synth.config.detection.thresholds.minRequestsPerPeriod;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: names().componentAlarm(region, 'alb-5xx-rate'),
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: `IF(m2 >= ${min}, 100 * (FILL(m0, 0) + FILL(m1, 0)) / m2, 0)`,
          ReturnData: true,
        }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: names().componentAlarm(region, 'healthy-hosts'),
      ComparisonOperator: 'LessThanThreshold',
      Threshold: synth.config.detection.thresholds.healthyHostPercent,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'MIN([p0, p1, p2])', ReturnData: true })]),
    });
    expect(ALARM_KINDS).not.toContain('request-surge');
  });

  it('GIVEN the load balancers WHEN synthesised THEN every one of them (shared and each premium silo) is watched', () => {
    const template = templateOf(region);
    const lbIds = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
    const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
    for (const id of lbIds) expect(alarms).toContain(`"${id}","LoadBalancerFullName"`);
  });

  it('GIVEN each premium tenant WHEN synthesised THEN its own alarms feed its own composite on the alarm topic, naming the tenant', () => {
    const template = templateOf(region);
    const alarmTopic = idOf(template, 'AWS::SNS::Topic', { TopicName: names().alarmTopic });
    for (const tenant of synth.config.tenants.filter((t) => t.tier === 'premium')) {
      const children = TENANT_ALARM_KINDS.map((k) => names().tenantComponentAlarm(region, tenant.id, k));
      for (const child of children) template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: child });
      template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
        AlarmName: names().tenantAlarm(region, tenant.id),
        AlarmRule: children.map((c) => `ALARM("${c}")`).join(' OR '),
        AlarmDescription: Match.stringLikeRegexp(`Premium tenant ${tenant.id} `),
        AlarmActions: [{ Ref: alarmTopic }],
      });
    }
  });

  it('GIVEN the peer Region WHEN synthesised THEN it is probed from here and its probe alarm publishes to THIS Region topic, consumed by THIS Lambda', () => {
    const template = templateOf(region);
    const peer = peerOf(region);
    const targets = probeTargets(synth.config, peer);
    expect(targets.map((t) => t.tier)).toEqual(['basic', 'advanced', 'premium']);
    for (const target of targets) {
      template.hasResourceProperties('AWS::Synthetics::Canary', {
        Name: target.canaryName,
        Schedule: Match.objectLike({ Expression: 'rate(1 minute)' }),
        Code: Match.objectLike({
          Script: Match.stringLikeRegexp(
            `"hostname":"${target.endpoint.replace(/\./g, '\\.')}".*"Host":"${target.hostHeader.replace(/\./g, '\\.')}"`,
          ),
        }),
      });
    }
    const alarmTopic = idOf(template, 'AWS::SNS::Topic', { TopicName: names().alarmTopic });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: names().probeAlarm(peer),
      TreatMissingData: 'breaching',
      ComparisonOperator: 'LessThanThreshold',
      AlarmActions: [{ Ref: alarmTopic }],
      OKActions: [{ Ref: alarmTopic }],
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'MAX([m0, m1, m2])' }),
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'CloudWatchSynthetics',
              MetricName: 'SuccessPercent',
              Dimensions: [{ Name: 'CanaryName', Value: targets[0]!.canaryName }],
            }),
          }),
        }),
      ]),
    });
    // The topic's key is this stack's own, and this Region's Lambda is subscribed to this topic.
    const topic = template.findResources('AWS::SNS::Topic', { Properties: { TopicName: names().alarmTopic } });
    const keyRef = Object.values(topic)[0]!.Properties.KmsMasterKeyId;
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toContain(keyRef['Fn::GetAtt'][0]);
    const fn = idOf(template, 'AWS::Lambda::Function', { FunctionName: names().failoverFunction });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: alarmTopic },
      Endpoint: { 'Fn::GetAtt': [fn, 'Arn'] },
    });
    // Nothing about the peer's own availability is alarmed in the peer itself.
    const peerAlarms = Template.fromStack(synth.stacks.regions[peer]!).findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmName: names().probeAlarm(peer) },
    });
    expect(Object.keys(peerAlarms)).toHaveLength(0);
  });

  it('GIVEN the failover Lambda WHEN synthesised THEN a rate(1 minute) rule invokes it with the scheduled event', () => {
    const template = templateOf(region);
    const fn = idOf(template, 'AWS::Lambda::Function', { FunctionName: names().failoverFunction });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
    });
  });

  it("GIVEN the failover Lambda's own metrics WHEN synthesised THEN each failure it counts pages on-call", () => {
    const template = templateOf(region);
    const oncall = idOf(template, 'AWS::SNS::Topic', { TopicName: names().oncallTopic });
    for (const metric of [
      FAILOVER_METRIC.rejectedMessages,
      FAILOVER_METRIC.notifyFailures,
      FAILOVER_METRIC.auditFailures,
      FAILOVER_METRIC.unconvergedRouting,
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'RegionFlip',
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: `${synth.config.app}-failover` }],
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: oncall }],
      });
    }
  });
});
