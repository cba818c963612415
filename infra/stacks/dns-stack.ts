import { CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { CnameRecord, HostedZone, type IHostedZone, PublicHostedZone } from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { namesFor } from '../../failover/config/names';
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
 * Shape (failover/config/names.ts):
 *   shared.<zone>            CNAME shared.<active>.<zone>      routing
 *   <premium>.<zone>         CNAME <premium>.<active>.<zone>   routing
 *   <basic|advanced>.<zone>  CNAME shared.<zone>               static
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

    new CnameRecord(this, 'SharedRoutingRecord', {
      zone: this.zone,
      recordName: names.sharedRoutingRecord,
      domainName: names.sharedRegionalRecord(activeRegion),
      ttl,
      comment: 'routing record: moved by the failover switch (basic and advanced tenants)',
    });

    for (const tenant of config.tenants) {
      if (tenant.tier === 'premium') {
        new CnameRecord(this, `TenantRoutingRecord-${tenant.id}`, {
          zone: this.zone,
          recordName: names.tenantRecord(tenant.id),
          domainName: names.premiumRegionalRecord(tenant.id, activeRegion),
          ttl,
          comment: `routing record: moved by the failover switch (premium tenant ${tenant.id})`,
        });
      } else {
        new CnameRecord(this, `TenantRecord-${tenant.id}`, {
          zone: this.zone,
          recordName: names.tenantRecord(tenant.id),
          domainName: names.sharedRoutingRecord,
          ttl,
          comment: `static: ${tenant.tier} tenant ${tenant.id} follows the shared routing record`,
        });
      }
    }
  }
}
