import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { AwsClients } from '../aws/clients';
import { FAILOVER_METRIC, namesFor } from '../config/names';
import type { RuntimeSettings } from '../config/runtime-settings';
import type { AlarmEvent, Clock } from '../core/types';
import { CloudWatchHealthReader } from '../health/alarm-health';
import { SnsNotifier } from '../notify/sns-notifier';
import type { ControlStore, DeliveryLedger, HealthReader, Notifier, TrafficSwitch } from '../ports';
import { DynamoControlStore } from '../state/control-table';
import { DynamoDeliveryLedger } from '../state/delivery-ledger';
import { systemClock } from '../switch/execute-switch';
import { Route53RecordsSwitch } from '../switch/route53-switch';
import { parseSnsEvent } from './parse';
import { type AlarmLog, type AlarmResult, processAlarm, type ReconcileResult, reconcile } from './process-alarm';

/**
 * The failover handler, built from injected dependencies: failover.lambda.ts builds it once per cold start from the
 * environment; the local environment and tests build it with their own clients and settings.
 *
 * A malformed or unrelated message is logged with the reason, counted (RejectedMessages), and acknowledged: throwing
 * would only make Lambda retry a message that can never parse. Transient failures throw, and the retry is safe
 * because deliveries are deduplicated.
 */

export interface FailoverHandlerDeps {
  readonly settings: RuntimeSettings;
  readonly store: ControlStore;
  readonly ledger: DeliveryLedger;
  readonly health: HealthReader;
  readonly trafficSwitch: TrafficSwitch;
  readonly notifier: Notifier;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** How long to wait for a switch lease held by another caller before giving up (and letting Lambda retry). */
  readonly leaseWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type DeliveryResult =
  | AlarmResult
  | {
      readonly status: 'reconciled';
      readonly decision: ReconcileResult['decision'];
      readonly switch?: ReconcileResult['switch'];
    }
  | { readonly status: 'rejected'; readonly messageId?: string; readonly reason: string };

export interface FailoverHandlerResult {
  readonly results: readonly DeliveryResult[];
}

export const FAILOVER_ACTOR = 'failover-lambda';
const DEFAULT_LEASE_WAIT_MS = 60_000;

export function createFailoverHandler(deps: FailoverHandlerDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: `${deps.settings.app}-failover` });
  const metrics =
    deps.metrics ?? new Metrics({ namespace: 'RegionFlip', serviceName: `${deps.settings.app}-failover` });
  const names = namesFor({ app: deps.settings.app, dns: { zoneName: deps.settings.zoneName, ttlSeconds: 0 } });

  const trust = deploymentTrust(deps.settings, names.alarmTopic);
  const baseDeps = (owner: string, log: AlarmLog) => ({
    store: deps.store,
    ledger: deps.ledger,
    health: deps.health,
    trafficSwitch: deps.trafficSwitch,
    notifier: deps.notifier,
    clock: deps.clock ?? systemClock,
    regions: deps.settings.regions,
    policy: deps.settings.policy,
    managedAlarmPrefix: names.alarmPrefix,
    owner,
    actor: FAILOVER_ACTOR,
    leaseWaitMs: deps.leaseWaitMs ?? DEFAULT_LEASE_WAIT_MS,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    log,
    count: (metric: string) => metrics.addMetric(metric, MetricUnit.Count, 1),
  });
  const logOf = (l: Logger): AlarmLog => ({
    info: (message, extra) => l.info(message, extra ?? {}),
    warn: (message, extra) => l.warn(message, extra ?? {}),
  });

  return async function handler(event: unknown, context?: Context): Promise<FailoverHandlerResult> {
    if (context) logger.addContext(context);
    const owner = `${FAILOVER_ACTOR}:${context?.awsRequestId ?? randomUUID()}`;
    const results: DeliveryResult[] = [];
    try {
      if (isScheduledEvent(event)) {
        // EventBridge, every minute in both Regions: re-check routing truth without waiting for an alarm.
        const result = await reconcile(baseDeps(owner, logOf(logger)));
        logger.info('reconciled', { decision: result.decision, deferred: result.deferred });
        results.push({
          status: 'reconciled',
          decision: result.decision,
          ...(result.switch ? { switch: result.switch } : {}),
        });
        return { results };
      }
      for (const parsed of parseSnsEvent(event)) {
        const rejected = parsed.ok ? untrusted(parsed.alarm, trust) : parsed.reason;
        if (rejected !== undefined) {
          logger.warn('alarm notification rejected: nothing was changed', {
            reason: rejected,
            messageId: parsed.ok ? parsed.alarm.messageId : parsed.messageId,
          });
          metrics.addMetric(FAILOVER_METRIC.rejectedMessages, MetricUnit.Count, 1);
          const messageId = parsed.ok ? parsed.alarm.messageId : parsed.messageId;
          results.push({ status: 'rejected', reason: rejected, ...(messageId ? { messageId } : {}) });
          continue;
        }
        if (!parsed.ok) continue;
        const { alarm } = parsed;
        // A child logger per delivery: deliveries may overlap (locally, or in tests), and keys appended to a shared
        // logger would leak into the next one's lines.
        const log = logger.createChild({
          persistentKeys: {
            messageId: alarm.messageId,
            alarmName: alarm.alarmName,
            alarmRegion: alarm.region,
            alarmTransition: `${alarm.oldState}->${alarm.newState}`,
          },
        });
        const result = await processAlarm(baseDeps(owner, logOf(log)), alarm);
        record(metrics, result);
        log.info('alarm notification processed', { result: summary(result) });
        results.push(result);
      }
      return { results };
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** EventBridge's scheduled event ("source": "aws.events", "detail-type": "Scheduled Event"). */
function isScheduledEvent(event: unknown): boolean {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return typeof e === 'object' && e !== null && e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}

interface DeploymentTrust {
  readonly partition: string;
  readonly accountId: string;
  readonly alarmTopicArns: readonly string[];
}

/** The account, partition and alarm topics a notification must come from: those of this deployment. */
function deploymentTrust(settings: RuntimeSettings, alarmTopic: string): DeploymentTrust | undefined {
  const [, partition, , , accountId] = settings.oncallTopicArn.split(':');
  if (!partition || !accountId) return undefined;
  const { primary, secondary } = settings.regions;
  return {
    partition,
    accountId,
    alarmTopicArns: [primary, secondary].map((r) => `arn:${partition}:sns:${r}:${accountId}:${alarmTopic}`),
  };
}

/** Why a well-formed notification is still not ours to act on, or undefined. */
function untrusted(alarm: AlarmEvent, trust: DeploymentTrust | undefined): string | undefined {
  if (!trust) return undefined;
  const partition = alarm.alarmArn.split(':')[1];
  if (partition !== trust.partition || alarm.accountId !== trust.accountId) {
    return (
      `alarm ${alarm.alarmArn} is from account ${alarm.accountId} (partition ${partition}), not this deployment's ` +
      `${trust.accountId} (${trust.partition}): acknowledged without acting. Check who publishes to the alarm topic.`
    );
  }
  if (alarm.topicArn !== undefined && !trust.alarmTopicArns.includes(alarm.topicArn)) {
    return (
      `notification came through topic ${alarm.topicArn}, which is not one of this deployment's alarm topics ` +
      `(${trust.alarmTopicArns.join(', ')}): acknowledged without acting. Check the topic's subscriptions.`
    );
  }
  return undefined;
}

function record(metrics: Metrics, result: AlarmResult): void {
  if (result.status !== 'processed') {
    metrics.addMetric('DuplicateDeliveries', MetricUnit.Count, 1);
    return;
  }
  const kind = result.decision.kind;
  metrics.addMetric(`Decision${kind[0]!.toUpperCase()}${kind.slice(1)}`, MetricUnit.Count, 1);
  if (result.switch?.outcome === 'switched') {
    metrics.addMetric('SwitchDuration', MetricUnit.Milliseconds, result.switch.durationsMs.total);
    metrics.addMetric('RecordsChanged', MetricUnit.Count, result.switch.switchOutcome?.recordsChanged ?? 0);
  }
}

function summary(result: AlarmResult): Record<string, unknown> {
  if (result.status !== 'processed') return { status: result.status };
  return {
    status: result.status,
    decision: result.decision,
    ...(result.switch
      ? {
          switch: {
            outcome: result.switch.outcome,
            epoch: result.switch.epoch,
            recordsChanged: result.switch.switchOutcome?.recordsChanged,
            durationsMs: result.switch.durationsMs,
          },
        }
      : {}),
  };
}

/** The real adapters for a deployment's settings over already-created clients (Lambda cold start, local env). */
export function failoverDepsFromSettings(
  settings: RuntimeSettings,
  clients: AwsClients,
): Pick<FailoverHandlerDeps, 'settings' | 'store' | 'ledger' | 'health' | 'trafficSwitch' | 'notifier'> {
  const names = namesFor({ app: settings.app, dns: { zoneName: settings.zoneName, ttlSeconds: settings.ttlSeconds } });
  const db = clients.dynamodb[settings.controlRegion];
  const topicRegion = settings.oncallTopicArn.split(':')[3] ?? settings.controlRegion;
  const sns = clients.sns[topicRegion];
  if (!db || !sns) {
    throw new Error(
      `no AWS clients for Region "${!db ? settings.controlRegion : topicRegion}": create the clients for ` +
        `${settings.regions.primary} and ${settings.regions.secondary}`,
    );
  }
  return {
    settings,
    store: new DynamoControlStore(db, {
      tableName: settings.controlTable,
      primaryRegion: settings.regions.primary,
      automationEnabled: settings.policy.automationEnabled,
      autoFailoverWindowSeconds: settings.policy.windowSeconds,
    }),
    ledger: new DynamoDeliveryLedger(db, settings.controlTable),
    health: new CloudWatchHealthReader({
      cloudwatch: clients.cloudwatch,
      regionAlarmName: names.regionAlarm,
      tenantAlarmName: names.tenantAlarm,
      alarmPrefix: names.alarmPrefix,
      isRegionSignal: names.isAdvancedHealthyAlarm,
      probe: {
        alarmName: names.probeAlarm,
        peerOf: (region) =>
          region === settings.regions.primary ? settings.regions.secondary : settings.regions.primary,
      },
    }),
    trafficSwitch: new Route53RecordsSwitch({
      route53: clients.route53,
      hostedZoneId: settings.hostedZoneId,
      zoneName: settings.zoneName,
      regions: settings.regions,
      ttlSeconds: settings.ttlSeconds,
    }),
    notifier: new SnsNotifier(sns, settings.oncallTopicArn),
  };
}
