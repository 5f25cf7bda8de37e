/**
 * Green metrics end to end on the embedded stack: a small registered fleet of Haikou drives known distances with
 * known energy and fuel counters over MQTT → fleet ingest (green accounting beside the rules) → the scheduled
 * snapshot → retained `metrics/green/460100` and the HTTP API. The figures are checked against hand arithmetic.
 * Then the same reports are delivered again: nothing may change.
 */
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../functions/adapters/dynamodb/document-client.ts';
import { DynamoDbVehicleStore } from '../../functions/adapters/dynamodb/vehicle-store.ts';
import { greenMetricsMessageV1, type GreenFleetMetricsV1, type GreenMetricsMessageV1 } from '../../functions/contracts/green-metrics.v1.ts';
import type { TelemetryReportV1 } from '../../functions/contracts/telemetry.v1.ts';
import type { VehicleV1 } from '../../functions/contracts/vehicle.v1.ts';
import { defaultGreenRules } from '../../functions/domain/green/rules-config.ts';
import { shanghaiDate, toShanghaiIso } from '../../functions/shared/local-time.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';

const minutes = 30;
const kmPerMinute = 1;

interface Driven {
  readonly vehicle: VehicleV1;
  /** Counter increments per km (kWh or L); absent = no counter reported. */
  readonly kWhPerKm?: number;
  readonly fuelLPerKm?: number;
  readonly reports: boolean;
}

const base = { plateColor: 'green', operator: '海口公交集团', city: '海口市', inService: true } as const;
const fleet: Driven[] = [
  { vehicle: { ...base, deviceId: 'gm-bus-e1', plate: '琼A·D0001', category: 'bus', energyType: 'bev' }, kWhPerKm: 1.1, reports: true },
  { vehicle: { ...base, deviceId: 'gm-bus-e2', plate: '琼A·D0002', category: 'bus', energyType: 'bev' }, kWhPerKm: 1.1, reports: true },
  { vehicle: { ...base, deviceId: 'gm-bus-d1', plate: '琼A·10003', plateColor: 'yellow', category: 'bus', energyType: 'diesel' }, fuelLPerKm: 0.35, reports: true },
  { vehicle: { ...base, deviceId: 'gm-bus-c1', plate: '琼A·10004', plateColor: 'yellow', category: 'bus', energyType: 'cng' }, reports: true },
  { vehicle: { ...base, deviceId: 'gm-bus-idle', plate: '琼A·10005', plateColor: 'yellow', category: 'bus', energyType: 'diesel' }, reports: false },
  { vehicle: { ...base, deviceId: 'gm-taxi-e1', plate: '琼A·D0006', category: 'taxi', energyType: 'bev' }, kWhPerKm: 0.15, reports: true },
  { vehicle: { ...base, deviceId: 'gm-taxi-g1', plate: '琼A·T0007', plateColor: 'blue', category: 'taxi', energyType: 'gasoline' }, fuelLPerKm: 0.07, reports: true },
];

/** All reports inside one local day, ending well before now (the lateness must have passed for them to count). */
function window(): { startMs: number; endMs: number } {
  let endMs = Date.now() - 8 * 60_000;
  let startMs = endMs - minutes * 60_000;
  if (shanghaiDate(startMs) !== shanghaiDate(endMs)) {
    endMs -= 3_600_000;
    startMs -= 3_600_000;
  }
  return { startMs, endMs };
}

function reportsOf(d: Driven, startMs: number): TelemetryReportV1[] {
  return Array.from({ length: minutes + 1 }, (_, i) => {
    const km = i * kmPerMinute;
    return {
      deviceId: d.vehicle.deviceId,
      seq: i,
      ts: toShanghaiIso(startMs + i * 60_000),
      // Northwards along a meridian near Haikou: 1 km ≈ 0.008993° of latitude, consistent with the odometer.
      lat: 19.9 + km * 0.008993,
      lon: 110.35,
      speedKmh: 60,
      headingDeg: 0,
      odometerKm: 10_000 + km,
      ignition: true,
      ...(d.kWhPerKm === undefined ? {} : { energyKWh: 5_000 + km * d.kWhPerKm }),
      ...(d.fuelLPerKm === undefined ? {} : { fuelL: 2_000 + km * d.fuelLPerKm }),
    };
  });
}

describe('green metrics on the embedded stack', () => {
  let stack: LocalStack;
  let dayKey: string;
  let firstStartMs: number;
  let published: GreenMetricsMessageV1;

  async function deliverAll(startMs: number): Promise<void> {
    for (const d of fleet.filter((f) => f.reports)) {
      const client = await connectAsync(stack.endpoints.mqttUrl, { clientId: d.vehicle.deviceId, clean: true, reconnectPeriod: 0 });
      for (const report of reportsOf(d, startMs)) await client.publishAsync(`fleet/${d.vehicle.deviceId}/telemetry`, JSON.stringify(report), { qos: 1 });
      await client.endAsync();
    }
    await stack.drain();
    // The sweep applies what the lateness still held back; then the snapshot runs as the schedule would.
    await stack.runScheduled('fleetSweep');
    await stack.runScheduled('greenSnapshot');
  }

  async function retained(): Promise<GreenMetricsMessageV1> {
    const client = await connectAsync(stack.endpoints.mqttUrl, { clientId: 'operator-green-e2e', clean: true });
    const message = new Promise<GreenMetricsMessageV1>((resolve) =>
      client.on('message', (_topic, payload) => resolve(greenMetricsMessageV1.parse(JSON.parse(payload.toString('utf8'))))),
    );
    await client.subscribeAsync('metrics/green/460100', { qos: 1 });
    const got = await message;
    await client.endAsync();
    return got;
  }

  beforeAll(async () => {
    stack = await startLocalStack({
      mqttPort: 0,
      dynamodbPort: 0,
      httpPort: 0,
      stage: 'green',
      log: () => {},
      scheduleIntervalMs: { fleetSweep: 0, greenSnapshot: 0 },
      passThroughEnv: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    await new DynamoDbVehicleStore(documentClient(stack.dynamo), stack.tableName('vehicles')).putMany(fleet.map((f) => f.vehicle));
    firstStartMs = window().startMs;
    dayKey = shanghaiDate(firstStartMs);
    await deliverAll(firstStartMs);
    published = await retained();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const rules = defaultGreenRules;
  const grid = rules.emissionFactors.gridKgCo2PerKWh.value;
  const diesel = rules.emissionFactors.fuelKgCo2PerL.diesel.value;
  const petrol = rules.emissionFactors.fuelKgCo2PerL.gasoline.value;
  const busBaselineL100 = rules.baseline.bus.value.lPer100Km;
  const taxiBaselineL100 = rules.baseline.taxi.value.lPer100Km;
  const km = minutes * kmPerMinute;

  function dayFleet(message: GreenMetricsMessageV1, fleetName: string): GreenFleetMetricsV1 {
    expect(message.periods.day.key).toBe(dayKey);
    const m = message.periods.day.fleets[fleetName];
    if (!m) throw new Error(`no ${fleetName} fleet in the day period`);
    return m;
  }

  it('publishes the bus fleet of Haikou exactly, retained', () => {
    expect(published.scope).toBe('city#460100');
    expect(published.city).toBe('海口市');
    const bus = dayFleet(published, 'bus');
    expect(bus).toMatchObject({ registered: 5, newEnergyRegistered: 2, cleanEnergyRegistered: 3, active: 4, activeNewEnergy: 2 });
    expect(bus.newEnergyShare).toBeCloseTo(2 / 5, 9);
    expect(bus.cleanEnergyShare).toBeCloseTo(3 / 5, 9);
    expect(bus.activeNewEnergyShare).toBeCloseTo(2 / 4, 9);
    expect(bus.vehicleKm).toBeCloseTo(4 * km, 6);
    expect(bus.electricVehicleKm).toBeCloseTo(2 * km, 6);
    expect(bus.electricKmShare).toBeCloseTo(0.5, 9);
    expect(bus.energyKWh).toBeCloseTo(2 * km * 1.1, 6);
    // Diesel bus only: natural gas is not metered in litres.
    expect(bus.fuelL).toBeCloseTo(km * 0.35, 6);
    const avoided = 2 * km * (busBaselineL100 / 100) * diesel - 2 * km * 1.1 * grid;
    expect(bus.co2AvoidedKg).toBeCloseTo(avoided, 2);
    expect(bus.estimatedKm).toBe(0);
  });

  it('publishes the taxi fleet and the targets', () => {
    const taxi = dayFleet(published, 'taxi');
    expect(taxi).toMatchObject({ registered: 2, newEnergyRegistered: 1, active: 2, activeNewEnergy: 1 });
    expect(taxi.vehicleKm).toBeCloseTo(2 * km, 6);
    expect(taxi.electricVehicleKm).toBeCloseTo(km, 6);
    expect(taxi.energyKWh).toBeCloseTo(km * 0.15, 6);
    expect(taxi.fuelL).toBeCloseTo(km * 0.07, 6);
    expect(taxi.co2AvoidedKg).toBeCloseTo(km * (taxiBaselineL100 / 100) * petrol - km * 0.15 * grid, 2);
    const busTarget = dayFleet(published, 'bus').targets.find((t) => t.metric === 'cleanEnergyShare');
    expect(busTarget).toMatchObject({ value: 0.6, met: false });
  });

  it('serves the same figures through the HTTP API, current and as history', async () => {
    const headers = { authorization: `Bearer ${stack.devToken}` };
    const current = await fetch(`${stack.endpoints.iotDataUrl}/api/metrics/green/current?city=460100`, { headers });
    expect(current.status).toBe(200);
    const body = (await current.json()) as { periods: { day: { key: string; fleets: Record<string, GreenFleetMetricsV1> } } };
    expect(body.periods.day.key).toBe(dayKey);
    expect(body.periods.day.fleets.bus).toEqual(published.periods.day.fleets.bus);
    const history = await fetch(`${stack.endpoints.iotDataUrl}/api/metrics/green/history?city=460100&period=day&from=${dayKey}&to=${dayKey}`, { headers });
    const items = ((await history.json()) as { items: Array<{ key: string }> }).items;
    expect(items.map((i) => i.key)).toEqual([dayKey]);
    const unauthorized = await fetch(`${stack.endpoints.iotDataUrl}/api/metrics/green/current`);
    expect(unauthorized.status).toBe(401);
  });

  it('changes nothing when every report is delivered again', async () => {
    // The same reports: same seq, same ts.
    await deliverAll(firstStartMs);
    const again = await retained();
    for (const fleetName of ['bus', 'taxi', 'all']) {
      const { targets: _t1, ...before } = dayFleet(published, fleetName);
      const { targets: _t2, ...after } = dayFleet(again, fleetName);
      expect(after).toEqual(before);
    }
  });
});
