import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { namesFor } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { acknowledge } from '../nag';
import { DATA_TABLE_KEY } from '../tenant-service/data-model';

export interface DataStackProps extends StackProps {
  readonly config: RegionFlipConfig;
}

/** Secrets the tenant service reads in both Regions. Tenant tokens need none: the Region's user pool signs them. */
export function tenantSecretNames(config: Pick<RegionFlipConfig, 'app'>) {
  return {
    adminToken: `${config.app}/tenant-admin-token`,
  };
}

/**
 * What both Regions share, created in the primary Region with a replica in the secondary: the tenant data table, the
 * failover control table (routing state, lease, intent, audit) and the tenant service's secrets. Deletion protection and
 * RETAIN keep a `cdk destroy` from taking tenant data or the audit trail with it.
 */
export class DataStack extends Stack {
  readonly dataTable: TableV2;
  readonly controlTable: TableV2;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = namesFor(config);
    const replicas = [{ region: config.regions.secondary }];
    const common = {
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      replicas,
    } as const;

    this.dataTable = new TableV2(this, 'TenantDataTable', {
      ...common,
      tableName: names.dataTable,
      // pk holds the tenantId: every item lives in its tenant's partition (infra/tenant-service/data-model.ts).
      partitionKey: { name: DATA_TABLE_KEY.partitionKey, type: AttributeType.STRING },
      sortKey: { name: DATA_TABLE_KEY.sortKey, type: AttributeType.STRING },
    });

    this.controlTable = new TableV2(this, 'ControlTable', {
      ...common,
      tableName: names.controlTable,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: 'ttl',
    });

    const secrets = tenantSecretNames(config);
    for (const [id, secretName, description] of [
      ['TenantAdminToken', secrets.adminToken, 'x-admin-token of the tenant service fault switch (drills)'],
    ] as const) {
      const secret = new Secret(this, id, {
        secretName,
        description,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        replicaRegions: [{ region: config.regions.secondary }],
        removalPolicy: RemovalPolicy.DESTROY,
      });
      acknowledge(
        secret,
        'Rotating it locks the drill tools out of the fault switch in both Regions at once; rotate by hand (infra/README.md).',
        'AwsSolutions-SMG4',
      );
    }
  }
}
