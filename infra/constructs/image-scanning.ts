import { Stack } from 'aws-cdk-lib';
import { CfnRegistryScanningConfiguration } from 'aws-cdk-lib/aws-ecr';
import { type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FINDING_SEVERITIES, type ImageScanning as ImageScanningSettings } from '../../failover/config/schema';

/**
 * The repositories the CDK bootstrap creates for container assets (`cdk-<qualifier>-container-assets-<account>-<region>`):
 * the tenant-service image is a DockerImageAsset, so it is pushed there.
 */
export const CONTAINER_ASSET_REPOSITORIES = 'cdk-*-container-assets-*';

/** The severities at or above a threshold, highest first (the order the event pattern lists them). */
export function severitiesAtOrAbove(threshold: ImageScanningSettings['alarmSeverity']): string[] {
  return FINDING_SEVERITIES.slice(FINDING_SEVERITIES.indexOf(threshold)).reverse();
}

/** The EventBridge pattern of a finding at or above the threshold, for the configured scan type. */
export function findingPattern(settings: ImageScanningSettings): EventPattern {
  const severities = severitiesAtOrAbove(settings.alarmSeverity);
  if (settings.scanType === 'basic') {
    // "ECR Image Scan" carries counts per severity; any count > 0 at a paging severity matches.
    return {
      source: ['aws.ecr'],
      detailType: ['ECR Image Scan'],
      detail: {
        'scan-status': ['COMPLETE'],
        'repository-name': [{ wildcard: CONTAINER_ASSET_REPOSITORIES }],
        $or: severities.map((severity) => ({ 'finding-severity-counts': { [severity]: [{ numeric: ['>', 0] }] } })),
      },
    };
  }
  // Inspector sends one event per finding, again when a new CVE hits an image already pushed.
  return {
    source: ['aws.inspector2'],
    detailType: ['Inspector2 Finding'],
    detail: {
      severity: severities,
      status: ['ACTIVE'],
      resources: {
        type: ['AWS_ECR_CONTAINER_IMAGE'],
        details: { awsEcrContainerImage: { repositoryName: [{ wildcard: CONTAINER_ASSET_REPOSITORIES }] } },
      },
    },
  };
}

export interface ImageScanningProps {
  readonly settings: ImageScanningSettings;
  /** The on-call topic (`<app>-oncall`): findings page here. */
  readonly oncallTopic: Topic;
  /** The key that encrypts the on-call topic: EventBridge needs a data key to publish. */
  readonly topicKey: Key;
}

/**
 * Image scanning of one Region: the registry's scanning configuration (scan on push, basic or Inspector-enhanced, for
 * the container-asset repositories) and a rule that pages on-call on a finding at or above the configured severity.
 * The registry configuration is one per account and Region: a stack that owns it replaces any set by hand.
 */
export class ImageScanning extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ImageScanningProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { settings } = props;

    new CfnRegistryScanningConfiguration(this, 'RegistryScanning', {
      scanType: settings.scanType === 'basic' ? 'BASIC' : 'ENHANCED',
      rules: [
        {
          // Enhanced scanning also rescans continuously; basic scanning knows only on-push (and manual).
          scanFrequency: settings.scanType === 'basic' ? 'SCAN_ON_PUSH' : 'CONTINUOUS_SCAN',
          repositoryFilters: [{ filter: CONTAINER_ASSET_REPOSITORIES, filterType: 'WILDCARD' }],
        },
      ],
    });

    this.rule = new Rule(this, 'FindingsToOncall', {
      description: `${stack.region}: tenant-service image findings at or above ${settings.alarmSeverity} page on-call`,
      eventPattern: findingPattern(settings),
      targets: [new SnsTopic(props.oncallTopic)],
    });
    props.topicKey.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // By account, not by rule ARN: the rule names the topic, the topic the key, so the key cannot name the rule.
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
  }
}
