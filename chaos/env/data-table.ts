import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
  const client = dynamodb as DynamoDBClient;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: DATA_TABLE_KEY.partitionKey, AttributeType: 'S' },
          { AttributeName: DATA_TABLE_KEY.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: DATA_TABLE_KEY.partitionKey, KeyType: 'HASH' },
          { AttributeName: DATA_TABLE_KEY.sortKey, KeyType: 'RANGE' },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const arn = out.Table?.LatestStreamArn;
  if (!arn) throw new Error(`table ${tableName} has no stream: recreate it with a stream enabled`);
  return arn;
}
