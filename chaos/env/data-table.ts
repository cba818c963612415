import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createStringKeyTable } from '../../failover/aws/create-table';
import { DATA_TABLE_KEY } from '../../infra/tenant-service/data-model';

/**
 * Creates the tenant data table in one Region (moto), keyed as infra/tenant-service/data-model.ts says, with a
 * NEW_AND_OLD_IMAGES stream that the environment's replication reads (moto serves DynamoDB Streams). Idempotent. Returns the
 * stream ARN.
 */
export async function createTenantDataTable(
  dynamodb: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
): Promise<string> {
  const { streamArn } = await createStringKeyTable(dynamodb, { tableName, ...DATA_TABLE_KEY, stream: true });
  return streamArn!;
}
