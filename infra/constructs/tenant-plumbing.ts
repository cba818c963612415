import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { type IVpc, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import {
  type ApplicationListener,
  ApplicationLoadBalancer,
  ApplicationProtocol,
  ListenerAction,
  ListenerCertificate,
  SslPolicy,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { HEALTH_PATH } from '../tenant-service/routes';

/**
 * The pieces every tenancy unit is built from, whichever stack it lives in: the Region stack (the pool and the shared
 * load balancers) or a tenant stack (an advanced tenant's services, a premium tenant's silo).
 */

/** The load balancers' access-log bucket: encrypted, private, TLS only, 90 days, kept when the stack goes. */
export function newAccessLogBucket(scope: Construct, id: string): Bucket {
  const bucket = new Bucket(scope, id, {
    encryption: BucketEncryption.S3_MANAGED,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    lifecycleRules: [{ expiration: Duration.days(90) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledge(bucket, 'This bucket holds access logs itself: logging it would log the logs.', 'AwsSolutions-S1');
  return bucket;
}

/**
 * A public load balancer with access logs under `prefix`: an HTTPS listener (the Region's certificate, TLS 1.3/1.2
 * policy) whose default answer is a JSON 404, and port 80 only redirecting to it, so no bearer token crosses the
 * internet in clear. The returned listener is the HTTPS one: every rule goes there.
 */
export function newLoadBalancer(
  scope: Construct,
  id: string,
  props: {
    readonly vpc: IVpc;
    readonly accessLogs: IBucket;
    readonly prefix: string;
    readonly certificate: ICertificate;
  },
): { readonly alb: ApplicationLoadBalancer; readonly listener: ApplicationListener } {
  const alb = new ApplicationLoadBalancer(scope, id, {
    vpc: props.vpc,
    internetFacing: true,
    vpcSubnets: { subnetType: SubnetType.PUBLIC },
    dropInvalidHeaderFields: true,
  });
  alb.logAccessLogs(props.accessLogs, props.prefix);
  acknowledge(
    alb,
    'A public load balancer: tenants reach it from the internet (HTTPS on 443; 80 only redirects to 443).',
    'AwsSolutions-EC23',
  );
  alb.addListener('Http', {
    port: 80,
    protocol: ApplicationProtocol.HTTP,
    open: true,
    defaultAction: ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
  });
  const listener = alb.addListener('Https', {
    port: 443,
    protocol: ApplicationProtocol.HTTPS,
    certificates: [ListenerCertificate.fromCertificateManager(props.certificate)],
    sslPolicy: SslPolicy.RECOMMENDED_TLS,
    open: true,
    defaultAction: ListenerAction.fixedResponse(404, {
      contentType: 'application/json',
      messageBody: `{"error":"not-found","message":"no such route: use /orders, /products, /users or ${HEALTH_PATH}"}`,
    }),
  });
  return { alb, listener };
}

export function newCluster(scope: Construct, id: string, vpc: IVpc): Cluster {
  return new Cluster(scope, id, { vpc, containerInsightsV2: ContainerInsights.ENABLED });
}

/** The role ECS uses to start a stack's tasks (one per stack: a grant never edits another stack's role). */
export function newTaskExecutionRole(scope: Construct, id: string): Role {
  const role = new Role(scope, id, {
    assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
    description: 'Pulls the tenant service image, reads its secrets, writes its logs',
  });
  acknowledge(
    role,
    'ecr:GetAuthorizationToken has no resource to scope to; image pulls are scoped to the asset repository.',
    'AwsSolutions-IAM5[Resource::*]',
  );
  return role;
}
