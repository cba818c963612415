import { createHash } from 'node:crypto';
import type { RegionFlipConfig } from './schema';

/**
 * Every name derived from the configuration, in one place: the CDK app creates these resources, the local environment
 * provisions them in moto, and the Lambda, CLI and drills look them up. Renaming one here renames it everywhere.
 *
 * DNS shape (see ARCHITECTURE.md, "DNS shape"; a shard is one of the Region's shared load balancers, see
 * {@link sharedShards}; with the default config there is one, `shared`):
 *   routing records (the switch changes only these)
 *     <shard>.<zone>           CNAME <shard>.<active-region>.<zone>    one record per shard: its basic/advanced tenants
 *     <premium>.<zone>         CNAME <premium>.<active-region>.<zone>  one record per premium tenant (moves alone too)
 *   static records (never changed by the switch)
 *     <basic|advanced>.<zone>  CNAME <its shard>.<zone>
 *     <shard>.<region>.<zone>  -> that shared load balancer of that Region
 *     <premium>.<region>.<zone> -> that premium tenant's load balancer in that Region
 */
export const SHARED_LABEL = 'shared';

/** The failover triggers of a Region (children of its composite; infra/alarms/definitions.ts says why each exists). */
export type AlarmKind = 'alb-5xx-rate' | 'healthy-hosts' | 'p99-latency';
export const ALARM_KINDS: readonly AlarmKind[] = ['alb-5xx-rate', 'healthy-hosts', 'p99-latency'];
/** The signals watched per premium tenant (children of its tenant composite). */
export type TenantAlarmKind = AlarmKind;
export const TENANT_ALARM_KINDS: readonly TenantAlarmKind[] = ALARM_KINDS;

/** us-east-1 → use1: short enough for canary names. */
function shortRegion(region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  return `${area}${direction.replace(/[^a-z]/g, '').slice(0, 1)}${number}`;
}

export function namesFor(config: Pick<RegionFlipConfig, 'app' | 'dns'>) {
  const { app } = config;
  const zone = config.dns.zoneName;
  return {
    controlTable: `${app}-control`,
    dataTable: `${app}-tenant-data`,
    alarmTopic: `${app}-region-alarms`,
    oncallTopic: `${app}-oncall`,
    failoverFunction: `${app}-failover`,
    /** The composite "Region unhealthy" alarm whose actions publish to the alarm topic. */
    regionAlarm: (region: string) => `${app}-${region}-region-unhealthy`,
    componentAlarm: (region: string, kind: AlarmKind) => `${app}-${region}-${kind}`,
    /** A child of the composite watching a further shared load balancer (`shared-2`, …): a component signal too. */
    shardComponentAlarm: (region: string, shardLabel: string, kind: AlarmKind) =>
      `${app}-${region}-${shardLabel}-${kind}`,
    /**
     * The healthy-host share of one advanced tenant's target groups, in its tenant stack (not a child of the composite,
     * so onboarding never edits the Region stack). A Region signal: it publishes to the alarm topic itself and the
     * health reader counts it beside the composite ({@link isAdvancedHealthyAlarm}).
     */
    advancedHealthyAlarm: (region: string, tenantId: string) => `${app}-${region}-advanced-${tenantId}-healthy-hosts`,
    isAdvancedHealthyAlarm: (region: string, alarmName: string) =>
      alarmName.startsWith(`${app}-${region}-advanced-`) && alarmName.endsWith('-healthy-hosts'),
    /**
     * The outside-in availability alarm ABOUT `region`: it lives in the PEER Region (fed by the peer's probes of this
     * Region's public tenant names) and publishes to the peer's alarm topic, so a Region that goes dark is detected and
     * handled with nothing in it. Triggers Region failover like the composite.
     */
    probeAlarm: (region: string) => `${app}-${region}-probe-unavailable`,
    /** A premium tenant's own health (its silo's load balancer), composite, in `region`: the cell scope. */
    tenantAlarm: (region: string, tenantId: string) => `${app}-${region}-tenant-${tenantId}-unhealthy`,
    /**
     * One signal of a premium tenant's silo, a child of its tenant composite. Named "<app>.tenant.…", outside the
     * "<app>-" prefix, so the Lambda never reads it as a Region signal: only the composite notifies.
     */
    tenantComponentAlarm: (region: string, tenantId: string, kind: TenantAlarmKind) =>
      `${app}.tenant.${region}.${tenantId}.${kind}`,
    /** The canary in the peer Region that probes `region` through one stable tenant of `tier` (≤ 255 chars, a-z0-9-). */
    probeCanary: (region: string, tier: string) => `${app}-probe-${shortRegion(region)}-${tier}`,
    /** The failover Lambda's own health: "<app>.ops.…", outside the managed prefix, paging on-call. */
    opsAlarm: (region: string, what: string) => `${app}.ops.${region}.${what}`,
    /** Monitoring only (for example the source design's request-count alarm): notifies on-call, never fails over. */
    monitorAlarm: (region: string, kind: string) => `${app}-${region}-monitor-${kind}`,
    /**
     * The data-plane switch (switching.mode = health-check-alarms). Per routing record (label = a shard label or a
     * premium tenant id) one routing-control alarm in the control Region ({@link controlRegionOf}) on the metric
     * {@link ROUTING_CONTROL_METRIC} with dimensions App = app, Record = label: 1 = serve the secondary, 0 = serve the
     * primary. Missing data keeps the alarm's state (TreatMissingData ignore), so one datapoint is a lasting decision.
     * Named "<app>.routing.…", outside the "<app>-" prefix: the failover Lambda never reads it as a health signal.
     */
    routingControlAlarm: (label: string) => `${app}.routing.${label}.serve-secondary`,
    /** The Route 53 health check (its Name tag) on that alarm; it guards the PRIMARY failover record of `label`. */
    routingControlHealthCheck: (label: string) => `${app}-routing-${label}`,
    /** SetIdentifier of the failover record pair at `<label>.<zone>`: PRIMARY and SECONDARY. */
    failoverSetIdentifier: (label: string, role: 'primary' | 'secondary') => `${label}-${role}`,
    /** Every alarm the failover Lambda manages starts with this prefix; others are "not under management". */
    alarmPrefix: `${app}-`,
    zone,
    sharedRoutingRecord: `${SHARED_LABEL}.${zone}`,
    sharedRegionalRecord: (region: string) => `${SHARED_LABEL}.${region}.${zone}`,
    tenantRecord: (tenantId: string) => `${tenantId}.${zone}`,
    premiumRegionalRecord: (tenantId: string, region: string) => `${tenantId}.${region}.${zone}`,
  };
}
export type Names = ReturnType<typeof namesFor>;

/** The metric the data-plane switch publishes (names.routingControlAlarm): one datapoint per moved routing record. */
export const ROUTING_CONTROL_METRIC = { namespace: 'RegionFlip/RoutingControl', metricName: 'ServeSecondary' } as const;

/**
 * One shared load balancer of a Region and the tenants it carries. Shard 1 (`shared`) carries the pool (every basic
 * tenant) and the advanced tenants placed on it; shard n ≥ 2 (`shared-<n>`) the advanced tenants placed on it (see
 * {@link advancedPlacements}). Each has its own routing record `<label>.<zone>` and regional endpoint
 * `<label>.<region>.<zone>`, so the switch moves it like any routing record.
 */
export interface SharedShard {
  /** 1 for `shared`, n for `shared-<n>`: a tenant's `shard` in the configuration. */
  readonly number: number;
  /** `shared` for shard 1 (exactly the single-load-balancer shape), `shared-2`, `shared-3`, … after it. */
  readonly label: string;
  /** Basic tenants are pooled on shard 1 only. */
  readonly basicTenantIds: readonly string[];
  readonly advancedTenantIds: readonly string[];
}

/** True for a shard's label (`shared`, `shared-2`, …): the schema reserves these, so no tenant id is one. */
export function isSharedLabel(label: string): boolean {
  return label === SHARED_LABEL || /^shared-\d+$/.test(label);
}

export function shardLabel(shard: number): string {
  return shard === 1 ? SHARED_LABEL : `${SHARED_LABEL}-${shard}`;
}

/**
 * Listener rule priorities of a shared listener: an advanced tenant's three rules take priority, priority + 1 and
 * priority + 2, with priority a multiple of 10 in 10…ADVANCED_PRIORITY_MAX; the pool's rules come after all of them
 * (it answers any host). ALB priorities go up to 50,000 (ELB quotas); the wide range keeps derived ones rarely equal.
 */
export const ADVANCED_PRIORITY_MAX = 40_000;
export const POOL_PRIORITY_BASE = 45_000;

/**
 * The rule priority an advanced tenant gets unless the configuration pins one: a multiple of 10 derived from a hash of
 * its id alone, so adding or removing another tenant never changes it.
 */
export function derivedPriority(tenantId: string): number {
  const slots = ADVANCED_PRIORITY_MAX / 10;
  return 10 * (1 + (createHash('sha256').update(tenantId).digest().readUInt32BE(0) % slots));
}

/** Where an advanced tenant's rules live: its shard and the priority of its first rule there. */
export interface AdvancedPlacement {
  readonly tenantId: string;
  readonly shard: number;
  readonly priority: number;
}

/**
 * Each advanced tenant's shard and rule priority, from its own entry only: `shard` as configured (default 1, `shared`)
 * and `priority` as configured or {@link derivedPriority}. Removing a tenant from the list therefore changes no other
 * tenant's placement; conflicts (a full shard, two tenants on one priority) are configuration errors
 * ({@link placementProblems}), never a silent renumbering.
 */
export function advancedPlacements(config: Pick<RegionFlipConfig, 'tenants'>): AdvancedPlacement[] {
  return config.tenants
    .filter((t) => t.tier === 'advanced')
    .map((t) => ({ tenantId: t.id, shard: t.shard ?? 1, priority: t.priority ?? derivedPriority(t.id) }));
}

/** A placement conflict, with the tenant whose entry needs a change (index into `tenants`) and the fix. */
export interface PlacementProblem {
  readonly tenantIndex: number;
  readonly field: 'shard' | 'priority';
  readonly message: string;
}

export function placementProblems(config: Pick<RegionFlipConfig, 'tenants' | 'sharding'>): PlacementProblem[] {
  const perShard = config.sharding.advancedTenantsPerLoadBalancer;
  const indexOf = new Map(config.tenants.map((t, i) => [t.id, i]));
  const problems: PlacementProblem[] = [];
  const placements = advancedPlacements(config);
  for (const shard of new Set(placements.map((p) => p.shard))) {
    const placed = placements.filter((p) => p.shard === shard);
    const label = shardLabel(shard);
    if (placed.length > perShard) {
      const over = placed.slice(perShard).map((p) => p.tenantId);
      problems.push({
        tenantIndex: indexOf.get(over[0]!)!,
        field: 'shard',
        message:
          `shard ${shard} ("${label}") carries ${placed.length} advanced tenants, at most ` +
          `sharding.advancedTenantsPerLoadBalancer = ${perShard} fit; set "shard" to another number on ` +
          `${over.map((id) => `"${id}"`).join(', ')} (only the tenants you move change load balancer)`,
      });
    }
    const taken = new Map<number, string>();
    for (const p of placed) {
      const holder = taken.get(p.priority);
      if (holder === undefined) {
        taken.set(p.priority, p.tenantId);
        continue;
      }
      let free = p.priority;
      while (placed.some((q) => q.priority === free)) free = (free % ADVANCED_PRIORITY_MAX) + 10;
      problems.push({
        tenantIndex: indexOf.get(p.tenantId)!,
        field: 'priority',
        message:
          `advanced tenants "${holder}" and "${p.tenantId}" both take listener rule priority ${p.priority} on shard ` +
          `"${label}" (pinned, or derived from the tenant id); set "priority: ${free}" on "${p.tenantId}" (a free ` +
          `multiple of 10 up to ${ADVANCED_PRIORITY_MAX})`,
      });
    }
  }
  return problems;
}

/**
 * The shared load balancers of a Region, derived from the configuration: the ONE place that decides which shard an
 * advanced tenant is on. The CDK app builds a load balancer, endpoint and routing record per shard from it, the
 * local environment provisions the same records (failover/switch/records.ts), and the Lambda may change their names.
 * Shard 1 always exists (it carries the pool); a further shard exists while some advanced tenant is placed on it.
 */
export function sharedShards(config: Pick<RegionFlipConfig, 'tenants' | 'sharding'>): SharedShard[] {
  const placements = advancedPlacements(config);
  const numbers = [...new Set([1, ...placements.map((p) => p.shard)])].sort((a, b) => a - b);
  return numbers.map((number) => ({
    number,
    label: shardLabel(number),
    basicTenantIds: number === 1 ? config.tenants.filter((t) => t.tier === 'basic').map((t) => t.id) : [],
    advancedTenantIds: placements.filter((p) => p.shard === number).map((p) => p.tenantId),
  }));
}

/** The shard label of every basic and advanced tenant (premium tenants have their own routing record). */
export function shardLabelByTenant(shards: readonly SharedShard[]): ReadonlyMap<string, string> {
  return new Map(shards.flatMap((s) => [...s.basicTenantIds, ...s.advancedTenantIds].map((id) => [id, s.label])));
}

/** Every routing record name (shards first, then premium tenants): what the switch may move. */
export function routingRecordNames(config: Pick<RegionFlipConfig, 'app' | 'dns' | 'tenants' | 'sharding'>): string[] {
  const names = namesFor(config);
  return [
    ...sharedShards(config).map((s) => names.tenantRecord(s.label)),
    ...config.tenants.filter((t) => t.tier === 'premium').map((t) => names.tenantRecord(t.id)),
  ];
}

/** Unknown Region → an error naming the value and the Regions that exist. */
export function assertKnownRegion(config: Pick<RegionFlipConfig, 'regions'>, region: string): string {
  const known = [config.regions.primary, config.regions.secondary];
  if (!known.includes(region)) {
    throw new Error(`unknown Region "${region}": this deployment has ${known.map((r) => `"${r}"`).join(' and ')}`);
  }
  return region;
}

export function otherRegion(config: Pick<RegionFlipConfig, 'regions'>, region: string): string {
  assertKnownRegion(config, region);
  return region === config.regions.primary ? config.regions.secondary : config.regions.primary;
}

/** The Region of the control-table replica that holds the lease and routing state (schema.ts explains the default). */
export function controlRegionOf(config: Pick<RegionFlipConfig, 'regions' | 'controlRegion'>): string {
  return config.controlRegion ?? config.regions.secondary;
}

/**
 * What a managed alarm is about, from its name alone (names are the contract between the CDK app, the local
 * environment and the Lambda; the ARN says where the alarm LIVES, which for a probe alarm is the peer Region):
 *   region     the Region's composite verdict            → Region failover decisions
 *   probe      outside-in availability of the Region      → Region failover decisions (lives in the peer Region)
 *   component  one child of the composite, or an advanced  → Region signal (of the children only the composite
 *              tenant's healthy-hosts alarm                   notifies; the advanced ones notify themselves)
 *   tenant     one premium tenant's silo                  → cell scope
 *   monitor    monitoring only                            → never a failover
 * Undefined when the name is not ours (wrong prefix, or no configured Region after it).
 */
export type AlarmSubject =
  | { readonly kind: 'region' | 'probe' | 'component'; readonly region: string; readonly detail?: string }
  | { readonly kind: 'tenant'; readonly region: string; readonly tenantId: string }
  | { readonly kind: 'monitor'; readonly region: string; readonly detail: string };

export function classifyAlarmName(
  config: Pick<RegionFlipConfig, 'app' | 'regions'>,
  alarmName: string,
): AlarmSubject | undefined {
  const prefix = `${config.app}-`;
  if (!alarmName.startsWith(prefix)) return undefined;
  const rest = alarmName.slice(prefix.length);
  const region = [config.regions.primary, config.regions.secondary].find((r) => rest.startsWith(`${r}-`));
  if (!region) return undefined;
  const tail = rest.slice(region.length + 1);
  if (tail === 'region-unhealthy') return { kind: 'region', region };
  if (tail === 'probe-unavailable') return { kind: 'probe', region };
  const tenant = /^tenant-([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-unhealthy$/.exec(tail);
  if (tenant) return { kind: 'tenant', region, tenantId: tenant[1]! };
  if (tail.startsWith('monitor-') && tail.length > 'monitor-'.length) {
    return { kind: 'monitor', region, detail: tail.slice('monitor-'.length) };
  }
  return { kind: 'component', region, detail: tail };
}

/**
 * The metrics the failover Lambda emits (Powertools EMF, namespace "RegionFlip", dimension `service` =
 * `<app>-failover`). The CDK app alarms on the ones that mean "a failure nobody would otherwise see".
 */
export const FAILOVER_METRIC = {
  /** A notification that could not be acted on (malformed, wrong account/topic, hostile): acknowledged, never retried. */
  rejectedMessages: 'RejectedMessages',
  /** Telling on-call failed (the switch or page itself stands). */
  notifyFailures: 'NotifyFailures',
  /** Writing the audit trail failed after the fact (the switch itself stands). */
  auditFailures: 'AuditFailures',
  /** The routing records were found split or disagreeing with the control table. */
  routingSplits: 'RoutingSplits',
  /** A split or pending switch that the reconciler could not converge: it paged. */
  unconvergedRouting: 'UnconvergedRouting',
} as const;
