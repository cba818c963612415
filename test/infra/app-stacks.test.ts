import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  ALARM_KINDS,
  FAILOVER_METRIC,
  namesFor,
  routingRecordNames,
  TENANT_ALARM_KINDS,
} from '../../failover/config/names';
import { loadRuntimeSettings, RUNTIME_ENV } from '../../failover/config/runtime-settings';
import { probeTargets } from '../../infra/alarms/definitions';
import { MICROSERVICES } from '../../infra/constructs/tenant-services';
import { exportedLogicalIds, logicalIdOf, type Synthesized, stacksOfRegion, synthesize } from './synth';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});
afterAll(() => synth?.dispose());

const regions = ['us-east-1', 'us-west-2'] as const;
const templateOf = (region: string) => Template.fromStack(synth.stacks.regions[region]!);
const tenantTemplateOf = (region: string, tenantId: string) =>
  Template.fromStack(synth.stacks.tenants[region]![tenantId]!);
const templatesOf = (region: string) => stacksOfRegion(synth.stacks, region).map((s) => Template.fromStack(s));
const tenantsOf = (tier: string) => synth.config.tenants.filter((t) => t.tier === tier).map((t) => t.id);

/** Resources of a type whose logical id contains the fragment (construct ids are part of the contract). */
function resourcesIn(template: Template, type: string, fragment: string) {
  return Object.entries(template.findResources(type)).filter(([logicalId]) => logicalId.includes(fragment));
}

describe.each(regions)('the tenant stack in %s', (region) => {
  const names = () => namesFor(synth.config);

  it('GIVEN the sample tenants WHEN synthesised THEN the pool is in the Region stack and every other tenant in its own stack', () => {
    const template = templateOf(region);
    // one shared cluster and load balancer (one shard), and the pool's Order, Product and User services
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.resourceCountIs('AWS::ECS::Service', MICROSERVICES.length);
    expect(resourcesIn(template, 'AWS::ECS::Service', 'Pool')).toHaveLength(MICROSERVICES.length);
    expect(Object.keys(synth.stacks.tenants[region]!).sort()).toEqual(
      [...tenantsOf('advanced'), ...tenantsOf('premium')].sort(),
    );
    for (const id of tenantsOf('advanced')) {
      const tenant = tenantTemplateOf(region, id);
      tenant.resourceCountIs('AWS::ECS::Service', MICROSERVICES.length);
      tenant.resourceCountIs('AWS::ECS::Cluster', 0);
      tenant.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    }
    for (const id of tenantsOf('premium')) {
      const tenant = tenantTemplateOf(region, id);
      tenant.resourceCountIs('AWS::ECS::Service', MICROSERVICES.length);
      tenant.resourceCountIs('AWS::ECS::Cluster', 1);
      tenant.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    }
  });

  it('GIVEN an advanced tenant WHEN routed THEN a host-header rule in its stack, on the shared listener, sends it to its own services', () => {
    const listenerExport = JSON.stringify(templateOf(region).toJSON().Outputs);
    for (const id of tenantsOf('advanced')) {
      const tenant = tenantTemplateOf(region, id);
      for (const micro of MICROSERVICES) {
        tenant.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
          ListenerArn: { 'Fn::ImportValue': Match.stringLikeRegexp('SharedLoadBalancerHttp') },
          Conditions: Match.arrayWith([
            {
              Field: 'path-pattern',
              // The order service also answers the served-by probes' health route (test/infra/listeners.test.ts).
              PathPatternConfig: {
                Values: [`/${micro.path}`, `/${micro.path}/*`, ...(micro.id === 'order' ? ['/health'] : [])],
              },
            },
            { Field: 'host-header', HostHeaderConfig: { Values: [names().tenantRecord(id)] } },
          ]),
        });
      }
    }
    expect(listenerExport).toContain('SharedLoadBalancerHttp');
  });

  it('GIVEN the pool WHEN its task role is read THEN it may touch only the basic tenants partitions', () => {
    templateOf(region).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
            Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': tenantsOf('basic') } },
          }),
        ]),
      },
    });
    for (const id of [...tenantsOf('advanced'), ...tenantsOf('premium')]) {
      tenantTemplateOf(region, id).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [id] } } }),
          ]),
        },
      });
    }
  });

  it('GIVEN the service settings WHEN synthesised THEN every service scales between the configured task counts', () => {
    for (const template of templatesOf(region)) {
      const targets = template.findResources('AWS::ApplicationAutoScaling::ScalableTarget');
      for (const target of Object.values(targets)) {
        expect(target.Properties).toMatchObject({
          MinCapacity: synth.config.service.minTasks,
          MaxCapacity: synth.config.service.maxTasks,
        });
      }
      expect(Object.keys(targets)).toHaveLength(Object.keys(template.findResources('AWS::ECS::Service')).length);
    }
  });

  it('GIVEN the regional endpoints WHEN synthesised THEN shared and premium records alias their load balancers, each in its stack', () => {
    const alias = (template: Template, name: string) =>
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${name}.`,
        Type: 'A',
        AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
      });
    alias(templateOf(region), names().sharedRegionalRecord(region));
    templateOf(region).resourceCountIs('AWS::Route53::RecordSet', 1);
    for (const id of tenantsOf('premium')) {
      alias(tenantTemplateOf(region, id), names().premiumRegionalRecord(id, region));
      tenantTemplateOf(region, id).resourceCountIs('AWS::Route53::RecordSet', 1);
    }
  });

  it('GIVEN the alarm definitions WHEN synthesised THEN the harm signals feed the composite, which publishes to the alarm topic', () => {
    const template = templateOf(region);
    for (const kind of ALARM_KINDS) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: names().componentAlarm(region, kind) });
    }
    const topics = template.findResources('AWS::SNS::Topic', { Properties: { TopicName: names().alarmTopic } });
    const [topicId] = Object.keys(topics);
    expect(topicId).toBeDefined();
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: names().regionAlarm(region),
      AlarmRule: ALARM_KINDS.map((k) => `ALARM("${names().componentAlarm(region, k)}")`).join(' OR '),
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
  });

  it('GIVEN the failover Lambda WHEN synthesised THEN it runs Node 22 with the runtime settings and a failure destination', () => {
    const template = templateOf(region);
    const fn = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: names().failoverFunction } }),
    )[0]!;
    expect(fn.Properties.Runtime).toBe('nodejs22.x');
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    for (const [variable] of Object.values(RUNTIME_ENV)) expect(env).toHaveProperty(variable);
    // Literal settings must pass the Lambda's own validation (tokens are resolved by CloudFormation).
    const literal = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [
        k,
        typeof v === 'string'
          ? v
          : k === RUNTIME_ENV.hostedZoneId[0]
            ? 'Z0TEST'
            : 'arn:aws:sns:us-east-1:123456789012:x',
      ]),
    );
    expect(loadRuntimeSettings(literal).regions).toEqual(synth.config.regions);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }) } },
    });
  });

  it('GIVEN least privilege WHEN the Lambda policy is read THEN it may UPSERT only the routing CNAMEs of its zone', () => {
    const n = names();
    const routing = [n.sharedRoutingRecord, ...tenantsOf('premium').map((id) => n.tenantRecord(id))];
    templateOf(region).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'route53:ChangeResourceRecordSets',
            Condition: {
              'ForAllValues:StringEquals': {
                'route53:ChangeResourceRecordSetsNormalizedRecordNames': routing,
                'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
                'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
              },
            },
            Resource: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':route53:::hostedzone/'])]) }),
          }),
          Match.objectLike({ Action: 'cloudwatch:DescribeAlarms' }),
          Match.objectLike({
            Action: Match.arrayWith(['dynamodb:ConditionCheckItem', 'dynamodb:UpdateItem']),
            Resource: { 'Fn::Join': ['', Match.arrayWith([`:table/${n.controlTable}`])] },
          }),
          Match.objectLike({ Action: 'sns:Publish' }),
        ]),
      },
    });
  });

  it('GIVEN least privilege WHEN every statement on the failover role is read THEN it grants exactly the actions the Lambda calls, "*" only where AWS requires it', () => {
    const template = templateOf(region);
    const fn = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: names().failoverFunction } }),
    )[0]!;
    const role = logicalIdOf(fn.Properties.Role)!;
    type Statement = { Effect: string; Action: string | string[]; Resource: unknown; NotAction?: unknown };
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as unknown[]).some((r) => logicalIdOf(r) === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    const actions = statements.flatMap((st) => [st.Action].flat());
    // A new AWS call of the Lambda must be added here on purpose: this list is its whole permission set.
    expect(actions.sort()).toEqual(
      [
        'cloudwatch:DescribeAlarms',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'route53:ChangeResourceRecordSets',
        'route53:GetChange',
        'route53:ListResourceRecordSets',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    for (const st of statements) {
      expect({ st, effect: st.Effect, notAction: st.NotAction }).toEqual({ st, effect: 'Allow', notAction: undefined });
      // cloudwatch:DescribeAlarms has no resource-level scoping for composite alarms (acknowledged in the construct).
      if (st.Resource === '*') expect(st.Action).toBe('cloudwatch:DescribeAlarms');
    }
    // Only the logs-writing managed policy: nothing broader rides on the role.
    const managed = template.toJSON().Resources[role].Properties.ManagedPolicyArns as unknown[];
    expect(managed).toHaveLength(1);
    expect(JSON.stringify(managed)).toContain(':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"');
  });

  it('GIVEN both Regions alarm topics WHEN the Lambda permissions are read THEN SNS may invoke it from either', () => {
    const template = templateOf(region);
    for (const topicRegion of regions) {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 'sns.amazonaws.com',
        SourceArn: { 'Fn::Join': ['', Match.arrayWith([`:sns:${topicRegion}:`, `:${names().alarmTopic}`])] },
      });
    }
  });

  it('GIVEN the dashboard WHEN synthesised THEN it shows Region health and failover activity', () => {
    const dashboards = templateOf(region).findResources('AWS::CloudWatch::Dashboard');
    const [dashboard] = Object.values(dashboards);
    expect(dashboard!.Properties.DashboardName).toBe(`${synth.config.app}-${region}`);
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const text of [
      'Region health',
      'Failover decisions',
      'DecisionFailover',
      'RecordsChanged',
      'Failed invocations',
    ]) {
      expect(body).toContain(text);
    }
  });
});

describe('the alarm → SNS → Lambda wiring across Regions', () => {
  it('GIVEN the primary stack WHEN synthesised THEN its topic feeds its own Lambda only', () => {
    const template = templateOf('us-east-1');
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailoverFunction'), 'Arn'] },
    });
  });

  it('GIVEN the secondary stack WHEN synthesised THEN the us-west-2 Lambda hears us-east-1 (and us-east-1 hears us-west-2)', () => {
    const names = namesFor(synth.config);
    const template = templateOf('us-west-2');
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    // the standby Lambda hears the primary's alarm topic: a us-east-1 outage is handled from us-west-2
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Region: 'us-east-1',
      TopicArn: { 'Fn::Join': ['', Match.arrayWith([':sns:us-east-1:', `:${names.alarmTopic}`])] },
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailoverFunction'), 'Arn'] },
    });
    // the primary Lambda hears the standby's topic
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::Join': ['', Match.arrayWith([':lambda:us-east-1:', `:function:${names.failoverFunction}`])] },
    });
    expect(synth.stacks.regions['us-west-2']!.dependencies).toContain(synth.stacks.regions['us-east-1']);
  });
});

describe('the data stack', () => {
  it('GIVEN the primary Region WHEN synthesised THEN it lives there', () => {
    expect(synth.stacks.data.region).toBe('us-east-1');
  });

  it('GIVEN both tables WHEN synthesised THEN they are global tables with a replica in each Region, PITR and deletion protection', () => {
    const names = namesFor(synth.config);
    const template = Template.fromStack(synth.stacks.data);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
    for (const tableName of [names.dataTable, names.controlTable]) {
      const [table] = Object.values(
        template.findResources('AWS::DynamoDB::GlobalTable', { Properties: { TableName: tableName } }),
      );
      expect(table).toMatchObject({ DeletionPolicy: 'Retain', Properties: { BillingMode: 'PAY_PER_REQUEST' } });
      const replicas = table!.Properties.Replicas as { Region: string }[];
      expect(replicas.map((r) => r.Region).sort()).toEqual(['us-east-1', 'us-west-2']);
      for (const replica of replicas) {
        expect(replica).toMatchObject({
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        });
      }
    }
  });

  it('GIVEN the tenant data table WHEN synthesised THEN items are partitioned by tenant', () => {
    Template.fromStack(synth.stacks.data).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: namesFor(synth.config).dataTable,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
  });

  it('GIVEN the control table WHEN synthesised THEN it has string keys and a ttl attribute', () => {
    Template.fromStack(synth.stacks.data).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: namesFor(synth.config).controlTable,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('GIVEN the data stack WHEN synthesised THEN it holds no shared secret (user pools sign tokens, FIS injects faults)', () => {
    Template.fromStack(synth.stacks.data).resourceCountIs('AWS::SecretsManager::Secret', 0);
    for (const region of Object.values(synth.stacks.regions)) {
      expect(JSON.stringify(Template.fromStack(region).toJSON())).not.toContain('ADMIN_TOKEN');
    }
  });
});

describe('the DNS stack', () => {
  it('GIVEN no zone id WHEN synthesised THEN the zone is created in us-east-1', () => {
    expect(synth.stacks.dns.region).toBe('us-east-1');
    Template.fromStack(synth.stacks.dns).hasResourceProperties('AWS::Route53::HostedZone', {
      Name: `${synth.config.dns.zoneName}.`,
    });
  });

  it('GIVEN the sample tenants WHEN synthesised THEN the records have the shape the switch expects', () => {
    const { config } = synth;
    const names = namesFor(config);
    const template = Template.fromStack(synth.stacks.dns);
    const cname = (name: string, target: string) =>
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${name}.`,
        Type: 'CNAME',
        ResourceRecords: [target],
        TTL: String(config.dns.ttlSeconds),
      });
    cname(names.sharedRoutingRecord, names.sharedRegionalRecord('us-east-1'));
    for (const tenant of config.tenants.filter((t) => t.tier === 'premium')) {
      cname(names.tenantRecord(tenant.id), names.premiumRegionalRecord(tenant.id, 'us-east-1'));
    }
    template.resourceCountIs('AWS::Route53::RecordSet', routingRecordNames(config).length);
    // Every basic and advanced tenant's static record, in exactly one record set group, following the shared record.
    const grouped = Object.values(template.findResources('AWS::Route53::RecordSetGroup')).flatMap(
      (group) =>
        group.Properties.RecordSets as { Name: string; Type: string; ResourceRecords: string[]; TTL: string }[],
    );
    expect(grouped.map((r) => r.Name).sort()).toEqual(
      config.tenants
        .filter((t) => t.tier !== 'premium')
        .map((t) => `${names.tenantRecord(t.id)}.`)
        .sort(),
    );
    for (const record of grouped) {
      expect(record).toEqual({
        Name: record.Name,
        Type: 'CNAME',
        ResourceRecords: [names.sharedRoutingRecord],
        TTL: String(config.dns.ttlSeconds),
      });
    }
  });

  it('GIVEN a created zone WHEN the regional stacks use it THEN the zone id crosses Regions through the CDK exports', () => {
    const west = JSON.stringify(Template.fromStack(synth.stacks.regions['us-west-2']!).toJSON());
    expect(west).toContain('Custom::CrossRegionExportReader');
  });
});

const peerOf = (r: string) => (r === 'us-east-1' ? 'us-west-2' : 'us-east-1');
const namesOf = () => namesFor(synth.config);
const idOf = (template: Template, type: string, props: Record<string, unknown>) => {
  const [id] = Object.keys(template.findResources(type, { Properties: props }));
  if (!id) throw new Error(`no ${type} with ${JSON.stringify(props)}`);
  return id;
};

/**
 * Detection wiring as deployed: what can trigger a failover (and what cannot), that every load balancer is watched,
 * that each Region is probed from its peer with the alarm, topic, key and Lambda subscription all in the peer, and that
 * the failover Lambda is reconciled every minute and watched on its own metrics.
 */
describe.each(regions)('detection in %s', (region) => {
  it('GIVEN the request-count alarm WHEN synthesised THEN it only notifies on-call and is no failover trigger', () => {
    const template = templateOf(region);
    const monitor = namesOf().monitorAlarm(region, 'request-volume');
    const oncall = idOf(template, 'AWS::SNS::Topic', { TopicName: namesOf().oncallTopic });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: monitor,
      MetricName: 'RequestCount',
      AlarmActions: [{ Ref: oncall }],
    });
    const composite = Object.values(
      template.findResources('AWS::CloudWatch::CompositeAlarm', {
        Properties: { AlarmName: namesOf().regionAlarm(region) },
      }),
    )[0]!;
    expect(composite.Properties.AlarmRule).not.toContain('monitor');
    expect(composite.Properties.AlarmRule).not.toContain('RequestCount');
    const alarmTopic = idOf(template, 'AWS::SNS::Topic', { TopicName: namesOf().alarmTopic });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      if (alarm.Properties.AlarmName !== monitor) continue;
      expect(JSON.stringify(alarm.Properties.AlarmActions ?? [])).not.toContain(alarmTopic);
    }
  });

  it('GIVEN the failover triggers WHEN synthesised THEN 5xx is guarded by a minimum of requests and healthy hosts are a percentage', () => {
    const template = templateOf(region);
    const min = synth.config.detection.thresholds.minRequestsPerPeriod;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: namesOf().componentAlarm(region, 'alb-5xx-rate'),
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: `IF(m2 >= ${min}, 100 * (FILL(m0, 0) + FILL(m1, 0)) / m2, 0)`,
          ReturnData: true,
        }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: namesOf().componentAlarm(region, 'healthy-hosts'),
      ComparisonOperator: 'LessThanThreshold',
      Threshold: synth.config.detection.thresholds.healthyHostPercent,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'MIN([p0, p1, p2])', ReturnData: true })]),
    });
    expect(ALARM_KINDS).not.toContain('request-surge');
  });

  it('GIVEN the load balancers WHEN synthesised THEN every one of them (shared and each premium silo) is watched', () => {
    let loadBalancers = 0;
    for (const template of templatesOf(region)) {
      const lbIds = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
      const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
      for (const id of lbIds) expect(alarms).toContain(`"${id}","LoadBalancerFullName"`);
      loadBalancers += lbIds.length;
    }
    expect(loadBalancers).toBe(1 + tenantsOf('premium').length);
  });

  it('GIVEN each premium tenant WHEN synthesised THEN its own alarms feed its own composite on the alarm topic, naming the tenant', () => {
    const regional = templateOf(region);
    const alarmTopic = idOf(regional, 'AWS::SNS::Topic', { TopicName: namesOf().alarmTopic });
    const exported = exportedLogicalIds(regional);
    for (const tenant of synth.config.tenants.filter((t) => t.tier === 'premium')) {
      const template = tenantTemplateOf(region, tenant.id);
      const children = TENANT_ALARM_KINDS.map((k) => namesOf().tenantComponentAlarm(region, tenant.id, k));
      for (const child of children) template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: child });
      template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
        AlarmName: namesOf().tenantAlarm(region, tenant.id),
        AlarmRule: children.map((c) => `ALARM("${c}")`).join(' OR '),
        AlarmDescription: Match.stringLikeRegexp(`Premium tenant ${tenant.id} `),
      });
      // The composite lives in the tenant stack and publishes to the Region stack's alarm topic (a cross-stack import).
      const composite = Object.values(
        template.findResources('AWS::CloudWatch::CompositeAlarm', {
          Properties: { AlarmName: namesOf().tenantAlarm(region, tenant.id) },
        }),
      )[0]!;
      const actions = composite.Properties.AlarmActions as unknown[];
      expect(actions.map((a) => logicalIdOf(a, exported))).toEqual([alarmTopic]);
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
    const alarmTopic = idOf(template, 'AWS::SNS::Topic', { TopicName: namesOf().alarmTopic });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: namesOf().probeAlarm(peer),
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
    const topic = template.findResources('AWS::SNS::Topic', { Properties: { TopicName: namesOf().alarmTopic } });
    const keyRef = Object.values(topic)[0]!.Properties.KmsMasterKeyId;
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toContain(keyRef['Fn::GetAtt'][0]);
    const fn = idOf(template, 'AWS::Lambda::Function', { FunctionName: namesOf().failoverFunction });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: alarmTopic },
      Endpoint: { 'Fn::GetAtt': [fn, 'Arn'] },
    });
    // Nothing about the peer's own availability is alarmed in the peer itself.
    const peerAlarms = Template.fromStack(synth.stacks.regions[peer]!).findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmName: namesOf().probeAlarm(peer) },
    });
    expect(Object.keys(peerAlarms)).toHaveLength(0);
  });

  it('GIVEN the failover Lambda WHEN synthesised THEN a rate(1 minute) rule invokes it with the scheduled event', () => {
    const template = templateOf(region);
    const fn = idOf(template, 'AWS::Lambda::Function', { FunctionName: namesOf().failoverFunction });
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
    const oncall = idOf(template, 'AWS::SNS::Topic', { TopicName: namesOf().oncallTopic });
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
