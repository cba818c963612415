import type { Clock, ObservedRouting, RegionHealth, SwitchOutcome, SwitchRequest } from '../../failover/core/types';
import type { HealthReader, Notifier, RecordChange, SwitchPlan, TrafficSwitch, WriteGuard } from '../../failover/ports';

/**
 * Small stand-ins for the PORT interfaces (not for AWS APIs), for tests of the orchestration around them. The AWS
 * adapters themselves are tested against moto.
 */

/** Routing records as label → Region; `shared` plus premium tenant labels. */
export class InMemorySwitch implements TrafficSwitch {
  readonly mode = 'route53-records' as const;
  readonly records: Map<string, string>;
  readonly applied: SwitchPlan[] = [];
  /** Set to make the next apply fail after moving this many records (a crash or a throttled batch midway). */
  failNextApplyAfter?: number;

  /** `shared`: another caller's records, so several callers (processes) switch one zone. */
  constructor(labels: readonly string[], region: string, shared?: Map<string, string>) {
    this.records = shared ?? new Map();
    if (!shared) for (const label of labels) this.records.set(label, region);
  }

  async plan(request: SwitchRequest, options: { readonly reassert?: boolean } = {}): Promise<SwitchPlan> {
    const labels = request.scope.kind === 'region' ? [...this.records.keys()] : request.scope.tenantIds;
    const changes: RecordChange[] = [];
    const unchanged: string[] = [];
    for (const label of labels) {
      const from = this.records.get(label);
      if (from === request.targetRegion && !options.reassert) unchanged.push(label);
      else
        changes.push({
          name: label,
          from,
          to: request.targetRegion,
          ttl: 60,
          priority: label === 'shared' ? 'shared' : 'premium',
        });
    }
    return { request, changes, unchanged, batches: changes.map((c) => [c]) };
  }

  /** Awaited before each record is written (a test's scheduler interleaves callers here). */
  step: () => Promise<void> = () => new Promise((r) => setImmediate(r));

  async apply(plan: SwitchPlan, _onProgress?: unknown, guard: WriteGuard = async () => {}): Promise<SwitchOutcome> {
    this.applied.push(plan);
    let moved = 0;
    for (const change of plan.changes) {
      if (this.failNextApplyAfter !== undefined && moved >= this.failNextApplyAfter) {
        this.failNextApplyAfter = undefined;
        throw new Error(`Throttling: Rate exceeded (after ${moved} records)`);
      }
      await this.step();
      // One record, one "batch": the guard runs before every write, as Route53RecordsSwitch does.
      await guard();
      this.records.set(change.name, change.to);
      moved++;
    }
    return {
      recordsChanged: moved,
      changeCalls: plan.batches.length,
      retries: 0,
      changeIds: plan.batches.map((_, i) => `C${i}`),
      durationsMs: { apply: 1, inSync: 1, verify: 1 },
    };
  }

  async observe(): Promise<ObservedRouting> {
    return { records: [...this.records].map(([label, region]) => ({ label, name: label, region })) };
  }

  regionsOf(): string[] {
    return [...new Set(this.records.values())];
  }
}

export class RecordingNotifier implements Notifier {
  readonly sent: { subject: string; message: Record<string, unknown> }[] = [];
  async notify(subject: string, message: Record<string, unknown>): Promise<void> {
    this.sent.push({ subject, message });
  }
}

/** Health as fixed statuses per Region, healthy since long before `now`. */
export class FixedHealth implements HealthReader {
  /** `silos`: premium tenants' silos per Region (tenant id → Region → status); a silo not listed reads unknown. */
  constructor(
    public statuses: Record<string, RegionHealth['status']>,
    public silos: Record<string, Record<string, RegionHealth['status']>> = {},
  ) {}
  async read(regions: readonly string[]): Promise<Record<string, RegionHealth>> {
    return fixed(
      regions,
      (region) => this.statuses[region],
      (region) => `regionflip-${region}-region-unhealthy`,
    );
  }
  async readTenant(tenantId: string, regions: readonly string[]): Promise<Record<string, RegionHealth>> {
    return fixed(
      regions,
      (region) => this.silos[tenantId]?.[region],
      (region) => `regionflip-${region}-tenant-${tenantId}-unhealthy`,
    );
  }
  async readTenantsIn(tenantIds: readonly string[], region: string): Promise<Record<string, RegionHealth>> {
    const one = await Promise.all(tenantIds.map(async (t) => [t, (await this.readTenant(t, [region]))[region]!]));
    return Object.fromEntries(one);
  }
}

function fixed(
  regions: readonly string[],
  statusOf: (region: string) => RegionHealth['status'] | undefined,
  alarmOf: (region: string) => string,
): Record<string, RegionHealth> {
  return Object.fromEntries(
    regions.map((region) => {
      const status = statusOf(region) ?? 'unknown';
      const h: RegionHealth = {
        region,
        status,
        since: new Date('2026-01-01T00:00:00Z'),
        alarmsInAlarm: status === 'unhealthy' ? [alarmOf(region)] : [],
      };
      return [region, h];
    }),
  );
}

/** A clock tests move by hand; each reading also ticks 1 ms, so events read in order get distinct, ordered times. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    this.current = new Date(this.current.getTime() + 1);
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
  /** The same time as a monotonic clock for the control store's lease (no tick: reading it changes nothing). */
  readonly monotonicMs = (): number => this.current.getTime();
}

/** The same port with one method replaced (a throttled renewal, a failing audit write), everything else untouched. */
export function replacing<T extends object, K extends keyof T>(port: T, method: K, impl: T[K]): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      if (prop === method) return impl;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
