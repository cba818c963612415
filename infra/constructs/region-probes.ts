import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Canary, Code, Runtime, Schedule, Test } from 'aws-cdk-lib/aws-synthetics';
import { Construct } from 'constructs';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { type ProbeTarget, probeAlarm, probeTargets } from '../alarms/definitions';
import { acknowledge } from '../nag';
import { newAlarm } from './region-detection';

export interface RegionProbesProps {
  readonly config: RegionFlipConfig;
  /** The Region being probed: the PEER of the stack's Region. */
  readonly probedRegion: string;
  /** The alarm topic of THIS (the probing) Region: its failover Lambda consumes it. */
  readonly topic: ITopic;
  /** Where the canaries' own S3 server access logs go. */
  readonly accessLogs: IBucket;
}

/** The canary script: one HTTP step against the probed Region's endpoint with the tenant's name as Host. */
export function canaryScript(target: ProbeTarget): string {
  const request = JSON.stringify({
    hostname: target.endpoint,
    method: 'GET',
    path: target.path,
    port: 443,
    protocol: 'https:',
    headers: { Host: target.hostHeader, 'User-Agent': 'regionflip-canary' },
  });
  return [
    "const synthetics = require('Synthetics');",
    'exports.handler = async () => {',
    `  const request = ${request};`,
    '  // Any answer below 500 (401 included: the probe carries no token) proves DNS, load balancer, rule and service.',
    '  await synthetics.executeHttpStep("probe", request, async (res) => {',
    '    await new Promise((resolve) => { res.on("data", () => {}); res.on("end", resolve); });',
    '    if (res.statusCode >= 500) throw new Error("HTTP " + res.statusCode + " from " + request.hostname);',
    '  });',
    '};',
  ].join('\n');
}

/**
 * Outside-in detection of the PEER Region, from this one: a CloudWatch Synthetics canary per tier (one stable tenant
 * each, the first of its tier in the configuration) requests the peer's regional endpoint every minute with the
 * tenant's public name as Host and a tenant path, and the alarm names.probeAlarm(peer) — in THIS Region — goes to ALARM
 * when even the best tier fails (missing data breaching), publishing to THIS Region's alarm topic, which THIS Region's
 * failover Lambda consumes. Nothing on the path (canary, metric, alarm, topic, its KMS key, subscription, Lambda) is in
 * the probed Region.
 *
 * Why canaries rather than Route 53 health checks (infra/README.md): health checks are configured through the Route 53
 * control plane in us-east-1, and the alarm-based ones read a metric stream without M-of-N or missing-data-as-breaching
 * (aws-facts.md §3); a canary is a Lambda in our own Region hitting any URL (S5), its alarm has full CloudWatch
 * semantics and lives next to the Lambda that acts on it.
 */
export class RegionProbes extends Construct {
  readonly canaries: readonly Canary[];
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: RegionProbesProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const artifacts = new Bucket(this, 'Artifacts', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'canary-artifacts/',
      lifecycleRules: [{ expiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.canaries = probeTargets(props.config, props.probedRegion).map((target) => {
      const canary = new Canary(this, `Canary-${target.tier}`, {
        canaryName: target.canaryName,
        runtime: Runtime.SYNTHETICS_NODEJS_PUPPETEER_9_1,
        test: Test.custom({ code: Code.fromInline(canaryScript(target)), handler: 'index.handler' }),
        schedule: Schedule.rate(Duration.minutes(1)),
        timeout: Duration.seconds(30),
        artifactsBucketLocation: { bucket: artifacts, prefix: target.canaryName },
        successRetentionPeriod: Duration.days(7),
        failureRetentionPeriod: Duration.days(14),
      });
      const stack = Stack.of(this);
      const bucketId = stack.resolve(stack.getLogicalId(artifacts.node.defaultChild as CfnBucket)) as string;
      acknowledge(
        canary,
        'The canary role CDK creates: s3:ListAllMyBuckets has no resource to scope to (the Synthetics runtime calls ' +
          'it), logs go to the runtime-named /aws/lambda/cwsyn-* groups, artifacts under this canary prefix only.',
        'AwsSolutions-IAM5[Resource::*]',
        `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${target.canaryName}/*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${region}:<AWS::AccountId>:log-group:/aws/lambda/cwsyn-*]`,
      );
      return canary;
    });
    // The canaries publish one SuccessPercent per run, every minute: the alarm's period is the schedule's.
    const def = probeAlarm(props.config, props.probedRegion, 60);
    if (def.name.length === 0 || region === props.probedRegion) {
      throw new Error(`the probes of ${props.probedRegion} must live in the peer Region, not in ${region}`);
    }
    this.alarm = newAlarm(this, 'ProbeUnavailable', def);
    for (const canary of this.canaries) this.alarm.node.addDependency(canary);
    this.alarm.addAlarmAction(new SnsAction(props.topic));
    this.alarm.addOkAction(new SnsAction(props.topic));
  }
}
