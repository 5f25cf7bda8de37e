import { describe, expect, it } from 'vitest';
import { defaultOverloadRules } from '../../../functions/domain/overload/rules-config.ts';
import { ingestWimBatch, type StreamRecordIn } from '../../../functions/wim/ingest-service.ts';
import { overloadAlertId } from '../../../functions/wim/alert.ts';
import { memoryPorts } from '../../support/memory-ports.ts';
import { sixAxleRecord, streamRecord } from '../../support/wim-records.ts';

const now = Date.parse('2026-11-29T10:16:00+08:00');
const options = { rules: defaultOverloadRules, deadLetterRetentionDays: 30 };

function setup() {
  const memory = memoryPorts(() => now);
  memory.config.stations.set('hn-g98-test', { stationId: 'hn-g98-test', accuracyClass: 'class-5', registered: true, name: '测试站' });
  return memory;
}

const underLimit = sixAxleRecord({ recordId: 'under', grossWeightKg: 40_000 });
const withinTolerance = sixAxleRecord({ recordId: 'tolerated', grossWeightKg: 50_000 });
const enforceable = sixAxleRecord({ recordId: 'enforce', grossWeightKg: 55_000 });

function mixedBatch(): StreamRecordIn[] {
  return [
    streamRecord('1', underLimit),
    streamRecord('2', withinTolerance),
    streamRecord('3', enforceable),
    streamRecord('4', '{"recordId": "broken"', { stationId: 'hn-g98-test' }),
    streamRecord('5', { ...underLimit, recordId: 'no-axles', axles: 'none' }),
    streamRecord('6', { ...underLimit, recordId: 'wrong-topic' }, { topic: 'wim/hn-g98-other/records' }),
    streamRecord('7', { ...underLimit, recordId: 'one-axle', axles: [{ weightKg: 40_000 }] }),
  ];
}

describe('ingestWimBatch', () => {
  it('stores good records, alerts only the enforceable one and dead-letters each bad record with its reason', async () => {
    const m = setup();
    const outcome = await ingestWimBatch(mixedBatch(), m.ports, options);

    expect(outcome.failedIds).toEqual([]);
    expect([...m.readings.items.keys()].sort()).toEqual(['hn-g98-test/enforce', 'hn-g98-test/tolerated', 'hn-g98-test/under']);
    expect([...m.overLimit.items.keys()].sort()).toEqual(['hn-g98-test/enforce', 'hn-g98-test/tolerated']);
    expect(m.alerts.published).toHaveLength(1);
    const [{ topic, alert }] = m.alerts.published as [(typeof m.alerts.published)[number]];
    expect(topic).toBe('alerts/overload/hn-g98-test');
    expect(alert).toMatchObject({
      recordId: 'enforce',
      plate: '琼A12345',
      grossWeightKg: 55_000,
      limitKg: 49_000,
      overLimitKg: 6_000,
      band: '10-20',
      enforceable: true,
      stationName: '测试站',
    });
    expect(alert.evidence.tolerance.toleranceKg).toBe(2_750);

    const reasons = [...m.deadLetters.items.values()].map((d) => [d.streamSequenceNumber, d.reason]).sort();
    expect(reasons).toEqual([
      ['4', 'not-json'],
      ['5', 'schema-invalid'],
      ['6', 'station-mismatch'],
      ['7', 'implausible'],
    ]);
    const schemaDl = [...m.deadLetters.items.values()].find((d) => d.reason === 'schema-invalid');
    expect(schemaDl?.details.join(' ')).toContain('axles');
    expect(Buffer.from(schemaDl?.payloadBase64 ?? '', 'base64').toString()).toContain('no-axles');

    expect(m.counters.stationTotal('hn-g98-test')).toMatchObject({ trucksWeighed: 3, overLimit: 2, enforceable: 1 });
    expect(outcome.summary).toMatchObject({ received: 7, readingsWritten: 3, deadLettered: 4, alertsPublished: 1, overLimit: 2 });
  });

  it('gives one reading, one count and one alert when the same batch is delivered again', async () => {
    const m = setup();
    await ingestWimBatch(mixedBatch(), m.ports, options);
    const again = await ingestWimBatch(mixedBatch(), m.ports, options);

    expect(again.failedIds).toEqual([]);
    expect(m.readings.items.size).toBe(3);
    expect(m.alerts.published).toHaveLength(1);
    expect(m.deadLetters.items.size).toBe(4);
    expect(m.counters.stationTotal('hn-g98-test')).toMatchObject({ trucksWeighed: 3, overLimit: 2, enforceable: 1 });
    expect(again.summary).toMatchObject({ alreadyCounted: 3, alertsAlreadyPublished: 1, alertsPublished: 0 });
  });

  it('counts a record once when it appears twice in one batch, and dead-letters a different record under the same id', async () => {
    const m = setup();
    const outcome = await ingestWimBatch(
      [
        streamRecord('1', enforceable),
        streamRecord('2', enforceable),
        streamRecord('3', { ...enforceable, lane: 2 }),
      ],
      m.ports,
      options,
    );
    expect(outcome.failedIds).toEqual([]);
    expect(outcome.summary.duplicatesInBatch).toBe(1);
    expect(m.alerts.published).toHaveLength(1);
    expect(m.counters.stationTotal('hn-g98-test').trucksWeighed).toBe(1);
    expect([...m.deadLetters.items.values()].map((d) => d.reason)).toEqual(['duplicate-conflict']);
  });

  it('reports a record whose alert could not be published, and publishes it once on the retry', async () => {
    const m = setup();
    m.alerts.failNext = 1;
    const first = await ingestWimBatch([streamRecord('1', underLimit), streamRecord('2', enforceable)], m.ports, options);
    expect(first.failedIds).toEqual(['2']);
    expect(m.alerts.published).toHaveLength(0);
    expect(m.alertLedger.items.size).toBe(0);
    // Counting does not wait for the alert: both records are counted, and the retry must not count them again.
    expect(m.counters.stationTotal('hn-g98-test').trucksWeighed).toBe(2);

    // Kinesis retries from the failed record on (here: the whole batch, as after a bisect).
    const retry = await ingestWimBatch([streamRecord('1', underLimit), streamRecord('2', enforceable)], m.ports, options);
    expect(retry.failedIds).toEqual([]);
    expect(m.alerts.published).toHaveLength(1);
    expect(m.counters.stationTotal('hn-g98-test')).toMatchObject({ trucksWeighed: 2, enforceable: 1 });
  });

  it('republishes with the same alert id when the published alert could not be recorded (the documented window)', async () => {
    const m = setup();
    m.alertLedger.failNext = 1;
    const first = await ingestWimBatch([streamRecord('1', enforceable)], m.ports, options);
    expect(first.failedIds).toEqual(['1']);
    await ingestWimBatch([streamRecord('1', enforceable)], m.ports, options);
    expect(m.alerts.published.map((p) => p.alert.alertId)).toEqual([overloadAlertId('hn-g98-test', 'enforce'), overloadAlertId('hn-g98-test', 'enforce')]);
    expect([...m.alertLedger.items.keys()]).toEqual([overloadAlertId('hn-g98-test', 'enforce')]);
    // A third delivery finds the ledger entry and stays silent.
    await ingestWimBatch([streamRecord('1', enforceable)], m.ports, options);
    expect(m.alerts.published).toHaveLength(2);
    expect(m.counters.stationTotal('hn-g98-test').trucksWeighed).toBe(1);
  });

  it('retries every record of a group whose counters could not be updated, without double counting later', async () => {
    const m = setup();
    m.counters.failNext = 1;
    const first = await ingestWimBatch([streamRecord('1', underLimit), streamRecord('2', withinTolerance)], m.ports, options);
    expect([...first.failedIds].sort()).toEqual(['1', '2']);
    await ingestWimBatch([streamRecord('1', underLimit), streamRecord('2', withinTolerance)], m.ports, options);
    expect(m.counters.stationTotal('hn-g98-test')).toMatchObject({ trucksWeighed: 2, overLimit: 1 });
  });

  it('retries the whole batch when readings cannot be written, and alerts nothing before they are', async () => {
    const m = setup();
    m.readings.failNext = 1;
    const first = await ingestWimBatch([streamRecord('1', enforceable)], m.ports, options);
    expect(first.failedIds).toEqual(['1']);
    expect(m.alerts.published).toHaveLength(0);
    expect(m.counters.totals.size).toBe(0);
  });

  it('marks a record covered by a valid permit as permitted and raises no alert', async () => {
    const m = setup();
    m.config.permits.set('琼A12345', [
      {
        permitId: 'HN-2026-0001',
        plate: '琼A12345',
        validFrom: '2026-11-01T00:00:00+08:00',
        validTo: '2026-12-31T23:59:59+08:00',
        allowedGrossKg: 60_000,
      },
    ]);
    await ingestWimBatch([streamRecord('1', enforceable)], m.ports, options);
    expect(m.alerts.published).toHaveLength(0);
    const stored = m.overLimit.items.get('hn-g98-test/enforce');
    expect(stored?.judgement).toMatchObject({ permitted: true, permitId: 'HN-2026-0001', alertRequired: false });
  });

  it('judges a record from an unregistered station with the default accuracy class', async () => {
    const m = setup();
    const record = sixAxleRecord({ recordId: 'x', stationId: 'hn-unknown', grossWeightKg: 55_000 });
    await ingestWimBatch([streamRecord('1', record)], m.ports, options);
    const reading = m.readings.items.get('hn-unknown/x');
    expect(reading?.station.registered).toBe(false);
    expect(reading?.judgement.tolerance.accuracyClass).toBe('class-5');
  });
});
