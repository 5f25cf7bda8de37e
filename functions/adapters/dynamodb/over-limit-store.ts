/**
 * Over-limit records: every reading over a gross or dimension limit, kept without expiry as enforcement evidence.
 * Keyed by station and `measuredAtUtc#recordId` (time-ordered per station); GSIs by plate (repeat offenders) and by
 * alert id. Written with BatchWriteItem: the content derives from the record and its judgement only, so a redelivery
 * rewrites the same item. The alert's own state lives in the OverloadAlerts table.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { overloadAlertId } from '../../wim/alert.ts';
import type { JudgedReading, OverLimitStore } from '../../wim/ports.ts';
import { shanghaiDate } from '../../shared/local-time.ts';
import { batchWriteAll } from './document-client.ts';

/** What happened to an over-limit record, derived from its judgement. */
export type OverLimitDisposition = 'alerted' | 'permitted' | 'below-tolerance' | 'advisory-only';

export function overLimitKey(reading: JudgedReading): { stationId: string; measuredAtRecordId: string } {
  return {
    stationId: reading.record.stationId,
    measuredAtRecordId: `${new Date(reading.measuredAtMs).toISOString()}#${reading.record.recordId}`,
  };
}

export function overLimitItem(reading: JudgedReading): Record<string, unknown> {
  const { record, judgement } = reading;
  const disposition: OverLimitDisposition = judgement.alertRequired
    ? 'alerted'
    : judgement.permitted
      ? 'permitted'
      : judgement.overLimit
        ? 'below-tolerance'
        : 'advisory-only';
  return {
    ...overLimitKey(reading),
    recordId: record.recordId,
    measuredAt: record.measuredAt,
    measuredAtUtc: new Date(reading.measuredAtMs).toISOString(),
    localDate: shanghaiDate(reading.measuredAtMs),
    lane: record.lane,
    grossWeightKg: record.grossWeightKg,
    axleCount: record.axles.length,
    limitKg: judgement.limitKg,
    overLimitKg: judgement.overLimitKg,
    overLimitRatio: judgement.overLimitRatio,
    band: judgement.band,
    hundredTonne: judgement.hundredTonne,
    enforceable: judgement.enforceable,
    permitted: judgement.permitted,
    permitId: judgement.permitId,
    alertRequired: judgement.alertRequired,
    disposition,
    // Sparse GSIs: only records with a plate are in byPlate, only alerted records in byAlertId.
    plateKey: record.vehicle ? reading.plateKey : undefined,
    alertId: judgement.alertRequired ? overloadAlertId(record.stationId, record.recordId) : undefined,
    judgementJson: JSON.stringify(judgement),
    recordJson: JSON.stringify(record),
  };
}

export class DynamoDbOverLimitStore implements OverLimitStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putRecords(readings: readonly JudgedReading[]): Promise<void> {
    await batchWriteAll(this.ddb, this.tableName, readings.map(overLimitItem));
  }
}
