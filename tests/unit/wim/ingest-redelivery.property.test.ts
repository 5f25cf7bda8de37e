/**
 * Property: whatever the split into batches, the order within a shard, and however often records are redelivered,
 * the stored outcome is the one of delivering each distinct record once — and any byte string is either accepted or
 * kept as a dead letter, never lost and never a crash.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultOverloadRules } from '../../../functions/domain/overload/rules-config.ts';
import { ingestWimBatch, type StreamRecordIn } from '../../../functions/wim/ingest-service.ts';
import { generateTraffic } from '../../../devices/simulator/traffic.ts';
import { STATIONS } from '../../../devices/simulator/stations.ts';
import { memoryPorts } from '../../support/memory-ports.ts';
import { streamRecord } from '../../support/wim-records.ts';

const nowMs = Date.parse('2026-11-29T12:00:00+08:00');
const options = { rules: defaultOverloadRules, deadLetterRetentionDays: 30 };
const pool = generateTraffic({ stations: STATIONS.slice(0, 3), count: 40, seed: 5, startTimeMs: nowMs - 3_600_000, overLimitShare: 0.5 }).map(
  (g) => g.record,
);

async function outcomeOf(batches: readonly (readonly StreamRecordIn[])[]) {
  const m = memoryPorts(() => nowMs);
  for (const batch of batches) {
    const result = await ingestWimBatch(batch, m.ports, options);
    expect(result.failedIds).toEqual([]);
  }
  return {
    readings: [...m.readings.items.keys()].sort(),
    alerts: m.alerts.published.map((p) => p.alert.alertId).sort(),
    counters: Object.fromEntries([...m.counters.totals.entries()].sort()),
    deadLetters: [...m.deadLetters.items.keys()].sort(),
  };
}

describe('WIM ingest under redelivery', () => {
  it('gives the same readings, alerts and counters for any batch split with duplicates', async () => {
    const reference = await outcomeOf([pool.map((r, i) => streamRecord(String(i), r))]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: pool.length - 1 }), { minLength: 0, maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 10 }),
        async (extraDeliveries, batchSizes) => {
          // Every record once, plus redeliveries of random ones at random places.
          const deliveries = [...pool.keys(), ...extraDeliveries];
          const stream = deliveries.map((index, seq) => streamRecord(String(seq), pool[index] as (typeof pool)[number]));
          const batches: StreamRecordIn[][] = [];
          let at = 0;
          for (let b = 0; at < stream.length; b++) {
            const size = batchSizes[b % batchSizes.length] as number;
            batches.push(stream.slice(at, at + size));
            at += size;
          }
          expect(await outcomeOf(batches)).toEqual(reference);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('accepts or dead-letters any payload, never throws, never drops', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), { maxLength: 20 }), async (payloads) => {
        const m = memoryPorts(() => nowMs);
        const batch = payloads.map((p, i) => streamRecord(String(i), typeof p === 'string' ? p : Buffer.from(p), { stationId: 'hn-prop' }));
        const result = await ingestWimBatch(batch, m.ports, options);
        expect(result.failedIds).toEqual([]);
        // Distinct bad payloads are each kept once (same topic and bytes → one dead letter).
        const distinct = new Set(batch.map((b) => b.dataBase64)).size;
        expect(m.deadLetters.items.size + m.readings.items.size).toBeLessThanOrEqual(distinct);
        expect(result.summary.deadLettered + result.summary.readingsWritten + result.summary.duplicatesInBatch).toBe(batch.length);
      }),
      { numRuns: 200 },
    );
  });
});
