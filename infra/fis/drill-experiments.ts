import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { FargateService, ICluster } from 'aws-cdk-lib/aws-ecs';
import { CfnExperimentTemplate } from 'aws-cdk-lib/aws-fis';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { acknowledge } from '../nag';
import { FIS_LATENCY_MS, FIS_LATENCY_TAG, FIS_TAGS, type FisFault } from './tags';

/**
 * Sources (FIS user guide, https://docs.aws.amazon.com/fis/latest/userguide/):
 *   F1 fis-actions-reference.html: action ids, parameters, target resource types and the permissions each needs;
 *   F3 stop-conditions.html: a CloudWatch alarm in ALARM stops the experiment (it does not resume);
 *   F5 experiment-templates.html + API ExperimentTemplateReportConfiguration: reports to S3 with dashboard snapshots;
 *   ECS developer guide fault-injection.html: `enableFaultInjection` on the task definition (TenantServices sets it).
 */

/**
 * The longest an experiment runs if nobody stops it: the catalogue's longest AWS drill (max-duration 45m). The drill
 * stops it in its rollbacks (or `drill rollback` after a crash) and the stop conditions stop it sooner.
 */
export const FIS_EXPERIMENT_DURATION = 'PT45M';

export interface DrillExperimentsProps {
  readonly config: RegionFlipConfig;
  readonly vpc: IVpc;
  readonly dataTableName: string;
  /** The pooled services (every basic tenant) on the shared cluster: the brown-out's targets. */
  readonly cluster: ICluster;
  readonly services: readonly FargateService[];
  /**
   * Stop conditions of every template: the failover path failing (the failover Lambda's errors alarm) and clients
   * failing where traffic is moved to (the probe alarm about the peer Region). The drill's own trigger (this Region's
   * health alarm) is deliberately not one: the drill wants it to fire.
   */
  readonly stopAlarms: readonly IAlarm[];
  /** The Region's dashboard, snapshotted into each experiment report. */
  readonly dashboardArn: string;
  readonly accessLogs: IBucket;
}

interface TemplateSpec {
  readonly fault: FisFault;
  readonly description: string;
  readonly targets: Record<string, CfnExperimentTemplate.ExperimentTemplateTargetProperty>;
  readonly actions: Record<string, CfnExperimentTemplate.ExperimentTemplateActionProperty>;
  readonly extraTags?: Record<string, string>;
}

/**
 * The FIS experiment templates of one Region, one per catalogue fault that can run on AWS, each tagged
 * (regionflip:app / fault / region, infra/fis/tags.ts) so `drill run --target aws` finds it without an id:
 *   region-outage      every subnet of the Region's VPC cut off (NACL) + replication of the data table paused
 *   service-outage     the app subnets cut off: the load balancers stay up and answer 5xx (the brown-out drill)
 *   latency            the pooled tasks' network delayed (ECS fault injection)
 *   replication-pause  replication of the data table to and from this Region paused
 * One role, scoped to these targets, runs them all; every experiment writes its report to a bucket of its own.
 */
export class DrillExperiments extends Construct {
  readonly role: Role;
  readonly reports: Bucket;
  readonly templates: Readonly<Record<FisFault, CfnExperimentTemplate>>;

  constructor(scope: Construct, id: string, props: DrillExperimentsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const region = stack.region;
    const { config, vpc } = props;
    if (props.stopAlarms.length === 0) {
      throw new Error('DrillExperiments needs stopAlarms: an experiment without a stop condition runs unguarded');
    }
    const subnetArn = (subnetId: string) =>
      stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: subnetId });
    const allSubnets = [...vpc.publicSubnets, ...vpc.privateSubnets].map((s) => subnetArn(s.subnetId));
    const appSubnets = vpc.privateSubnets.map((s) => subnetArn(s.subnetId));
    const tableArn = stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: props.dataTableName });

    this.reports = new Bucket(this, 'Reports', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // An experiment report is evidence of a drill: versioning keeps one that is overwritten or deleted (CKV_AWS_21).
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'fis-reports/',
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('fis.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `${config.app}: runs the drill experiments of ${region} (FIS), on their targets only`,
    });
    this.grantTargets({
      vpcId: vpc.vpcId,
      allSubnets,
      tableArn,
      cluster: props.cluster,
      dashboardArn: props.dashboardArn,
    });

    // F1 aws:network:disrupt-connectivity: target aws:ec2:subnet, scope "all" denies all traffic in and out.
    const subnets = (arns: string[]): CfnExperimentTemplate.ExperimentTemplateTargetProperty => ({
      resourceType: 'aws:ec2:subnet',
      resourceArns: arns,
      selectionMode: 'ALL',
    });
    const disrupt = (description: string): CfnExperimentTemplate.ExperimentTemplateActionProperty => ({
      actionId: 'aws:network:disrupt-connectivity',
      description,
      parameters: { duration: FIS_EXPERIMENT_DURATION, scope: 'all' },
      targets: { Subnets: 'Subnets' },
    });
    // F1 aws:dynamodb:global-table-pause-replication: target aws:dynamodb:global-table (the replica in this Region).
    const pauseReplication: CfnExperimentTemplate.ExperimentTemplateActionProperty = {
      actionId: 'aws:dynamodb:global-table-pause-replication',
      description: `pause replication of ${props.dataTableName} to and from ${region}`,
      parameters: { duration: FIS_EXPERIMENT_DURATION },
      targets: { Tables: 'Table' },
    };
    const table: CfnExperimentTemplate.ExperimentTemplateTargetProperty = {
      resourceType: 'aws:dynamodb:global-table',
      resourceArns: [tableArn],
      selectionMode: 'ALL',
    };
    // F1 aws:ecs:task-network-latency: target aws:ecs:task (parameters cluster + service); on Fargate through the ECS
    // fault injection endpoints (useEcsFaultInjectionEndpoints), which need enableFaultInjection on the task definition.
    const taskTargets = Object.fromEntries(
      props.services.map((service, i) => [
        `Tasks${i}`,
        {
          resourceType: 'aws:ecs:task',
          parameters: { cluster: props.cluster.clusterArn, service: service.serviceName },
          selectionMode: 'ALL',
        },
      ]),
    );
    const latencyActions = Object.fromEntries(
      props.services.map((_, i) => [
        `latency${i}`,
        {
          actionId: 'aws:ecs:task-network-latency',
          description: `${FIS_LATENCY_MS} ms added to the pooled tasks' network`,
          parameters: {
            duration: FIS_EXPERIMENT_DURATION,
            delayMilliseconds: String(FIS_LATENCY_MS),
            useEcsFaultInjectionEndpoints: 'true',
          },
          targets: { Tasks: `Tasks${i}` },
        },
      ]),
    );

    const specs: TemplateSpec[] = [
      {
        fault: 'region-outage',
        description: `${config.app}: ${region} goes dark (all subnets cut off, replication paused)`,
        targets: { Subnets: subnets(allSubnets), Table: table },
        actions: {
          disruptSubnets: disrupt(`every subnet of the ${region} VPC: load balancers and tasks unreachable`),
          pauseReplication,
        },
      },
      {
        fault: 'service-outage',
        description: `${config.app}: ${region}'s services unreachable behind live load balancers (brown-out)`,
        targets: { Subnets: subnets(appSubnets) },
        actions: { disruptSubnets: disrupt(`the app subnets of ${region}: targets unhealthy, load balancers 5xx`) },
      },
      {
        fault: 'latency',
        description: `${config.app}: ${region}'s pooled services slowed by ${FIS_LATENCY_MS} ms`,
        targets: taskTargets,
        actions: latencyActions,
        extraTags: { [FIS_LATENCY_TAG]: String(FIS_LATENCY_MS) },
      },
      {
        fault: 'replication-pause',
        description: `${config.app}: replication of ${props.dataTableName} paused in ${region}`,
        targets: { Table: table },
        actions: { pauseReplication },
      },
    ];
    const templates: Partial<Record<FisFault, CfnExperimentTemplate>> = {};
    for (const spec of specs) {
      templates[spec.fault] = new CfnExperimentTemplate(this, spec.fault, {
        description: spec.description,
        roleArn: this.role.roleArn,
        targets: spec.targets,
        actions: spec.actions,
        // F3: a stop condition is an alarm ARN (FIS also accepts "none", never used here).
        stopConditions: props.stopAlarms.map((a) => ({ source: 'aws:cloudwatch:alarm', value: a.alarmArn })),
        experimentReportConfiguration: {
          outputs: { experimentReportS3Configuration: { bucketName: this.reports.bucketName, prefix: spec.fault } },
          dataSources: { cloudWatchDashboards: [{ dashboardIdentifier: props.dashboardArn }] },
          preExperimentDuration: 'PT10M',
          postExperimentDuration: 'PT10M',
        },
        tags: {
          [FIS_TAGS.app]: config.app,
          [FIS_TAGS.fault]: spec.fault,
          [FIS_TAGS.region]: region,
          ...spec.extraTags,
        },
      });
    }
    this.templates = templates as Record<FisFault, CfnExperimentTemplate>;
  }

  /** F1's permissions for each action, on this Region's targets only. */
  private grantTargets(t: {
    vpcId: string;
    allSubnets: string[];
    tableArn: string;
    cluster: ICluster;
    dashboardArn: string;
  }): void {
    const stack = Stack.of(this);
    const aclArn = stack.formatArn({ service: 'ec2', resource: 'network-acl', resourceName: '*' });
    const statements = [
      // disrupt-connectivity creates its own NACL (tagged managedByFIS=true), swaps it onto the subnets, then back.
      new PolicyStatement({
        actions: ['ec2:CreateNetworkAcl', 'ec2:CreateTags'],
        resources: [aclArn, stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: t.vpcId })],
        conditions: { StringEquals: { 'aws:RequestTag/managedByFIS': 'true' } },
      }),
      new PolicyStatement({
        actions: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAcl'],
        resources: [aclArn],
        conditions: { StringEquals: { 'ec2:ResourceTag/managedByFIS': 'true' } },
      }),
      new PolicyStatement({ actions: ['ec2:ReplaceNetworkAclAssociation'], resources: [aclArn, ...t.allSubnets] }),
      new PolicyStatement({
        actions: [
          'ec2:DescribeNetworkAcls',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
          'ec2:DescribeManagedPrefixLists',
          'ec2:GetManagedPrefixListEntries',
        ],
        resources: ['*'],
      }),
      // global-table-pause-replication adds (and removes) a deny statement in the replica's resource policy.
      new PolicyStatement({
        actions: [
          'dynamodb:PutResourcePolicy',
          'dynamodb:DeleteResourcePolicy',
          'dynamodb:GetResourcePolicy',
          'dynamodb:DescribeTable',
        ],
        resources: [t.tableArn],
      }),
      // ECS task actions: resolve the cluster's tasks, run FIS's own SSM documents on them.
      new PolicyStatement({
        actions: ['ecs:DescribeTasks', 'ecs:ListTasks'],
        resources: ['*'],
        conditions: { ArnEquals: { 'ecs:cluster': t.cluster.clusterArn } },
      }),
      new PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [
          stack.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: 'AWSFIS-*' }),
          stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' }),
        ],
      }),
      new PolicyStatement({ actions: ['ssm:ListCommands', 'ssm:CancelCommand'], resources: ['*'] }),
      // Experiment reports: the dashboard's snapshots into the report bucket.
      new PolicyStatement({ actions: ['cloudwatch:GetDashboard'], resources: [t.dashboardArn] }),
      new PolicyStatement({ actions: ['cloudwatch:GetMetricWidgetImage'], resources: ['*'] }),
      new PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [this.reports.arnForObjects('*')] }),
    ];
    for (const s of statements) this.role.addToPolicy(s);
    const region = stack.region;
    const reportsBucket = stack.getLogicalId(this.reports.node.defaultChild as CfnBucket);
    acknowledge(
      this.role,
      'FIS creates the network ACLs it swaps in (ids unknown until then; create and delete are tag-conditioned), runs ' +
        "its own AWSFIS-* SSM documents on the tasks' managed instances (ids unknown until the task starts), writes " +
        'reports under its own keys; Describe*/List*, ListCommands/CancelCommand and GetMetricWidgetImage take no ' +
        'resource (F1); ECS task reads are limited by the ecs:cluster condition.',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::<${reportsBucket}.Arn>/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${region}:<AWS::AccountId>:network-acl/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${region}::document/AWSFIS-*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${region}:<AWS::AccountId>:managed-instance/*]`,
    );
  }
}
