import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Creates an on-demand table with a string partition and sort key, and waits until it exists: for the local
 * environment and tests (in AWS the CDK app creates the tables). Idempotent: an existing table is left as it is.
 */
export async function createStringKeyTable(
  dynamodb: DynamoDBClient | DynamoDBDocumentClient,
  table: {
    readonly tableName: string;
    readonly partitionKey: string;
    readonly sortKey: string;
    readonly stream?: boolean;
  },
): Promise<{ readonly created: boolean; readonly streamArn?: string }> {
  const client = dynamodb as DynamoDBClient;
  let created = true;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: table.partitionKey, AttributeType: 'S' },
          { AttributeName: table.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: 'HASH' },
          { AttributeName: table.sortKey, KeyType: 'RANGE' },
        ],
        ...(table.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } } : {}),
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    created = false;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: table.tableName });
  if (!table.stream) return { created };
  const out = await client.send(new DescribeTableCommand({ TableName: table.tableName }));
  const streamArn = out.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${table.tableName} has no stream: recreate it with a stream enabled`);
  return { created, streamArn };
}
