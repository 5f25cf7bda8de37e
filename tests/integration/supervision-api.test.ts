/**
 * The supervision API end to end on the embedded stack, over real sockets: vehicles registered through the registry
 * API, the violation scenarios published over MQTT → topic rule → Kinesis emulator → the real fleet handler →
 * dynalite, the sweep run as the schedule would; then every supervision route asked over HTTP with the development
 * tokens (the local stand-in for API Gateway's JWT authorizer) and checked against what was driven.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishScenario } from '../../devices/fleet/publish.ts';
import { buildScenario, rebaseBefore, reportsOf, type Scenario, type ScenarioName } from '../../devices/fleet/scenarios.ts';
import { latestPositionResponse, trackPointResponse, violationResponse } from '../../functions/fleet/api-routes.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';

// As in fleet-scenarios.test.ts: the last report at least the allowed lateness before now, so the sweep closes all.
const marginMs = 8 * 60_000;
const driven: readonly ScenarioName[] = ['speeding', 'fatigue', 'night-run', 'hazmat-zone', 'silent-terminal'];

describe('supervision API on the embedded stack', () => {
  let stack: LocalStack;
  const scenarios: Scenario[] = [];
  let range: { from: string; to: string };

  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary response bodies
  async function api(path: string, query: Record<string, string> = {}, token: string | null = stack.devToken): Promise<{ status: number; body: any }> {
    const url = new URL(`/api${path}`, stack.endpoints.consoleUrl);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const response = await fetch(url, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }

  async function allPages(path: string, query: Record<string, string>) {
    const items: Array<Record<string, unknown>> = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 200; pages++) {
      const { status, body } = await api(path, { ...query, ...(cursor ? { cursor } : {}) });
      expect(status, JSON.stringify(body)).toBe(200);
      items.push(...body.items);
      cursor = body.cursor;
      if (!cursor) return items;
    }
    throw new Error(`${path}: too many pages`);
  }

  const vehicles = () => scenarios.flatMap((s) => s.vehicles);
  const expectedViolations = () => scenarios.flatMap((s) => s.expected.violations);
  const categoryOf = (deviceId: string) => vehicles().find((v) => v.deviceId === deviceId)?.category;
  const countBy = (values: readonly string[]) => Object.fromEntries([...new Set(values)].sort().map((v) => [v, values.filter((x) => x === v).length]));

  beforeAll(async () => {
    stack = await startLocalStack({
      mqttPort: 0,
      dynamodbPort: 0,
      httpPort: 0,
      stage: 'supapi',
      log: () => {},
      scheduleIntervalMs: { fleetSweep: 0 },
      passThroughEnv: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    const nowMs = Date.now();
    for (const name of driven) scenarios.push(rebaseBefore(buildScenario(name), nowMs, marginMs));
    range = {
      from: new Date(Math.min(...scenarios.map((s) => s.startMs)) - 3_600_000).toISOString(),
      to: new Date(nowMs + 60_000).toISOString(),
    };
    for (const vehicle of vehicles()) {
      const response = await fetch(`${stack.endpoints.iotDataUrl}/api/vehicles/${vehicle.deviceId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.devToken}` },
        body: JSON.stringify(vehicle),
      });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
    }
    for (const scenario of scenarios) {
      const published = await publishScenario(stack.endpoints.mqttUrl, scenario, { will: false });
      await published.close();
    }
    await stack.drain();
    await stack.runScheduled('fleetSweep');
    await stack.drain();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists every driven violation once, newest first, merged over the categories and paged', async () => {
    const items = await allPages('/supervision/violations', { ...range, limit: '2' });
    expect(items.length).toBeGreaterThanOrEqual(driven.length);
    for (const item of items) {
      violationResponse.parse(item);
      expect(item).not.toHaveProperty('evidence');
    }
    expect(new Set(items.map((i) => i.violationId)).size).toBe(items.length);
    const starts = items.map((i) => Date.parse(String(i.startAt)));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    const got = items.map((i) => i as { type: string; vehicle: { deviceId: string; category: string } });
    expect(countBy(got.map((i) => i.type))).toEqual(countBy(expectedViolations().map((v) => v.type)));
    expect(countBy(got.map((i) => i.vehicle.category))).toEqual(countBy(expectedViolations().map((v) => String(categoryOf(v.deviceId)))));
    expect(got.map((i) => `${i.vehicle.deviceId} ${i.type}`).sort()).toEqual(expectedViolations().map((v) => `${v.deviceId} ${v.type}`).sort());
  });

  it('filters by type, category, vehicle and operator', async () => {
    const expected = expectedViolations();
    for (const type of new Set(expected.map((v) => v.type))) {
      const items = await allPages('/supervision/violations', { ...range, type });
      expect(items.length, type).toBe(expected.filter((v) => v.type === type).length);
    }
    for (const category of new Set(expected.map((v) => String(categoryOf(v.deviceId))))) {
      const items = await allPages('/supervision/violations', { ...range, category });
      expect(items.length, category).toBe(expected.filter((v) => categoryOf(v.deviceId) === category).length);
    }
    const coach = (scenarios[0] as Scenario).vehicles[0] as Scenario['vehicles'][number];
    const byVehicle = await allPages('/supervision/violations', { ...range, deviceId: coach.deviceId });
    expect(byVehicle.map((i) => i.type)).toEqual(['speeding']);
    const byOperator = await allPages('/supervision/violations', { ...range, operator: coach.operator });
    expect(byOperator.map((i) => (i.vehicle as { deviceId: string }).deviceId)).toContain(coach.deviceId);
  });

  it('serves one violation with its evidence, and 404 for an unknown one', async () => {
    const [first] = await allPages('/supervision/violations', { ...range, type: 'hazmat-zone' });
    const { status, body } = await api(`/supervision/violations/${encodeURIComponent(String(first?.violationId))}`);
    expect(status).toBe(200);
    const violation = violationResponse.parse(body);
    expect(violation.evidence?.length).toBeGreaterThan(0);
    expect(violation.details.zoneId).toEqual(expect.any(String));
    const missing = await api('/supervision/violations/speeding%3Anobody%3A-%3A1');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
  });

  it("puts every vehicle's last report on the map, joined with the registry", async () => {
    const items = await allPages('/supervision/positions', { limit: '2' });
    const byId = new Map(items.map((i) => [String(i.deviceId), latestPositionResponse.parse(i)]));
    for (const scenario of scenarios) {
      for (const vehicle of scenario.vehicles) {
        const reports = reportsOf(scenario.messages).filter((r) => r.deviceId === vehicle.deviceId);
        if (reports.length === 0) continue;
        const last = reports.reduce((a, b) => (Date.parse(a.ts) >= Date.parse(b.ts) ? a : b));
        expect(byId.get(vehicle.deviceId), vehicle.deviceId).toMatchObject({
          plate: vehicle.plate,
          category: vehicle.category,
          fuelType: vehicle.energyType,
          operator: vehicle.operator,
          lat: last.lat,
          lon: last.lon,
          speedKmh: last.speedKmh,
          tsUtc: new Date(Date.parse(last.ts)).toISOString(),
        });
      }
    }
  });

  it("shows a vehicle's registry entry, latest position and driving clocks", async () => {
    const fatigue = scenarios.find((s) => s.name === 'fatigue') as Scenario;
    const vehicle = fatigue.vehicles[0] as Scenario['vehicles'][number];
    const { status, body } = await api(`/supervision/vehicles/${vehicle.deviceId}`);
    expect(status).toBe(200);
    expect(body.vehicle).toMatchObject({ deviceId: vehicle.deviceId, plate: vehicle.plate });
    const last = reportsOf(fatigue.messages)
      .filter((r) => r.deviceId === vehicle.deviceId)
      .reduce((a, b) => (Date.parse(a.ts) >= Date.parse(b.ts) ? a : b));
    expect(body.latest).toMatchObject({ lat: last.lat, lon: last.lon, speedKmh: last.speedKmh, tsUtc: new Date(Date.parse(last.ts)).toISOString() });
    expect(body.driving).toMatchObject({ continuousDrivingS: expect.any(Number), drivers: expect.any(Array) });
    expect(body.driving.asOfUtc).toEqual(expect.any(String));
    expect([true, false, null]).toContain(body.online);
    const missing = await api('/supervision/vehicles/hn-nobody-0000');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
  });

  it("returns a vehicle's track oldest first, every distinct report once, paged", async () => {
    const speeding = scenarios.find((s) => s.name === 'speeding') as Scenario;
    const coach = speeding.vehicles[0] as Scenario['vehicles'][number];
    const items = await allPages(`/supervision/vehicles/${coach.deviceId}/track`, { from: new Date(speeding.startMs - 60_000).toISOString(), to: range.to, limit: '25' });
    for (const item of items) trackPointResponse.parse(item);
    expect(items).toHaveLength(speeding.expected.distinctReports[coach.deviceId] as number);
    const times = items.map((i) => Date.parse(String(i.tsUtc)));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const last = reportsOf(speeding.messages).reduce((a, b) => (Date.parse(a.ts) >= Date.parse(b.ts) ? a : b));
    expect(items.at(-1)).toMatchObject({ lat: last.lat, lon: last.lon, speedKmh: last.speedKmh, seq: last.seq });
  });

  it('lets an operator see the map but not the violations, and nobody without a token', async () => {
    expect((await api('/supervision/positions', {}, `${stack.devToken}.operator`)).status).toBe(200);
    expect((await api('/supervision/violations', {}, `${stack.devToken}.operator`)).status).toBe(403);
    expect((await api('/supervision/violations', {}, `${stack.devToken}.supervisor`)).status).toBe(200);
    expect((await api('/supervision/positions', {}, null)).status).toBe(401);
  });

  it('refuses a bad query with the one error format', async () => {
    const { status, body } = await api('/supervision/violations', { type: 'speeding', category: 'coach' });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_query', message: expect.any(String), details: expect.any(Array) });
  });
});
