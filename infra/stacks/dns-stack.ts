import { createHash } from 'node:crypto';
import { CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import {
  CfnRecordSetGroup,
  CnameRecord,
  HostedZone,
  type IHostedZone,
  PublicHostedZone,
} from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { namesFor, SHARED_LABEL, shardLabelByTenant, sharedShards } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';

export interface DnsStackProps extends StackProps {
  readonly config: RegionFlipConfig;
  /** The Region the routing records point at when this stack is deployed (the primary, unless failed over). */
  readonly activeRegion: string;
}

/**
 * The global DNS (Route 53 is global; this stack lives in us-east-1): the hosted zone (created, or imported by
 * `dns.hostedZoneId`), the routing records the switch moves and the static tenant records. The regional endpoint records
 * (`shared.<region>.<zone>`, `<premium>.<region>.<zone>`) live in each Region's stack, next to the load balancers.
 *
 * Shape (failover/config/names.ts; one `<shard>` = `shared` unless advanced tenants fill more than one load balancer):
 *   <shard>.<zone>           CNAME <shard>.<active>.<zone>     routing
 *   <premium>.<zone>         CNAME <premium>.<active>.<zone>   routing
 *   <basic|advanced>.<zone>  CNAME <its shard>.<zone>          static
 */
export class DnsStack extends Stack {
  readonly zone: IHostedZone;

  constructor(scope: Construct, id: string, props: DnsStackProps) {
    super(scope, id, props);
    const { config, activeRegion } = props;
    const names = namesFor(config);
    const ttl = Duration.seconds(config.dns.ttlSeconds);

    if (config.dns.hostedZoneId) {
      this.zone = HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
        hostedZoneId: config.dns.hostedZoneId,
        zoneName: names.zone,
      });
    } else {
      const zone = new PublicHostedZone(this, 'HostedZone', {
        zoneName: names.zone,
        comment: `${config.app}: tenant endpoints; routing records are moved by the failover switch`,
      });
      new CfnOutput(this, 'NameServers', {
        description: `Delegate ${names.zone} to these name servers in its parent zone`,
        value: Fn.join(' ', zone.hostedZoneNameServers!),
      });
      this.zone = zone;
    }
    new CfnOutput(this, 'HostedZoneId', { value: this.zone.hostedZoneId });

    const shards = sharedShards(config);
    for (const shard of shards) {
      // Shard 1 keeps the construct id of the single shared record (renaming it would replace the record).
      new CnameRecord(
        this,
        shard.label === SHARED_LABEL ? 'SharedRoutingRecord' : `SharedRoutingRecord-${shard.label}`,
        {
          zone: this.zone,
          recordName: names.tenantRecord(shard.label),
          domainName: names.premiumRegionalRecord(shard.label, activeRegion),
          ttl,
          comment: `routing record: moved by the failover switch (${shard.number === 1 ? 'basic and advanced tenants' : `the advanced tenants of ${shard.label}`})`,
        },
      );
    }
    const shardOfTenant = shardLabelByTenant(shards);

    for (const tenant of config.tenants) {
      if (tenant.tier === 'premium') {
        new CnameRecord(this, `TenantRoutingRecord-${tenant.id}`, {
          zone: this.zone,
          recordName: names.tenantRecord(tenant.id),
          domainName: names.premiumRegionalRecord(tenant.id, activeRegion),
          ttl,
          comment: `routing record: moved by the failover switch (premium tenant ${tenant.id})`,
        });
      }
    }

    // The static records of basic and advanced tenants (hundreds of them) in record set groups: one CloudFormation
    // resource per bucket instead of one per tenant keeps this stack far below 500 resources. A tenant's bucket
    // depends on its id only, so onboarding or removing one tenant rewrites one group and no other.
    const buckets = new Map<number, CfnRecordSetGroup.RecordSetProperty[]>();
    for (const tenant of config.tenants) {
      const shard = shardOfTenant.get(tenant.id);
      if (shard === undefined) continue;
      const bucket = tenantRecordBucket(tenant.id);
      const records = buckets.get(bucket) ?? [];
      records.push({
        name: `${names.tenantRecord(tenant.id)}.`,
        type: 'CNAME',
        ttl: String(config.dns.ttlSeconds),
        resourceRecords: [names.tenantRecord(shard)],
      });
      buckets.set(bucket, records);
    }
    for (const [bucket, recordSets] of [...buckets].sort(([a], [b]) => a - b)) {
      if (recordSets.length > MAX_RECORDS_PER_GROUP) {
        throw new Error(
          `tenant record group ${bucket} would hold ${recordSets.length} records (at most ${MAX_RECORDS_PER_GROUP}, ` +
            'within one Route 53 change batch): raise TENANT_RECORD_BUCKETS in infra/stacks/dns-stack.ts',
        );
      }
      new CfnRecordSetGroup(this, `TenantRecords-${bucket}`, {
        hostedZoneId: this.zone.hostedZoneId,
        comment: `static: basic and advanced tenants (bucket ${bucket}) follow their shard's routing record`,
        recordSets,
      });
    }
  }
}

/** Buckets of static tenant records: with 16, 600 tenants make groups of about 40 records. */
export const TENANT_RECORD_BUCKETS = 16;
/**
 * Route 53 applies a group as one change batch: at most 1,000 records and 32,000 characters (aws-facts.md §3, R1);
 * 300 records of about 80 characters stay below both.
 */
export const MAX_RECORDS_PER_GROUP = 300;

/** The group of a tenant's static record: a stable hash of its id (sha256), independent of every other tenant. */
export function tenantRecordBucket(tenantId: string): number {
  return createHash('sha256').update(tenantId).digest().readUInt32BE(0) % TENANT_RECORD_BUCKETS;
}
