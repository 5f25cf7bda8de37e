/**
 * End to end on the embedded stack, over real sockets: mqtt.js station clients → aedes → topic rule → Kinesis
 * emulator → the real WIM handler → dynalite (real AWS SDK) → IoT data-plane shim (real SDK) → aedes → an
 * enforcement client. Random ports; nothing mocked.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbDeadLetterStore } from '../../functions/adapters/dynamodb/dead-letter-store.ts';
import { documentClient } from '../../functions/adapters/dynamodb/document-client.ts';
import { DynamoDbWimConfigStore } from '../../functions/adapters/dynamodb/wim-config-store.ts';
import { WimQueries } from '../../functions/adapters/dynamodb/wim-queries.ts';
import { overloadAlertV1, type OverloadAlertV1 } from '../../functions/contracts/overload-alert.v1.ts';
import type { WimRecordV1 } from '../../functions/contracts/wim-record.v1.ts';
import { plateKey } from '../../functions/domain/overload/plate.ts';
import { shanghaiDate, toShanghaiIso } from '../../functions/shared/local-time.ts';
import { overloadAlertId } from '../../functions/wim/alert.ts';
import { publishRecords, type ScriptedItem } from '../../devices/simulator/scripted.ts';
import { replayDeadLetters } from '../../devices/tools/dead-letters.ts';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { sixAxleRecord } from '../support/wim-records.ts';

const station = 'hn-e2e-k1';
const measuredAt = toShanghaiIso(Date.now() - 60_000);
const record = (recordId: string, grossWeightKg: number, extra: Partial<WimRecordV1> = {}) =>
  sixAxleRecord({ recordId, stationId: station, measuredAt, grossWeightKg, ...extra });

const under = record('under', 40_000);
const tolerated = record('tolerated', 50_000);
const enforceable = record('enforce', 55_000);
const hundred = record('hundred', 100_000, { vehicle: { plate: '粤B·88888', plateColor: 'yellow', kind: 'combination' } });
const permitted = record('permitted', 55_000, { vehicle: { plate: '琼B·P0001', plateColor: 'yellow', kind: 'combination' } });

const goodAndBad: ScriptedItem[] = [
  { record: under },
  { record: tolerated },
  { record: enforceable },
  { record: hundred },
  { record: permitted },
  { record: enforceable }, // QoS 1 redelivery of the same record
  { stationId: station, rawPayload: '{"recordId": "truncated", ' },
  { record: { ...under, recordId: 'lane-zero', lane: 0 } },
  { record: { ...under, recordId: 'other-station', stationId: 'hn-e2e-other' }, topic: `wim/${station}/records`, stationId: station },
  { record: { ...under, recordId: 'bad-sum', grossWeightKg: 30_000 } },
];

describe('WIM pipeline on the embedded stack', () => {
  let stack: LocalStack;
  let officer: MqttClient;
  const alerts: OverloadAlertV1[] = [];
  const invalidAlerts: unknown[] = [];
  let queries: WimQueries;
  let deadLetters: DynamoDbDeadLetterStore;

  beforeAll(async () => {
    stack = await startLocalStack({ mqttPort: 0, dynamodbPort: 0, httpPort: 0, stage: 'e2e', log: () => {}, passThroughEnv: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
    const ddb = documentClient(stack.dynamo);
    const config = new DynamoDbWimConfigStore(ddb, stack.tableName('wimConfig'));
    await config.putStation({ stationId: station, name: '端到端测试站', accuracyClass: 'class-5' });
    await config.putPermit({
      permitId: 'HN-E2E-0001',
      plate: '琼B·P0001',
      plateColor: 'yellow',
      validFrom: toShanghaiIso(Date.now() - 86_400_000),
      validTo: toShanghaiIso(Date.now() + 86_400_000),
      allowedGrossKg: 60_000,
    });
    queries = new WimQueries(ddb, {
      wimReadings: stack.tableName('wimReadings'),
      overLimitRecords: stack.tableName('overLimitRecords'),
      stationCounters: stack.tableName('stationCounters'),
      overloadAlerts: stack.tableName('overloadAlerts'),
    });
    deadLetters = new DynamoDbDeadLetterStore(ddb, stack.tableName('deadLetters'));

    officer = await connectAsync(stack.endpoints.mqttUrl, { clientId: 'enforcement-e2e', clean: true });
    officer.on('message', (_topic, payload) => {
      const parsed = overloadAlertV1.safeParse(JSON.parse(payload.toString('utf8')));
      if (parsed.success) alerts.push(parsed.data);
      else invalidAlerts.push(payload.toString('utf8'));
    });
    await officer.subscribeAsync('alerts/overload/+', { qos: 1 });

    await publishRecords(stack.endpoints.mqttUrl, goodAndBad);
    await stack.drain();
    await waitFor(() => alerts.length >= 2);
  });

  afterAll(async () => {
    await officer?.endAsync();
    await stack?.stop();
  });

  it('alerts exactly the enforceable records, once each, with evidence', async () => {
    await settle();
    expect(invalidAlerts).toEqual([]);
    expect(alerts.map((a) => a.recordId).sort()).toEqual(['enforce', 'hundred']);
    const enforceAlert = alerts.find((a) => a.recordId === 'enforce');
    expect(enforceAlert).toMatchObject({
      alertId: overloadAlertId(station, 'enforce'),
      stationName: '端到端测试站',
      plate: '琼A12345',
      grossWeightKg: 55_000,
      limitKg: 49_000,
      overLimitKg: 6_000,
      band: '10-20',
      hundredTonne: false,
      enforceable: true,
    });
    expect(enforceAlert?.evidence.record).toEqual(enforceable);
    expect(enforceAlert?.evidence.tolerance.toleranceKg).toBe(2_750);
    expect(alerts.find((a) => a.recordId === 'hundred')).toMatchObject({ hundredTonne: true, band: '100+' });
  });

  it('stores each good reading once and the over-limit evidence, queryable by station, plate and alert id', async () => {
    for (const id of ['under', 'tolerated', 'enforce', 'hundred', 'permitted']) {
      expect(await queries.reading(station, id), id).toMatchObject({ stationId: station, recordId: id });
    }
    expect(await queries.reading(station, 'lane-zero')).toBeUndefined();

    const overLimit = await queries.overLimitByStation(station, '2000-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z');
    expect(overLimit.items.map((i) => [i.recordId, i.disposition]).sort()).toEqual([
      ['enforce', 'alerted'],
      ['hundred', 'alerted'],
      ['permitted', 'permitted'],
      ['tolerated', 'below-tolerance'],
    ]);
    const byPlate = await queries.overLimitByPlate(plateKey('琼B·P0001', 'yellow'));
    expect(byPlate.items.map((i) => i.permitId)).toEqual(['HN-E2E-0001']);
    const byAlert = await queries.overLimitByAlertId(overloadAlertId(station, 'enforce'));
    expect(byAlert).toMatchObject({ recordId: 'enforce', grossWeightKg: 55_000 });
    const alert = await queries.alert(overloadAlertId(station, 'enforce'));
    expect(alert).toMatchObject({ status: 'open', stationId: station, publishedAt: expect.any(String) });
    expect(JSON.parse(String(alert?.alertJson))).toEqual(alerts.find((a) => a.recordId === 'enforce'));
  });

  it('counts the station-day exactly and derives its 超限率', async () => {
    const day = await queries.stationDay(station, shanghaiDate(Date.parse(measuredAt)));
    expect(day.counters).toEqual({
      trucksWeighed: 5,
      overLimit: 3,
      band0to10: 1,
      band10to20: 1,
      band20to50: 0,
      band50to100: 0,
      band100plus: 1,
      enforceable: 2,
      hundredTonne: 1,
      permitted: 1,
      over80t: 1,
      over90t: 1,
    });
    expect(day.rates.overLimitRate).toBeCloseTo(3 / 5);
    expect(day.rates.overLimitRateExcluding10).toBeCloseTo(2 / 5);
    expect(day.rates.overLimitRateExcluding20).toBeCloseTo(1 / 5);
  });

  it('keeps every bad record as a dead letter with its reason', async () => {
    const today = await deadLetters.listByDate(shanghaiDate(Date.now()));
    const mine = today.filter((d) => d.stationId === station);
    expect(mine.map((d) => d.reason).sort()).toEqual(['implausible', 'not-json', 'schema-invalid', 'station-mismatch']);
    const notJson = mine.find((d) => d.reason === 'not-json');
    expect(Buffer.from(notJson?.payloadBase64 ?? '', 'base64').toString()).toBe('{"recordId": "truncated", ');
    expect(mine.find((d) => d.reason === 'schema-invalid')?.details.join(' ')).toContain('lane');
  });

  it('changes nothing when the whole set is delivered again and the dead letters are replayed', async () => {
    await publishRecords(stack.endpoints.mqttUrl, goodAndBad);
    const today = await deadLetters.listByDate(shanghaiDate(Date.now()));
    const iot = new IoTDataPlaneClient({
      endpoint: stack.endpoints.iotDataUrl,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    expect(await replayDeadLetters(deadLetters, iot, today, () => {})).toBe(4);
    await stack.drain();
    await settle();

    expect(alerts.map((a) => a.recordId).sort()).toEqual(['enforce', 'hundred']);
    const day = await queries.stationDay(station, shanghaiDate(Date.parse(measuredAt)));
    expect(day.counters.trucksWeighed).toBe(5);
    expect(day.counters.overLimit).toBe(3);
    const after = (await deadLetters.listByDate(shanghaiDate(Date.now()))).filter((d) => d.stationId === station);
    expect(after).toHaveLength(4);
    expect(after.every((d) => d.replayCount === 1)).toBe(true);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Gives a stray repeated alert the chance to arrive before asserting that none did. */
const settle = () => new Promise((r) => setTimeout(r, 300));
