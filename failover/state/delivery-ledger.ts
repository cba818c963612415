import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryClaim } from '../core/types';
import type { DeliveryLedger } from '../ports';
import { CONTROL_KEYS } from './keys';

/**
 * Deduplicates SNS deliveries (SNS delivers at least once; Lambda's async retry redelivers) by MessageId, in the
 * control table (`pk = delivery`, `sk = <MessageId>`). The rule: a duplicate of a processed delivery is a no-op, but a
 * delivery whose processing failed is processed again on retry, so nothing acknowledged is lost.
 *
 * Why not Powertools Idempotency: its in-progress record outlives a crashed invocation unless the Lambda context is
 * registered, and the handler also runs outside Lambda (local environment, tests). This is the same conditional write,
 * with an explicit in-flight deadline.
 */

const PK = CONTROL_KEYS.deliveryPk;
/** Longer than SNS and Lambda retry windows (Lambda async retries for up to 6 hours). */
const RETENTION_SECONDS = 7 * 86400;

export class DynamoDeliveryLedger implements DeliveryLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(messageId: string, now: Date, inFlightSeconds: number): Promise<DeliveryClaim> {
    const until = new Date(now.getTime() + inFlightSeconds * 1000);
    const claimId = randomUUID();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: PK, sk: messageId },
          UpdateExpression: 'SET #status = :inFlight, expiresAt = :until, #ttl = :ttl, claimId = :claimId',
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :inFlight AND expiresAt < :now)',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':inFlight': 'in-flight',
            ':until': until.toISOString(),
            ':now': now.toISOString(),
            ':ttl': Math.floor(now.getTime() / 1000) + RETENTION_SECONDS,
            ':claimId': claimId,
          },
        }),
      );
    } catch (err) {
      if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
    }
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: PK, sk: messageId }, ConsistentRead: true }),
    );
    // Read back rather than trusting the write alone: an endpoint without item locks (moto) can let a racing claim
    // slip in between condition and write; the claim whose id is on the item is the one that counts.
    if (out.Item?.claimId === claimId && out.Item.status === 'in-flight') return { status: 'claimed' };
    if (out.Item?.status === 'done') {
      return { status: 'done', result: out.Item.result as Record<string, unknown> | undefined };
    }
    return { status: 'in-flight', until: new Date(String(out.Item?.expiresAt ?? now.toISOString())) };
  }

  async complete(messageId: string, result: Record<string, unknown>): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: PK, sk: messageId },
        UpdateExpression: 'SET #status = :done, #result = :result REMOVE expiresAt',
        ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
        ExpressionAttributeValues: { ':done': 'done', ':result': result },
      }),
    );
  }

  async release(messageId: string): Promise<void> {
    // Expired rather than deleted: the next claim's condition (in-flight and past its deadline) lets the retry in.
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: PK, sk: messageId },
          UpdateExpression: 'SET expiresAt = :released',
          ConditionExpression: '#status = :inFlight',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':released': new Date(0).toISOString(), ':inFlight': 'in-flight' },
        }),
      );
    } catch (err) {
      // Completed meanwhile by a duplicate: nothing to release.
      if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
    }
  }
}
