/**
 * OverloadAlerts: one item per alert that went out, keyed by its deterministic id. Looking ids up before publishing
 * is what keeps a redelivered record from alerting twice; the item is also the alert's record for the console
 * (evidence as published, its acknowledgement), read through the GSIs byStation, byLocalDate and byPlate.
 */
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type OverloadAcknowledgementV1, overloadAcknowledgementV1 } from '../../contracts/overload-acknowledgement.v1.ts';
import { shanghaiDate } from '../../shared/local-time.ts';
import type { AlertRangeQuery, AlertStatus, OverloadAlertStore, PlateAlertRow, StoredAlert, StorePage, TimeRangeQuery } from '../../wim/api-ports.ts';
import type { AlertLedger, PublishedAlert } from '../../wim/ports.ts';
import { batchWriteAll, chunk, isConditionalCheckFailed } from './document-client.ts';
import { queryUpTo } from './wim-queries.ts';

const maxBatchGetKeys = 100;
const maxUnprocessedRounds = 8;

/** The item of a published alert (docs/storage.md). */
export function alertItem({ alert, plateKey, measuredAtUtc, publishedAt }: PublishedAlert): Record<string, unknown> {
  return {
    alertId: alert.alertId,
    stationId: alert.stationId,
    recordId: alert.recordId,
    measuredAtUtc,
    // The Asia/Shanghai date of measurement: the console's cross-station feed (GSI byLocalDate) reads a day at a time.
    localDate: shanghaiDate(Date.parse(measuredAtUtc)),
    // Sparse GSI byPlate: an alert without a plate is not in it.
    plateKey: alert.plate === 'unknown' ? undefined : plateKey,
    band: alert.band,
    overLimitKg: alert.overLimitKg,
    grossWeightKg: alert.grossWeightKg,
    hundredTonne: alert.hundredTonne,
    status: 'open',
    publishedAt,
    alertJson: JSON.stringify(alert),
  };
}

export class DynamoDbAlertLedger implements AlertLedger {
  constructor(
    protected readonly ddb: DynamoDBDocumentClient,
    protected readonly tableName: string,
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
    await batchWriteAll(this.ddb, this.tableName, alerts.map(alertItem));
  }
}

export function storedAlertFromItem(item: Record<string, unknown>): StoredAlert {
  const acknowledgement = item.acknowledgement === undefined ? undefined : overloadAcknowledgementV1.safeParse(item.acknowledgement);
  const plateKey = typeof item.plateKey === 'string' && item.plateKey !== '' ? item.plateKey : undefined;
  return {
    alertId: String(item.alertId),
    stationId: String(item.stationId),
    recordId: String(item.recordId),
    measuredAtUtc: String(item.measuredAtUtc),
    ...(plateKey ? { plateKey } : {}),
    band: String(item.band),
    overLimitKg: Number(item.overLimitKg),
    grossWeightKg: Number(item.grossWeightKg),
    hundredTonne: item.hundredTonne === true,
    status: (item.status === 'acknowledged' ? 'acknowledged' : 'open') satisfies AlertStatus,
    publishedAt: String(item.publishedAt),
    alertJson: String(item.alertJson),
    ...(acknowledgement?.success ? { acknowledgement: acknowledgement.data } : {}),
  };
}

/** The console's side of the same table: listings by the three GSIs, one alert, and the acknowledgement. */
export class DynamoDbOverloadAlertStore extends DynamoDbAlertLedger implements OverloadAlertStore {
  alertsOfLocalDate(localDate: string, query: AlertRangeQuery): Promise<StorePage<StoredAlert>> {
    return this.byIndex('byLocalDate', 'localDate', localDate, query);
  }

  alertsOfStation(stationId: string, query: AlertRangeQuery): Promise<StorePage<StoredAlert>> {
    return this.byIndex('byStation', 'stationId', stationId, query);
  }

  alertsOfPlate(plateKey: string, query: AlertRangeQuery): Promise<StorePage<StoredAlert>> {
    return this.byIndex('byPlate', 'plateKey', plateKey, query);
  }

  async plateAlertsOfLocalDate(localDate: string, query: TimeRangeQuery): Promise<StorePage<PlateAlertRow>> {
    const page = await queryUpTo(
      this.ddb,
      {
        TableName: this.tableName,
        IndexName: 'byLocalDate',
        KeyConditionExpression: 'localDate = :d AND measuredAtUtc BETWEEN :from AND :to',
        FilterExpression: 'attribute_exists(plateKey)',
        ProjectionExpression: 'alertId, stationId, measuredAtUtc, overLimitKg, plateKey',
        ExpressionAttributeValues: { ':d': localDate, ':from': query.fromUtc, ':to': query.toUtc },
        ScanIndexForward: false,
      },
      query.limit,
      query.after,
    );
    return {
      ...page,
      items: page.items.map((item) => ({
        alertId: String(item.alertId),
        stationId: String(item.stationId),
        measuredAtUtc: String(item.measuredAtUtc),
        overLimitKg: Number(item.overLimitKg),
        plateKey: String(item.plateKey),
      })),
    };
  }

  async alert(alertId: string): Promise<StoredAlert | undefined> {
    const result = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: { alertId }, ConsistentRead: true }));
    return result.Item ? storedAlertFromItem(result.Item) : undefined;
  }

  async acknowledge(alertId: string, acknowledgement: OverloadAcknowledgementV1): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { alertId },
          UpdateExpression: 'SET #status = :acknowledged, acknowledgement = :ack',
          // Only an existing, open alert: never creates an item, never overwrites someone's acknowledgement.
          ConditionExpression: 'attribute_exists(alertId) AND #status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':acknowledged': 'acknowledged', ':open': 'open', ':ack': acknowledgement },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  private async byIndex(indexName: string, keyName: string, keyValue: string, query: AlertRangeQuery): Promise<StorePage<StoredAlert>> {
    const byStatus = query.status !== undefined;
    const page = await queryUpTo(
      this.ddb,
      {
        TableName: this.tableName,
        IndexName: indexName,
        KeyConditionExpression: '#key = :key AND measuredAtUtc BETWEEN :from AND :to',
        ...(byStatus ? { FilterExpression: '#status = :status' } : {}),
        ExpressionAttributeNames: { '#key': keyName, ...(byStatus ? { '#status': 'status' } : {}) },
        ExpressionAttributeValues: { ':key': keyValue, ':from': query.fromUtc, ':to': query.toUtc, ...(byStatus ? { ':status': query.status } : {}) },
        ScanIndexForward: false,
      },
      query.limit,
      query.after,
    );
    return { ...page, items: page.items.map(storedAlertFromItem) };
  }
}
