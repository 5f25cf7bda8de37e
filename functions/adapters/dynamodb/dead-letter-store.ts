/**
 * Dead letters: bad input and given-up batches, kept with their reason and original bytes for inspection and replay.
 * The id is a hash of (topic, payload), so the same bad message delivered again is stored once.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeadLetterStore } from '../../wim/ports.ts';
import type { DeadLetter } from '../../shared/dead-letter.ts';
import { shanghaiDate } from '../../shared/local-time.ts';
import { isConditionalCheckFailed } from './document-client.ts';

export interface StoredDeadLetter extends DeadLetter {
  readonly receivedLocalDate: string;
  readonly receivedAtUtc: string;
  readonly replayCount?: number;
  readonly lastReplayedAtMs?: number;
}

export class DynamoDbDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(deadLetter: DeadLetter, retentionDays: number): Promise<void> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...deadLetter,
            details: [...deadLetter.details],
            receivedLocalDate: shanghaiDate(deadLetter.receivedAtMs),
            receivedAtUtc: new Date(deadLetter.receivedAtMs).toISOString(),
            expiresAtEpochS: Math.floor(deadLetter.deadLetteredAtMs / 1000) + Math.round(retentionDays * 86_400),
          },
          ConditionExpression: 'attribute_not_exists(deadLetterId)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async get(deadLetterId: string): Promise<StoredDeadLetter | undefined> {
    const result = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: { deadLetterId } }));
    return result.Item as StoredDeadLetter | undefined;
  }

  /** Dead letters received on a local (Asia/Shanghai) date, oldest first. */
  async listByDate(localDate: string, limit = 1000): Promise<StoredDeadLetter[]> {
    const items: StoredDeadLetter[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byReceivedDate',
          KeyConditionExpression: 'receivedLocalDate = :d',
          ExpressionAttributeValues: { ':d': localDate },
          ExclusiveStartKey: startKey,
          Limit: Math.min(limit - items.length, 500),
        }),
      );
      items.push(...((page.Items ?? []) as StoredDeadLetter[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items;
  }

  async markReplayed(deadLetterId: string, atMs: number): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { deadLetterId },
        UpdateExpression: 'SET lastReplayedAtMs = :at ADD replayCount :one',
        ExpressionAttributeValues: { ':at': atMs, ':one': 1 },
        ConditionExpression: 'attribute_exists(deadLetterId)',
      }),
    );
  }
}
