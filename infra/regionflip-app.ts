import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ROUTE53_CONTROL_PLANE_REGION } from '../failover/aws/clients';
import type { RegionFlipConfig } from '../failover/config/schema';
import { DataStack } from './stacks/data-stack';
import { DnsStack } from './stacks/dns-stack';
import { RegionStack } from './stacks/region-stack';
import { TenantStack } from './stacks/tenant-stack';

export interface RegionFlipStacks {
  readonly data: DataStack;
  readonly dns: DnsStack;
  /** The Region stack of each Region, keyed by Region code (primary and secondary). */
  readonly regions: Readonly<Record<string, RegionStack>>;
  /** The tenant stacks (advanced and premium tenants), keyed by Region code, then tenant id. */
  readonly tenants: Readonly<Record<string, Readonly<Record<string, TenantStack>>>>;
}

export interface RegionFlipAppOptions {
  readonly config: RegionFlipConfig;
  /** Where the DNS stack points the routing records (default: the primary Region). */
  readonly activeRegion?: string;
}

/** Stack names (and construct ids: renaming one replaces the stack). */
export function stackNames(config: Pick<RegionFlipConfig, 'app'>) {
  return {
    data: `${config.app}-data`,
    dns: `${config.app}-dns`,
    region: (region: string) => `${config.app}-${region}`,
    tenant: (region: string, tenantId: string) => `${config.app}-${region}-tenant-${tenantId}`,
  };
}

/**
 * Builds every RegionFlip stack into the app, with cdk-nag's AwsSolutions checks on all of them:
 *   <app>-data         primary Region: global tables (replica in the secondary) and the tenant service secrets
 *   <app>-dns          us-east-1 (Route 53 is global): hosted zone, routing and static tenant records
 *   <app>-<region>     one Region stack per Region: what the Region's tenants share (see RegionStack)
 *   <app>-<region>-tenant-<id>  one stack per advanced or premium tenant and Region (see TenantStack)
 * Deploy order follows the dependencies: data, dns, primary Region, secondary Region, then the tenant stacks (each
 * depends on its Region stack only, so tenant stacks deploy, and are deleted, independently of each other).
 */
export function buildRegionFlipApp(app: App, options: RegionFlipAppOptions): RegionFlipStacks {
  const { config } = options;
  const { primary, secondary } = config.regions;
  const stackName = stackNames(config);
  // No account in the config: the stacks are account-agnostic, so synth needs no credentials.
  const env = (region: string) => ({ region, ...(config.account ? { account: config.account } : {}) });
  const crossRegionReferences = config.dns.hostedZoneId === undefined;

  const data = new DataStack(app, stackName.data, {
    env: env(primary),
    config,
    description: `${config.app}: tenant data and failover control tables (global tables ${primary} + ${secondary})`,
  });
  const dns = new DnsStack(app, stackName.dns, {
    env: env(ROUTE53_CONTROL_PLANE_REGION),
    config,
    activeRegion: options.activeRegion ?? primary,
    crossRegionReferences,
    description: `${config.app}: hosted zone ${config.dns.zoneName}, routing and tenant records`,
  });
  const hostedZoneId = config.dns.hostedZoneId ?? dns.zone.hostedZoneId;

  const regions: Record<string, RegionStack> = {};
  for (const region of [primary, secondary]) {
    const stack = new RegionStack(app, stackName.region(region), {
      env: env(region),
      config,
      hostedZoneId,
      crossRegionReferences,
      description: `${config.app}: tenant stack in ${region} (${region === primary ? 'primary' : 'standby'})`,
    });
    stack.addStackDependency(data, 'the tenant services and the failover Lambda use the global tables and secrets');
    stack.addStackDependency(dns, 'the regional endpoint records go into the hosted zone');
    regions[region] = stack;
  }
  regions[secondary]!.addStackDependency(
    regions[primary]!,
    "the secondary stack subscribes across Regions to the primary's alarm topic and failover Lambda",
  );

  const tenants: Record<string, Record<string, TenantStack>> = {};
  for (const region of [primary, secondary]) {
    tenants[region] = {};
    for (const tenant of config.tenants.filter((t) => t.tier !== 'basic')) {
      const stack = new TenantStack(app, stackName.tenant(region, tenant.id), {
        env: env(region),
        config,
        tenant,
        regionStack: regions[region]!,
        hostedZoneId,
        crossRegionReferences,
        description: `${config.app}: ${tenant.tier} tenant ${tenant.id} in ${region}`,
      });
      stack.addStackDependency(data, 'the tenant services use the global tables and secrets');
      stack.addStackDependency(dns, 'a premium endpoint record goes into the hosted zone');
      Tags.of(stack).add('tenant', tenant.id);
      tenants[region][tenant.id] = stack;
    }
  }

  for (const stack of [data, dns, ...Object.values(regions), ...Object.values(tenants).flatMap(Object.values)]) {
    Tags.of(stack).add('app', config.app);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { data, dns, regions, tenants };
}
