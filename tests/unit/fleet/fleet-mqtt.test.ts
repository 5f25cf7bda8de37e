/**
 * The fleet simulator's MQTT side against an embedded aedes broker on a random port: scenario publishing (every
 * message, in order, from the right client, QoS 1, raw payloads intact, last will) and the live mode's lifecycle.
 */
import type { Client } from 'aedes';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RecordingBroker, type SeenMessage, startRecordingBroker, waitFor } from '../../support/recording-broker.ts';
import { telemetryReportV1 } from '../../../functions/contracts/telemetry.v1.ts';
import { loadFleetVehicles } from '../../../devices/fleet/fleet.ts';
import { type FleetStatusMessage, publishScenario } from '../../../devices/fleet/publish.ts';
import { runFleetSimulator } from '../../../devices/fleet/run.ts';
import { buildScenario, encodePayload } from '../../../devices/fleet/scenarios.ts';

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

describe('publishScenario', () => {
  it.each(['malformed', 'dead-zone-burst', 'duplicates'] as const)('publishes every message of %s in order, from the device client, at QoS 1', async (name) => {
    const scenario = buildScenario(name);
    const acked: number[] = [];
    const result = await publishScenario(mqttUrl, scenario, { onPublished: (_m, i) => acked.push(i) });
    expect(result.published).toBe(scenario.messages.length);
    expect(acked).toEqual(scenario.messages.map((_, i) => i));
    const telemetry = seen.filter((m) => m.topic.endsWith('/telemetry'));
    expect(telemetry.map((m) => [m.topic, m.clientId])).toEqual(scenario.messages.map((m) => [m.topic, m.clientId]));
    expect(telemetry.map((m) => m.payload.toString())).toEqual(scenario.messages.map(encodePayload));
    expect(telemetry.every((m) => m.qos === 1 && !m.retain)).toBe(true);
    // Clean disconnect: no status message, no last will.
    expect(seen.filter((m) => !m.topic.endsWith('/telemetry'))).toEqual([]);
    expect(connected.size).toBe(0);
  });

  it('sets a non-retained last will on fleet/{deviceId}/status, and can keep the terminals connected', async () => {
    const scenario = buildScenario('silent-terminal');
    const result = await publishScenario(mqttUrl, scenario.messages.slice(0, 3), { keepConnected: true, clientIdPrefix: 't-' });
    const deviceId = scenario.vehicles[0]?.deviceId as string;
    expect(connected.has(`t-${deviceId}`)).toBe(true);
    connected.get(`t-${deviceId}`)?.conn.destroy();
    await waitFor(() => seen.some((m) => m.topic === `fleet/${deviceId}/status`));
    const will = seen.find((m) => m.topic === `fleet/${deviceId}/status`);
    expect(will).toMatchObject({ qos: 1, retain: false });
    expect(JSON.parse(will?.payload.toString() ?? '')).toEqual({ deviceId, status: 'offline', reason: 'connection-lost' });
    await result.close();
  });

  it('paces by send time when given a speed-up', async () => {
    const scenario = buildScenario('speeding');
    const messages = scenario.messages.slice(0, 5); // 2 simulated minutes
    const spanMs = (messages.at(-1)?.sentAtMs ?? 0) - (messages[0]?.sentAtMs ?? 0);
    const started = Date.now();
    await publishScenario(mqttUrl, messages, { speedUp: spanMs / 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('reports an unreachable broker', async () => {
    await expect(publishScenario('mqtt://127.0.0.1:1', buildScenario('speeding'), { timeoutMs: 5_000 })).rejects.toThrow();
  });
});

describe('runFleetSimulator (live mode)', () => {
  it('announces vehicles online, publishes valid reports on the simulated clock and stops cleanly', async () => {
    const vehicles = loadFleetVehicles().filter((v) => ['hn-coach-0001', 'hn-bus-0001', 'hn-taxi-0001'].includes(v.deviceId) || v.category === 'hazmat').slice(0, 4);
    expect(vehicles.length).toBeGreaterThanOrEqual(3);
    const lines: string[] = [];
    const startMs = Date.parse('2026-11-29T09:00:00+08:00');
    const handle = await runFleetSimulator({ mqttUrl, vehicles, speedUp: 600, seed: 11, startMs, durationS: 1.5, log: (l) => lines.push(l) });
    const summary = await handle.done;
    expect(summary.reason).toBe('duration');
    expect(summary.failed).toBe(0);
    expect(summary.published).toBeGreaterThan(vehicles.length * 10);
    const statuses = seen.filter((m) => m.topic.endsWith('/status')).map((m) => JSON.parse(m.payload.toString()) as FleetStatusMessage);
    expect(statuses.filter((s) => s.status === 'online').map((s) => s.deviceId).sort()).toEqual(vehicles.map((v) => v.deviceId).sort());
    expect(statuses.filter((s) => s.status === 'offline').map((s) => s.reason)).toEqual(vehicles.map(() => 'shutdown'));
    const reports = seen.filter((m) => m.topic.endsWith('/telemetry'));
    expect(reports).toHaveLength(summary.published);
    const lastTs = new Map<string, number>();
    for (const message of reports) {
      const report = telemetryReportV1.parse(JSON.parse(message.payload.toString()));
      expect(message.topic).toBe(`fleet/${report.deviceId}/telemetry`);
      expect(message.clientId).toBe(report.deviceId);
      const ts = Date.parse(report.ts);
      // 1.5 s at ×600 = 15 simulated minutes after the start.
      expect(ts).toBeGreaterThanOrEqual(startMs);
      expect(ts).toBeLessThanOrEqual(startMs + 20 * 60_000);
      expect(ts).toBeGreaterThan(lastTs.get(report.deviceId) ?? 0);
      lastTs.set(report.deviceId, ts);
    }
    expect(summary.simulatedToMs - summary.simulatedFromMs).toBeGreaterThan(10 * 60_000);
    expect(connected.size).toBe(0);
    expect(lines.some((l) => l.includes('seed=11'))).toBe(true);
    expect(await handle.stop()).toBe(summary);
  });

  it('at speed-up 1 the reports carry the wall time', async () => {
    const vehicles = [{ deviceId: 'hn-taxi-live', category: 'taxi', energyType: 'bev', city: '海口市' } as const];
    const started = Date.now();
    const handle = await runFleetSimulator({ mqttUrl, vehicles, seed: 3, statusMessages: false, staggerS: 0 });
    await waitFor(() => handle.published > 0);
    await handle.stop();
    const report = telemetryReportV1.parse(JSON.parse(seen.find((m) => m.topic.endsWith('/telemetry'))?.payload.toString() ?? ''));
    expect(Date.parse(report.ts)).toBeGreaterThanOrEqual(started - 5);
    expect(Date.parse(report.ts)).toBeLessThanOrEqual(Date.now());
    expect(seen.filter((m) => m.topic.endsWith('/status'))).toEqual([]);
  });

  it('rejects at once when the broker is unreachable', async () => {
    await expect(
      runFleetSimulator({ mqttUrl: 'mqtt://127.0.0.1:1', vehicles: [{ deviceId: 'x-1', category: 'bus', energyType: 'bev', city: '海口市' }] }),
    ).rejects.toThrow(/could not connect/);
  });
});
