import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnDeliveryStream, type CfnDeliveryStreamProps } from 'aws-cdk-lib/aws-kinesisfirehose';
import { CfnAccountPolicy, LogGroup, LogStream, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { acknowledge } from '../nag';

/** The central bucket the app creates when `logs.destination.bucketName` is not set (one per account). */
export const centralLogBucketName = (config: RegionFlipConfig, account: string) =>
  `${config.app}-central-logs-${account}`;

/** The Region whose stack creates the central bucket, or undefined when the destination is not a bucket the app creates. */
export function centralLogBucketRegion(config: RegionFlipConfig): string | undefined {
  const { destination } = config.logs;
  if (destination.type !== 's3' || destination.bucketName) return undefined;
  return destination.region ?? config.regions.secondary;
}

export interface LogShippingProps {
  readonly config: RegionFlipConfig;
}

/**
 * Central logs, one Region's half: an account-level subscription filter policy sends every log group of the Region
 * (tenant services, failover Lambda, canaries, flow logs: also those created later, per-tenant stacks included) to this
 * Region's Firehose stream, which delivers to the one configured destination. Each Region has its own policy and stream,
 * so a Region that is down takes only its own logs with it. Firehose's own error log is left out of the policy: shipping
 * it through itself would loop.
 *
 * What each delivered record keeps: CloudWatch Logs' envelope (owner, logGroup, logStream, logEvents[].message), and in
 * the message the service's own JSON fields (tenantId, requestId, region; infra/tenant-service/logger.ts). The Region is
 * also in the S3 key (`region=<region>/`) or, for an HTTP endpoint, a common attribute `region`.
 */
export class LogShipping extends Construct {
  readonly deliveryStream: CfnDeliveryStream;
  readonly accountPolicy: CfnAccountPolicy;
  /** The bucket this Region's stack created for central logs (destination Region, no bucketName), else undefined. */
  readonly centralBucket?: Bucket;

  constructor(scope: Construct, id: string, props: LogShippingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config } = props;
    const { destination } = config.logs;
    const streamName = `${config.app}-central-logs`;

    // A literal (not the log group's Ref): the account policy's selection criteria must name it as plain text.
    const forwarderLogGroupName = `/aws/kinesisfirehose/${streamName}`;
    const forwarderLogs = new LogGroup(this, 'ForwarderLogs', {
      logGroupName: forwarderLogGroupName,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const forwarderErrors = new LogStream(this, 'ForwarderErrors', { logGroup: forwarderLogs });
    const firehoseRole = new Role(this, 'ForwarderRole', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Kinesis Data Firehose: writes the central logs and its own errors',
    });
    forwarderLogs.grantWrite(firehoseRole);

    const newBucket = (id: string, bucketName?: string) => {
      const bucket = new Bucket(this, id, {
        bucketName,
        encryption: BucketEncryption.S3_MANAGED,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        // Logs are evidence after an incident: an overwrite or delete keeps the old version for a while.
        versioned: true,
        lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledge(bucket, 'A log bucket itself: logging its access would log the logs.', 'AwsSolutions-S1');
      return bucket;
    };
    const grantBucket = (bucketArn: string, nagArn: string) => {
      acknowledge(
        firehoseRole,
        'Firehose writes objects under prefixes it builds per hour and Region: it needs every key of its one bucket.',
        `AwsSolutions-IAM5[Resource::${nagArn}/*]`,
      );
      firehoseRole.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['s3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:ListBucket', 's3:PutObject'],
          resources: [bucketArn, `${bucketArn}/*`],
        }),
      );
    };
    const bufferingHints = { intervalInSeconds: config.logs.bufferSeconds, sizeInMBs: config.logs.bufferMiB };
    const cloudWatchLoggingOptions = {
      enabled: true,
      logGroupName: forwarderLogs.logGroupName,
      logStreamName: forwarderErrors.logStreamName,
    };
    const s3Destination = (bucketArn: string, prefix: string) => ({
      bucketArn,
      roleArn: firehoseRole.roleArn,
      prefix: `${prefix}region=${stack.region}/!{timestamp:yyyy/MM/dd/HH}/`,
      errorOutputPrefix: `${prefix}errors/region=${stack.region}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
      bufferingHints,
      compressionFormat: 'GZIP',
      cloudWatchLoggingOptions,
    });

    let destinationProps: Pick<
      CfnDeliveryStreamProps,
      'extendedS3DestinationConfiguration' | 'httpEndpointDestinationConfiguration'
    >;
    if (destination.type === 's3') {
      const bucketName = destination.bucketName ?? centralLogBucketName(config, stack.account);
      if (centralLogBucketRegion(config) === stack.region) this.centralBucket = newBucket('CentralBucket', bucketName);
      const bucketArn = `arn:${stack.partition}:s3:::${bucketName}`;
      grantBucket(
        bucketArn,
        `arn:<AWS::Partition>:s3:::${destination.bucketName ?? centralLogBucketName(config, '<AWS::AccountId>')}`,
      );
      destinationProps = {
        extendedS3DestinationConfiguration: {
          ...s3Destination(bucketArn, 'logs/'),
          // CloudWatch Logs delivers gzip'd batches: unzipped here, one JSON envelope per line, gzip'd again per object.
          processingConfiguration: {
            enabled: true,
            processors: [
              { type: 'Decompression', parameters: [{ parameterName: 'CompressionFormat', parameterValue: 'GZIP' }] },
              { type: 'AppendDelimiterToRecord' },
            ],
          },
        },
      };
    } else {
      // Firehose keeps what the endpoint refused in a bucket of this Region.
      const backup = newBucket('FailedDeliveries');
      grantBucket(backup.bucketArn, `<${stack.getLogicalId(backup.node.defaultChild as CfnBucket)}.Arn>`);
      const secretArn = stack.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        // Secrets Manager appends a random 6-character suffix to every secret's ARN.
        resourceName: `${destination.accessKeySecretName}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      firehoseRole.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretArn],
        }),
      );
      destinationProps = {
        httpEndpointDestinationConfiguration: {
          endpointConfiguration: { url: destination.url, name: destination.name },
          secretsManagerConfiguration: { enabled: true, secretArn, roleArn: firehoseRole.roleArn },
          requestConfiguration: {
            contentEncoding: 'GZIP',
            commonAttributes: [{ attributeName: 'region', attributeValue: stack.region }],
          },
          bufferingHints,
          retryOptions: { durationInSeconds: 3600 },
          s3BackupMode: 'FailedDataOnly',
          s3Configuration: s3Destination(backup.bucketArn, ''),
          roleArn: firehoseRole.roleArn,
          cloudWatchLoggingOptions,
        },
      };
    }

    this.deliveryStream = new CfnDeliveryStream(this, 'Forwarder', {
      deliveryStreamName: streamName,
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      ...destinationProps,
    });
    // Firehose checks its role's permissions when the stream is created.
    this.deliveryStream.node.addDependency(firehoseRole);

    const subscriptionRole = new Role(this, 'SubscriptionRole', {
      assumedBy: new ServicePrincipal('logs.amazonaws.com', {
        conditions: {
          StringLike: {
            'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }),
          },
        },
      }),
      description: "CloudWatch Logs: puts every log group's events into the central-logs forwarder",
    });
    subscriptionRole.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [this.deliveryStream.attrArn],
      }),
    );

    this.accountPolicy = new CfnAccountPolicy(this, 'SubscribeEveryLogGroup', {
      policyName: `${config.app}-central-logs`,
      policyType: 'SUBSCRIPTION_FILTER_POLICY',
      scope: 'ALL',
      policyDocument: stack.toJsonString({
        DestinationArn: this.deliveryStream.attrArn,
        RoleArn: subscriptionRole.roleArn,
        // Every event; Random spreads a busy log group's events over the stream's shards.
        FilterPattern: '',
        Distribution: 'Random',
      }),
      selectionCriteria: `LogGroupName NOT IN ["${forwarderLogGroupName}"]`,
    });
    this.accountPolicy.node.addDependency(subscriptionRole);
  }
}
