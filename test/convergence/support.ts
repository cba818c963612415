import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { clientConfig, createAwsClients, ROUTE53_CONTROL_PLANE_REGION } from '../../failover/aws/clients';
import { policySchema, type RegionFlipConfig } from '../../failover/config/schema';
import type { ObservedRouting } from '../../failover/core/types';
import { createFailoverHandler } from '../../failover/handler/failover-handler';
import type { ControlStore } from '../../failover/ports';
import { createControlTable, DynamoControlStore } from '../../failover/state/control-table';
import { DynamoDeliveryLedger } from '../../failover/state/delivery-ledger';
import type { BackoffOptions } from '../../failover/switch/backoff';
import { provisionRecords, zoneRecords } from '../../failover/switch/records';
import { type Route53RecordsSwitch, route53SwitchFor } from '../../failover/switch/route53-switch';
import { handlerSettings } from '../handler/alarm-fixtures';
import { type FixedHealth, ManualClock, RecordingNotifier } from '../state/stand-ins';
import { motoTarget, uniqueName } from '../support/moto';
import { createTestZone, localBalancer, switchConfig } from '../switch/fixtures';

/**
 * A zone and a control table on moto, and "callers": each one a separate process in miniature — its own control store
 * (its own monotonic clock, moved by hand), its own Route 53 client (with a hook before every change request, where a
 * test pauses, crashes or lets another caller run), over the SAME zone and table. End states are read from outside:
 * the records Route 53 serves and the control table.
 */

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

export const EAST = 'us-east-1';
export const WEST = 'us-west-2';
const db = createAwsClients([EAST], motoTarget()).dynamodb[EAST]!;
const reader = new Route53Client(clientConfig(ROUTE53_CONTROL_PLANE_REGION, motoTarget(), 1));

export class MonotonicClock {
  ms = 5_000_000;
  readonly read = () => this.ms;
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

export interface Caller {
  readonly name: string;
  readonly clock: MonotonicClock;
  readonly store: DynamoControlStore;
  readonly trafficSwitch: Route53RecordsSwitch;
  readonly notifier: RecordingNotifier;
  /** Runs before every ChangeResourceRecordSets this caller sends (throw to crash it there). */
  beforeChange: (n: number) => Promise<void>;
  changes: number;
}

export interface World {
  readonly config: RegionFlipConfig;
  readonly hostedZoneId: string;
  readonly tableName: string;
  /** `backoff`: the caller's Route 53 retry policy (default: the switch's own); its waits can move the caller's clock. */
  caller(name: string, options?: { backoff?: (clock: MonotonicClock) => Partial<BackoffOptions> }): Caller;
  /** Every routing record as Route 53 serves it now. */
  observed(): Promise<ObservedRouting>;
  /** Label counts per Region. */
  sides(): Promise<Record<string, number>>;
}

export async function newWorld(premiumTenants: number, region = EAST): Promise<World> {
  const zone = await createTestZone(reader);
  const tenants = [
    { id: 'pool-a', tier: 'basic' as const },
    ...Array.from({ length: premiumTenants }, (_, i) => ({
      id: `p${String(i).padStart(4, '0')}`,
      tier: 'premium' as const,
    })),
  ];
  const config = switchConfig(zone.zoneName, tenants);
  await provisionRecords(
    reader,
    zone.hostedZoneId,
    zoneRecords(config, region, localBalancer).filter((r) => r.role === 'routing'),
  );
  const tableName = uniqueName('control');
  await createControlTable(db, tableName);
  const observer = route53SwitchFor(config, reader, zone.hostedZoneId);
  const world: World = {
    config,
    hostedZoneId: zone.hostedZoneId,
    tableName,
    caller(name, options = {}) {
      const clock = new MonotonicClock();
      const store = new DynamoControlStore(db, {
        tableName,
        primaryRegion: EAST,
        automationEnabled: true,
        autoFailoverWindowSeconds: 3600,
        monotonicMs: clock.read,
      });
      const client = new Route53Client(clientConfig(ROUTE53_CONTROL_PLANE_REGION, motoTarget(), 1));
      const caller: Caller = {
        name,
        clock,
        store,
        notifier: new RecordingNotifier(),
        beforeChange: async () => {},
        changes: 0,
        trafficSwitch: route53SwitchFor(config, client, zone.hostedZoneId, {
          inSyncPollMs: 10,
          ...(options.backoff ? { backoff: options.backoff(clock) } : {}),
        }),
      };
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === ChangeResourceRecordSetsCommand.name) await caller.beforeChange(++caller.changes);
          return next(args);
        },
        { step: 'initialize', name: 'convergenceTestHook' },
      );
      return caller;
    },
    observed: () => observer.observe(),
    async sides() {
      const counts: Record<string, number> = {};
      for (const r of (await observer.observe()).records)
        counts[r.region ?? 'missing'] = (counts[r.region ?? 'missing'] ?? 0) + 1;
      return counts;
    },
  };
  return world;
}

export const request = (
  targetRegion: string,
  caller: 'automatic-failover' | 'manual-failback' | 'manual-failover' | 'drill',
) => ({
  switch: { targetRegion, scope: { kind: 'region' as const } },
  caller,
  actor: caller,
  reason: `test: ${caller} to ${targetRegion}`,
  trigger: 'test',
  leaseSeconds: 10,
});

/** Makes a store look like a process that was SIGKILLed at `crashed()`: from then on none of its calls ever returns. */
export function killable(store: ControlStore, crashed: () => boolean): ControlStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (crashed() ? new Promise(() => {}) : value.apply(target, args));
    },
  });
}

/** The failover handler as one Lambda invocation environment would build it, over a caller's adapters. */
export function handlerOf(
  world: World,
  caller: Caller,
  health: FixedHealth,
  options: { store?: ControlStore; leaseWaitMs?: number } = {},
) {
  const policy = policySchema.parse({ leaseSeconds: 10, cooldownSeconds: 60, targetHealthySeconds: 0 });
  const clock = new ManualClock(new Date());
  return createFailoverHandler({
    clock,
    settings: handlerSettings({
      controlTable: world.tableName,
      policy,
      zoneName: world.config.dns.zoneName,
      hostedZoneId: world.hostedZoneId,
    }),
    store: options.store ?? caller.store,
    ledger: new DynamoDeliveryLedger(db, world.tableName),
    health,
    trafficSwitch: caller.trafficSwitch,
    notifier: caller.notifier,
    logger: new Logger({ serviceName: 'convergence', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'RegionFlipConvergence' }),
    leaseWaitMs: options.leaseWaitMs ?? 2_000,
    // Waiting moves this caller's own clock: that is how it watches a lease for its full duration.
    sleep: async (ms) => {
      caller.clock.advance(ms / 1000);
      clock.advance(ms / 1000);
    },
  });
}

export const SCHEDULED_EVENT = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
