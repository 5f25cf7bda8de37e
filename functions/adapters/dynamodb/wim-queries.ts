/**
 * Read side of the WIM tables: the access patterns documented in docs/storage.md. Used by tools, tests and the
 * coming HTTP API; the ingest path never reads through here.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { addCounters, emptyCounters, overLimitRates, type StationCountersValue } from '../../domain/overload/station-stats.ts';

export interface WimTableNames {
  readonly wimReadings: string;
  readonly overLimitRecords: string;
  readonly stationCounters: string;
  readonly overloadAlerts: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextKey?: Record<string, unknown>;
}

export interface StationDay {
  readonly stationId: string;
  readonly localDate: string;
  readonly counters: StationCountersValue;
  readonly rates: ReturnType<typeof overLimitRates>;
  /** Hours (`YYYY-MM-DDTHH`) with at least one truck. */
  readonly hours: readonly string[];
}

const counterFields = Object.keys(emptyCounters()) as Array<keyof StationCountersValue>;

export class WimQueries {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: WimTableNames,
  ) {}

  async reading(stationId: string, recordId: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.ddb.send(new GetCommand({ TableName: this.tables.wimReadings, Key: { stationId, recordId } }));
    return result.Item;
  }

  /** A station's counters for one Asia/Shanghai date: the sum of its hourly items. */
  async stationDay(stationId: string, localDate: string): Promise<StationDay> {
    let counters = emptyCounters();
    const hours: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.tables.stationCounters,
          KeyConditionExpression: 'stationId = :s AND begins_with(localHour, :d)',
          ExpressionAttributeValues: { ':s': stationId, ':d': localDate },
          ProjectionExpression: ['localHour', ...counterFields].map((_, i) => `#p${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(['localHour', ...counterFields].map((f, i) => [`#p${i}`, f])),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        hours.push(String(item.localHour));
        const hour = emptyCounters();
        for (const field of counterFields) hour[field] = Number(item[field] ?? 0);
        counters = addCounters(counters, hour);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { stationId, localDate, counters, rates: overLimitRates(counters), hours };
  }

  /** Over-limit records of a station between two UTC instants (ISO strings), newest first. */
  async overLimitByStation(
    stationId: string,
    fromUtc: string,
    toUtc: string,
    options: { limit?: number; startKey?: Record<string, unknown> } = {},
  ): Promise<Page<Record<string, unknown>>> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.overLimitRecords,
        KeyConditionExpression: 'stationId = :s AND measuredAtRecordId BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':s': stationId, ':from': fromUtc, ':to': `${toUtc}\uffff` },
        ScanIndexForward: false,
        Limit: options.limit ?? 100,
        ExclusiveStartKey: options.startKey,
      }),
    );
    return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}) };
  }

  /** Over-limit records of one vehicle (normalised plate with colour, e.g. 琼A12345#yellow), newest first. */
  async overLimitByPlate(plateKey: string, options: { limit?: number; startKey?: Record<string, unknown> } = {}): Promise<Page<Record<string, unknown>>> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.overLimitRecords,
        IndexName: 'byPlate',
        KeyConditionExpression: 'plateKey = :p',
        ExpressionAttributeValues: { ':p': plateKey },
        ScanIndexForward: false,
        Limit: options.limit ?? 100,
        ExclusiveStartKey: options.startKey,
      }),
    );
    return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}) };
  }

  /** An alert as published, with its state. */
  async alert(alertId: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.ddb.send(new GetCommand({ TableName: this.tables.overloadAlerts, Key: { alertId } }));
    return result.Item;
  }

  async overLimitByAlertId(alertId: string): Promise<Record<string, unknown> | undefined> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.overLimitRecords,
        IndexName: 'byAlertId',
        KeyConditionExpression: 'alertId = :a',
        ExpressionAttributeValues: { ':a': alertId },
      }),
    );
    return page.Items?.[0];
  }
}
