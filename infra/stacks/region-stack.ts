import { resolve } from 'node:path';
import { ArnFormat, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FlowLogDestination, FlowLogTrafficType, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { type Cluster, ContainerImage } from 'aws-cdk-lib/aws-ecs';
import type { ApplicationListener, ApplicationLoadBalancer } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { LoadBalancerTarget } from 'aws-cdk-lib/aws-route53-targets';
import { Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { namesFor, otherRegion, POOL_PRIORITY_BASE, type SharedShard, sharedShards } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { regionCertificate } from '../constructs/certificates';
import { FailoverFunction } from '../constructs/failover-function';
import { TenantIdentity } from '../constructs/identity';
import { ImageScanning } from '../constructs/image-scanning';
import { LogShipping } from '../constructs/log-shipping';
import { RegionDashboard } from '../constructs/region-dashboard';
import { RegionDetection } from '../constructs/region-detection';
import { RegionProbes } from '../constructs/region-probes';
import { newAccessLogBucket, newCluster, newLoadBalancer, newTaskExecutionRole } from '../constructs/tenant-plumbing';
import { TenantServices, type TenantServicesProps } from '../constructs/tenant-services';
import { DrillExperiments } from '../fis/drill-experiments';
import { FaultInjectionSidecar } from '../fis/fault-injection-sidecar';

const PROJECT_ROOT = resolve(__dirname, '../..');

/**
 * What the tenant service image is built from (Docker context = project root, filtered, Docker ignore syntax): its own
 * code and the failover/config and failover/aws modules it imports. Other changes leave the image and its hash alone.
 */
export const TENANT_IMAGE_CONTEXT = [
  '**',
  '!package.json',
  '!package-lock.json',
  '!tsconfig.json',
  '!infra/tenant-service/**',
  '!failover/aws/**',
  '!failover/config/**',
  '**/*.test.ts',
];

export interface RegionStackProps extends StackProps {
  readonly config: RegionFlipConfig;
  /** The hosted zone of the tenant records (created by the DNS stack, or imported by id). */
  readonly hostedZoneId: string;
}

/**
 * The Region stack: what every tenant of the Region shares — VPC over two Availability Zones, the shared ECS cluster,
 * the shared load balancers (one per shard, names.ts `sharedShards`) with their regional endpoint records, the pooled
 * Order/Product/User services of the basic tier, detection (alarms → alarm topic), reaction (the failover Lambda,
 * subscribed to both Regions' alarm topics) and the Region's dashboard.
 *
 * Per-tenant resources live in tenant stacks (TenantStack), one per advanced or premium tenant and Region:
 * - basic: the pooled services here, on shard 1 (`shared`), shared by every basic tenant;
 * - advanced: dedicated services per tenant (its tenant stack) on the shared cluster, reached by host-header rules on
 *   its shard's load balancer;
 * - premium: a dedicated cluster, load balancer and endpoint record per tenant (its tenant stack).
 */
export class RegionStack extends Stack {
  readonly vpc: Vpc;
  readonly sharedCluster: Cluster;
  /** Shard 1's load balancer (the pool and the first advanced tenants). */
  readonly sharedLoadBalancer: ApplicationLoadBalancer;
  /** Every shared load balancer, in shard order; advanced tenant stacks add their rules to their shard's listener. */
  readonly shards: readonly {
    readonly shard: SharedShard;
    readonly alb: ApplicationLoadBalancer;
    readonly listener: ApplicationListener;
  }[];
  /** What every tenancy unit of the Region runs with (TenantServices props but the execution role). */
  readonly serviceDefaults: Pick<
    TenantServicesProps,
    'image' | 'logGroup' | 'service' | 'dataTableName' | 'secrets' | 'environment'
  >;
  readonly identity: TenantIdentity;
  /** The Region's certificate (`*.<zone>`, `*.<region>.<zone>`), on every load balancer of the Region. */
  readonly certificate: Certificate;
  readonly detection: RegionDetection;
  readonly failover: FailoverFunction;

  constructor(scope: Construct, id: string, props: RegionStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = namesFor(config);
    const region = this.region;

    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 2,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(
        new LogGroup(this, 'FlowLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      ),
      trafficType: FlowLogTrafficType.REJECT,
    });

    const accessLogs = newAccessLogBucket(this, 'LoadBalancerAccessLogs');

    const serviceLogs = new LogGroup(this, 'ServiceLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const image = ContainerImage.fromDockerImageAsset(
      new DockerImageAsset(this, 'TenantServiceImage', {
        directory: PROJECT_ROOT,
        file: 'infra/tenant-service/Dockerfile',
        exclude: TENANT_IMAGE_CONTEXT,
        platform: Platform.LINUX_AMD64,
      }),
    );
    // The Region's own issuer of tenant tokens (infra/README.md, "Tenant identity").
    this.identity = new TenantIdentity(this, 'TenantIdentity');
    // Shared by every tenant stack of the Region (image, logs, secrets, table); each stack brings its own execution role.
    this.serviceDefaults = {
      image,
      logGroup: serviceLogs,
      service: config.service,
      dataTableName: names.dataTable,
      // No ADMIN_TOKEN: the fault switch stays off on AWS (no listener routes it either); FIS injects the faults.
      secrets: {},
      environment: this.identity.serviceEnvironment,
    };
    this.vpc = vpc;

    // The shared load balancers (names.ts `sharedShards`): shard 1 keeps the construct ids of the single shared load
    // balancer (construct ids are a contract: renaming replaces the resource).
    this.sharedCluster = newCluster(this, 'SharedCluster', vpc);
    const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: props.hostedZoneId,
      zoneName: names.zone,
    });
    this.certificate = regionCertificate(this, 'Certificate', { zone, zoneName: names.zone, region });
    this.shards = sharedShards(config).map((shard) => {
      const suffix = shard.number === 1 ? '' : `-${shard.label}`;
      const { alb, listener } = newLoadBalancer(this, `SharedLoadBalancer${suffix}`, {
        vpc,
        accessLogs,
        prefix: shard.label,
        certificate: this.certificate,
      });
      new ARecord(this, `SharedEndpointRecord${suffix}`, {
        zone,
        recordName: names.premiumRegionalRecord(shard.label, region),
        target: RecordTarget.fromAlias(new LoadBalancerTarget(alb)),
        comment: `static: the shared load balancer${suffix ? ` ${shard.label}` : ''} of ${region} (the ${shard.label} routing record points here when active)`,
      });
      return { shard, alb, listener };
    });
    const shard0 = this.shards[0]!;
    this.sharedLoadBalancer = shard0.alb;

    const basic = config.tenants.filter((t) => t.tier === 'basic');
    if (basic.length === 0) {
      throw new Error(
        'the tenants list has no basic tenant: the Region alarms watch the pooled services on the shared load balancer; add a basic tenant',
      );
    }
    // Rule priorities 10-40,002 of a shared listener belong to its advanced tenants (names.ts), the pool's come after.
    const pool = new TenantServices(this, 'Pool', {
      ...this.serviceDefaults,
      executionRole: newTaskExecutionRole(this, 'TaskExecutionRole'),
      cluster: this.sharedCluster,
      vpc,
      listener: shard0.listener,
      unit: 'pool',
      tenantIds: basic.map((t) => t.id),
      // After every advanced tenant's host rules: the pool answers any other host.
      priorityBase: POOL_PRIORITY_BASE,
      // The FIS latency template targets the pool's tasks (infra/fis).
      faultInjection: new FaultInjectionSidecar(this, 'FaultInjectionSidecar'),
    });

    this.detection = new RegionDetection(this, 'Detection', {
      config,
      loadBalancerFullName: shard0.alb.loadBalancerFullName,
      // The pooled unit's target groups (every basic tenant).
      targetGroupFullNames: pool.targetGroupFullNames.slice(0, 5),
      extraShards: this.shards
        .slice(1)
        .map(({ shard, alb }) => ({ label: shard.label, loadBalancerFullName: alb.loadBalancerFullName })),
    });
    // Outside-in: this Region probes its peer; the alarm about the peer lives here, on this Region's alarm topic.
    const probesOfPeer = new RegionProbes(this, 'ProbesOfPeer', {
      config,
      probedRegion: otherRegion(config, region),
      topic: this.detection.topic,
      accessLogs,
    });
    this.failover = new FailoverFunction(this, 'Failover', {
      config,
      hostedZoneId: props.hostedZoneId,
      topicKey: this.detection.topicKey,
    });
    this.subscribeFailoverLambdas(config);
    for (const alarm of this.detection.monitorAlarms) alarm.addAlarmAction(new SnsAction(this.failover.oncallTopic));
    const oncall = { oncallTopic: this.failover.oncallTopic, topicKey: this.detection.topicKey };
    new ImageScanning(this, 'ImageScanning', { settings: config.imageScanning, ...oncall });
    new LogShipping(this, 'LogShipping', { config });

    const dashboard = new RegionDashboard(this, 'Dashboard', {
      config,
      composite: this.detection.composite,
      alarms: this.detection.alarms,
      failover: this.failover,
    });
    // The drills' faults on AWS (infra/fis): stopped when the failover path fails or the peer's clients do.
    new DrillExperiments(this, 'DrillExperiments', {
      config,
      vpc,
      dataTableName: names.dataTable,
      cluster: this.sharedCluster,
      services: pool.services,
      stopAlarms: [failoverErrorsAlarm(this.failover), probesOfPeer.alarm],
      dashboardArn: dashboard.dashboard.dashboardArn,
      accessLogs,
    });
  }

  /**
   * Both Regions' failover Lambdas hear both Regions' alarm topics, so a us-east-1 outage is handled by the us-west-2
   * copy (the lease in the control table lets only one of them switch). The cross-Region subscriptions live in the
   * secondary Region's stack, which is deployed after the primary's, so every topic and function they name exists.
   */
  private subscribeFailoverLambdas(config: RegionFlipConfig): void {
    const names = namesFor(config);
    const { primary, secondary } = config.regions;
    const topicArn = (region: string) => this.formatArn({ service: 'sns', region, resource: names.alarmTopic });
    const fn = this.failover.function;
    for (const region of [primary, secondary]) {
      fn.addPermission(`InvokeFromAlarmTopic-${region}`, {
        principal: new ServicePrincipal('sns.amazonaws.com'),
        sourceArn: topicArn(region),
      });
    }
    new Subscription(this, 'LocalLambdaSubscription', {
      topic: this.detection.topic,
      protocol: SubscriptionProtocol.LAMBDA,
      endpoint: fn.functionArn,
    });
    if (this.region !== secondary) return;
    new Subscription(this, 'PrimaryTopicToThisLambda', {
      topic: Topic.fromTopicArn(this, 'PrimaryAlarmTopic', topicArn(primary)),
      protocol: SubscriptionProtocol.LAMBDA,
      endpoint: fn.functionArn,
      region: primary,
    });
    const primaryFunction = LambdaFunction.fromFunctionArn(
      this,
      'PrimaryFailoverFunction',
      this.formatArn({
        service: 'lambda',
        region: primary,
        resource: 'function',
        resourceName: names.failoverFunction,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    new Subscription(this, 'ThisTopicToPrimaryLambda', {
      topic: this.detection.topic,
      protocol: SubscriptionProtocol.LAMBDA,
      endpoint: primaryFunction.functionArn,
    });
  }
}

/** The failover Lambda's errors alarm (construct id `ErrorsAlarm`, a contract): the FIS templates stop on it. */
function failoverErrorsAlarm(failover: FailoverFunction): Alarm {
  const alarm = failover.operationalAlarms.find((a) => a.node.id === 'ErrorsAlarm');
  if (!alarm)
    throw new Error('the failover function has no ErrorsAlarm: the FIS templates need it as a stop condition');
  return alarm;
}
