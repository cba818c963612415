import { Duration, Stack } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import {
  AwsLogDriver,
  type ContainerImage,
  type Secret as EcsSecret,
  FargateService,
  FargateTaskDefinition,
  type ICluster,
} from 'aws-cdk-lib/aws-ecs';
import {
  ApplicationListenerRule,
  ApplicationProtocol,
  ApplicationTargetGroup,
  type IApplicationListener,
  ListenerCondition,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Effect, type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RegionFlipConfig } from '../../failover/config/schema';
import type { FaultInjectionSidecar } from '../fis/fault-injection-sidecar';
import { acknowledge } from '../nag';
import { HEALTH_PATH } from '../tenant-service/routes';

/** The microservices of the sample application; one image serves them all, each ECS service gets its own path. */
export const MICROSERVICES = [
  { id: 'order', path: 'orders' },
  { id: 'product', path: 'products' },
  { id: 'user', path: 'users' },
] as const;

export const CONTAINER_PORT = 8080;
export const HEALTH_CHECK_PATH = HEALTH_PATH;

export interface TenantServicesProps {
  readonly cluster: ICluster;
  readonly vpc: IVpc;
  /** May live in another stack (a shard's listener in the Region stack): the rules are created here, in this scope. */
  readonly listener: IApplicationListener;
  /** Who the services serve: "pool" (every basic tenant) or a tenant id (a dedicated, siloed copy). */
  readonly unit: string;
  /** Tenants whose partitions (DynamoDB leading keys) these services may read and write. */
  readonly tenantIds: readonly string[];
  /** Route only these host names here (advanced tenants on the shared load balancer); none = any host. */
  readonly hostHeaders?: readonly string[];
  /** Listener rule priorities are priorityBase + 0, 1, 2 (one per microservice); unique per listener. */
  readonly priorityBase: number;
  readonly image: ContainerImage;
  readonly logGroup: ILogGroup;
  readonly service: RegionFlipConfig['service'];
  readonly dataTableName: string;
  readonly secrets: Readonly<Record<string, EcsSecret>>;
  /** Non-secret settings every task gets: the token issuer and audience (TenantIdentity). */
  readonly environment: Readonly<Record<string, string>>;
  /** Shared by every task definition of the Region: pulls the image, reads the secrets, writes logs. */
  readonly executionRole: IRole;
  /**
   * The services the FIS latency template targets (the pool): their tasks get ECS fault injection and the SSM agent
   * sidecar FIS's aws:ecs:task actions need (infra/fis/fault-injection-sidecar.ts). Absent: neither.
   */
  readonly faultInjection?: FaultInjectionSidecar;
}

/**
 * The Order, Product and User services of one tenancy unit: three Fargate services running the project's tenant
 * service (infra/tenant-service), each behind a path rule of the given listener, with auto scaling between the
 * configured minimum and maximum task counts. The task role may touch only the unit's tenant partitions
 * (dynamodb:LeadingKeys), so a request that reaches the wrong silo still cannot read another tenant's items.
 */
export class TenantServices extends Construct {
  readonly services: readonly FargateService[];
  readonly targetGroupFullNames: readonly string[];

  constructor(scope: Construct, id: string, props: TenantServicesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const dataTableArn = stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: props.dataTableName });

    const taskRole = new Role(this, 'TaskRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      // IAM caps a role description at 1,000 characters: a large pool is summarised (the policy lists every tenant).
      description: (() => {
        const full = `${props.unit}: tenant data of ${props.tenantIds.join(', ')} only`;
        return full.length <= 1000 ? full : `${props.unit}: tenant data of its ${props.tenantIds.length} tenants only`;
      })(),
    });
    taskRole.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        resources: [dataTableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...props.tenantIds] } },
      }),
    );

    const services: FargateService[] = [];
    const targetGroupFullNames: string[] = [];
    MICROSERVICES.forEach((micro, index) => {
      const taskDefinition = new FargateTaskDefinition(this, `${micro.id}-task`, {
        cpu: props.service.cpu,
        memoryLimitMiB: props.service.memoryMiB,
        taskRole,
        executionRole: props.executionRole,
        // The FIS brown-out (aws:ecs:task-network-latency) acts through ECS's fault injection endpoints (infra/fis).
        enableFaultInjection: props.faultInjection !== undefined,
      });
      props.faultInjection?.addTo(taskDefinition, props.logGroup, `${props.unit}-${micro.id}-ssm`);
      taskDefinition.addContainer('app', {
        image: props.image,
        portMappings: [{ containerPort: CONTAINER_PORT }],
        environment: {
          PORT: String(CONTAINER_PORT),
          HOST: '0.0.0.0',
          AWS_REGION: stack.region,
          TENANT_DATA_TABLE: props.dataTableName,
          ...props.environment,
        },
        secrets: { ...props.secrets },
        logging: new AwsLogDriver({ logGroup: props.logGroup, streamPrefix: `${props.unit}-${micro.id}` }),
      });
      acknowledge(
        taskDefinition,
        'Environment variables carry non-secret settings (port, table name); secrets come from Secrets Manager.',
        'AwsSolutions-ECS2',
      );

      const service = new FargateService(this, `${micro.id}-service`, {
        cluster: props.cluster,
        taskDefinition,
        desiredCount: props.service.minTasks,
        circuitBreaker: { rollback: true },
        minHealthyPercent: 100,
      });
      service
        .autoScaleTaskCount({ minCapacity: props.service.minTasks, maxCapacity: props.service.maxTasks })
        .scaleOnCpuUtilization('cpu', { targetUtilizationPercent: 60 });

      // The first service also answers the health route, exactly (no wildcard), for the served-by probes: a value of its
      // rule rather than a rule of its own, so a shard's listener stays under ALB's 100 rules (4 of 5 condition values).
      const paths = [`/${micro.path}`, `/${micro.path}/*`, ...(index === 0 ? [HEALTH_PATH] : [])];
      const conditions = [ListenerCondition.pathPatterns(paths)];
      if (props.hostHeaders) conditions.push(ListenerCondition.hostHeaders([...props.hostHeaders]));
      // Target group and rule in this scope, not the listener's (listener.addTargets would put them in the listener's
      // stack): a tenant stack then owns all of its tenant's resources.
      const targetGroup = new ApplicationTargetGroup(this, `${micro.id}-targets`, {
        vpc: props.vpc,
        protocol: ApplicationProtocol.HTTP,
        port: CONTAINER_PORT,
        targets: [service.loadBalancerTarget({ containerName: 'app', containerPort: CONTAINER_PORT })],
        healthCheck: { path: HEALTH_CHECK_PATH, interval: Duration.seconds(15), healthyThresholdCount: 2 },
        deregistrationDelay: Duration.seconds(30),
      });
      new ApplicationListenerRule(this, `${micro.id}-rule`, {
        listener: props.listener,
        priority: props.priorityBase + index,
        conditions,
        targetGroups: [targetGroup],
      });
      services.push(service);
      targetGroupFullNames.push(targetGroup.targetGroupFullName);
    });
    this.services = services;
    this.targetGroupFullNames = targetGroupFullNames;
  }
}
