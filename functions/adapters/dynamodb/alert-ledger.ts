/**
 * OverloadAlerts: one item per alert that went out, keyed by its deterministic id. Looking ids up before publishing
 * is what keeps a redelivered record from alerting twice; the item is also the alert's record for the console
 * (evidence as published, and later its acknowledgement).
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertLedger, PublishedAlert } from '../../wim/ports.ts';
import { batchWriteAll, chunk } from './document-client.ts';

const maxBatchGetKeys = 100;
const maxUnprocessedRounds = 8;

export class DynamoDbAlertLedger implements AlertLedger {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async publishedAmong(alertIds: readonly string[]): Promise<ReadonlySet<string>> {
    const published = new Set<string>();
    await Promise.all(
      chunk([...new Set(alertIds)], maxBatchGetKeys).map(async (ids) => {
        let keys: Array<Record<string, unknown>> = ids.map((alertId) => ({ alertId }));
        for (let round = 0; keys.length > 0; round++) {
          if (round >= maxUnprocessedRounds) throw new Error(`${keys.length} alert ids stayed unprocessed`);
          const page = await this.ddb.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ProjectionExpression: 'alertId' } } }),
          );
          for (const item of page.Responses?.[this.tableName] ?? []) published.add(String(item.alertId));
          keys = page.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        }
      }),
    );
    return published;
  }

  async recordPublished(alerts: readonly PublishedAlert[]): Promise<void> {
    await batchWriteAll(
      this.ddb,
      this.tableName,
      alerts.map(({ alert, plateKey, measuredAtUtc, publishedAt }) => ({
        alertId: alert.alertId,
        stationId: alert.stationId,
        recordId: alert.recordId,
        measuredAtUtc,
        plateKey: alert.plate === 'unknown' ? undefined : plateKey,
        band: alert.band,
        overLimitKg: alert.overLimitKg,
        grossWeightKg: alert.grossWeightKg,
        hundredTonne: alert.hundredTonne,
        status: 'open',
        publishedAt,
        alertJson: JSON.stringify(alert),
      })),
    );
  }
}
