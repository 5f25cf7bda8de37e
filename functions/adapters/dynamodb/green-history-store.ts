/**
 * GreenMetrics history: one item per (scope, period kind, period), overwritten by every snapshot of that period, so
 * the last snapshot of a closed period is its final figure. PK `scope#kind` (e.g. `city#460100#day`), SK the period.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GreenHistoryItem, GreenHistoryStore, PeriodKind } from '../../green/ports.ts';
import { batchWriteAll } from './document-client.ts';

export class DynamoDbGreenHistoryStore implements GreenHistoryStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putMany(items: readonly GreenHistoryItem[]): Promise<void> {
    await batchWriteAll(
      this.ddb,
      this.tableName,
      items.map((item) => ({
        scopePeriod: `${item.scope}#${item.periodKind}`,
        periodKey: item.periodKey,
        scope: item.scope,
        periodKind: item.periodKind,
        computedAtMs: item.computedAtMs,
        metricsJson: JSON.stringify(item.metrics),
      })),
      8,
      ['scopePeriod', 'periodKey'],
    );
  }

  async query(scope: string, periodKind: PeriodKind, fromKey: string, toKey: string, limit: number): Promise<GreenHistoryItem[]> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'scopePeriod = :p AND periodKey BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':p': `${scope}#${periodKind}`, ':from': fromKey, ':to': toKey },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((item) => ({
      scope: String(item.scope),
      periodKind: item.periodKind as PeriodKind,
      periodKey: String(item.periodKey),
      computedAtMs: Number(item.computedAtMs),
      metrics: JSON.parse(String(item.metricsJson)) as unknown,
    }));
  }
}
