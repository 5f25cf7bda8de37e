/**
 * The supervision routes over in-memory ports, through the real router and the route table (roles included):
 * paging across categories, validation, 404s, the shapes the dashboard reads.
 */
import { describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../../functions/api/http.ts';
import { createRouter } from '../../../functions/api/router.ts';
import type { VehicleV1 } from '../../../functions/contracts/vehicle.v1.ts';
import { initialVehicleState, type VehicleRuleState } from '../../../functions/domain/supervision/engine.ts';
import { localDayNumber } from '../../../functions/domain/supervision/local-time.ts';
import type { PositionReport } from '../../../functions/domain/supervision/types.ts';
import type {
  LatestVehicleState,
  StoredViolation,
  TrackPoint,
  TrackReader,
  VehicleStateReader,
  ViolationReader,
} from '../../../functions/fleet/api-ports.ts';
import { latestPositionResponse, supervisionRoutes, trackPointResponse, violationResponse } from '../../../functions/fleet/api-routes.ts';
import type { VehicleStateItem } from '../../../functions/fleet/ports.ts';
import { apiFunctions, type ConsoleRole } from '../../../infra/topology.ts';
import { MemoryVehicleRegistry } from '../registry/memory-registry.ts';

const nowMs = Date.parse('2026-11-30T04:00:00Z'); // 12:00 in Hainan
const minute = 60_000;
const hour = 60 * minute;

// ── In-memory ports ──────────────────────────────────────────────────────────────────────────────────────────────

class MemoryViolations implements ViolationReader {
  readonly items: StoredViolation[] = [];
  queries = 0;

  async listViolations(filter: Parameters<ViolationReader['listViolations']>[0], range: Parameters<ViolationReader['listViolations']>[1], options: Parameters<ViolationReader['listViolations']>[2]) {
    this.queries++;
    const key = (v: StoredViolation) => `${new Date(v.startMs).toISOString()}|${v.violationId}`;
    const value = (v: StoredViolation) => String(v[filter.field]);
    let all = this.items
      .filter((v) => value(v) === filter.value)
      .filter((v) => new Date(v.startMs).toISOString() >= range.fromUtc && new Date(v.startMs).toISOString() <= range.toUtc)
      .sort((a, b) => (key(a) < key(b) ? 1 : -1));
    if (options.after) {
      const after = `${options.after.startUtc}|${options.after.violationId}`;
      all = all.filter((v) => key(v) < after);
    }
    return { items: all.slice(0, options.limit).map(({ evidence: _e, ...rest }) => rest), more: all.length > options.limit };
  }

  async getViolation(violationId: string) {
    return this.items.find((v) => v.violationId === violationId);
  }
}

class MemoryTracks implements TrackReader {
  readonly points = new Map<string, TrackPoint[]>();
  async trackPoints(deviceId: string, range: { fromUtc: string; toUtc: string }, options: { limit: number; startKey?: Readonly<Record<string, string | number>> }) {
    const inRange = (this.points.get(deviceId) ?? [])
      .filter((p) => p.tsMs >= Date.parse(range.fromUtc) && p.tsMs <= Date.parse(range.toUtc))
      .sort((a, b) => a.tsMs - b.tsMs);
    const start = options.startKey ? inRange.findIndex((p) => p.tsMs > Number(options.startKey?.tsMs)) : 0;
    const items = start < 0 ? [] : inRange.slice(start, start + options.limit);
    const last = items.at(-1);
    return { items, ...(last && start + options.limit < inRange.length ? { nextKey: { deviceId, tsMs: last.tsMs } } : {}) };
  }
}

class MemoryStates implements VehicleStateReader {
  readonly states = new Map<string, VehicleStateItem>();
  async scanLatest(options: { limit: number; startKey?: Readonly<Record<string, string | number>> }) {
    const all = [...this.states.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    const start = options.startKey ? all.findIndex((s) => s.deviceId > String(options.startKey?.deviceId)) : 0;
    const page = start < 0 ? [] : all.slice(start, start + options.limit);
    const items = page.map((s): LatestVehicleState => ({
      deviceId: s.deviceId,
      registered: s.registered,
      ...(s.lastPosition ? { lastPosition: s.lastPosition } : {}),
      ...(s.connection ? { connection: s.connection } : {}),
    }));
    const last = page.at(-1);
    return { items, ...(last && start + options.limit < all.length ? { nextKey: { deviceId: last.deviceId } } : {}) };
  }
  async getState(deviceId: string) {
    return this.states.get(deviceId);
  }
}

// ── Fixtures ─────────────────────────────────────────────────────────────────────────────────────────────────────

const coach: VehicleV1 = { deviceId: 'hn-coach-0001', plate: '琼A·20381', plateColor: 'yellow', category: 'coach', energyType: 'diesel', operator: '海汽集团', city: '海口市', inService: true };
const tanker: VehicleV1 = { ...coach, deviceId: 'hn-hazmat-0001', plate: '琼C·65976', category: 'hazmat', operator: '琼港危运', hazmatClass: '3' };
const truck: VehicleV1 = { ...coach, deviceId: 'hn-truck-0001', plate: '琼B·77001', category: 'heavy-truck', operator: '海南货运', energyType: 'lng' };
const vehicles = [coach, tanker, truck];

const report = (deviceId: string, tsMs: number, seq: number, extra: Partial<PositionReport> = {}): PositionReport => ({
  deviceId,
  seq,
  tsMs,
  lat: Number((19.9 + seq / 1000).toFixed(6)),
  lon: 110.3,
  speedKmh: 88,
  headingDeg: 90,
  ...extra,
});

function violation(vehicle: VehicleV1, type: StoredViolation['type'], startMs: number, n: number): StoredViolation {
  return {
    violationId: `${type}:${vehicle.deviceId}:-:${startMs}:${n}`,
    deviceId: vehicle.deviceId,
    type,
    startMs,
    endMs: startMs + 3 * minute,
    plate: vehicle.plate,
    category: vehicle.category,
    operator: vehicle.operator,
    city: vehicle.city,
    details: { peakSpeedKmh: 113.3, limitKmh: 100 },
    basis: { ruleId: `${type}-rule`, source: '道路运输车辆动态监督管理办法' },
    evidence: [report(vehicle.deviceId, startMs, 1), report(vehicle.deviceId, startMs + minute, 2, { driverId: 'D1', alarmFlags: 2 })],
    status: 'open',
    publishedAt: new Date(startMs + 6 * minute).toISOString(),
  };
}

/** 3 vehicles × 5 violations, two pairs with the same start time across categories, one older than a day. */
function fixture() {
  const violations = new MemoryViolations();
  const types = ['speeding', 'fatigue-continuous', 'hazmat-zone', 'night-coach', 'silent-terminal'] as const;
  vehicles.forEach((vehicle, v) => {
    types.forEach((type, t) => {
      violations.items.push(violation(vehicle, type, nowMs - (t * 3 + v) * hour + (v === 2 ? hour : 0), t));
    });
  });
  violations.items.push(violation(coach, 'speeding', nowMs - 30 * hour, 9));
  const tracks = new MemoryTracks();
  tracks.points.set(
    coach.deviceId,
    Array.from({ length: 25 }, (_, i) => ({ seq: i, tsMs: nowMs - 150 * minute + i * 5 * minute, lat: 20 + i / 100, lon: 110.3, speedKmh: 60, headingDeg: 45, ...(i === 3 ? { late: true } : {}) })),
  );
  const states = new MemoryStates();
  const engine: VehicleRuleState = {
    ...initialVehicleState(coach.deviceId),
    lastApplied: report(coach.deviceId, nowMs - 2 * minute, 40, { driverId: 'D1' }),
    drivers: [
      {
        key: 'D1',
        lastDriveEndMs: nowMs - 2 * minute,
        blockStartMs: nowMs - 3 * hour,
        blockStart: null,
        continuousMs: 3 * hour - 2 * minute,
        nightMs: 0,
        raisedContinuous: false,
        raisedNight: false,
        day: localDayNumber(nowMs, 480),
        dayMs: 5 * hour,
        dayFirst: null,
        raisedDaily: false,
      },
      {
        key: '-',
        lastDriveEndMs: nowMs - 5 * hour,
        blockStartMs: nowMs - 9 * hour,
        blockStart: null,
        continuousMs: 4 * hour,
        nightMs: hour,
        raisedContinuous: true,
        raisedNight: false,
        day: localDayNumber(nowMs - 30 * hour, 480),
        dayMs: 7 * hour,
        dayFirst: null,
        raisedDaily: false,
      },
    ],
  };
  states.states.set(coach.deviceId, {
    deviceId: coach.deviceId,
    registered: true,
    updatedAtMs: nowMs,
    lastReportMs: nowMs - minute,
    lastPosition: { lat: 20.01, lon: 110.31, speedKmh: 72, tsMs: nowMs - minute },
    connection: { connected: true, atMs: nowMs - hour, versionNumber: 3 },
    engine,
  });
  states.states.set(tanker.deviceId, { deviceId: tanker.deviceId, registered: true, updatedAtMs: nowMs, lastPosition: { lat: 19.5, lon: 109.6, speedKmh: 0, tsMs: nowMs - 10 * minute } });
  states.states.set('hn-ghost-0001', { deviceId: 'hn-ghost-0001', registered: false, updatedAtMs: nowMs, lastPosition: { lat: 18.3, lon: 109.5, speedKmh: 30, tsMs: nowMs - 5 * minute }, connection: { connected: false, atMs: nowMs - 2 * minute, versionNumber: 1 } });
  states.states.set('hn-presence-only', { deviceId: 'hn-presence-only', registered: false, updatedAtMs: nowMs, connection: { connected: true, atMs: nowMs, versionNumber: 1 } });
  const registry = new MemoryVehicleRegistry();
  for (const vehicle of vehicles) void registry.put(vehicle);
  const route = createRouter(apiFunctions.supervisionApi.routes, supervisionRoutes({ violations, tracks, states, registry, nowMs: () => nowMs }));
  return { violations, tracks, states, registry, route };
}

const claimsFor = (role: ConsoleRole) => ({ sub: `user-${role}`, 'cognito:groups': `[${role}]` });

function get(path: string, query: Record<string, string> = {}, role: ConsoleRole | null = 'supervisor'): ApiRequest {
  return { method: 'GET', path, query, headers: {}, ...(role ? { claims: claimsFor(role) } : {}) };
}

async function call(route: ReturnType<typeof fixture>['route'], request: ApiRequest) {
  const response = await route(request);
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary response bodies
  return { status: response.statusCode, body: JSON.parse(response.body) as any };
}

/** Every page of a listing, following cursors. */
async function allPages(route: ReturnType<typeof fixture>['route'], path: string, query: Record<string, string>) {
  const items: Array<Record<string, unknown>> = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const { status, body } = await call(route, get(path, { ...query, ...(cursor ? { cursor } : {}) }));
    expect(status, JSON.stringify(body)).toBe(200);
    items.push(...body.items);
    cursor = body.cursor;
    pages++;
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return { items, pages };
}

// ── Violations ───────────────────────────────────────────────────────────────────────────────────────────────────

describe('GET /supervision/violations', () => {
  const expectedAll = (f: ReturnType<typeof fixture>, keep: (v: StoredViolation) => boolean) =>
    f.violations.items
      .filter((v) => v.startMs >= nowMs - 24 * hour && keep(v))
      .sort((a, b) => b.startMs - a.startMs || (a.violationId < b.violationId ? 1 : -1))
      .map((v) => v.violationId);

  for (const limit of [1, 2, 3, 4, 7, 50]) {
    it(`merges the categories newest first across pages of ${limit}, each violation once`, async () => {
      const f = fixture();
      const { items, pages } = await allPages(f.route, '/supervision/violations', { limit: String(limit) });
      const want = expectedAll(f, () => true);
      expect(items.map((i) => i.violationId)).toHaveLength(want.length);
      expect(new Set(items.map((i) => i.violationId))).toEqual(new Set(want));
      const starts = items.map((i) => Date.parse(String(i.startAt)));
      expect(starts).toEqual([...starts].sort((a, b) => b - a));
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(want.length / limit));
      expect(pages).toBeLessThanOrEqual(Math.ceil(want.length / limit) + 1);
    });
  }

  const filters: Array<[string, Record<string, string>, (v: StoredViolation) => boolean]> = [
    ['deviceId', { deviceId: tanker.deviceId }, (v) => v.deviceId === tanker.deviceId],
    ['operator', { operator: truck.operator }, (v) => v.operator === truck.operator],
    ['category', { category: 'coach' }, (v) => v.category === 'coach'],
    ['type', { type: 'hazmat-zone' }, (v) => v.type === 'hazmat-zone'],
  ];
  for (const [name, query, keep] of filters) {
    it(`filters by ${name}, paged`, async () => {
      const f = fixture();
      const { items } = await allPages(f.route, '/supervision/violations', { ...query, limit: '2' });
      expect(items.map((i) => i.violationId)).toEqual(expectedAll(f, keep));
      for (const item of items) expect(violationResponse.safeParse(item).success).toBe(true);
    });
  }

  it('returns the contract shape without evidence, times in +08:00', async () => {
    const f = fixture();
    const { body } = await call(f.route, get('/supervision/violations', { deviceId: coach.deviceId, limit: '1' }));
    const item = violationResponse.parse(body.items[0]);
    expect(item).toMatchObject({ type: 'speeding', vehicle: { deviceId: coach.deviceId, plate: coach.plate, category: 'coach', operator: coach.operator }, status: 'open' });
    expect(item.startAt).toBe('2026-11-30T12:00:00.000+08:00');
    expect(item.raisedAt).toBe('2026-11-30T12:06:00.000+08:00');
    expect(item).not.toHaveProperty('evidence');
    expect(body.cursor).toEqual(expect.any(String));
  });

  it('covers the last 24 h by default and takes an explicit range up to 31 days', async () => {
    const f = fixture();
    const old = f.violations.items.find((v) => v.startMs === nowMs - 30 * hour) as StoredViolation;
    const recent = await allPages(f.route, '/supervision/violations', { deviceId: coach.deviceId });
    expect(recent.items.map((i) => i.violationId)).not.toContain(old.violationId);
    const wide = await allPages(f.route, '/supervision/violations', { deviceId: coach.deviceId, from: '2026-11-28T12:00:00+08:00', to: '2026-11-30T12:00:00+08:00' });
    expect(wide.items.map((i) => i.violationId)).toContain(old.violationId);
  });

  const invalid: Array<[string, Record<string, string>, string]> = [
    ['two filters', { deviceId: coach.deviceId, type: 'speeding' }, 'invalid_query'],
    ['an unknown category', { category: 'spaceship' }, 'invalid_query'],
    ['an unknown type', { type: 'jaywalking' }, 'invalid_query'],
    ['a device id that is not a thing name', { deviceId: 'a b' }, 'invalid_query'],
    ['limit 0', { limit: '0' }, 'invalid_query'],
    ['limit 1001', { limit: '1001' }, 'invalid_query'],
    ['limit not a number', { limit: 'ten' }, 'invalid_query'],
    ['from after to', { from: '2026-11-30T10:00:00+08:00', to: '2026-11-30T09:00:00+08:00' }, 'invalid_query'],
    ['a range over 31 days', { from: '2026-10-01T00:00:00+08:00', to: '2026-11-30T00:00:00+08:00' }, 'invalid_query'],
    ['from without an offset', { from: '2026-11-30T10:00:00' }, 'invalid_query'],
    ['a forged cursor', { cursor: 'not-a-cursor' }, 'invalid_cursor'],
  ];
  for (const [name, query, code] of invalid) {
    it(`refuses ${name} with 400 ${code}`, async () => {
      const { status, body } = await call(fixture().route, get('/supervision/violations', query));
      expect(status).toBe(400);
      expect(body.error.code).toBe(code);
    });
  }

  it('refuses a cursor of another filter or another listing', async () => {
    const f = fixture();
    const first = await call(f.route, get('/supervision/violations', { category: 'coach', limit: '1' }));
    const other = await call(f.route, get('/supervision/violations', { category: 'hazmat', cursor: first.body.cursor }));
    expect([other.status, other.body.error.code]).toEqual([400, 'invalid_cursor']);
    const positions = await call(f.route, get('/supervision/positions', { limit: '1' }));
    const foreign = await call(f.route, get('/supervision/violations', { cursor: positions.body.cursor }));
    expect([foreign.status, foreign.body.error.code]).toEqual([400, 'invalid_cursor']);
  });

  it('stops querying a category once it is exhausted', async () => {
    const f = fixture();
    const first = await call(f.route, get('/supervision/violations', { limit: '2' }));
    f.violations.queries = 0;
    await call(f.route, get('/supervision/violations', { limit: '2', cursor: first.body.cursor }));
    // Only coach, hazmat and heavy-truck have violations: the other five categories ended on the first page.
    expect(f.violations.queries).toBe(3);
  });
});

describe('GET /supervision/violations/{violationId}', () => {
  it('returns the violation with its evidence in the alert contract’s shape', async () => {
    const f = fixture();
    const stored = f.violations.items[0] as StoredViolation;
    const { status, body } = await call(f.route, get(`/supervision/violations/${encodeURIComponent(stored.violationId)}`));
    expect(status).toBe(200);
    const item = violationResponse.parse(body);
    expect(item.violationId).toBe(stored.violationId);
    expect(item.evidence).toEqual([
      { seq: 1, ts: '2026-11-30T12:00:00.000+08:00', lat: 19.901, lon: 110.3, speedKmh: 88, headingDeg: 90 },
      { seq: 2, ts: '2026-11-30T12:01:00.000+08:00', lat: 19.902, lon: 110.3, speedKmh: 88, headingDeg: 90, driverId: 'D1', alarmFlags: 2 },
    ]);
  });

  it('is 404 for an unknown id', async () => {
    const { status, body } = await call(fixture().route, get('/supervision/violations/speeding:nobody:-:1'));
    expect([status, body.error.code]).toEqual([404, 'not_found']);
  });
});

// ── Positions ────────────────────────────────────────────────────────────────────────────────────────────────────

describe('GET /supervision/positions', () => {
  it("lists every located vehicle's latest position joined with the registry", async () => {
    const f = fixture();
    const { status, body } = await call(f.route, get('/supervision/positions'));
    expect(status).toBe(200);
    expect(body.cursor).toBeUndefined();
    for (const item of body.items) latestPositionResponse.parse(item);
    const byId = Object.fromEntries(body.items.map((i: { deviceId: string }) => [i.deviceId, i]));
    expect(Object.keys(byId).sort()).toEqual(['hn-coach-0001', 'hn-ghost-0001', 'hn-hazmat-0001']);
    expect(byId['hn-coach-0001']).toEqual({
      deviceId: coach.deviceId,
      plate: coach.plate,
      category: 'coach',
      fuelType: 'diesel',
      operator: coach.operator,
      lat: 20.01,
      lon: 110.31,
      speedKmh: 72,
      tsUtc: new Date(nowMs - minute).toISOString(),
      online: true,
    });
    expect(byId['hn-ghost-0001']).toEqual({ deviceId: 'hn-ghost-0001', lat: 18.3, lon: 109.5, speedKmh: 30, tsUtc: new Date(nowMs - 5 * minute).toISOString(), online: false });
    expect(byId['hn-hazmat-0001']).not.toHaveProperty('online');
  });

  it('pages with a cursor', async () => {
    const { items, pages } = await allPages(fixture().route, '/supervision/positions', { limit: '1' });
    expect(items.map((i) => i.deviceId)).toEqual(['hn-coach-0001', 'hn-ghost-0001', 'hn-hazmat-0001']);
    expect(pages).toBe(4);
  });

  it('refuses a limit over 1000', async () => {
    const { status, body } = await call(fixture().route, get('/supervision/positions', { limit: '1001' }));
    expect([status, body.error.code]).toEqual([400, 'invalid_query']);
  });
});

// ── One vehicle ──────────────────────────────────────────────────────────────────────────────────────────────────

describe('GET /supervision/vehicles/{deviceId}', () => {
  it('joins the registry entry, the latest position, the driving clocks and the connection', async () => {
    const { status, body } = await call(fixture().route, get(`/supervision/vehicles/${coach.deviceId}`));
    expect(status).toBe(200);
    expect(body.vehicle).toMatchObject(coach);
    expect(body.latest).toEqual({ lat: 20.01, lon: 110.31, speedKmh: 72, tsUtc: new Date(nowMs - minute).toISOString() });
    expect(body.online).toBe(true);
    expect(body.driving).toMatchObject({
      asOfUtc: new Date(nowMs - 2 * minute).toISOString(),
      currentDriverId: 'D1',
      continuousDrivingS: 3 * 3600 - 120,
      drivingTodayS: 5 * 3600,
      speeding: null,
      hazmatZonesInside: [],
    });
    // The driver without an id rested for hours: the continuous clock is read as reset.
    expect(body.driving.drivers[1]).toMatchObject({ driverId: null, continuousDrivingS: 0, drivingBlockStartUtc: null, dailyDrivingS: 7 * 3600, dailyLocalDate: '2026-11-29' });
  });

  it('answers for a vehicle only the registry knows, and for one only the telemetry knows', async () => {
    const f = fixture();
    const registered = await call(f.route, get(`/supervision/vehicles/${truck.deviceId}`));
    expect(registered.status).toBe(200);
    expect(registered.body).toMatchObject({ deviceId: truck.deviceId, latest: null, online: null, driving: { continuousDrivingS: 0, drivingTodayS: null } });
    const ghost = await call(f.route, get('/supervision/vehicles/hn-ghost-0001'));
    expect(ghost.status).toBe(200);
    expect(ghost.body).toMatchObject({ vehicle: null, online: false, latest: { lat: 18.3 } });
  });

  const notFound: Array<[string, string, number, string]> = [
    ['unknown everywhere', '/supervision/vehicles/hn-nobody', 404, 'not_found'],
    ['not a thing name', '/supervision/vehicles/a%20b', 400, 'invalid_request'],
  ];
  for (const [name, path, status, code] of notFound) {
    it(`is ${status} for a device ${name}`, async () => {
      const response = await call(fixture().route, get(path));
      expect([response.status, response.body.error.code]).toEqual([status, code]);
    });
  }
});

describe('GET /supervision/vehicles/{deviceId}/track', () => {
  it('returns the last two hours oldest first by default, paged', async () => {
    const f = fixture();
    const { items } = await allPages(f.route, `/supervision/vehicles/${coach.deviceId}/track`, { limit: '7' });
    for (const item of items) trackPointResponse.parse(item);
    const times = items.map((i) => Date.parse(String(i.tsUtc)));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // 25 points every 5 min from now − 150 min: those from now − 120 min on.
    expect(items.map((i) => i.seq)).toEqual(Array.from({ length: 19 }, (_, i) => i + 6));
    expect(items[0]).toEqual({ tsUtc: new Date(nowMs - 120 * minute).toISOString(), seq: 6, lat: 20.06, lon: 110.3, speedKmh: 60, headingDeg: 45 });
  });

  it('takes an explicit range, and marks late points', async () => {
    const { body } = await call(fixture().route, get(`/supervision/vehicles/${coach.deviceId}/track`, { from: '2026-11-30T09:30:00+08:00', to: '2026-11-30T09:45:00+08:00' }));
    expect(body.items.map((i: { seq: number }) => i.seq)).toEqual([0, 1, 2, 3]);
    expect(body.items[3].late).toBe(true);
  });

  const invalid: Array<[string, Record<string, string>]> = [
    ['a range over 7 days', { from: '2026-11-20T00:00:00+08:00', to: '2026-11-30T00:00:00+08:00' }],
    ['limit 0', { limit: '0' }],
    ['a bad instant', { to: 'yesterday' }],
  ];
  for (const [name, query] of invalid) {
    it(`refuses ${name}`, async () => {
      const response = await call(fixture().route, get(`/supervision/vehicles/${coach.deviceId}/track`, query));
      expect([response.status, response.body.error.code]).toEqual([400, 'invalid_query']);
    });
  }

  it("refuses another vehicle's cursor", async () => {
    const f = fixture();
    const first = await call(f.route, get(`/supervision/vehicles/${coach.deviceId}/track`, { limit: '2' }));
    const other = await call(f.route, get(`/supervision/vehicles/${tanker.deviceId}/track`, { cursor: first.body.cursor }));
    expect([other.status, other.body.error.code]).toEqual([400, 'invalid_cursor']);
  });
});

// ── Roles (from the route table, through the router) ────────────────────────────────────────────────────────────

describe('roles', () => {
  const paths: Record<string, string> = {
    listViolations: '/supervision/violations',
    getViolation: `/supervision/violations/${encodeURIComponent(`speeding:${coach.deviceId}:-:${nowMs}:0`)}`,
    listLatestPositions: '/supervision/positions',
    getVehicleState: `/supervision/vehicles/${coach.deviceId}`,
    getVehicleTrack: `/supervision/vehicles/${coach.deviceId}/track`,
  };
  const table: Array<[ConsoleRole | null, string, number]> = [
    ['operator', 'listLatestPositions', 200],
    ['operator', 'listViolations', 403],
    ['operator', 'getViolation', 403],
    ['operator', 'getVehicleState', 403],
    ['operator', 'getVehicleTrack', 403],
    ['enforcement', 'listLatestPositions', 200],
    ['enforcement', 'listViolations', 403],
    ['supervisor', 'listViolations', 200],
    ['supervisor', 'getViolation', 200],
    ['supervisor', 'listLatestPositions', 200],
    ['supervisor', 'getVehicleState', 200],
    ['supervisor', 'getVehicleTrack', 200],
    ['admin', 'listViolations', 200],
    ['admin', 'getVehicleTrack', 200],
    [null, 'listLatestPositions', 401],
    [null, 'listViolations', 401],
  ];
  for (const [role, operationId, status] of table) {
    it(`${role ?? 'no caller'} → ${operationId}: ${status}`, async () => {
      const response = await call(fixture().route, get(paths[operationId] as string, {}, role));
      expect(response.status, JSON.stringify(response.body)).toBe(status);
    });
  }
});
