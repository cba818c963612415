import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadDrill } from '../../chaos/drill/load';
import { namesFor } from '../../failover/config/names';
import { FIS_EXPERIMENT_DURATION } from '../../infra/fis/drill-experiments';
import { SSM_AGENT_CONTAINER, SSM_AGENT_IMAGE } from '../../infra/fis/fault-injection-sidecar';
import { FIS_FAULTS, FIS_LATENCY_MS, FIS_LATENCY_TAG, FIS_TAGS } from '../../infra/fis/tags';
import { type Synthesized, synthesize } from './synth';

const DRILL_CATALOGUE_DIR = join(__dirname, '../../chaos/drills');

/**
 * The drills' FIS experiment templates, read from the synthesized Region stacks: one per catalogue fault FIS can
 * inject, in each Region, tagged for the drill to find, guarded by stop conditions, run by a role scoped to its
 * targets, and reporting to S3 with the Region's dashboard.
 */

type Resource = { Type: string; Properties: Record<string, unknown> };
type FisTemplate = {
  Tags: Record<string, string>;
  Actions: Record<string, { ActionId: string; Parameters?: Record<string, string>; Targets: Record<string, string> }>;
  Targets: Record<string, { ResourceType: string; ResourceArns?: unknown[]; Parameters?: Record<string, unknown> }>;
  StopConditions: { Source: string; Value: unknown }[];
  RoleArn: unknown;
  ExperimentReportConfiguration?: {
    Outputs: { ExperimentReportS3Configuration: { BucketName: unknown; Prefix: string } };
    DataSources: { CloudWatchDashboards: { DashboardIdentifier: unknown }[] };
  };
};

/** The logical id a `Ref` or `Fn::GetAtt` names. */
const refOf = (value: unknown): string | undefined => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
};

/** Every resource's logical id a CloudFormation value mentions (Ref, GetAtt, inside Fn::Join), pseudo parameters aside. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value && typeof value === 'object') {
    const own = refOf(value);
    return [...(own && !own.startsWith('AWS::') ? [own] : []), ...Object.values(value).flatMap(refsIn)];
  }
  return [];
}

/** What a catalogue drill injects that FIS can: every action fault of kinds with a template. */
function catalogueFisFaults(): Set<string> {
  const kinds = new Set<string>();
  for (const file of readdirSync(DRILL_CATALOGUE_DIR).filter((f) => f.endsWith('.yaml'))) {
    for (const step of loadDrill(join(DRILL_CATALOGUE_DIR, file)).method) {
      if (step.type === 'action' && (FIS_FAULTS as readonly string[]).includes(step.fault.kind)) {
        kinds.add(step.fault.kind);
      }
    }
  }
  return kinds;
}

describe('FIS experiment templates of the drills', () => {
  let synth: Synthesized;
  const regions: { region: string; template: Template }[] = [];
  beforeAll(() => {
    synth = synthesize();
    for (const region of [synth.config.regions.primary, synth.config.regions.secondary]) {
      regions.push({ region, template: Template.fromStack(synth.stacks.regions[region]!) });
    }
  });
  afterAll(() => synth?.dispose());

  const templatesOf = (template: Template) =>
    Object.entries(template.findResources('AWS::FIS::ExperimentTemplate') as Record<string, Resource>).map(
      ([id, r]) => ({ id, props: r.Properties as unknown as FisTemplate }),
    );
  const byFault = (template: Template, fault: string) => {
    const found = templatesOf(template).filter((t) => t.props.Tags[FIS_TAGS.fault] === fault);
    expect(found).toHaveLength(1);
    return found[0]!.props;
  };

  it('GIVEN the drill catalogue WHEN each Region stack is synthesised THEN every fault FIS can inject has exactly one template there, tagged for the app and Region', () => {
    const needed = catalogueFisFaults();
    // error-rate has no FIS fault (local only); latency has a template for drill files outside the catalogue.
    expect([...needed].sort()).toEqual(['region-outage', 'replication-pause', 'service-outage']);
    expect(FIS_FAULTS).toEqual(expect.arrayContaining([...needed]));
    for (const { region, template } of regions) {
      const tagged = templatesOf(template).map((t) => t.props.Tags);
      expect(tagged.map((t) => t[FIS_TAGS.fault]).sort()).toEqual([...FIS_FAULTS].sort());
      for (const tags of tagged) {
        expect(tags).toMatchObject({ [FIS_TAGS.app]: synth.config.app, [FIS_TAGS.region]: region });
      }
    }
  });

  it('GIVEN each template WHEN its stop conditions are read THEN it stops on the failover errors alarm and on the probe alarm about the peer Region', () => {
    for (const { region, template } of regions) {
      const peer =
        region === synth.config.regions.primary ? synth.config.regions.secondary : synth.config.regions.primary;
      const alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
      const idOfAlarm = (name: string) => Object.entries(alarms).find(([, a]) => a.Properties.AlarmName === name)?.[0];
      const failoverErrors = idOfAlarm(`${synth.config.app}.ops.${region}.failover-errors`);
      const probeOfPeer = idOfAlarm(namesFor(synth.config).probeAlarm(peer));
      expect(failoverErrors).toBeDefined();
      expect(probeOfPeer).toBeDefined();
      for (const { props } of templatesOf(template)) {
        expect(props.StopConditions.map((s) => s.Source)).toEqual(['aws:cloudwatch:alarm', 'aws:cloudwatch:alarm']);
        expect(props.StopConditions.map((s) => refOf(s.Value)).sort()).toEqual([failoverErrors, probeOfPeer].sort());
      }
    }
  });

  it('GIVEN the Region-outage template WHEN read THEN it cuts off every subnet of the VPC and pauses replication of the data table, for the bounded duration', () => {
    for (const { template } of regions) {
      const t = byFault(template, 'region-outage');
      const subnets = Object.keys(template.findResources('AWS::EC2::Subnet'));
      expect(subnets).toHaveLength(4);
      expect(
        Object.values(t.Actions)
          .map((a) => a.ActionId)
          .sort(),
      ).toEqual(['aws:dynamodb:global-table-pause-replication', 'aws:network:disrupt-connectivity']);
      expect(t.Actions.disruptSubnets?.Parameters).toEqual({ duration: FIS_EXPERIMENT_DURATION, scope: 'all' });
      expect(t.Targets.Subnets?.ResourceType).toBe('aws:ec2:subnet');
      expect(refsIn(t.Targets.Subnets?.ResourceArns).sort()).toEqual(subnets.sort());
      expect(t.Targets.Table?.ResourceType).toBe('aws:dynamodb:global-table');
      expect(JSON.stringify(t.Targets.Table?.ResourceArns)).toContain(`table/${namesFor(synth.config).dataTable}`);
    }
  });

  it('GIVEN the brown-out templates WHEN read THEN the service outage cuts off only the app subnets and the latency one delays every pooled service through ECS fault injection', () => {
    for (const { template } of regions) {
      const outage = byFault(template, 'service-outage');
      const appSubnets = Object.entries(template.findResources('AWS::EC2::Subnet') as Record<string, Resource>)
        .filter(([, s]) => JSON.stringify(s.Properties.Tags).includes('"aws-cdk:subnet-name","Value":"app"'))
        .map(([id]) => id);
      expect(appSubnets).toHaveLength(2);
      expect(refsIn(outage.Targets.Subnets?.ResourceArns).sort()).toEqual(appSubnets.sort());

      const latency = byFault(template, 'latency');
      expect(latency.Tags[FIS_LATENCY_TAG]).toBe(String(FIS_LATENCY_MS));
      const actions = Object.values(latency.Actions);
      expect(actions).toHaveLength(3);
      for (const a of actions) {
        expect(a.ActionId).toBe('aws:ecs:task-network-latency');
        expect(a.Parameters).toMatchObject({
          delayMilliseconds: String(FIS_LATENCY_MS),
          useEcsFaultInjectionEndpoints: 'true',
        });
        expect(latency.Targets[a.Targets.Tasks!]?.ResourceType).toBe('aws:ecs:task');
      }
      // The endpoints answer only tasks whose definition enables fault injection.
      template.allResourcesProperties('AWS::ECS::TaskDefinition', { EnableFaultInjection: true });
    }
  });

  it("GIVEN the pooled task definitions the latency template targets WHEN read THEN each has the FIS guide's SSM agent sidecar, non-essential, registering with the managed instance role", () => {
    for (const { template } of regions) {
      const roles = template.findResources('AWS::IAM::Role') as Record<string, Resource>;
      const managedRoles = Object.entries(roles).filter(([id]) =>
        id.startsWith('FaultInjectionSidecarManagedInstanceRole'),
      );
      expect(managedRoles).toHaveLength(1);
      const [managedRoleId, managedRole] = managedRoles[0]!;
      expect(JSON.stringify(managedRole.Properties.AssumeRolePolicyDocument)).toContain('ssm.amazonaws.com');
      expect(JSON.stringify(managedRole.Properties.ManagedPolicyArns)).toContain('AmazonSSMManagedInstanceCore');

      const taskDefinitions = Object.values(
        template.findResources('AWS::ECS::TaskDefinition') as Record<string, Resource>,
      );
      expect(taskDefinitions).toHaveLength(3);
      const taskRoleIds = new Set<string>();
      for (const td of taskDefinitions) {
        const containers = td.Properties.ContainerDefinitions as {
          Name: string;
          Image: unknown;
          Essential?: boolean;
          Environment?: { Name: string; Value: unknown }[];
        }[];
        const sidecar = containers.find((c) => c.Name === SSM_AGENT_CONTAINER);
        expect(sidecar).toMatchObject({ Image: SSM_AGENT_IMAGE, Essential: false });
        const roleName = sidecar?.Environment?.find((e) => e.Name === 'MANAGED_INSTANCE_ROLE_NAME')?.Value;
        expect(refOf(roleName)).toBe(managedRoleId);
        // The app stays the essential container: the sidecar dying never stops a task.
        expect(containers.find((c) => c.Name === 'app')?.Essential ?? true).toBe(true);
        taskRoleIds.add(refOf(td.Properties.TaskRoleArn)!);
      }
      // The task role may pass exactly the managed instance role, and register/clean up its own activation.
      const statements = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
        .filter((p) => refsIn(p.Properties.Roles).some((r) => taskRoleIds.has(r)))
        .flatMap(
          (p) =>
            (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] })
              .Statement,
        );
      const passRole = statements.filter((st) => [st.Action].flat().includes('iam:PassRole'));
      expect(passRole.map((st) => refsIn(st.Resource))).toEqual([[managedRoleId]]);
      expect(statements.flatMap((st) => [st.Action].flat())).toEqual(
        expect.arrayContaining([
          'ssm:CreateActivation',
          'ssm:AddTagsToResource',
          'ssm:DeleteActivation',
          'ssm:DeregisterManagedInstance',
        ]),
      );
    }
  });

  it('GIVEN the premium silos, which no FIS template targets WHEN synthesised THEN their tasks have neither fault injection nor the sidecar', () => {
    const silos = Object.values(synth.stacks.tenants).flatMap((byTenant) => Object.values(byTenant ?? {}));
    expect(silos.length).toBeGreaterThan(0);
    for (const stack of silos) {
      for (const td of Object.values(
        Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition') as Record<string, Resource>,
      )) {
        expect(td.Properties.EnableFaultInjection).toBe(false);
        expect(JSON.stringify(td.Properties.ContainerDefinitions)).not.toContain(SSM_AGENT_CONTAINER);
      }
    }
  });

  it('GIVEN the replication-pause template WHEN read THEN it only pauses replication of the data table', () => {
    for (const { template } of regions) {
      const t = byFault(template, 'replication-pause');
      expect(Object.values(t.Actions).map((a) => a.ActionId)).toEqual(['aws:dynamodb:global-table-pause-replication']);
      expect(Object.keys(t.Targets)).toEqual(['Table']);
    }
  });

  it('GIVEN each template WHEN its report configuration is read THEN reports go to the experiments bucket with the Region dashboard', () => {
    for (const { region, template } of regions) {
      const dashboards = Object.values(
        template.findResources('AWS::CloudWatch::Dashboard') as Record<string, Resource>,
      );
      expect(dashboards.map((d) => d.Properties.DashboardName)).toEqual([`${synth.config.app}-${region}`]);
      for (const { props } of templatesOf(template)) {
        const report = props.ExperimentReportConfiguration!;
        expect(refOf(report.Outputs.ExperimentReportS3Configuration.BucketName)).toMatch(/DrillExperimentsReports/);
        expect(report.Outputs.ExperimentReportS3Configuration.Prefix).toBe(props.Tags[FIS_TAGS.fault]);
        expect(JSON.stringify(report.DataSources.CloudWatchDashboards[0]?.DashboardIdentifier)).toContain(
          `:dashboard/${synth.config.app}-${region}`,
        );
      }
    }
  });

  it('GIVEN the FIS role WHEN its policy is read THEN only FIS assumes it and every write is on the Region targets or FIS-tagged ACLs', () => {
    for (const { template } of regions) {
      const roleIds = new Set(templatesOf(template).map((t) => refOf(t.props.RoleArn)));
      expect(roleIds.size).toBe(1);
      const roleId = [...roleIds][0]!;
      const role = template.findResources('AWS::IAM::Role')[roleId] as Resource;
      expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('fis.amazonaws.com');
      expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('aws:SourceAccount');
      const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).filter(
        (p) => refsIn(p.Properties.Roles).includes(roleId),
      );
      const statements = policies.flatMap(
        (p) =>
          (
            p.Properties.PolicyDocument as {
              Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
            }
          ).Statement,
      );
      // No resource "*" but for what takes none (F1), or under a cluster condition.
      const readOnly = /^(ec2:Describe|ec2:Get|ssm:ListCommands|ssm:CancelCommand|cloudwatch:GetMetricWidgetImage)/;
      for (const s of statements) {
        const actions = [s.Action].flat();
        if (s.Resource !== '*') continue;
        const allowed = actions.every((a) => readOnly.test(a)) || s.Condition !== undefined;
        expect({ actions, allowed }).toEqual({ actions, allowed: true });
      }
      expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('dynamodb:*');
    }
  });

  it('GIVEN the Region stacks WHEN cdk-nag checks them THEN the FIS templates, their role and the sidecar grants leave no finding', () => {
    for (const region of [synth.config.regions.primary, synth.config.regions.secondary]) {
      const stack = synth.stacks.regions[region]!;
      const report = new AwsSolutionsChecks(stack).validateScope(stack);
      const fisFindings = report.violations.flatMap((v) =>
        v.violatingResources
          .filter((r) => /DrillExperiments|FaultInjectionSidecar|Pool\/TaskRole/.test(r.constructPath ?? ''))
          .map((r) => `${v.ruleName} ${r.constructPath}`),
      );
      expect(fisFindings).toEqual([]);
    }
  });
});
