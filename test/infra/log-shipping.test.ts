import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { configSchema, type RegionFlipConfig } from '../../failover/config/schema';
import { centralLogBucketName, LogShipping } from '../../infra/constructs/log-shipping';
import { type Synthesized, sampleConfig, synthesize } from './synth';

const ACCOUNT = '123456789012';

/** The construct alone in a stack of one Region: other destinations without synthesising the whole app. */
function shippingTemplate(config: RegionFlipConfig, region: string): Template {
  const stack = new Stack(new App(), 'Shipping', { env: { account: ACCOUNT, region } });
  new LogShipping(stack, 'LogShipping', { config });
  return Template.fromStack(stack);
}

const withLogs = (logs: unknown) => configSchema.parse({ ...sampleConfig(), logs });

describe('central logs in the app (default destination: a bucket in the secondary Region)', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize();
  });
  afterAll(() => synth?.dispose());

  it('GIVEN both Regions WHEN synthesised THEN each subscribes every log group but the forwarder’s to its own stream', () => {
    for (const stack of Object.values(synth.stacks.regions)) {
      const template = Template.fromStack(stack);
      const streams = template.findResources('AWS::KinesisFirehose::DeliveryStream');
      expect(Object.keys(streams)).toHaveLength(1);
      const streamId = Object.keys(streams)[0]!;
      template.hasResourceProperties('AWS::Logs::AccountPolicy', {
        PolicyType: 'SUBSCRIPTION_FILTER_POLICY',
        Scope: 'ALL',
        SelectionCriteria: 'LogGroupName NOT IN ["/aws/kinesisfirehose/regionflip-central-logs"]',
      });
      // The document is JSON built around the stream's ARN: it must name this stack's stream and send every event.
      const policy = Object.values(template.findResources('AWS::Logs::AccountPolicy'))[0]!;
      const document = JSON.stringify(policy.Properties.PolicyDocument);
      expect(document).toContain(JSON.stringify({ 'Fn::GetAtt': [streamId, 'Arn'] }));
      expect(document).toContain('\\"FilterPattern\\":\\"\\"');
    }
  });

  it('GIVEN the default destination WHEN synthesised THEN only the secondary creates the bucket and both write to it by Region', () => {
    const { primary, secondary } = synth.config.regions;
    const bucketName = centralLogBucketName(synth.config, ACCOUNT);
    for (const region of [primary, secondary]) {
      const stack = synth.stacks.regions[region]!;
      const template = Template.fromStack(stack);
      const shipping = stack.node.findChild('LogShipping') as LogShipping;
      const buckets = shipping.centralBucket
        ? [stack.getLogicalId(shipping.centralBucket.node.defaultChild as CfnBucket)]
        : [];
      for (const id of buckets) {
        expect(template.toJSON().Resources[id]).toMatchObject({
          DeletionPolicy: 'Retain',
          Properties: { VersioningConfiguration: { Status: 'Enabled' } },
        });
      }
      expect({ region, buckets: buckets.length }).toEqual({
        region,
        buckets: region === secondary ? 1 : 0,
      });
      template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
        ExtendedS3DestinationConfiguration: Match.objectLike({
          BucketARN: Match.anyValue(),
          Prefix: `logs/region=${region}/!{timestamp:yyyy/MM/dd/HH}/`,
          ProcessingConfiguration: Match.objectLike({
            Processors: Match.arrayWith([Match.objectLike({ Type: 'Decompression' })]),
          }),
        }),
      });
      // The ARN names the bucket of the one account, in either Region's stack.
      const stream = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0]!;
      expect(JSON.stringify(stream.Properties.ExtendedS3DestinationConfiguration.BucketARN)).toContain(
        bucketName.replace(ACCOUNT, ''),
      );
    }
  });
});

describe('central logs settings', () => {
  it('GIVEN an HTTP endpoint WHEN synthesised THEN the stream posts to it with the Region attribute and keeps failures locally', () => {
    const config = withLogs({
      destination: {
        type: 'http',
        url: 'https://hec.example.com/services/collector/firehose',
        accessKeySecretName: 'hec',
      },
    });
    const template = shippingTemplate(config, 'us-west-2');
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      HttpEndpointDestinationConfiguration: Match.objectLike({
        EndpointConfiguration: { Url: 'https://hec.example.com/services/collector/firehose', Name: 'central-logs' },
        RequestConfiguration: Match.objectLike({
          CommonAttributes: [{ AttributeName: 'region', AttributeValue: 'us-west-2' }],
        }),
        S3BackupMode: 'FailedDataOnly',
      }),
    });
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'secretsmanager:GetSecretValue' })]),
      },
    });
    // Only the named secret (any of Secrets Manager's 6-character ARN suffixes), in this Region.
    expect(JSON.stringify(template.toJSON())).toContain(`:secretsmanager:us-west-2:${ACCOUNT}:secret:hec-??????`);
  });

  it('GIVEN an existing bucket WHEN synthesised in either Region THEN no bucket is created and the stream writes to it', () => {
    const config = withLogs({ destination: { type: 's3', bucketName: 'org-log-archive' } });
    for (const region of ['us-east-1', 'us-west-2']) {
      const template = shippingTemplate(config, region);
      template.resourceCountIs('AWS::S3::Bucket', 0);
      const stream = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0]!;
      expect(JSON.stringify(stream.Properties.ExtendedS3DestinationConfiguration.BucketARN)).toContain(
        ':s3:::org-log-archive',
      );
    }
  });

  it.each([
    [
      { destination: { type: 'http', url: 'http://hec.example.com', accessKeySecretName: 'hec' } },
      ['logs', 'destination', 'url'],
      /https:\/\/ URL/,
    ],
    [{ destination: { type: 's3', region: 'eu-west-1' } }, ['logs', 'destination', 'region'], /"eu-west-1" is neither/],
    [{ destination: { type: 'splunk' } }, ['logs', 'destination', 'type'], /"s3" or "http"/],
    [{ bufferSeconds: 901 }, ['logs', 'bufferSeconds'], /900/],
  ])('GIVEN logs %j WHEN parsed THEN the error names %j and the fix', (logs, path, message) => {
    const parsed = configSchema.safeParse({ ...sampleConfig(), logs });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
  });
});
