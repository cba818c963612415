import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { createTenantDataTable } from '../../chaos/env/data-table';
import { TableReplication } from '../../chaos/env/replication';
import type { EnvEvent } from '../../chaos/env/types';
import { clientConfig } from '../../failover/aws/clients';
import { motoTarget, uniqueName } from '../support/moto';

const EAST = 'us-east-1';
const WEST = 'us-west-2';

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('DynamoDB replication between the Regions (moto streams)', () => {
  const tableName = uniqueName('replicated');
  const db: Record<string, DynamoDBClient> = {
    [EAST]: new DynamoDBClient(clientConfig(EAST, motoTarget())),
    [WEST]: new DynamoDBClient(clientConfig(WEST, motoTarget())),
  };
  const streams: Record<string, DynamoDBStreamsClient> = {
    [EAST]: new DynamoDBStreamsClient(clientConfig(EAST, motoTarget())),
    [WEST]: new DynamoDBStreamsClient(clientConfig(WEST, motoTarget())),
  };
  const events: EnvEvent[] = [];
  let replication: TableReplication;

  beforeAll(async () => {
    const streamArns = {
      [EAST]: await createTenantDataTable(db[EAST]!, tableName),
      [WEST]: await createTenantDataTable(db[WEST]!, tableName),
    };
    replication = new TableReplication({
      tableName,
      regions: [EAST, WEST],
      streamArns,
      dynamodb: db,
      streams,
      lagMs: 300,
      pollMs: 50,
      record: (e) => events.push(e),
      onError: (err) => {
        throw err;
      },
    });
    await replication.start();
  });
  afterAll(async () => {
    await replication.stop();
    for (const c of [...Object.values(db), ...Object.values(streams)]) c.destroy();
  });

  const put = (region: string, sk: string, updatedAt: number, note: string) =>
    db[region]!.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: 'acme' },
          sk: { S: sk },
          updatedAt: { N: String(updatedAt) },
          writeRegion: { S: region },
          note: { S: note },
        },
      }),
    );
  const get = async (region: string, sk: string) =>
    (await db[region]!.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'acme' }, sk: { S: sk } } })))
      .Item;

  it('GIVEN a write in one Region WHEN the lag has passed THEN the other Region has it, not before', async () => {
    const written = Date.now();
    await put(EAST, 'order#lag', written, 'east');
    await new Promise((r) => setTimeout(r, 150));
    expect(await get(WEST, 'order#lag')).toBeUndefined();
    expect(replication.lagMs()).toBeGreaterThan(0);
    await until(async () => (await get(WEST, 'order#lag'))?.note?.S === 'east');
    expect(Date.now() - written).toBeGreaterThanOrEqual(300);
  });

  it('GIVEN replication paused WHEN writes pile up THEN nothing moves and lagMs grows; resume drains to 0', async () => {
    replication.pause();
    await put(WEST, 'order#paused', Date.now(), 'west');
    await new Promise((r) => setTimeout(r, 600));
    expect(await get(EAST, 'order#paused')).toBeUndefined();
    expect(replication.lagMs()).toBeGreaterThanOrEqual(500);
    replication.resume();
    await until(async () => (await get(EAST, 'order#paused')) !== undefined);
    await until(async () => replication.lagMs() === 0);
    expect(events.map((e) => e.type === 'replication' && e.state)).toEqual(['paused', 'resumed']);
  });

  it('GIVEN concurrent writes of one item in both Regions WHEN replicated THEN both converge on the later write', async () => {
    replication.pause();
    const t = Date.now();
    await put(EAST, 'order#lww', t + 1000, 'later-east');
    await put(WEST, 'order#lww', t, 'earlier-west');
    replication.resume();
    await until(async () => (await get(WEST, 'order#lww'))?.note?.S === 'later-east');
    await until(async () => replication.lagMs() === 0);
    expect((await get(EAST, 'order#lww'))?.note?.S).toBe('later-east');
  });

  it('GIVEN the same timestamp in both Regions WHEN replicated THEN the tie is broken the same way on both sides', async () => {
    replication.pause();
    const t = Date.now();
    await put(EAST, 'order#tie', t, 'east');
    await put(WEST, 'order#tie', t, 'west');
    replication.resume();
    // Ties go to the Region whose name sorts last, on both sides.
    await until(async () => (await get(EAST, 'order#tie'))?.note?.S === 'west');
    await until(async () => replication.lagMs() === 0);
    expect((await get(WEST, 'order#tie'))?.note?.S).toBe('west');
  });
});
