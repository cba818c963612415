import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Where the AWS APIs are: real AWS (no endpoint) or the local two-Region environment's moto server (an endpoint on
 * loopback, which takes the Region from each request's signature, so one endpoint serves both Regions).
 */
export interface AwsTarget {
  readonly endpoint?: string;
}

/** REGIONFLIP_AWS_ENDPOINT points every client at moto; unset means real AWS. */
export function awsTargetFromEnv(env: NodeJS.ProcessEnv = process.env): AwsTarget {
  const endpoint = env.REGIONFLIP_AWS_ENDPOINT;
  if (endpoint === undefined || endpoint === '') return {};
  const url = new URL(endpoint);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(
      `REGIONFLIP_AWS_ENDPOINT="${endpoint}" is not on loopback: it is meant for the local moto server only`,
    );
  }
  return { endpoint };
}

/**
 * Every AWS call gives up quickly rather than hanging to the Lambda timeout: an unresponsive endpoint (a Region going
 * dark) fails the call, and the caller's retry (Lambda's, the switch's backoff) tries again. The switch's lease guard
 * needs a change request to finish well inside a third of the lease (policy.leaseSeconds >= 10 locally: 3.3 s).
 */
export interface CallTimeouts {
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
}
export const FAILOVER_CALL_TIMEOUTS: CallTimeouts = { connectionTimeout: 2000, requestTimeout: 3000 };

/**
 * Client settings for one Region. Locally, moto accepts any credentials; we pass fixed ones so none are looked up.
 * `timeouts` bound every call (the failover path); without them the SDK's defaults apply (the tenant service, the
 * local environment's own models, which must not drop writes because a loaded moto answers slowly).
 */
export function clientConfig(region: string, target: AwsTarget, maxAttempts?: number, timeouts?: CallTimeouts) {
  return {
    region,
    // throwOnRequestTimeout: without it the SDK only LOGS a request that exceeded requestTimeout and keeps waiting
    // (an endpoint that accepts the connection and never answers hung the handler past 90 s).
    ...(timeouts ? { requestHandler: { ...timeouts, throwOnRequestTimeout: true } } : {}),
    ...(target.endpoint
      ? { endpoint: target.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }
      : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  };
}

/** Route 53 is global; its control plane lives in us-east-1. */
export const ROUTE53_CONTROL_PLANE_REGION = 'us-east-1';

/** The SDK clients of one deployment, created once (Lambda module scope, CLI start) and injected into adapters. */
export interface AwsClients {
  readonly target: AwsTarget;
  /** The switch does its own retries with full jitter (and counts them), so the SDK must not retry underneath. */
  readonly route53: Route53Client;
  readonly cloudwatch: Readonly<Record<string, CloudWatchClient>>;
  readonly dynamodb: Readonly<Record<string, DynamoDBDocumentClient>>;
  readonly sns: Readonly<Record<string, SNSClient>>;
}

export function createAwsClients(
  regions: readonly string[],
  target: AwsTarget = awsTargetFromEnv(),
  timeouts: CallTimeouts | undefined = FAILOVER_CALL_TIMEOUTS,
): AwsClients {
  const perRegion = <T>(make: (region: string) => T): Record<string, T> =>
    Object.fromEntries(regions.map((r) => [r, make(r)]));
  return {
    target,
    route53: new Route53Client(clientConfig(ROUTE53_CONTROL_PLANE_REGION, target, 1, timeouts)),
    cloudwatch: perRegion((r) => new CloudWatchClient(clientConfig(r, target, undefined, timeouts))),
    dynamodb: perRegion((r) =>
      DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(r, target, undefined, timeouts)), {
        marshallOptions: { removeUndefinedValues: true },
      }),
    ),
    sns: perRegion((r) => new SNSClient(clientConfig(r, target, undefined, timeouts))),
  };
}

/** Closes every client's sockets, so a short-lived caller (a CLI command, a test) leaves nothing open behind it. */
export function destroyAwsClients(clients: AwsClients): void {
  clients.route53.destroy();
  for (const c of [
    ...Object.values(clients.dynamodb),
    ...Object.values(clients.sns),
    ...Object.values(clients.cloudwatch),
  ]) {
    c.destroy();
  }
}
