import {
  ChangeResourceRecordSetsCommand,
  ListHostedZonesByNameCommand,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { isSharedLabel, type Names, namesFor, shardLabelByTenant, sharedShards } from '../config/names';
import { type RegionFlipConfig, regionCodeSchema } from '../config/schema';
import { type BackoffOptions, DEFAULT_BACKOFF, withBackoff } from './backoff';
import { cutBatches } from './batch';

/**
 * The records of a RegionFlip hosted zone (ARCHITECTURE.md, "DNS shape"), as pure data: what to provision, and how to
 * recognise the routing records — the only ones the switch changes — in a ListResourceRecordSets answer.
 */

/** A CNAME record of the zone. `role` says who may change it: only `routing` records are moved by the switch. */
export interface ZoneRecord {
  readonly name: string;
  readonly value: string;
  readonly ttl: number;
  /** routing: `<shard>.<zone>` / `<premium>.<zone>`; tenant: `<basic|advanced>.<zone>`; regional: per-Region endpoints. */
  readonly role: 'routing' | 'tenant' | 'regional';
}

/** The DNS names of a zone; they depend on the zone name only, not on the app name. */
export function zoneNames(zoneName: string): Names {
  return namesFor({ app: '', dns: { zoneName, ttlSeconds: 0 } });
}

/** Route 53 answers names and values fully qualified with a trailing dot; the project writes them without. */
export function normaliseDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Where a routing record points for a Region: `<shard>.<region>.<zone>` or `<premium>.<region>.<zone>` (one shape). */
export function routingTarget(names: Names, label: string, region: string): string {
  return names.premiumRegionalRecord(label, region);
}

export function routingRecordName(names: Names, label: string): string {
  return names.tenantRecord(label);
}

/** Shard records go after the premium ones (batch.ts `premiumFirst`): a shard moves many tenants at once. */
export function routingPriority(label: string): 'premium' | 'shared' {
  return isSharedLabel(label) ? 'shared' : 'premium';
}

/**
 * Every record of a zone for a configuration: routing records pointing at `activeRegion`, and the static records.
 * `regionalTarget` says where a Region's endpoint record points (a load balancer's DNS name in AWS, the local
 * environment's load balancer name on a laptop); `premiumTenantId` is undefined for a shared endpoint, whose shard
 * label (`shared`, `shared-2`, …) comes third (the local environment serves every shard from one load balancer).
 */
export function zoneRecords(
  config: Pick<RegionFlipConfig, 'dns' | 'regions' | 'tenants' | 'sharding'>,
  activeRegion: string,
  regionalTarget: (region: string, premiumTenantId?: string, shardLabel?: string) => string,
): ZoneRecord[] {
  const names = zoneNames(config.dns.zoneName);
  const ttl = config.dns.ttlSeconds;
  const regions = [config.regions.primary, config.regions.secondary];
  if (!regions.includes(activeRegion)) {
    throw new Error(`unknown Region "${activeRegion}": this deployment has "${regions[0]}" and "${regions[1]}"`);
  }
  const premium = config.tenants.filter((t) => t.tier === 'premium').map((t) => t.id);
  const shards = sharedShards(config);
  const shardOfTenant = shardLabelByTenant(shards);
  const routing = (label: string): ZoneRecord => ({
    name: routingRecordName(names, label),
    value: routingTarget(names, label, activeRegion),
    ttl,
    role: 'routing',
  });
  return [
    ...shards.map((s) => routing(s.label)),
    ...premium.map(routing),
    // In configuration order, each following its shard's routing record.
    ...config.tenants.flatMap((t): ZoneRecord[] => {
      const shard = shardOfTenant.get(t.id);
      return shard ? [{ name: names.tenantRecord(t.id), value: names.tenantRecord(shard), ttl, role: 'tenant' }] : [];
    }),
    ...regions.flatMap((region): ZoneRecord[] => [
      ...shards.map(
        (s): ZoneRecord => ({
          name: names.premiumRegionalRecord(s.label, region),
          value: regionalTarget(region, undefined, s.label),
          ttl,
          role: 'regional',
        }),
      ),
      ...premium.map(
        (id): ZoneRecord => ({
          name: names.premiumRegionalRecord(id, region),
          value: regionalTarget(region, id),
          ttl,
          role: 'regional',
        }),
      ),
    ]),
  ];
}

/** A routing record found in the zone: which tenant's traffic it carries (`shared` for every pooled tenant) and where. */
export interface RoutingRecord {
  readonly name: string;
  /** A shard's label (`shared`, `shared-2`, …), or the premium tenant's id. */
  readonly label: string;
  readonly priority: 'premium' | 'shared';
  /** The Region the record points at now. */
  readonly region: string;
  readonly value: string;
  readonly ttl?: number;
}

/**
 * Recognises a routing record by its shape: a simple CNAME `<label>.<zone>` → `<label>.<region>.<zone>`. Anything else
 * (a pooled tenant's alias of `shared.<zone>`, a regional endpoint, NS, SOA) is not a routing record: undefined.
 */
export function parseRoutingRecord(rrset: ResourceRecordSet, zoneName: string): RoutingRecord | undefined {
  if (rrset.Type !== 'CNAME' || rrset.AliasTarget || rrset.SetIdentifier || rrset.ResourceRecords?.length !== 1) {
    return undefined;
  }
  const zone = normaliseDnsName(zoneName);
  const name = normaliseDnsName(rrset.Name ?? '');
  const value = normaliseDnsName(rrset.ResourceRecords[0]!.Value ?? '');
  const suffix = `.${zone}`;
  if (!name.endsWith(suffix)) return undefined;
  const label = name.slice(0, -suffix.length);
  if (label.length === 0 || label.includes('.')) return undefined;
  const prefix = `${label}.`;
  if (!value.startsWith(prefix) || !value.endsWith(suffix)) return undefined;
  const region = value.slice(prefix.length, -suffix.length);
  if (!regionCodeSchema.safeParse(region).success) return undefined;
  return {
    name,
    label,
    priority: routingPriority(label),
    region,
    value,
    ...(rrset.TTL !== undefined ? { ttl: rrset.TTL } : {}),
  };
}

/** The hosted zone id for a zone name (public zone); an error naming the zone if there is none. */
export async function findHostedZoneId(route53: Route53Client, zoneName: string): Promise<string> {
  const zone = normaliseDnsName(zoneName);
  const out = await route53.send(new ListHostedZonesByNameCommand({ DNSName: zone, MaxItems: 1 }));
  const found = out.HostedZones?.find((z) => normaliseDnsName(z.Name ?? '') === zone);
  if (!found?.Id) {
    throw new Error(
      `no Route 53 hosted zone named "${zone}": create it (cdk deploy, or the local environment) or set dns.hostedZoneId`,
    );
  }
  return found.Id.replace(/^\/hostedzone\//, '');
}

/**
 * Creates or overwrites records with batched UPSERTs (within Route 53's limits, retrying throttling). The local
 * environment and tests use it to fill a zone; in AWS the CDK app creates the records. Returns the requests made.
 */
export async function provisionRecords(
  route53: Route53Client,
  hostedZoneId: string,
  records: readonly Pick<ZoneRecord, 'name' | 'value' | 'ttl'>[],
  backoff: BackoffOptions = DEFAULT_BACKOFF,
): Promise<{ readonly calls: number }> {
  let calls = 0;
  for (const batch of cutBatches(records, (r) => r.value)) {
    await withBackoff(
      'ChangeResourceRecordSets',
      () => {
        calls++;
        return route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            ChangeBatch: {
              Comment: 'regionflip: provision records',
              Changes: batch.map((r) => ({
                Action: 'UPSERT',
                ResourceRecordSet: { Name: r.name, Type: 'CNAME', TTL: r.ttl, ResourceRecords: [{ Value: r.value }] },
              })),
            },
          }),
        );
      },
      backoff,
    );
  }
  return { calls };
}
