import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import fc from 'fast-check';
import { configSchema, FINDING_SEVERITIES, type ImageScanning as Settings } from '../../failover/config/schema';
import {
  CONTAINER_ASSET_REPOSITORIES,
  ImageScanning,
  severitiesAtOrAbove,
} from '../../infra/constructs/image-scanning';
import { type Synthesized, synthesize } from './synth';

/** One construct in a bare stack: the settings' effect, without synthesising the whole app. */
function scanningTemplate(settings: Settings): Template {
  const stack = new Stack(new App(), 'Scanning', { env: { account: '123456789012', region: 'us-west-2' } });
  const oncallTopic = new Topic(stack, 'Oncall');
  new ImageScanning(stack, 'ImageScanning', { settings, oncallTopic, topicKey: new Key(stack, 'TopicKey') });
  return Template.fromStack(stack);
}

describe('image scanning in the app', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize();
  });
  afterAll(() => synth?.dispose());

  it('GIVEN the sample configuration WHEN synthesised THEN each Region scans the container-asset repositories on push', () => {
    for (const stack of Object.values(synth.stacks.regions)) {
      Template.fromStack(stack).hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
        ScanType: 'BASIC',
        Rules: [
          {
            ScanFrequency: 'SCAN_ON_PUSH',
            RepositoryFilters: [{ Filter: CONTAINER_ASSET_REPOSITORIES, FilterType: 'WILDCARD' }],
          },
        ],
      });
    }
  });

  it("GIVEN the sample configuration WHEN synthesised THEN each Region's findings rule targets its own on-call topic", () => {
    for (const stack of Object.values(synth.stacks.regions)) {
      const template = Template.fromStack(stack);
      const oncall = stack.getLogicalId(stack.failover.oncallTopic.node.defaultChild as never);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ source: ['aws.ecr'], 'detail-type': ['ECR Image Scan'] }),
        Targets: [Match.objectLike({ Arn: { Ref: oncall } })],
      });
    }
  });
});

describe('image scanning settings', () => {
  it('GIVEN basic scanning at HIGH WHEN synthesised THEN a HIGH or CRITICAL count pages, lower counts do not', () => {
    scanningTemplate({ scanType: 'basic', alarmSeverity: 'HIGH' }).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecr'],
        'detail-type': ['ECR Image Scan'],
        detail: {
          'scan-status': ['COMPLETE'],
          'repository-name': [{ wildcard: CONTAINER_ASSET_REPOSITORIES }],
          $or: [
            { 'finding-severity-counts': { CRITICAL: [{ numeric: ['>', 0] }] } },
            { 'finding-severity-counts': { HIGH: [{ numeric: ['>', 0] }] } },
          ],
        },
      },
    });
  });

  it('GIVEN enhanced scanning at CRITICAL WHEN synthesised THEN Inspector scans continuously and only CRITICAL pages', () => {
    const template = scanningTemplate({ scanType: 'enhanced', alarmSeverity: 'CRITICAL' });
    template.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      ScanType: 'ENHANCED',
      Rules: [Match.objectLike({ ScanFrequency: 'CONTINUOUS_SCAN' })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        source: ['aws.inspector2'],
        'detail-type': ['Inspector2 Finding'],
        detail: Match.objectLike({ severity: ['CRITICAL'], status: ['ACTIVE'] }),
      }),
    });
  });

  it('GIVEN the encrypted on-call topic WHEN synthesised THEN EventBridge of this account may use its key', () => {
    scanningTemplate({ scanType: 'basic', alarmSeverity: 'HIGH' }).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
  });

  it('GIVEN any threshold WHEN the paging severities are listed THEN they are exactly the threshold and above', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FINDING_SEVERITIES), fc.constantFrom(...FINDING_SEVERITIES), (threshold, s) => {
        const rank = (x: string) => FINDING_SEVERITIES.indexOf(x as (typeof FINDING_SEVERITIES)[number]);
        expect(severitiesAtOrAbove(threshold).includes(s)).toBe(rank(s) >= rank(threshold));
      }),
    );
  });

  it('GIVEN a lower-case severity WHEN the configuration is parsed THEN the error names the field and the choices', () => {
    const parsed = configSchema.safeParse({
      tenants: [{ id: 'acme', tier: 'basic' }],
      imageScanning: { alarmSeverity: 'high' },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['imageScanning', 'alarmSeverity'],
        message: 'must be one of LOW, MEDIUM, HIGH, CRITICAL (upper case)',
      }),
    ]);
  });
});
