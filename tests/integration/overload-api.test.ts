/**
 * The overload console API end to end on the embedded stack, over real sockets: WIM records published over MQTT go
 * through the topic rule, the Kinesis emulator and the real WIM handler into dynalite; then node fetch → the local
 * API Gateway (dev-token JWT authorizer) → the real overload API handler → dynalite (real AWS SDK). Nothing mocked.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishRecords } from '../../devices/simulator/scripted.ts';
import { documentClient } from '../../functions/adapters/dynamodb/document-client.ts';
import { DynamoDbWimConfigStore } from '../../functions/adapters/dynamodb/wim-config-store.ts';
import type { WimRecordV1 } from '../../functions/contracts/wim-record.v1.ts';
import { shanghaiDate, toShanghaiIso } from '../../functions/shared/local-time.ts';
import { overloadAcknowledgementMessageV1 } from '../../functions/contracts/overload-acknowledgement.v1.ts';
import { overloadAlertId } from '../../functions/wim/alert.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { topics } from '../../infra/topology.ts';
import { sixAxleRecord } from '../support/wim-records.ts';

const station = 'hn-api-k7';
const startMs = Date.now() - 120_000;
// One second apart, so that newest-first order is known: `under` is the oldest, `h85` the newest.
const record = (recordId: string, index: number, grossWeightKg: number, plate?: string): WimRecordV1 =>
  sixAxleRecord({
    recordId,
    stationId: station,
    measuredAt: toShanghaiIso(startMs + index * 1000),
    grossWeightKg,
    ...(plate ? { vehicle: { plate, plateColor: 'yellow', kind: 'combination' } } : {}),
  });

const published = [
  record('under', 0, 40_000),
  record('a1', 1, 55_000, '琼A·12345'),
  record('a2', 2, 61_000, '琼A·12345'),
  record('h100', 3, 100_000, '粤B·88888'),
  record('h85', 4, 85_000, '琼E·00085'),
];
const alerted = ['h85', 'h100', 'a2', 'a1'];
const localDate = shanghaiDate(startMs);
const idOf = (recordId: string) => overloadAlertId(station, recordId);

describe('overload console API on the embedded stack', () => {
  let stack: LocalStack;
  let base: string;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary response bodies
  const api = async (path: string, init: RequestInit & { role?: string } = {}): Promise<{ status: number; json: Record<string, any> }> => {
    const { role = 'enforcement', ...rest } = init;
    const token = role === 'admin' ? stack.devToken : `${stack.devToken}.${role}`;
    const response = await fetch(`${base}/api${path}`, { ...rest, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    return { status: response.status, json: (await response.json()) as Record<string, never> };
  };
  const range = `from=${encodeURIComponent(toShanghaiIso(startMs - 60_000))}`;

  beforeAll(async () => {
    stack = await startLocalStack({ mqttPort: 0, dynamodbPort: 0, httpPort: 0, stage: 'ovlapi', log: () => {}, passThroughEnv: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
    base = `http://127.0.0.1:${stack.ports.http}`;
    const config = new DynamoDbWimConfigStore(documentClient(stack.dynamo), stack.tableName('wimConfig'));
    await config.putStation({ stationId: station, name: '接口测试站', road: 'G98', lat: 19.5, lon: 110.3, accuracyClass: 'class-5' });

    await publishRecords(stack.endpoints.mqttUrl, published.map((r) => ({ record: r })));
    await stack.drain();
    const deadline = Date.now() + 15_000;
    for (;;) {
      const listed = await api(`/overload/alerts?stationId=${station}&${range}`);
      if (listed.json.items?.length === alerted.length) break;
      if (Date.now() > deadline) throw new Error(`alerts did not arrive: ${JSON.stringify(listed.json)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists the alerts newest first, by station, across stations and by plate, paged', async () => {
    const byStation = await api(`/overload/alerts?stationId=${station}&${range}`);
    expect(byStation.status).toBe(200);
    expect(byStation.json.items.map((a: { recordId: string }) => a.recordId)).toEqual(alerted);
    expect(byStation.json.items[1]).toMatchObject({
      alertId: idOf('h100'),
      stationId: station,
      plate: '粤B88888',
      plateKey: '粤B88888#yellow',
      band: '100+',
      grossWeightKg: 100_000,
      hundredTonne: true,
      status: 'open',
      measuredAtUtc: new Date(startMs + 3000).toISOString(),
    });

    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api(`/overload/alerts?${range}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      ids.push(...page.json.items.map((a: { alertId: string }) => a.alertId));
      cursor = page.json.cursor;
    } while (cursor);
    expect(ids).toEqual(alerted.map(idOf));

    const byPlate = await api(`/overload/alerts?plate=${encodeURIComponent('琼a 12345')}&${range}`);
    expect(byPlate.json.items.map((a: { recordId: string }) => a.recordId)).toEqual(['a2', 'a1']);
  });

  it('gives one alert as published, with its evidence', async () => {
    const one = await api(`/overload/alerts/${idOf('a1')}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ alertId: idOf('a1'), recordId: 'a1', overLimitKg: 6_000, band: '10-20', status: 'open' });
    expect(one.json.alert).toMatchObject({ schema: 'qiongjian.overload-alert', alertId: idOf('a1'), stationName: '接口测试站', limitKg: 49_000 });
    expect(one.json.alert.evidence.record).toEqual(published[1]);
    expect(one.json.evidence.record).toEqual(published[1]);
    expect(one.json.evidence.judgement).toMatchObject({ limitKg: 49_000, overLimitKg: 6_000, enforceable: true });
    expect((await api(`/overload/alerts/${idOf('under')}`)).status).toBe(404);
  });

  it('acknowledges once: a repeat is idempotent, a different one is 409, an operator may not', async () => {
    // Every console learns of the acknowledgement: a subscriber as an enforcement console would be.
    const consoleClient = await mqtt.connectAsync(stack.endpoints.mqttUrl, { clientId: `enforcement-ack-${Date.now()}`, protocolVersion: 4 });
    const announced: unknown[] = [];
    consoleClient.on('message', (topic, payload) => announced.push({ topic, message: JSON.parse(payload.toString('utf8')) }));
    await consoleClient.subscribeAsync(topics.overloadAcknowledgementsFilter, { qos: 1 });
    const path = `/overload/alerts/${idOf('a2')}/acknowledgement`;
    expect((await api(path, { method: 'POST', body: JSON.stringify({ outcome: 'intercepted' }), role: 'operator' })).status).toBe(403);

    const first = await api(path, { method: 'POST', body: JSON.stringify({ outcome: 'intercepted', note: '收费站拦截，已卸载' }) });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      alertId: idOf('a2'),
      status: 'acknowledged',
      acknowledgement: { byId: 'local-enforcement', byName: expect.any(String), atUtc: expect.any(String), outcome: 'intercepted', note: '收费站拦截，已卸载' },
    });
    expect(Math.abs(Date.parse(first.json.acknowledgement.atUtc) - Date.now())).toBeLessThan(10_000);

    const again = await api(path, { method: 'POST', body: JSON.stringify({ schemaVersion: 1, outcome: 'intercepted', note: '收费站拦截，已卸载' }) });
    expect(again.status).toBe(200);
    expect(again.json.acknowledgement).toEqual(first.json.acknowledgement);

    const different = await api(path, { method: 'POST', body: JSON.stringify({ outcome: 'not-found' }) });
    expect(different.status).toBe(409);
    expect(different.json.error).toMatchObject({ code: 'already_acknowledged', details: { acknowledgement: first.json.acknowledgement } });

    const unknown = await api(`/overload/alerts/${idOf('nope')}/acknowledgement`, { method: 'POST', body: JSON.stringify({ outcome: 'other' }) });
    expect(unknown.status).toBe(404);

    const acknowledged = await api(`/overload/alerts?stationId=${station}&status=acknowledged&${range}`);
    expect(acknowledged.json.items.map((a: { recordId: string }) => a.recordId)).toEqual(['a2']);
    expect((await api(`/overload/alerts/${idOf('a2')}`)).json.acknowledgement).toEqual(first.json.acknowledgement);
    // Announced on the station's acknowledgement topic: once for the acknowledgement, once more for the idempotent
    // repeat (so that a retry repairs a lost announcement); never for the refused ones.
    const deadline = Date.now() + 5000;
    while (announced.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    await consoleClient.endAsync();
    const expected = { topic: topics.overloadAcknowledgements(station), message: { schemaVersion: 1, alertId: idOf('a2'), stationId: station, status: 'acknowledged', acknowledgement: first.json.acknowledgement } };
    expect(announced).toEqual([expected, expected]);
    expect(overloadAcknowledgementMessageV1.parse(expected.message)).toEqual(expected.message);
  });

  it('reports the station-day as published: counters, 超限率, hours and the heavy lists', async () => {
    const stations = await api(`/overload/stations?date=${localDate}`, { role: 'operator' });
    expect(stations.status).toBe(200);
    const mine = stations.json.items.find((s: { stationId: string }) => s.stationId === station);
    expect(mine).toEqual({
      stationId: station,
      name: '接口测试站',
      road: 'G98',
      lat: 19.5,
      lon: 110.3,
      accuracyClass: 'class-5',
      day: { trucksWeighed: 5, overLimit: 4, rates: { overLimitRate: 0.8, overLimitRateExcluding10: 0.8, overLimitRateExcluding20: 0.6 } },
    });

    const day = await api(`/overload/stations/${station}/days/${localDate}`);
    expect(day.status).toBe(200);
    expect(day.json.counters).toMatchObject({ trucksWeighed: 5, overLimit: 4, band10to20: 1, band20to50: 1, band50to100: 1, band100plus: 1, hundredTonne: 1, over80t: 2, over90t: 1 });
    expect(day.json.hours.reduce((n: number, h: { trucksWeighed: number }) => n + h.trucksWeighed, 0)).toBe(5);
    const recordIds = (list: Array<{ recordId: string }>) => list.map((r) => r.recordId);
    expect(recordIds(day.json.heavy.over80t)).toEqual(['h85', 'h100']);
    expect(recordIds(day.json.heavy.over90t)).toEqual(['h100']);
    expect(recordIds(day.json.heavy.over100t)).toEqual(['h100']);
    expect(day.json.heavy.over100t[0]).toMatchObject({ plate: '粤B88888', grossWeightKg: 100_000, limitKg: 49_000, disposition: 'alerted', alertId: idOf('h100') });

    const records = await api(`/overload/stations/${station}/records?${range}&limit=2`);
    expect(recordIds(records.json.items)).toEqual(['h85', 'h100']);
    const rest = await api(`/overload/stations/${station}/records?${range}&limit=2&cursor=${records.json.cursor}`);
    expect(recordIds(rest.json.items)).toEqual(['a2', 'a1']);
  });

  it('names the repeat offenders', async () => {
    const offenders = await api(`/overload/offenders?${range}`);
    expect(offenders.status).toBe(200);
    expect(offenders.json.items).toEqual([
      { plateKey: '琼A12345#yellow', plate: '琼A12345', alertCount: 2, stationIds: [station], lastAlertAtUtc: new Date(startMs + 2000).toISOString(), maxOverLimitKg: 12_000 },
    ]);
    expect((await api(`/overload/offenders?${range}`, { role: 'supervisor' })).status).toBe(403);
  });
});
