/**
 * The MQTT side of the simulator against a real (embedded aedes) broker on a random port: scripted exact publishes,
 * the bulk publisher, and the live simulator's lifecycle (online, last will, reconnect, clean stop).
 */
import net from 'node:net';
import { Aedes, type Client } from 'aedes';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RecordingBroker, type SeenMessage, startRecordingBroker, waitFor } from '../../support/recording-broker.ts';
import { wimRecordV1 } from '../../../functions/contracts/wim-record.v1.ts';
import { type StationStatusMessage, stationStatusTopic } from '../../../devices/simulator/mqtt-common.ts';
import { runSimulator } from '../../../devices/simulator/run.ts';
import { bulkKey, publishBulk, publishRecords } from '../../../devices/simulator/scripted.ts';
import { STATIONS } from '../../../devices/simulator/stations.ts';
import { generateTraffic } from '../../../devices/simulator/traffic.ts';

/** Narrows an indexed access for the type checker; fails the test if the value is missing. */
function must<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error('expected a value');
  return value;
}

let recorder: RecordingBroker;
let mqttUrl: string;
let seen: SeenMessage[];
let connected: Map<string, Client>;

beforeAll(async () => {
  recorder = await startRecordingBroker();
  ({ mqttUrl, seen, connected } = recorder);
});

afterAll(async () => {
  await recorder.close();
});

beforeEach(() => {
  recorder.clear();
});

const statuses = () =>
  seen.filter((message) => message.topic.endsWith('/status')).map((message) => JSON.parse(message.payload.toString()) as StationStatusMessage);

const sample = generateTraffic({ seed: 1, stations: STATIONS.slice(0, 3), count: 600, startTimeMs: Date.UTC(2024, 5, 1) }).map(
  ({ record }) => record,
);

describe('publishRecords (scripted mode)', () => {
  it('publishes exact records, duplicates, malformed payloads and mismatched topics, in order, at QoS 1', async () => {
    const [a, b] = sample.filter((record, i, all) => all.findIndex((other) => other.stationId === record.stationId) === i);
    if (a === undefined || b === undefined) throw new Error('need two stations');
    await publishRecords(mqttUrl, [
      { record: a },
      { record: b },
      { record: a }, // duplicate
      { rawPayload: '{"recordId": ', stationId: a.stationId }, // malformed JSON
      { rawPayload: Buffer.from([0xff, 0x00, 0x7f]), stationId: b.stationId },
      { record: b, topic: `wim/${a.stationId}/records` }, // b's record on a's topic, published by b's client
      { record: { stationId: a.stationId, recordId: 'x' } }, // schema-invalid record
    ]);
    const records = seen.filter((message) => message.topic.endsWith('/records'));
    expect(records.map((message) => [message.topic, message.clientId])).toEqual([
      [`wim/${a.stationId}/records`, a.stationId],
      [`wim/${b.stationId}/records`, b.stationId],
      [`wim/${a.stationId}/records`, a.stationId],
      [`wim/${a.stationId}/records`, a.stationId],
      [`wim/${b.stationId}/records`, b.stationId],
      [`wim/${a.stationId}/records`, b.stationId],
      [`wim/${a.stationId}/records`, a.stationId],
    ]);
    expect(records.every((message) => message.qos === 1 && !message.retain)).toBe(true);
    expect(JSON.parse(must(records[0]).payload.toString())).toEqual(a);
    expect(must(records[2]).payload.equals(must(records[0]).payload)).toBe(true);
    expect(must(records[3]).payload.toString()).toBe('{"recordId": ');
    expect([...must(records[4]).payload]).toEqual([0xff, 0x00, 0x7f]);
    // Scripted clients say nothing else (no status messages) and leave cleanly (no last will).
    expect(seen.filter((message) => !message.topic.endsWith('/records'))).toEqual([]);
  });

  it('honours a client id prefix and QoS 0', async () => {
    await publishRecords(mqttUrl, [{ record: sample[0] }], { clientIdPrefix: 'test-', qos: 0 });
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ clientId: `test-${must(sample[0]).stationId}`, qos: 0 });
  });

  it('refuses items it cannot attribute, and reports an unreachable broker', async () => {
    await expect(publishRecords(mqttUrl, [{ rawPayload: 'x' }])).rejects.toThrow(/stationId/);
    await expect(publishRecords('mqtt://127.0.0.1:1', [{ record: sample[0] }], { timeoutMs: 5_000 })).rejects.toThrow();
  });
});

describe('publishBulk', () => {
  it('publishes every record with a bounded window and records publish and ack times', async () => {
    const result = await publishBulk(mqttUrl, sample, { inflight: 20 });
    expect(result.publishedAtMs.size).toBe(sample.length);
    expect(result.ackedAtMs.size).toBe(sample.length);
    for (const record of sample) {
      const key = bulkKey(record);
      expect(result.ackedAtMs.get(key)).toBeGreaterThanOrEqual(must(result.publishedAtMs.get(key)));
    }
    const received = seen.filter((message) => message.topic.endsWith('/records'));
    expect(received).toHaveLength(sample.length);
    // Per station, the broker sees the records in array order.
    for (const station of STATIONS.slice(0, 3)) {
      const sent = sample.filter((record) => record.stationId === station.stationId).map((record) => record.recordId);
      const got = received
        .filter((message) => message.clientId === station.stationId)
        .map((message) => wimRecordV1.parse(JSON.parse(message.payload.toString())).recordId);
      expect(got).toEqual(sent);
    }
  });

  it('paces to ratePerS on an absolute schedule', async () => {
    const records = sample.slice(0, 300);
    const result = await publishBulk(mqttUrl, records, { ratePerS: 1_000 });
    const times = records.map((record) => must(result.publishedAtMs.get(bulkKey(record))));
    const spanMs = must(times.at(-1)) - must(times[0]);
    // 300 records at 1 000/s: record 299 is due 299 ms after the first.
    expect(spanMs).toBeGreaterThanOrEqual(280);
    expect(spanMs).toBeLessThan(1_500);
  });
});

describe('runSimulator (live mode)', () => {
  it('announces stations online, publishes valid records in real time, and stops cleanly after durationS', async () => {
    const stations = STATIONS.slice(0, 2);
    const lines: string[] = [];
    const acked: string[] = [];
    const startMs = Date.now();
    const handle = await runSimulator({
      mqttUrl,
      stations,
      ratePerStationPerS: 20,
      seed: 42,
      durationS: 1,
      log: (line) => lines.push(line),
      onRecord: (event) => acked.push(event.record.recordId),
    });
    expect(statuses().filter((status) => status.status === 'online').map((status) => status.stationId).sort()).toEqual(
      stations.map((station) => station.stationId).sort(),
    );
    const summary = await handle.done;
    expect(summary.reason).toBe('duration');
    expect(summary.seed).toBe(42);
    expect(summary.failed).toBe(0);
    expect(handle.published).toBe(summary.published);
    expect(summary.published).toBeGreaterThan(10);
    expect(acked).toHaveLength(summary.published);

    const records = seen.filter((message) => message.topic.endsWith('/records'));
    expect(records).toHaveLength(summary.published);
    for (const message of records) {
      const record = wimRecordV1.parse(JSON.parse(message.payload.toString()));
      expect(message.topic).toBe(`wim/${record.stationId}/records`);
      expect(message.clientId).toBe(record.stationId);
      expect(message.qos).toBe(1);
      // measuredAt is the wall clock at the time of passage.
      expect(Date.parse(record.measuredAt)).toBeGreaterThanOrEqual(startMs - 5);
      expect(Date.parse(record.measuredAt)).toBeLessThanOrEqual(Date.now());
    }
    const shutdown = statuses().filter((status) => status.status === 'offline');
    expect(shutdown.map((status) => status.reason)).toEqual(['shutdown', 'shutdown']);
    expect(connected.size).toBe(0);
    expect(await handle.stop()).toBe(summary); // idempotent
    expect(lines.some((line) => line.includes('seed=42'))).toBe(true);
  });

  it('has a non-retained last will, reconnects after a lost connection and announces itself again', async () => {
    const station = must(STATIONS[3]);
    const handle = await runSimulator({ mqttUrl, stations: [station], ratePerStationPerS: 5, seed: 1 });
    await waitFor(() => connected.has(station.stationId));
    connected.get(station.stationId)?.conn.destroy();
    await waitFor(() => statuses().some((status) => status.reason === 'connection-lost'));
    const will = seen.find(
      (message) => message.topic === stationStatusTopic(station.stationId) && message.payload.toString().includes('connection-lost'),
    );
    expect(will).toMatchObject({ qos: 1, retain: false });
    expect(JSON.parse(must(will).payload.toString())).toEqual({ stationId: station.stationId, status: 'offline', reason: 'connection-lost' });
    await waitFor(() => statuses().filter((status) => status.status === 'online').length === 2, 10_000);
    const before = handle.published;
    await waitFor(() => handle.published > before + 2, 10_000);
    const summary = await handle.stop();
    expect(summary.reason).toBe('stop');
    expect(statuses().map((status) => status.reason)).toEqual(['connected', 'connection-lost', 'connected', 'shutdown']);
  });

  it('stops on an abort signal', async () => {
    const controller = new AbortController();
    const handle = await runSimulator({ mqttUrl, stations: STATIONS.slice(0, 1), ratePerStationPerS: 10, signal: controller.signal });
    controller.abort();
    const summary = await handle.done;
    expect(summary.reason).toBe('signal');
  });

  it('can run without status messages, for a broker that enforces the records-only station policy', async () => {
    // Emulates the station IoT policy: publishing anywhere but wim/{clientId}/records closes the connection.
    const strict = await Aedes.createBroker({
      authorizePublish: (client, packet, callback) =>
        callback(client !== null && packet.topic !== `wim/${client.id}/records` ? new Error('not authorised') : null),
    });
    const strictServer = net.createServer(strict.handle);
    await new Promise<void>((resolve) => strictServer.listen(0, '127.0.0.1', resolve));
    const strictUrl = `mqtt://127.0.0.1:${(strictServer.address() as net.AddressInfo).port}`;
    try {
      await expect(
        runSimulator({ mqttUrl: strictUrl, stations: STATIONS.slice(0, 1), startTimeoutMs: 1_500 }),
      ).rejects.toThrow(/wim\/\{thing\}\/status/);
      const handle = await runSimulator({
        mqttUrl: strictUrl,
        stations: STATIONS.slice(0, 1),
        ratePerStationPerS: 20,
        statusMessages: false,
        durationS: 0.5,
      });
      const summary = await handle.done;
      expect(summary.published).toBeGreaterThan(0);
      expect(summary.failed).toBe(0);
    } finally {
      await new Promise<void>((resolve) => strict.close(() => resolve()));
      await new Promise<void>((resolve) => strictServer.close(() => resolve()));
    }
  });

  it('rejects at once when the broker is unreachable', async () => {
    await expect(runSimulator({ mqttUrl: 'mqtt://127.0.0.1:1', stations: STATIONS.slice(0, 2) })).rejects.toThrow(/could not connect/);
  });
});
