import type { RegionFlipConfig, Tenant } from './schema';

/**
 * Every name derived from the configuration, in one place: the CDK app creates these resources, the local environment
 * provisions them in moto, and the Lambda, CLI and drills look them up. Renaming one here renames it everywhere.
 *
 * DNS shape (see ARCHITECTURE.md, "DNS shape"):
 *   routing records (the switch changes only these)
 *     shared.<zone>            CNAME shared.<active-region>.<zone>     one record for every basic and advanced tenant
 *     <premium>.<zone>         CNAME <premium>.<active-region>.<zone>  one record per premium tenant (moves alone too)
 *   static records (never changed by the switch)
 *     <basic|advanced>.<zone>  CNAME shared.<zone>
 *     shared.<region>.<zone>   -> the shared load balancer of that Region
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

/** The routing record a tenant's traffic follows: its own for premium, the shared one otherwise. */
export function routingRecordOf(names: Names, tenant: Tenant): string {
  return tenant.tier === 'premium' ? names.tenantRecord(tenant.id) : names.sharedRoutingRecord;
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
 *   component  one child of the composite                 → Region signal (normally only the composite notifies)
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
