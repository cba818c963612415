import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  type ResourceRecordSet,
  type Route53Client,
  waitUntilResourceRecordSetsChanged,
} from '@aws-sdk/client-route-53';
import { assertKnownRegion, isSharedLabel, type Names, SHARED_LABEL } from '../config/names';
import type { RegionFlipConfig } from '../config/schema';
import { scopeMoves } from '../core/scope';
import type { ObservedRouting, SwitchOutcome, SwitchRequest, SwitchScope } from '../core/types';
import type { RecordChange, SwitchPlan, SwitchProgress, TrafficSwitch, WriteGuard } from '../ports';
import { type BackoffOptions, DEFAULT_BACKOFF, withBackoff } from './backoff';
import { batchChanges, premiumFirst } from './batch';
import {
  normaliseDnsName,
  parseRoutingRecord,
  type RoutingRecord,
  routingPriority,
  routingRecordName,
  routingTarget,
  zoneNames,
} from './records';
import { listZoneRecords } from './zone-reader';

export interface Route53RecordsSwitchDeps {
  readonly route53: Route53Client;
  readonly hostedZoneId: string;
  readonly zoneName: string;
  readonly regions: { readonly primary: string; readonly secondary: string };
  readonly ttlSeconds: number;
  readonly backoff?: Partial<BackoffOptions>;
  /** First wait between GetChange polls; doubles up to 8 × this. */
  readonly inSyncPollMs?: number;
  /** Give up waiting for INSYNC after this long (the change still completes; the switch is not recorded as done). */
  readonly inSyncTimeoutMs?: number;
  /** Milliseconds clock; tests advance a fake one from their fake sleep. */
  readonly now?: () => number;
}

export const DEFAULT_IN_SYNC_POLL_MS = 1000;
/** Route 53 normally propagates within 60 s. */
export const DEFAULT_IN_SYNC_TIMEOUT_MS = 120_000;
/** Up to this many names are read one request each; more, and one paginated listing of the zone is cheaper. */
const PER_NAME_READ_LIMIT = 10;

/** The read-back after a switch does not match the plan: something else changed the records meanwhile. */
export class SwitchVerificationError extends Error {
  constructor(readonly mismatches: readonly { name: string; expected: string; actual?: string }[]) {
    super(
      `the routing records read back after the switch differ from the plan (${mismatches.length}): ` +
        mismatches
          .slice(0, 10)
          .map((m) => `"${m.name}" ${m.actual ? `points at "${m.actual}"` : 'is missing'}, planned "${m.expected}"`)
          .join('; ') +
        (mismatches.length > 10 ? `; and ${mismatches.length - 10} more` : '') +
        '. Another writer may have changed the zone (check CloudTrail); rerun the switch to converge.',
    );
    this.name = 'SwitchVerificationError';
  }
}

interface CallStats {
  changeCalls: number;
  retries: number;
}

/**
 * The traffic switch over Route 53 routing records (control plane: ChangeResourceRecordSets is served from us-east-1).
 * plan() reads; apply() UPSERTs in batches within Route 53's limits, one request at a time (concurrent changes to a
 * zone are refused with PriorRequestNotComplete), waits for INSYNC and reads the records back.
 */
export class Route53RecordsSwitch implements TrafficSwitch {
  readonly mode = 'route53-records' as const;
  private readonly names: Names;
  private readonly backoff: BackoffOptions;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: Route53RecordsSwitchDeps) {
    this.names = zoneNames(normaliseDnsName(deps.zoneName));
    this.backoff = { ...DEFAULT_BACKOFF, ...deps.backoff };
    this.pollMs = deps.inSyncPollMs ?? DEFAULT_IN_SYNC_POLL_MS;
    this.timeoutMs = deps.inSyncTimeoutMs ?? DEFAULT_IN_SYNC_TIMEOUT_MS;
    this.now = deps.now ?? Date.now;
    if (!Number.isInteger(deps.ttlSeconds) || deps.ttlSeconds < 1) {
      throw new Error(`ttlSeconds must be a whole number of seconds >= 1 (got ${deps.ttlSeconds})`);
    }
  }

  async plan(request: SwitchRequest, options: { readonly reassert?: boolean } = {}): Promise<SwitchPlan> {
    const target = this.assertTarget(request.targetRegion);
    const stats: CallStats = { changeCalls: 0, retries: 0 };
    const current = await this.readScope(request.scope, stats);
    const changes: RecordChange[] = [];
    const unchanged: string[] = [];
    for (const { name, label, record } of current) {
      const to = routingTarget(this.names, label, target);
      if (record?.value === to && !options.reassert) {
        unchanged.push(name);
        continue;
      }
      changes.push({
        name,
        ...(record ? { from: record.value } : {}),
        to,
        ttl: this.deps.ttlSeconds,
        priority: routingPriority(label),
      });
    }
    const ordered = premiumFirst(changes);
    return { request, changes: ordered, unchanged, batches: batchChanges(ordered) };
  }

  async apply(
    plan: SwitchPlan,
    onProgress: (p: SwitchProgress) => void = () => {},
    guard: WriteGuard = async () => {},
  ): Promise<SwitchOutcome> {
    const target = this.assertTarget(plan.request.targetRegion);
    const stats: CallStats = { changeCalls: 0, retries: 0 };
    const started = this.now();
    const changeIds: string[] = [];
    let submittedAt: Date | undefined;
    for (const [i, batch] of plan.batches.entries()) {
      const out = await this.call(
        'ChangeResourceRecordSets',
        async () => {
          // Before every attempt, retries included: a switch that cannot prove its lease sends nothing more.
          await guard();
          return this.deps.route53.send(
            new ChangeResourceRecordSetsCommand({
              HostedZoneId: this.deps.hostedZoneId,
              ChangeBatch: {
                Comment: `regionflip switch to ${target} (batch ${i + 1} of ${plan.batches.length})`,
                Changes: batch.map((c) => ({
                  Action: 'UPSERT',
                  ResourceRecordSet: { Name: c.name, Type: 'CNAME', TTL: c.ttl, ResourceRecords: [{ Value: c.to }] },
                })),
              },
            }),
          );
        },
        stats,
        onProgress,
        true,
      );
      if (out.ChangeInfo?.SubmittedAt) submittedAt = out.ChangeInfo.SubmittedAt;
      const changeId = out.ChangeInfo?.Id;
      if (!changeId) throw new Error(`ChangeResourceRecordSets answered without ChangeInfo.Id (batch ${i + 1})`);
      changeIds.push(changeId);
      onProgress({ type: 'batch-applied', index: i + 1, of: plan.batches.length, changeId });
    }
    const applied = this.now();
    await this.waitInSync([...new Set(changeIds)], stats, onProgress);
    const inSync = this.now();
    const verified = await this.verify(plan, target, stats, onProgress);
    onProgress({ type: 'verified', records: verified });
    return {
      recordsChanged: plan.changes.length,
      changeCalls: stats.changeCalls,
      retries: stats.retries,
      changeIds,
      ...(submittedAt ? { submittedAt } : {}),
      durationsMs: { apply: applied - started, inSync: inSync - applied, verify: this.now() - inSync },
    };
  }

  /** Every routing record of the zone and where it points now (for status views and drills). */
  async readRoutingRecords(): Promise<RoutingRecord[]> {
    const all = await this.listZone({ changeCalls: 0, retries: 0 }, () => {});
    return all.flatMap((rrset) => parseRoutingRecord(rrset, this.names.zone) ?? []);
  }

  async observe(): Promise<ObservedRouting> {
    const records = await this.readRoutingRecords();
    const observed: ObservedRouting['records'][number][] = records.map((r) => ({
      label: r.label,
      name: r.name,
      region: r.region,
    }));
    if (!records.some((r) => r.label === SHARED_LABEL)) {
      observed.unshift({ label: SHARED_LABEL, name: this.names.sharedRoutingRecord, region: undefined });
    }
    return { records: observed };
  }

  private assertTarget(region: string): string {
    try {
      return assertKnownRegion({ regions: this.deps.regions }, region);
    } catch (err) {
      throw new Error(`cannot switch traffic: ${(err as Error).message}; pass one of them as the target Region`);
    }
  }

  /** The routing records in scope, in zone order; `record` undefined when a record does not exist yet. */
  private async readScope(
    scope: SwitchScope,
    stats: CallStats,
  ): Promise<{ name: string; label: string; record?: RoutingRecord }[]> {
    if (scope.kind === 'region') {
      const routing = (await this.listZone(stats, () => {})).flatMap(
        (rrset) => parseRoutingRecord(rrset, this.names.zone) ?? [],
      );
      const shared = routing.find((r) => r.label === SHARED_LABEL);
      const kept = (scope.keep ?? []).find(isSharedLabel);
      if (kept !== undefined) {
        throw new Error(
          `"${kept}" cannot be kept in place by a Region switch: only premium tenants stay behind (a shared record ` +
            'carries every basic and advanced tenant on it)',
        );
      }
      return [
        ...routing
          .filter((record) => scopeMoves(scope, record.label))
          .map((record) => ({ name: record.name, label: record.label, record })),
        ...(shared ? [] : [{ name: this.names.sharedRoutingRecord, label: SHARED_LABEL }]),
      ];
    }
    const ids = [...new Set(scope.tenantIds)];
    if (ids.length === 0) {
      throw new Error('the switch scope "tenants" lists no tenant ids: name at least one premium tenant');
    }
    const shard = ids.find(isSharedLabel);
    if (shard !== undefined) {
      throw new Error(
        `"${shard}" is not a tenant id: a shared record moves many basic and advanced tenants, ` +
          'so switch the whole Region (scope "region") to move it',
      );
    }
    const names = ids.map((id) => routingRecordName(this.names, id));
    const found = await this.readNames(names, stats, () => {});
    const problems: string[] = [];
    const scoped = ids.map((label, i) => {
      const name = names[i]!;
      const rrset = found.get(name);
      const record = rrset && parseRoutingRecord(rrset, this.names.zone);
      if (!record) problems.push(this.describeNotRouting(label, name, rrset));
      return { name, label, ...(record ? { record } : {}) };
    });
    if (problems.length > 0) {
      throw new Error(
        `cannot switch these tenants (nothing was changed): ${problems.join('; ')}. Valid ids are the premium ` +
          'tenants (tier: premium) of the configuration; every one has a routing record in the hosted zone',
      );
    }
    return scoped;
  }

  private describeNotRouting(label: string, name: string, rrset: ResourceRecordSet | undefined): string {
    const value = rrset?.ResourceRecords?.[0]?.Value;
    if (value !== undefined && normaliseDnsName(value) === this.names.sharedRoutingRecord) {
      return `tenant "${label}" is not premium ("${name}" follows "${this.names.sharedRoutingRecord}"), so it moves only with a Region switch`;
    }
    return `unknown tenant "${label}": hosted zone ${this.deps.hostedZoneId} has no routing record "${name}"`;
  }

  /** The record sets at these names (CNAME), by normalised name; missing names are absent from the map. */
  private async readNames(
    names: readonly string[],
    stats: CallStats,
    onProgress: (p: SwitchProgress) => void,
  ): Promise<Map<string, ResourceRecordSet>> {
    const wanted = new Set(names);
    const found = new Map<string, ResourceRecordSet>();
    const keep = (rrset: ResourceRecordSet) => {
      const name = normaliseDnsName(rrset.Name ?? '');
      if (rrset.Type === 'CNAME' && wanted.has(name)) found.set(name, rrset);
    };
    if (wanted.size > PER_NAME_READ_LIMIT) {
      for (const rrset of await this.listZone(stats, onProgress)) keep(rrset);
      return found;
    }
    for (const name of wanted) {
      const page = await this.listPage(
        { StartRecordName: name, StartRecordType: 'CNAME', MaxItems: 1 },
        stats,
        onProgress,
      );
      for (const rrset of page.ResourceRecordSets ?? []) keep(rrset);
    }
    return found;
  }

  private listZone(stats: CallStats, onProgress: (p: SwitchProgress) => void): Promise<ResourceRecordSet[]> {
    return listZoneRecords((input) => this.listPage(input, stats, onProgress));
  }

  private listPage(
    input: Omit<ListResourceRecordSetsCommandInput, 'HostedZoneId'>,
    stats: CallStats,
    onProgress: (p: SwitchProgress) => void,
  ) {
    return this.call(
      'ListResourceRecordSets',
      () =>
        this.deps.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: this.deps.hostedZoneId, ...input })),
      stats,
      onProgress,
      false,
    );
  }

  /** The SDK's waiter on GetChange, per change, within one overall deadline. */
  private async waitInSync(
    changeIds: readonly string[],
    _stats: CallStats,
    onProgress: (p: SwitchProgress) => void,
  ): Promise<void> {
    const deadline = this.now() + this.timeoutMs;
    for (const changeId of changeIds) {
      const leftS = Math.max(1, Math.ceil((deadline - this.now()) / 1000));
      try {
        await waitUntilResourceRecordSetsChanged(
          {
            client: this.deps.route53,
            maxWaitTime: leftS,
            minDelay: Math.max(0.05, this.pollMs / 1000),
            maxDelay: Math.max(0.1, (this.pollMs * 8) / 1000),
          },
          { Id: changeId },
        );
      } catch (err) {
        throw new Error(
          `Route 53 change ${changeId} is not INSYNC after ${this.timeoutMs} ms (inSyncTimeoutMs): ` +
            `${(err as Error).message}. Route 53 accepted it and will finish it, but the switch is not done until it ` +
            'is in sync; the reconciler (or a rerun) waits and verifies',
        );
      }
      onProgress({ type: 'in-sync', changeId });
    }
  }

  /** Reads back every routing record of the plan; returns how many were checked, throws if any differs. */
  private async verify(
    plan: SwitchPlan,
    target: string,
    stats: CallStats,
    onProgress: (p: SwitchProgress) => void,
  ): Promise<number> {
    const zoneSuffix = `.${this.names.zone}`;
    const expected = new Map<string, string>(plan.changes.map((c) => [c.name, c.to]));
    for (const name of plan.unchanged) {
      expected.set(name, routingTarget(this.names, name.slice(0, -zoneSuffix.length), target));
    }
    const found = await this.readNames([...expected.keys()], stats, onProgress);
    const mismatches = [...expected].flatMap(([name, want]) => {
      const value = found.get(name)?.ResourceRecords?.[0]?.Value;
      const actual = value === undefined ? undefined : normaliseDnsName(value);
      if (actual === want) return [];
      return [{ name, expected: want, ...(actual !== undefined ? { actual } : {}) }];
    });
    if (mismatches.length > 0) throw new SwitchVerificationError(mismatches);
    return expected.size;
  }

  private call<T>(
    operation: string,
    send: () => Promise<T>,
    stats: CallStats,
    onProgress: (p: SwitchProgress) => void,
    isChange: boolean,
  ): Promise<T> {
    return withBackoff(
      operation,
      () => {
        if (isChange) stats.changeCalls++;
        return send();
      },
      this.backoff,
      (retry) => {
        stats.retries++;
        onProgress({ type: 'throttled', ...retry });
      },
    );
  }
}

/** The switch for a configuration: its zone, Regions and TTL. */
export function route53SwitchFor(
  config: Pick<RegionFlipConfig, 'dns' | 'regions'>,
  route53: Route53Client,
  hostedZoneId: string,
  options: Pick<Route53RecordsSwitchDeps, 'backoff' | 'inSyncPollMs' | 'inSyncTimeoutMs'> = {},
): Route53RecordsSwitch {
  return new Route53RecordsSwitch({
    route53,
    hostedZoneId,
    zoneName: config.dns.zoneName,
    regions: config.regions,
    ttlSeconds: config.dns.ttlSeconds,
    ...options,
  });
}
