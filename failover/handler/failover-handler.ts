import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { AwsClients } from '../aws/clients';
import { namesFor } from '../config/names';
import type { RuntimeSettings } from '../config/runtime-settings';
import { CloudWatchHealthReader } from '../health/alarm-health';
import { SnsNotifier } from '../notify/sns-notifier';
import type { ControlStore, HealthReader, Notifier, TrafficSwitch } from '../ports';
import { DynamoControlStore } from '../state/control-table';
import { type DeliveryLedger, DynamoDeliveryLedger } from '../state/delivery-ledger';
import { type Clock, systemClock } from '../switch/execute-switch';
import { Route53RecordsSwitch } from '../switch/route53-switch';
import { parseSnsEvent } from './parse';
import { type AlarmResult, processAlarm } from './process-alarm';

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

  return async function handler(event: unknown, context?: Context): Promise<FailoverHandlerResult> {
    if (context) logger.addContext(context);
    const results: DeliveryResult[] = [];
    try {
      for (const parsed of parseSnsEvent(event)) {
        if (!parsed.ok) {
          logger.warn('alarm notification rejected: nothing was changed', {
            reason: parsed.reason,
            messageId: parsed.messageId,
          });
          metrics.addMetric('RejectedMessages', MetricUnit.Count, 1);
          results.push({ status: 'rejected', reason: parsed.reason, messageId: parsed.messageId });
          continue;
        }
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
        const result = await processAlarm(
          {
            store: deps.store,
            ledger: deps.ledger,
            health: deps.health,
            trafficSwitch: deps.trafficSwitch,
            notifier: deps.notifier,
            clock: deps.clock ?? systemClock,
            regions: deps.settings.regions,
            policy: deps.settings.policy,
            managedAlarmPrefix: names.alarmPrefix,
            owner: `${FAILOVER_ACTOR}:${context?.awsRequestId ?? randomUUID()}`,
            actor: FAILOVER_ACTOR,
            leaseWaitMs: deps.leaseWaitMs ?? DEFAULT_LEASE_WAIT_MS,
            sleep: deps.sleep,
            log: {
              info: (message, extra) => log.info(message, extra ?? {}),
              warn: (message, extra) => log.warn(message, extra ?? {}),
            },
          },
          alarm,
        );
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
      alarmPrefix: names.alarmPrefix,
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
