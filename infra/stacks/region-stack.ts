import { resolve } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FlowLogDestination, FlowLogTrafficType, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Cluster, ContainerImage, ContainerInsights, Secret as EcsSecret } from 'aws-cdk-lib/aws-ecs';
import { ApplicationLoadBalancer, ApplicationProtocol, ListenerAction } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { LoadBalancerTarget } from 'aws-cdk-lib/aws-route53-targets';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { namesFor, otherRegion } from '../../failover/config/names';
import type { RegionFlipConfig, Tenant } from '../../failover/config/schema';
import { FailoverFunction } from '../constructs/failover-function';
import { ImageScanning } from '../constructs/image-scanning';
import { LogShipping } from '../constructs/log-shipping';
import { RegionDashboard } from '../constructs/region-dashboard';
import { RegionDetection, TenantDetection } from '../constructs/region-detection';
import { RegionProbes } from '../constructs/region-probes';
import { TenantServices } from '../constructs/tenant-services';
import { acknowledge } from '../nag';
import { tenantSecretNames } from './data-stack';

const PROJECT_ROOT = resolve(__dirname, '../..');
const MAX_ADVANCED_TENANTS = 98;

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
 * The tenant stack of one Region: the application plane (VPC over two Availability Zones, ECS Fargate, load balancers,
 * Order/Product/User services per tier), its regional endpoint records, detection (alarms → alarm topic), reaction (the
 * failover Lambda, subscribed to both Regions' alarm topics) and the Region's dashboard.
 *
 * Tiers (config `tenants`):
 * - basic: the pooled services on the shared cluster and load balancer, shared by every basic tenant;
 * - advanced: dedicated services per tenant on the shared cluster, reached by host-header rules on the shared load
 *   balancer;
 * - premium: a dedicated cluster, load balancer and endpoint record per tenant.
 */
export class RegionStack extends Stack {
  readonly sharedLoadBalancer: ApplicationLoadBalancer;
  readonly premiumLoadBalancers: Readonly<Record<string, ApplicationLoadBalancer>>;
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

    const accessLogs = new Bucket(this, 'LoadBalancerAccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(accessLogs, 'This bucket holds access logs itself: logging it would log the logs.', 'AwsSolutions-S1');

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
    const secretNames = tenantSecretNames(config);
    const secrets = {
      TOKEN_SECRET: EcsSecret.fromSecretsManager(
        Secret.fromSecretNameV2(this, 'TenantTokenSecret', secretNames.tokenSecret),
      ),
      ADMIN_TOKEN: EcsSecret.fromSecretsManager(
        Secret.fromSecretNameV2(this, 'TenantAdminToken', secretNames.adminToken),
      ),
    };
    const executionRole = new Role(this, 'TaskExecutionRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Pulls the tenant service image, reads its secrets, writes its logs',
    });
    acknowledge(
      executionRole,
      'ecr:GetAuthorizationToken has no resource to scope to; image pulls are scoped to the asset repository.',
      'AwsSolutions-IAM5[Resource::*]',
    );
    const serviceDefaults = {
      image,
      logGroup: serviceLogs,
      service: config.service,
      dataTableName: names.dataTable,
      secrets,
      executionRole,
    };

    const newLoadBalancer = (scope: Construct, id: string, prefix: string) => {
      const alb = new ApplicationLoadBalancer(scope, id, {
        vpc,
        internetFacing: true,
        vpcSubnets: { subnetType: SubnetType.PUBLIC },
        dropInvalidHeaderFields: true,
      });
      alb.logAccessLogs(accessLogs, prefix);
      acknowledge(
        alb,
        'A public load balancer: tenants reach it from the internet (port 80; TLS in infra/README.md).',
        'AwsSolutions-EC23',
      );
      const listener = alb.addListener('Http', {
        port: 80,
        protocol: ApplicationProtocol.HTTP,
        open: true,
        defaultAction: ListenerAction.fixedResponse(404, {
          contentType: 'application/json',
          messageBody: '{"error":"not-found","message":"no such route: use /orders, /products or /users"}',
        }),
      });
      return { alb, listener };
    };
    const newCluster = (scope: Construct, id: string) =>
      new Cluster(scope, id, { vpc, containerInsightsV2: ContainerInsights.ENABLED });

    // Shared: the pool (basic tenants) and the advanced tenants' dedicated services.
    const sharedCluster = newCluster(this, 'SharedCluster');
    const shared = newLoadBalancer(this, 'SharedLoadBalancer', 'shared');
    this.sharedLoadBalancer = shared.alb;
    const byTier = (tier: Tenant['tier']) => config.tenants.filter((t) => t.tier === tier);
    const targetGroupFullNames: string[] = [];
    let poolTargetGroups: readonly string[] = [];

    const basic = byTier('basic');
    if (basic.length > 0) {
      const pool = new TenantServices(this, 'Pool', {
        ...serviceDefaults,
        cluster: sharedCluster,
        listener: shared.listener,
        unit: 'pool',
        tenantIds: basic.map((t) => t.id),
        // After every advanced tenant's host rules: the pool answers any other host.
        priorityBase: 1000,
      });
      targetGroupFullNames.push(...pool.targetGroupFullNames);
      poolTargetGroups = pool.targetGroupFullNames;
    }
    const advanced = byTier('advanced');
    // Rule priorities 10-999 belong to advanced tenants (10 per tenant), 1000+ to the pool.
    if (advanced.length > MAX_ADVANCED_TENANTS) {
      throw new Error(
        `${advanced.length} advanced tenants: the shared load balancer's rule priorities allow ${MAX_ADVANCED_TENANTS}; move some to premium`,
      );
    }
    advanced.forEach((tenant, index) => {
      const services = new TenantServices(this, `Advanced-${tenant.id}`, {
        ...serviceDefaults,
        cluster: sharedCluster,
        listener: shared.listener,
        unit: tenant.id,
        tenantIds: [tenant.id],
        hostHeaders: [names.tenantRecord(tenant.id)],
        priorityBase: 10 + index * 10,
      });
      targetGroupFullNames.push(...services.targetGroupFullNames);
    });
    if (targetGroupFullNames.length === 0) {
      throw new Error(
        'the tenants list has only premium tenants: the shared load balancer the Region alarms watch would be empty; add a basic or advanced tenant',
      );
    }

    const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: props.hostedZoneId,
      zoneName: names.zone,
    });
    new ARecord(this, 'SharedEndpointRecord', {
      zone,
      recordName: names.sharedRegionalRecord(region),
      target: RecordTarget.fromAlias(new LoadBalancerTarget(shared.alb)),
      comment: `static: the shared load balancer of ${region} (the shared routing record points here when active)`,
    });

    // Premium: a silo per tenant (cluster, load balancer, endpoint record).
    const premiumLoadBalancers: Record<string, ApplicationLoadBalancer> = {};
    const silos: {
      tenantId: string;
      scope: Construct;
      loadBalancerFullName: string;
      targetGroups: readonly string[];
    }[] = [];
    for (const tenant of byTier('premium')) {
      const silo = new Construct(this, `Premium-${tenant.id}`);
      const { alb, listener } = newLoadBalancer(silo, 'LoadBalancer', tenant.id);
      const siloServices = new TenantServices(silo, 'Services', {
        ...serviceDefaults,
        cluster: newCluster(silo, 'Cluster'),
        listener,
        unit: tenant.id,
        tenantIds: [tenant.id],
        priorityBase: 10,
      });
      new ARecord(silo, 'EndpointRecord', {
        zone,
        recordName: names.premiumRegionalRecord(tenant.id, region),
        target: RecordTarget.fromAlias(new LoadBalancerTarget(alb)),
        comment: `static: premium tenant ${tenant.id} in ${region}`,
      });
      premiumLoadBalancers[tenant.id] = alb;
      silos.push({
        tenantId: tenant.id,
        scope: silo,
        loadBalancerFullName: alb.loadBalancerFullName,
        targetGroups: siloServices.targetGroupFullNames,
      });
    }
    this.premiumLoadBalancers = premiumLoadBalancers;

    this.detection = new RegionDetection(this, 'Detection', {
      config,
      loadBalancerFullName: shared.alb.loadBalancerFullName,
      // The pooled unit's target groups (every basic tenant); without basic tenants, the first advanced unit's.
      targetGroupFullNames: (poolTargetGroups.length > 0 ? poolTargetGroups : targetGroupFullNames).slice(0, 5),
    });
    for (const silo of silos) {
      new TenantDetection(silo.scope, 'Detection', {
        config,
        tenantId: silo.tenantId,
        loadBalancer: { loadBalancerFullName: silo.loadBalancerFullName, targetGroupFullNames: silo.targetGroups },
        topic: this.detection.topic,
      });
    }
    // Outside-in: this Region probes its peer; the alarm about the peer lives here, on this Region's alarm topic.
    new RegionProbes(this, 'ProbesOfPeer', {
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

    new RegionDashboard(this, 'Dashboard', {
      config,
      composite: this.detection.composite,
      alarms: this.detection.alarms,
      failover: this.failover,
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
