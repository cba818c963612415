import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../failover/config/load';
import { routingRecordNames, sharedShards } from '../../failover/config/names';
import { exportedLogicalIds, logicalIdOf, type Synthesized, stacksOfRegion, synthesize } from './synth';

/**
 * The slower tier (`npm run test:scale`, not in `npm test`): the whole app synthesised for 100 advanced, 20 premium
 * and 500 basic tenants (test/infra/fixtures/scale.yaml), with cdk-nag on every stack. It takes minutes on a 2-core
 * machine, so the time is printed (infra/README.md records it), never asserted.
 */

const FIXTURE = resolve(__dirname, 'fixtures/scale.yaml');
/** CloudFormation allows 500 resources per stack; 450 leaves room for a change that adds a few. */
const RESOURCE_BUDGET = 450;
/** CloudFormation allows 200 outputs per stack (the Region stack exports what tenant stacks reference). */
const OUTPUT_LIMIT = 200;
/** ELB quotas per Application Load Balancer: 100 rules (not counting default rules), 100 target groups. */
const ALB_RULES = 100;
const ALB_TARGET_GROUPS = 100;

let synth: Synthesized;
beforeAll(() => {
  const started = performance.now();
  synth = synthesize({ config: loadConfig(FIXTURE) });
  const seconds = (performance.now() - started) / 1000;
  // The figure for infra/README.md ("Scale"); a measurement, not an assertion.
  process.stdout.write(`scale synth (100 advanced, 20 premium, 500 basic tenants): ${seconds.toFixed(1)} s\n`);
}, 900_000);
afterAll(() => synth?.dispose());

const regions = ['us-east-1', 'us-west-2'] as const;
/** Template.fromStack re-reads and re-parses the template on every call: once per stack is enough. */
const templates = new Map<Stack, Template>();
const templateOf = (stack: Stack) => {
  const template = templates.get(stack) ?? Template.fromStack(stack);
  templates.set(stack, template);
  return template;
};
const allStacks = () => [
  synth.stacks.data,
  synth.stacks.dns,
  ...regions.flatMap((region) => stacksOfRegion(synth.stacks, region)),
];
const tiers = (tier: string) => synth.config.tenants.filter((t) => t.tier === tier);

describe('the app at 100 advanced, 20 premium and 500 basic tenants', () => {
  it('GIVEN the scale fixture WHEN loaded THEN it holds the tenants the issue asks for', () => {
    expect([tiers('advanced').length, tiers('premium').length, tiers('basic').length]).toEqual([100, 20, 500]);
  });

  it('GIVEN every stack WHEN counted THEN none is over 450 resources or 200 outputs', () => {
    const over = allStacks().flatMap((stack) => {
      const template = templateOf(stack).toJSON();
      const resources = Object.keys(template.Resources ?? {}).length;
      const outputs = Object.keys(template.Outputs ?? {}).length;
      return resources > RESOURCE_BUDGET || outputs > OUTPUT_LIMIT
        ? [{ stack: stack.stackName, resources, outputs }]
        : [];
    });
    expect(over).toEqual([]);
  });

  it.each(regions)(
    'GIVEN %s WHEN its stacks are listed THEN each advanced and premium tenant has one of its own',
    (region) => {
      const tenants = synth.stacks.tenants[region]!;
      expect(Object.keys(tenants).sort()).toEqual([...tiers('advanced'), ...tiers('premium')].map((t) => t.id).sort());
      for (const [id, stack] of Object.entries(tenants)) {
        // Its services may touch its own partition only, and no other tenant's resources are in its stack.
        const policies = JSON.stringify(templateOf(stack).findResources('AWS::IAM::Policy'));
        const leadingKeys = [...policies.matchAll(/"dynamodb:LeadingKeys":\[([^\]]*)\]/g)].map((m) => m[1]);
        expect({ id, leadingKeys }).toEqual({ id, leadingKeys: [`"${id}"`] });
        templateOf(stack).resourceCountIs('AWS::ECS::Service', 3);
      }
      templateOf(synth.stacks.regions[region]!).resourceCountIs('AWS::ECS::Service', 3);
    },
  );

  it.each(regions)(
    'GIVEN %s WHEN the rules of every load balancer are counted across stacks THEN each is below its ELB quotas',
    (region) => {
      const regional = templateOf(synth.stacks.regions[region]!);
      const exported = exportedLogicalIds(regional);
      const perListener = new Map<string, { rules: number; targetGroups: Set<string> }>();
      for (const stack of stacksOfRegion(synth.stacks, region)) {
        const rules = templateOf(stack).findResources('AWS::ElasticLoadBalancingV2::ListenerRule');
        for (const rule of Object.values(rules)) {
          // A listener of another stack is named by its logical id there; prefix local ones with their stack.
          const imported = logicalIdOf(rule.Properties.ListenerArn, exported);
          const local = rule.Properties.ListenerArn.Ref as string | undefined;
          const listener = local
            ? `${stack.stackName}/${local}`
            : `${synth.stacks.regions[region]!.stackName}/${imported}`;
          const entry = perListener.get(listener) ?? { rules: 0, targetGroups: new Set<string>() };
          entry.rules++;
          for (const action of rule.Properties.Actions as { TargetGroupArn?: unknown }[]) {
            entry.targetGroups.add(`${stack.stackName}/${logicalIdOf(action.TargetGroupArn)}`);
          }
          perListener.set(listener, entry);
        }
      }
      const shards = sharedShards(synth.config);
      // every shared load balancer and every premium silo has rules; none reaches a quota
      expect(perListener.size).toBe(shards.length + tiers('premium').length);
      for (const [listener, { rules, targetGroups }] of perListener) {
        expect({ listener, rules: rules <= ALB_RULES, targetGroups: targetGroups.size <= ALB_TARGET_GROUPS }).toEqual({
          listener,
          rules: true,
          targetGroups: true,
        });
      }
      expect(Math.max(...[...perListener.values()].map((l) => l.rules))).toBe(
        3 * (1 + synth.config.sharding.advancedTenantsPerLoadBalancer),
      );
    },
  );

  it.each(regions)(
    'GIVEN %s WHEN its load balancers are listed THEN every one (each shard and each silo) is watched',
    (region) => {
      let loadBalancers = 0;
      for (const stack of stacksOfRegion(synth.stacks, region)) {
        const template = templateOf(stack);
        const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
        for (const id of Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))) {
          expect({ stack: stack.stackName, id, watched: alarms.includes(`"${id}","LoadBalancerFullName"`) }).toEqual({
            stack: stack.stackName,
            id,
            watched: true,
          });
          loadBalancers++;
        }
      }
      expect(loadBalancers).toBe(sharedShards(synth.config).length + tiers('premium').length);
    },
  );

  it('GIVEN the shards WHEN the DNS stack and the Lambda policy are read THEN both name every routing record', () => {
    const names = routingRecordNames(synth.config);
    expect(names).toHaveLength(sharedShards(synth.config).length + 20);
    const dns = templateOf(synth.stacks.dns);
    for (const name of names) dns.hasResourceProperties('AWS::Route53::RecordSet', { Name: `${name}.`, Type: 'CNAME' });
    const policies = JSON.stringify(templateOf(synth.stacks.regions['us-east-1']!).findResources('AWS::IAM::Policy'));
    expect(policies).toContain(JSON.stringify(names));
  });
});
