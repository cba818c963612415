import { Match, Template } from 'aws-cdk-lib/assertions';
import { namesFor, routingRecordNames, sharedShards } from '../../failover/config/names';
import { configSchema, type RegionFlipConfig } from '../../failover/config/schema';
import { zoneRecords } from '../../failover/switch/records';
import {
  allStacks,
  exportedLogicalIds,
  healthyHostAlarmsByTargetGroup,
  logicalIdOf,
  normaliseTemplate,
  type Synthesized,
  sampleConfig,
  stacksOfRegion,
  synthesize,
} from './synth';

/**
 * Tenant stacks and load balancer shards at a size that synthesises in seconds: the sample tenants with one advanced
 * tenant per shared load balancer (two shards), and the sample with a tenant added or removed.
 */

const sharded = (c: RegionFlipConfig): RegionFlipConfig =>
  configSchema.parse({
    ...c,
    tenants: c.tenants.map((t) => (t.id === 'umbrella' ? { ...t, shard: 2 } : t)),
    sharding: { advancedTenantsPerLoadBalancer: 1 },
  });

const synths: Synthesized[] = [];
const synth = (config: RegionFlipConfig) => {
  const s = synthesize({ config });
  synths.push(s);
  return s;
};
afterAll(() => {
  for (const s of synths) s.dispose();
});

describe('two shared load balancers (one advanced tenant each)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(sampleConfig(sharded));
  });
  const names = () => namesFor(s.config);

  it('GIVEN the sharded config WHEN derived THEN shard 1 is "shared" with the pool and shard 2 "shared-2"', () => {
    expect(sharedShards(s.config).map((x) => [x.label, x.basicTenantIds.length, x.advancedTenantIds])).toEqual([
      ['shared', 3, ['initech']],
      ['shared-2', 0, ['umbrella']],
    ]);
  });

  it.each(['us-east-1', 'us-west-2'])(
    'GIVEN %s WHEN synthesised THEN each shard has a load balancer, an endpoint and alarms in the composite',
    (region) => {
      const template = Template.fromStack(s.stacks.regions[region]!);
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 2);
      for (const label of ['shared', 'shared-2']) {
        template.hasResourceProperties('AWS::Route53::RecordSet', {
          Name: `${names().premiumRegionalRecord(label, region)}.`,
          Type: 'A',
        });
      }
      const shardAlarms = ['alb-5xx-rate', 'p99-latency'].map((k) =>
        names().shardComponentAlarm(region, 'shared-2', k as 'alb-5xx-rate'),
      );
      for (const alarm of shardAlarms) template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: alarm });
      template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
        AlarmName: names().regionAlarm(region),
        AlarmRule: Match.stringLikeRegexp(shardAlarms.map((a) => `ALARM\\("${a}"\\)`).join(' OR ')),
      });
      const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
      for (const id of Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))) {
        expect(alarms).toContain(`"${id}","LoadBalancerFullName"`);
      }
    },
  );

  it('GIVEN every stack of the app WHEN its target groups are walked THEN each is read by a healthy-hosts alarm that reaches the failover Lambda', () => {
    const watched = healthyHostAlarmsByTargetGroup(s.stacks);
    // The pool's three services per Region and each advanced and premium tenant's three, in both Regions.
    expect(watched.size).toBe(2 * 3 * (1 + s.config.tenants.filter((t) => t.tier !== 'basic').length));
    const composites = allStacks(s.stacks).flatMap((stack) =>
      Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::CompositeAlarm')).map(
        (c) => c.Properties.AlarmRule as string,
      ),
    );
    const alarmActions = new Map(
      allStacks(s.stacks).flatMap((stack) =>
        Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((a) => [
          `${stack.stackName}/${a.Properties.AlarmName}`,
          (a.Properties.AlarmActions ?? []).length,
        ]),
      ),
    );
    for (const [targetGroup, alarms] of watched) {
      // A child of a composite (which publishes to the alarm topic), or an alarm that publishes itself.
      const reaching = alarms.filter(
        (key) => (alarmActions.get(key) ?? 0) > 0 || composites.some((rule) => rule.includes(`"${key.split('/')[1]}"`)),
      );
      expect({ targetGroup, reaching: reaching.length > 0 }).toEqual({ targetGroup, reaching: true });
    }
  });

  it.each(['us-east-1', 'us-west-2'])(
    "GIVEN umbrella on shard 2 in %s WHEN its stack is read THEN its healthy-hosts alarm watches its target groups on shard 2's load balancer and publishes to the Region's alarm topic",
    (region) => {
      const tenant = Template.fromStack(s.stacks.tenants[region]!.umbrella!);
      const regional = Template.fromStack(s.stacks.regions[region]!);
      const exported = exportedLogicalIds(regional);
      const [alarm, ...others] = Object.values(tenant.findResources('AWS::CloudWatch::Alarm'));
      expect(others).toHaveLength(0);
      expect(alarm!.Properties.AlarmName).toBe(names().advancedHealthyAlarm(region, 'umbrella'));
      expect(alarm!.Properties.ComparisonOperator).toBe('LessThanThreshold');
      expect(alarm!.Properties.Threshold).toBe(s.config.detection.thresholds.healthyHostPercent);
      const dims = (
        alarm!.Properties.Metrics as { MetricStat?: { Metric: { Dimensions: { Name: string; Value: unknown }[] } } }[]
      ).flatMap((q) => q.MetricStat?.Metric.Dimensions ?? []);
      const lbs = new Set(dims.filter((d) => d.Name === 'LoadBalancer').map((d) => logicalIdOf(d.Value, exported)));
      const shard2 = Object.keys(regional.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer')).find((id) =>
        id.includes('shared2'),
      );
      expect([...lbs]).toEqual([shard2]);
      expect(new Set(dims.filter((d) => d.Name === 'TargetGroup').map((d) => logicalIdOf(d.Value))).size).toBe(3);
      const topic = Object.keys(regional.findResources('AWS::SNS::Topic')).find((id) => id.includes('AlarmTopic'));
      for (const actions of [alarm!.Properties.AlarmActions, alarm!.Properties.OKActions]) {
        expect((actions as unknown[]).map((a) => logicalIdOf(a, exported))).toEqual([topic]);
      }
    },
  );

  it("GIVEN umbrella on shard 2 WHEN its stack is read THEN its rules sit on shard 2's listener", () => {
    const regional = Template.fromStack(s.stacks.regions['us-east-1']!);
    const exported = exportedLogicalIds(regional);
    const listenerOf = (tenantId: string) =>
      Object.values(
        Template.fromStack(s.stacks.tenants['us-east-1']![tenantId]!).findResources(
          'AWS::ElasticLoadBalancingV2::ListenerRule',
        ),
      ).map((rule) => logicalIdOf(rule.Properties.ListenerArn, exported));
    const listeners = Object.keys(regional.findResources('AWS::ElasticLoadBalancingV2::Listener'));
    const shard2 = listeners.find((id) => id.includes('shared2') && id.includes('Https'))!;
    const shard0 = listeners.find((id) => id !== shard2 && id.includes('Https'))!;
    expect(listenerOf('umbrella')).toEqual([shard2, shard2, shard2]);
    expect(listenerOf('initech')).toEqual([shard0, shard0, shard0]);
  });

  it('GIVEN the shards WHEN DNS, the Lambda policy and the local records are read THEN they name the same routing records', () => {
    const routing = routingRecordNames(s.config);
    expect(routing).toEqual([
      names().sharedRoutingRecord,
      `shared-2.${names().zone}`,
      names().tenantRecord('acme'),
      names().tenantRecord('globex'),
    ]);
    const dns = Template.fromStack(s.stacks.dns);
    dns.resourceCountIs('AWS::Route53::RecordSet', routing.length);
    dns.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `shared-2.${names().zone}.`,
      ResourceRecords: [names().premiumRegionalRecord('shared-2', 'us-east-1')],
    });
    const grouped = Object.values(dns.findResources('AWS::Route53::RecordSetGroup')).flatMap(
      (g) => g.Properties.RecordSets as { Name: string; ResourceRecords: string[] }[],
    );
    expect(grouped.find((r) => r.Name === `${names().tenantRecord('umbrella')}.`)?.ResourceRecords).toEqual([
      `shared-2.${names().zone}`,
    ]);
    const policies = JSON.stringify(
      Template.fromStack(s.stacks.regions['us-west-2']!).findResources('AWS::IAM::Policy'),
    );
    expect(policies).toContain(JSON.stringify(routing));
    const local = zoneRecords(s.config, 'us-east-1', () => 'lb').filter((r) => r.role === 'routing');
    expect(local.map((r) => r.name)).toEqual(routing);
  });
});

describe('onboarding and removing a tenant', () => {
  /** Every tenant stack's template, normalised, by stack name. */
  const tenantTemplates = (s: Synthesized) =>
    new Map(
      ['us-east-1', 'us-west-2'].flatMap((region) =>
        stacksOfRegion(s.stacks, region)
          .slice(1)
          .map((stack) => [stack.stackName, JSON.stringify(normaliseTemplate(Template.fromStack(stack).toJSON()))]),
      ),
    );
  /** The resources of the DNS and Region stacks, normalised, by "<stack>/<logical id>". */
  const sharedResources = (s: Synthesized) =>
    new Map(
      [s.stacks.dns, ...Object.values(s.stacks.regions)].flatMap((stack) =>
        Object.entries(normaliseTemplate(Template.fromStack(stack).toJSON()) as { Resources: object }).flatMap(
          ([section, body]) =>
            section === 'Resources'
              ? Object.entries(body as Record<string, unknown>).map(([id, r]) => [
                  `${stack.stackName}/${id}`,
                  JSON.stringify(r),
                ])
              : [[`${stack.stackName}/${section}`, JSON.stringify(body)]],
        ),
      ),
    );
  let base: Synthesized;
  let before: Map<string, string>;
  beforeAll(() => {
    base = synth(sampleConfig());
    before = tenantTemplates(base);
  });

  it('GIVEN a new premium tenant WHEN synthesised THEN the DNS and Region stacks change only by its routing record, the Lambda permission to move it and the zone id export', () => {
    const after = synth(
      sampleConfig((c) => ({ ...c, tenants: [...c.tenants, { id: 'bigco', tier: 'premium' as const }] })),
    );
    const was = sharedResources(base);
    const now = sharedResources(after);
    const changed = [...new Set([...was.keys(), ...now.keys()])].filter((k) => was.get(k) !== now.get(k)).sort();
    const policy = (region: string) =>
      Object.keys(Template.fromStack(after.stacks.regions[region]!).findResources('AWS::IAM::Policy')).find((id) =>
        JSON.stringify(Template.fromStack(after.stacks.regions[region]!).toJSON().Resources[id]).includes(
          `bigco.${after.config.dns.zoneName}`,
        ),
      );
    const routingRecord = Object.entries(Template.fromStack(after.stacks.dns).findResources('AWS::Route53::RecordSet'))
      .filter(([, r]) => r.Properties.Name === `bigco.${after.config.dns.zoneName}.`)
      .map(([id]) => id);
    expect(routingRecord).toHaveLength(1);
    // Justified in infra/README.md ("Onboarding a tenant"): the zone's routing record, the Lambda's least-privilege
    // record list, and the cross-Region export of the zone id that the new us-west-2 tenant stack reads.
    const exportWriter = [...now.keys()].find((k) => k.startsWith('regionflip-dns/ExportsWriteruswest2'));
    expect(exportWriter).toBeDefined();
    expect(changed).toEqual(
      [
        exportWriter,
        `regionflip-dns/${routingRecord[0]}`,
        `regionflip-us-east-1/${policy('us-east-1')}`,
        `regionflip-us-west-2/${policy('us-west-2')}`,
      ].sort(),
    );
  });

  it('GIVEN a new advanced and a new premium tenant WHEN synthesised THEN two stacks per Region appear and no other tenant stack changes', () => {
    const after = tenantTemplates(
      synth(
        sampleConfig((c) => ({
          ...c,
          tenants: [...c.tenants, { id: 'newco', tier: 'advanced' }, { id: 'bigco', tier: 'premium' }],
        })),
      ),
    );
    const added = [...after.keys()].filter((name) => !before.has(name)).sort();
    expect(added).toEqual([
      'regionflip-us-east-1-tenant-bigco',
      'regionflip-us-east-1-tenant-newco',
      'regionflip-us-west-2-tenant-bigco',
      'regionflip-us-west-2-tenant-newco',
    ]);
    for (const [name, template] of before)
      expect({ name, same: after.get(name) === template }).toEqual({ name, same: true });
  });

  it('GIVEN the first advanced tenant removed WHEN synthesised THEN the later advanced tenant keeps its stack, shard and rule priorities', () => {
    const after = tenantTemplates(
      synth(sampleConfig((c) => ({ ...c, tenants: c.tenants.filter((t) => t.id !== 'initech') }))),
    );
    expect([...before.keys()].filter((name) => !after.has(name)).sort()).toEqual([
      'regionflip-us-east-1-tenant-initech',
      'regionflip-us-west-2-tenant-initech',
    ]);
    for (const region of ['us-east-1', 'us-west-2']) {
      const name = `regionflip-${region}-tenant-umbrella`;
      expect({ name, same: after.get(name) === before.get(name) }).toEqual({ name, same: true });
    }
  });

  it('GIVEN a premium tenant removed WHEN synthesised THEN its stacks go and no other tenant stack changes', () => {
    const after = tenantTemplates(
      synth(sampleConfig((c) => ({ ...c, tenants: c.tenants.filter((t) => t.id !== 'acme') }))),
    );
    expect([...before.keys()].filter((name) => !after.has(name)).sort()).toEqual([
      'regionflip-us-east-1-tenant-acme',
      'regionflip-us-west-2-tenant-acme',
    ]);
    for (const [name, template] of after)
      expect({ name, same: before.get(name) === template }).toEqual({ name, same: true });
  });
});
