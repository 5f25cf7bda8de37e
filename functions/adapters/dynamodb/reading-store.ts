/**
 * Raw WIM readings: one item per (station, record id), written with BatchWriteItem. The item's content depends only on
 * the record and its judgement, so a redelivered record overwrites its reading with the same values.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JudgedReading, ReadingStore } from '../../wim/ports.ts';
import { shanghaiDate } from '../../shared/local-time.ts';
import { batchWriteAll } from './document-client.ts';

export class DynamoDbReadingStore implements ReadingStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async putReadings(readings: readonly JudgedReading[]): Promise<void> {
    await batchWriteAll(this.ddb, this.tableName, readings.map((reading) => readingItem(reading, this.retentionDays)));
  }
}

export function readingItem(reading: JudgedReading, retentionDays: number): Record<string, unknown> {
  const { record, judgement } = reading;
  return {
    stationId: record.stationId,
    recordId: record.recordId,
    lane: record.lane,
    measuredAt: record.measuredAt,
    measuredAtUtc: new Date(reading.measuredAtMs).toISOString(),
    localDate: shanghaiDate(reading.measuredAtMs),
    speedKmh: record.speedKmh,
    grossWeightKg: record.grossWeightKg,
    axleCount: record.axles.length,
    plateKey: reading.plateKey,
    limitKg: judgement.limitKg,
    limitRuleId: judgement.limitBasis.ruleId,
    overLimitKg: judgement.overLimitKg,
    overLimitRatio: judgement.overLimitRatio,
    band: judgement.band,
    enforceable: judgement.enforceable,
    permitted: judgement.permitted,
    permitId: judgement.permitId,
    hundredTonne: judgement.hundredTonne,
    dimensionViolationCount: judgement.dimensionViolations.length,
    receivedAtMs: reading.receivedAtMs,
    // Counted from the measurement, not from receipt, so that every delivery of a record writes the same expiry.
    expiresAtEpochS: Math.floor(reading.measuredAtMs / 1000) + Math.round(retentionDays * 86_400),
    recordJson: JSON.stringify(record),
  };
}
