/**
 * Over-limit records: everything over a gross or dimension limit, kept without expiry as enforcement evidence.
 * Keyed by station and `measuredAtUtc#recordId` (time-ordered per station); GSIs by plate (repeat offenders) and by
 * alert id. Upserts never reset what an earlier delivery or an officer set (raisedAt, alert state).
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OverloadAlertV1 } from '../../contracts/overload-alert.v1.ts';
import { overloadAlertId } from '../../wim/alert.ts';
import type { JudgedReading, OverLimitStore, OverLimitUpsertResult } from '../../wim/ports.ts';
import { shanghaiDate } from '../../shared/local-time.ts';

export type AlertStatus = 'open' | 'permitted' | 'below-tolerance';

export function overLimitKey(reading: JudgedReading): { stationId: string; measuredAtRecordId: string } {
  return {
    stationId: reading.record.stationId,
    measuredAtRecordId: `${new Date(reading.measuredAtMs).toISOString()}#${reading.record.recordId}`,
  };
}

export class DynamoDbOverLimitStore implements OverLimitStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async upsert(reading: JudgedReading, nowMs: number): Promise<OverLimitUpsertResult> {
    const { record, judgement } = reading;
    const status: AlertStatus = judgement.alertRequired ? 'open' : judgement.permitted ? 'permitted' : 'below-tolerance';
    const values: Record<string, unknown> = {
      ':recordId': record.recordId,
      ':measuredAt': record.measuredAt,
      ':measuredAtUtc': new Date(reading.measuredAtMs).toISOString(),
      ':localDate': shanghaiDate(reading.measuredAtMs),
      ':lane': record.lane,
      ':gross': record.grossWeightKg,
      ':axleCount': record.axles.length,
      ':limit': judgement.limitKg,
      ':over': judgement.overLimitKg,
      ':ratio': judgement.overLimitRatio,
      ':band': judgement.band,
      ':hundred': judgement.hundredTonne,
      ':enforceable': judgement.enforceable,
      ':permitted': judgement.permitted,
      ':alertRequired': judgement.alertRequired,
      ':judgement': JSON.stringify(judgement),
      ':record': JSON.stringify(record),
      ':now': new Date(nowMs).toISOString(),
      ':status': status,
    };
    const sets = [
      'recordId = :recordId',
      'measuredAt = :measuredAt',
      'measuredAtUtc = :measuredAtUtc',
      'localDate = :localDate',
      'lane = :lane',
      'grossWeightKg = :gross',
      'axleCount = :axleCount',
      'limitKg = :limit',
      'overLimitKg = :over',
      'overLimitRatio = :ratio',
      'band = :band',
      'hundredTonne = :hundred',
      'enforceable = :enforceable',
      'permitted = :permitted',
      'alertRequired = :alertRequired',
      'judgementJson = :judgement',
      'recordJson = :record',
      'raisedAt = if_not_exists(raisedAt, :now)',
      'alertStatus = if_not_exists(alertStatus, :status)',
    ];
    // Sparse GSIs: only records with a plate are in byPlate, only alerted records in byAlertId.
    if (record.vehicle) {
      values[':plateKey'] = reading.plateKey;
      sets.push('plateKey = :plateKey');
    }
    if (judgement.alertRequired) {
      values[':alertId'] = overloadAlertId(record.stationId, record.recordId);
      sets.push('alertId = :alertId');
    }
    if (judgement.permitId) {
      values[':permitId'] = judgement.permitId;
      sets.push('permitId = :permitId');
    }
    const result = await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: overLimitKey(reading),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    const item = result.Attributes ?? {};
    return {
      raisedAt: String(item.raisedAt ?? values[':now']),
      ...(typeof item.alertPublishedAt === 'string' ? { alertPublishedAt: item.alertPublishedAt } : {}),
    };
  }

  async markAlertPublished(reading: JudgedReading, alert: OverloadAlertV1, publishedAt: string): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: overLimitKey(reading),
        UpdateExpression: 'SET alertPublishedAt = if_not_exists(alertPublishedAt, :at), alertJson = if_not_exists(alertJson, :alert)',
        ExpressionAttributeValues: { ':at': publishedAt, ':alert': JSON.stringify(alert) },
      }),
    );
  }
}
