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

export type AlarmKind = 'alb-5xx-rate' | 'unhealthy-targets' | 'p99-latency' | 'request-surge';
export const ALARM_KINDS: readonly AlarmKind[] = ['alb-5xx-rate', 'unhealthy-targets', 'p99-latency', 'request-surge'];

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
