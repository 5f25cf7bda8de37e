/**
 * Raw WIM readings: one item per (station, record id), written with BatchWriteItem. The item's content depends only on
 * the record and its judgement, so a redelivered record overwrites its reading with the same values.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JudgedReading, ReadingStore } from '../../wim/ports.ts';
import { shanghaiDate } from '../../shared/local-time.ts';
import { chunk, sleep } from './document-client.ts';

const maxBatchWriteItems = 25;
const maxUnprocessedRounds = 8;

export class DynamoDbReadingStore implements ReadingStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
    private readonly writeConcurrency = 8,
  ) {}

  async putReadings(readings: readonly JudgedReading[]): Promise<void> {
    const requests = readings.map((reading) => ({ PutRequest: { Item: readingItem(reading, this.retentionDays) } }));
    const batches = chunk(requests, maxBatchWriteItems);
    let next = 0;
    const workers = Array.from({ length: Math.min(this.writeConcurrency, batches.length) }, async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (batch) await this.writeBatch(batch);
      }
    });
    await Promise.all(workers);
  }

  private async writeBatch(batch: Array<{ PutRequest: { Item: Record<string, unknown> } }>): Promise<void> {
    let pending: typeof batch = batch;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= maxUnprocessedRounds) {
        throw new Error(`${pending.length} readings stayed unprocessed after ${maxUnprocessedRounds} BatchWriteItem rounds`);
      }
      if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
      const result = await this.ddb.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = (result.UnprocessedItems?.[this.tableName] as typeof batch | undefined) ?? [];
    }
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
