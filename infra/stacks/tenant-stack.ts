import { Stack, type StackProps } from 'aws-cdk-lib';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { LoadBalancerTarget } from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import { advancedPlacements, namesFor } from '../../failover/config/names';
import type { RegionFlipConfig, Tenant } from '../../failover/config/schema';
import { AdvancedTenantDetection, TenantDetection } from '../constructs/region-detection';
import { newAccessLogBucket, newCluster, newLoadBalancer, newTaskExecutionRole } from '../constructs/tenant-plumbing';
import { TenantServices } from '../constructs/tenant-services';
import type { RegionStack } from './region-stack';

export interface TenantStackProps extends StackProps {
  readonly config: RegionFlipConfig;
  /** An advanced or premium tenant (basic tenants are pooled in the Region stack). */
  readonly tenant: Tenant;
  /** The Region stack it builds on: VPC, shared cluster, its shard's listener, image, logs, secrets, alarm topic. */
  readonly regionStack: RegionStack;
  /** The hosted zone of the tenant records (premium: its regional endpoint record). */
  readonly hostedZoneId: string;
}

/**
 * The resources of ONE advanced or premium tenant in one Region (the source design's tenant-template stack), so a
 * Region's size is not bounded by CloudFormation's 500 resources per stack and onboarding a tenant deploys a new stack
 * without touching the other tenants' stacks. It references the Region stack (never the other way round):
 * - advanced: the Order/Product/User services on the shared cluster, their target groups and host-header rules on
 *   the listener of the tenant's shard at its pinned priority (names.ts `advancedPlacements`), and the healthy-hosts
 *   alarm of those target groups (AdvancedTenantDetection, publishing to the Region's alarm topic);
 * - premium: a silo — its own cluster, load balancer (with its own access log bucket), services, regional endpoint
 *   record and alarms (TenantDetection, publishing to the Region's alarm topic).
 */
export class TenantStack extends Stack {
  constructor(scope: Construct, id: string, props: TenantStackProps) {
    super(scope, id, props);
    const { config, tenant, regionStack: regional } = props;
    const names = namesFor(config);
    const defaults = {
      ...regional.serviceDefaults,
      executionRole: newTaskExecutionRole(this, 'TaskExecutionRole'),
      vpc: regional.vpc,
      unit: tenant.id,
      tenantIds: [tenant.id],
    };

    if (tenant.tier === 'advanced') {
      const placement = advancedPlacements(config).find((p) => p.tenantId === tenant.id);
      const shard = regional.shards.find((s) => s.shard.number === placement?.shard);
      if (!placement || !shard) {
        throw new Error(`advanced tenant "${tenant.id}" is in no shard: it must be listed in the config`);
      }
      const services = new TenantServices(this, 'Services', {
        ...defaults,
        cluster: regional.sharedCluster,
        listener: shard.listener,
        hostHeaders: [names.tenantRecord(tenant.id)],
        // Pinned per tenant (names.ts `advancedPlacements`): another tenant's removal never renumbers these rules.
        priorityBase: placement.priority,
      });
      new AdvancedTenantDetection(this, 'Detection', {
        config,
        tenantId: tenant.id,
        shard: shard.shard.label,
        loadBalancer: {
          loadBalancerFullName: shard.alb.loadBalancerFullName,
          targetGroupFullNames: services.targetGroupFullNames,
        },
        topic: regional.detection.topic,
      });
      return;
    }
    if (tenant.tier !== 'premium') {
      throw new Error(`tenant "${tenant.id}" is ${tenant.tier}: basic tenants are pooled in the Region stack`);
    }

    // A bucket of its own: a grant on the Region's log bucket would edit the Region stack for every premium tenant.
    const accessLogs = newAccessLogBucket(this, 'LoadBalancerAccessLogs');
    const { alb, listener } = newLoadBalancer(this, 'LoadBalancer', {
      vpc: regional.vpc,
      accessLogs,
      prefix: tenant.id,
      certificate: regional.certificate,
    });
    const services = new TenantServices(this, 'Services', {
      ...defaults,
      cluster: newCluster(this, 'Cluster', regional.vpc),
      listener,
      priorityBase: 10,
    });
    new ARecord(this, 'EndpointRecord', {
      zone: HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: props.hostedZoneId,
        zoneName: names.zone,
      }),
      recordName: names.premiumRegionalRecord(tenant.id, this.region),
      target: RecordTarget.fromAlias(new LoadBalancerTarget(alb)),
      comment: `static: premium tenant ${tenant.id} in ${this.region}`,
    });
    new TenantDetection(this, 'Detection', {
      config,
      tenantId: tenant.id,
      loadBalancer: {
        loadBalancerFullName: alb.loadBalancerFullName,
        targetGroupFullNames: services.targetGroupFullNames,
      },
      topic: regional.detection.topic,
    });
  }
}
