import { CreateHostedZoneCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { configSchema, type RegionFlipConfig, type Tenant } from '../../failover/config/schema';
import { normaliseDnsName } from '../../failover/switch/records';
import { uniqueName } from '../support/moto';

/** A configuration with the given tenants and zone (the schema fills in every default). */
export function switchConfig(zoneName: string, tenants: readonly Tenant[]): RegionFlipConfig {
  return configSchema.parse({ dns: { zoneName, ttlSeconds: 30 }, tenants });
}

/** Where a Region's endpoint record points locally: a load balancer name, one per endpoint. */
export function localBalancer(region: string, premiumTenantId?: string): string {
  return `lb-${premiumTenantId ?? 'shared'}.${region}.elb.local`;
}

/** A hosted zone of its own for one test: unique name and caller reference, so tests share one moto server. */
export async function createTestZone(route53: Route53Client): Promise<{ zoneName: string; hostedZoneId: string }> {
  const zoneName = `${uniqueName('zone')}.example.com`;
  const out = await route53.send(
    new CreateHostedZoneCommand({ Name: zoneName, CallerReference: uniqueName('switch-test') }),
  );
  return { zoneName: normaliseDnsName(zoneName), hostedZoneId: out.HostedZone!.Id!.replace(/^\/hostedzone\//, '') };
}
