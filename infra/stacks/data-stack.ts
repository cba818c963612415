import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { namesFor } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { DATA_TABLE_KEY } from '../tenant-service/data-model';

export interface DataStackProps extends StackProps {
  readonly config: RegionFlipConfig;
}

/**
 * What both Regions share, created in the primary Region with a replica in the secondary: the tenant data table, the
 * failover control table (routing state, lease, intent, audit). The tenant service needs no shared secret: tenant
 * tokens are verified against the user pools' public keys, and on AWS faults go through FIS (no fault switch). Deletion protection and
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
  }
}
