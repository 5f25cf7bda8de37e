/**
 * Read side of the supervision tables: violations by vehicle, operator, category or type over a time range, and a
 * vehicle's track. The access patterns are documented in docs/storage.md; the console's API builds on these.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page } from './wim-queries.ts';

export type ViolationIndex = 'byVehicle' | 'byOperator' | 'byCategory' | 'byType';

const indexKey: Record<ViolationIndex, string> = {
  byVehicle: 'deviceId',
  byOperator: 'operator',
  byCategory: 'category',
  byType: 'type',
};

export interface TimeRange {
  /** ISO 8601 UTC, inclusive. */
  readonly fromUtc: string;
  /** ISO 8601 UTC, inclusive. */
  readonly toUtc: string;
}

export class ViolationQueries {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: { readonly violations: string; readonly positions: string },
  ) {}

  /** Violations whose episode started in the range, newest first. */
  async violations(
    index: ViolationIndex,
    value: string,
    range: TimeRange,
    options: { limit?: number; startKey?: Record<string, unknown> } = {},
  ): Promise<Page<Record<string, unknown>>> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.violations,
        IndexName: index,
        KeyConditionExpression: '#k = :v AND startUtc BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#k': indexKey[index] },
        ExpressionAttributeValues: { ':v': value, ':from': range.fromUtc, ':to': range.toUtc },
        ScanIndexForward: false,
        Limit: options.limit ?? 100,
        ExclusiveStartKey: options.startKey,
      }),
    );
    return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}) };
  }

  /** A vehicle's positions in the range, oldest first. */
  async track(deviceId: string, range: TimeRange, options: { limit?: number; startKey?: Record<string, unknown> } = {}): Promise<Page<Record<string, unknown>>> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.positions,
        KeyConditionExpression: 'deviceId = :d AND tsSeq BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':d': deviceId, ':from': range.fromUtc, ':to': `${range.toUtc}\uffff` },
        Limit: options.limit ?? 1000,
        ExclusiveStartKey: options.startKey,
      }),
    );
    return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}) };
  }
}
