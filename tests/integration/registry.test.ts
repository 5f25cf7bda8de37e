/**
 * The vehicle registry against dynalite with the real AWS SDK (the topology's Vehicles table, its GSIs), and the
 * registry API over real HTTP: node fetch → HttpRouter → the local API Gateway (HTTP API + dev-token JWT authorizer)
 * emulation → the real Lambda handler (middy, Powertools) → DynamoDB.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../functions/adapters/dynamodb/document-client.ts';
import { DynamoDbVehicleStore } from '../../functions/adapters/dynamodb/vehicle-store.ts';
import type { VehicleV1 } from '../../functions/contracts/vehicle.v1.ts';
import { createHandler } from '../../functions/handlers/registry-api.ts';
import { parseVehicleFile, vehiclesToCsv } from '../../functions/registry/import.ts';
import { InvalidCursorError, type StoredVehicle } from '../../functions/registry/ports.ts';
import { createTables, startDynalite, type LocalDynamo } from '../../infra/local/dynamodb.ts';
import { mountApi } from '../../infra/local/api-gateway.ts';
import { HttpRouter } from '../../infra/local/http-router.ts';
import { type LambdaHandler, LocalFunction } from '../../infra/local/lambda-runtime.ts';
import { closeServer, listen } from '../../infra/local/listen.ts';
import { localTableName, tables } from '../../infra/topology.ts';

const stage = 'registry-it';
const fixture = parseVehicleFile(readFileSync(new URL('../../devices/fixtures/vehicles.csv', import.meta.url), 'utf8'), 'csv');
if (!fixture.ok) throw new Error(`fixture does not import: ${JSON.stringify(fixture.errors)}`);
const fleet = fixture.vehicles;
const byId = (a: { deviceId: string }, b: { deviceId: string }) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0);
const strip = ({ createdAt: _c, updatedAt: _u, ...vehicle }: StoredVehicle): VehicleV1 => vehicle;

describe('vehicle registry on dynalite', () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;
  let tableName: string;
  let clockMs = Date.parse('2026-12-01T00:00:00Z');
  const nowMs = () => clockMs;
  let store: DynamoDbVehicleStore;

  beforeAll(async () => {
    dynamo = await startDynalite({ port: 0 });
    client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await createTables(client, stage, { vehicles: tables.vehicles });
    tableName = localTableName(stage, tables.vehicles);
    store = new DynamoDbVehicleStore(documentClient(client), tableName, { nowMs });
    await store.putMany(fleet);
  });

  afterAll(async () => {
    client?.destroy();
    await dynamo?.close();
  });

  it('imports the fixture: every vehicle back as written, with timestamps', async () => {
    const got = await store.get('hn-coach-0001');
    expect(got).toEqual({ ...fleet.find((v) => v.deviceId === 'hn-coach-0001'), createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' });
    expect(await store.get('hn-nobody')).toBeUndefined();
    const many = await store.getMany([...fleet.map((v) => v.deviceId), 'hn-nobody', 'hn-coach-0001']);
    expect(many.size).toBe(fleet.length);
    expect([...many.values()].map(strip).sort(byId)).toEqual([...fleet].sort(byId));
  });

  it('lists everything page by page (Scan + cursor)', async () => {
    const seen: StoredVehicle[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.vehicles.length).toBeLessThanOrEqual(7);
      seen.push(...page.vehicles);
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(fleet.length / 7));
    expect(seen.map(strip).sort(byId)).toEqual([...fleet].sort(byId));
  });

  it("lists an operator's vehicles by device id (byOperator), paged", async () => {
    const expected = fleet.filter((v) => v.operator === '海口公交集团').map((v) => v.deviceId).sort();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listByOperator('海口公交集团', { limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.vehicles.map((v) => v.deviceId));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect((await store.listByOperator('没有这个业户')).vehicles).toEqual([]);
  });

  it('finds by plate however it is written (byPlate)', async () => {
    for (const plate of ['琼A·01052D', '琼a01052d', '琼A 01052D', '琼Ａ·０１０５２Ｄ']) {
      expect((await store.findByPlate(plate)).map((v) => v.deviceId)).toEqual(['hn-bus-0001']);
    }
    expect(await store.findByPlate('琼A·99999')).toEqual([]);
  });

  it('refuses cursors it did not issue or issued for another listing', async () => {
    const scanCursor = (await store.list({ limit: 1 })).cursor as string;
    const operatorCursor = (await store.listByOperator('海口公交集团', { limit: 1 })).cursor as string;
    await expect(store.list({ cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.list({ cursor: 'not base64!' })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.listByOperator('海口公交集团', { cursor: scanCursor })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.list({ cursor: operatorCursor })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.listByOperator('三亚公交集团', { cursor: operatorCursor })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('put replaces the whole vehicle, keeps createdAt, moves it between indexes', async () => {
    clockMs += 60_000;
    const before = (await store.get('hn-taxi-0001')) as StoredVehicle;
    const { county: _county, ...rest } = strip(before);
    const result = await store.put({ ...rest, operator: '海口新能源出租汽车有限公司', plate: '琼A·D66666', inService: false });
    expect(result.created).toBe(false);
    expect(result.vehicle).toMatchObject({ createdAt: before.createdAt, updatedAt: '2026-12-01T00:01:00.000Z', inService: false });
    const after = (await store.get('hn-taxi-0001')) as StoredVehicle;
    expect(after).toEqual(result.vehicle);
    expect(after).not.toHaveProperty('county');
    expect((await store.findByPlate('琼A·D10582')).map((v) => v.deviceId)).toEqual([]);
    expect((await store.findByPlate('琼AD66666')).map((v) => v.deviceId)).toEqual(['hn-taxi-0001']);
    expect((await store.listByOperator('海口新能源出租汽车有限公司')).vehicles.map((v) => v.deviceId)).toEqual(['hn-taxi-0001']);

    const created = await store.put({ ...rest, deviceId: 'hn-taxi-0999', plate: '琼A·D99999' });
    expect(created).toMatchObject({ created: true, vehicle: { createdAt: '2026-12-01T00:01:00.000Z', updatedAt: '2026-12-01T00:01:00.000Z' } });

    // A plate that normalises to nothing stays out of the byPlate index (an empty GSI key would be rejected).
    expect((await store.put({ ...rest, deviceId: 'hn-taxi-0998', plate: '··' })).created).toBe(true);
    expect(await store.findByPlate('··')).toEqual([]);
    expect((await store.get('hn-taxi-0998'))?.plate).toBe('··');
  });

  it('putMany (re-import) keeps each createdAt and refreshes updatedAt', async () => {
    clockMs += 60_000;
    await store.putMany(fleet.slice(0, 30));
    const v = (await store.get('hn-coach-0002')) as StoredVehicle;
    expect(v.createdAt).toBe('2026-12-01T00:00:00.000Z');
    expect(v.updatedAt).toBe('2026-12-01T00:02:00.000Z');
    await expect(store.putMany([fleet[0] as VehicleV1, fleet[0] as VehicleV1])).rejects.toThrow(/given twice/);
  });

  it('getMany serves the telemetry path from its cache for the TTL, then reads again', async () => {
    const cached = new DynamoDbVehicleStore(documentClient(client), tableName, { nowMs, cacheTtlMs: 30_000 });
    const other = new DynamoDbVehicleStore(documentClient(client), tableName, { nowMs });
    expect((await cached.getMany(['hn-bus-0002', 'hn-new-0001'])).size).toBe(1);
    const bus = (await other.get('hn-bus-0002')) as StoredVehicle;
    await other.put({ ...strip(bus), inService: false });
    await other.put({ ...strip(bus), deviceId: 'hn-new-0001' });
    const stale = await cached.getMany(['hn-bus-0002', 'hn-new-0001']);
    expect(stale.get('hn-bus-0002')?.inService).toBe(true);
    expect(stale.has('hn-new-0001')).toBe(false);
    clockMs += 30_001;
    const fresh = await cached.getMany(['hn-bus-0002', 'hn-new-0001']);
    expect(fresh.get('hn-bus-0002')?.inService).toBe(false);
    expect(fresh.has('hn-new-0001')).toBe(true);
  });

  describe('HTTP API through the local adapter', () => {
    const token = 'local-dev-token';
    let server: Server;
    let base: string;
    const api = (path: string, init: RequestInit & { auth?: boolean } = {}) => {
      const { auth = true, headers, ...rest } = init;
      return fetch(`${base}${path}`, { ...rest, headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(headers as Record<string, string>) } });
    };

    beforeAll(async () => {
      const env = {
        AWS_REGION: 'local',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        [tables.vehicles.envVar]: tableName,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      };
      const fn = new LocalFunction(createHandler(env) as LambdaHandler, { functionName: `${stage}-RegistryApiFunction`, timeoutS: 15, memoryMb: 512 });
      const router = new HttpRouter();
      mountApi(router, (name, event) => (name === 'registryApi' ? fn.invoke(event) : Promise.reject(new Error(`${name} is not deployed here`))), { devToken: token });
      mountApi(router, () => Promise.reject(new Error('boom')), { prefix: '/broken', devToken: token });
      mountApi(router, async () => ({ statusCode: 'x' }), { prefix: '/malformed', devToken: token });
      server = router.createServer();
      base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1', 'HTTP_PORT')}`;
    });

    afterAll(async () => {
      if (server) await closeServer(server);
    });

    it('401 without a valid token, answered by the (emulated) JWT authorizer as API Gateway does', async () => {
      for (const authorization of [undefined, 'Bearer nope', `Basic ${token}`, `Bearer ${token}x`, `Bearer ${token}.nobody`]) {
        const response = await fetch(`${base}/api/vehicles`, { headers: authorization ? { authorization } : {} });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(response.headers.get('apigw-requestid')).toBeTruthy();
        expect(await response.json()).toEqual({ message: 'Unauthorized' });
      }
    });

    it('roles come from the token: an operator reads, only an admin writes', async () => {
      const as = (role: string, init: RequestInit = {}) => fetch(`${base}/api/vehicles/hn-coach-0001`, { ...init, headers: { authorization: `Bearer ${token}.${role}` } });
      expect((await as('operator')).status).toBe(200);
      const refused = await as('supervisor', { method: 'PUT', body: '{}' });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
    });

    it('PUT creates, GET reads, a second PUT replaces', async () => {
      const vehicle = { plate: '琼B·30999', plateColor: 'yellow', category: 'coach', energyType: 'diesel', operator: '海汽集团三亚分公司', city: '三亚市', nightRestricted: true };
      const created = await api('/api/vehicles/hn-coach-0099', { method: 'PUT', body: JSON.stringify(vehicle), headers: { 'content-type': 'application/json' } });
      expect(created.status).toBe(201);
      const got = await api('/api/vehicles/hn-coach-0099');
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await got.json()).toMatchObject({ deviceId: 'hn-coach-0099', ...vehicle, inService: true });
      const replaced = await api('/api/vehicles/hn-coach-0099', { method: 'PUT', body: JSON.stringify({ ...vehicle, deviceId: 'hn-coach-0099', inService: false }) });
      expect(replaced.status).toBe(200);
      const invalid = await api('/api/vehicles/hn-coach-0099', { method: 'PUT', body: JSON.stringify({ ...vehicle, plateColor: 'pink' }) });
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({ error: { code: 'invalid_vehicle', details: [{ path: 'plateColor' }] } });
    });

    it('lists with ?operator=, ?plate= and cursor paging', async () => {
      const expected = fleet.filter((v) => v.operator === '三亚公交集团').map((v) => v.deviceId).sort();
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const query = new URLSearchParams({ operator: '三亚公交集团', limit: '2', ...(cursor ? { cursor } : {}) });
        const response = await api(`/api/vehicles?${query}`);
        expect(response.status).toBe(200);
        const page = (await response.json()) as { vehicles: VehicleV1[]; cursor?: string };
        seen.push(...page.vehicles.map((v) => v.deviceId));
        cursor = page.cursor;
        if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      } while (cursor);
      expect(seen).toEqual(expected);
      const byPlate = await api(`/api/vehicles?plate=${encodeURIComponent('琼B·01318D')}`);
      expect(((await byPlate.json()) as { vehicles: VehicleV1[] }).vehicles.map((v) => v.deviceId)).toEqual(['hn-bus-0007']);
      expect((await api('/api/vehicles?cursor=garbage')).status).toBe(400);
    });

    it('POST /api/vehicles/import takes CSV all or nothing', async () => {
      const extra: VehicleV1[] = [
        { deviceId: 'hn-truck-0101', plate: '琼A·79001', plateColor: 'yellow', category: 'heavy-truck', energyType: 'diesel', operator: '海南琼州物流有限公司', city: '海口市', inService: true },
        { deviceId: 'hn-truck-0102', plate: '琼A·79002', plateColor: 'yellow', category: 'heavy-truck', energyType: 'diesel', operator: '海南琼州物流有限公司', city: '海口市', inService: true },
      ];
      const csv = vehiclesToCsv(extra);
      const bad = await api('/api/vehicles/import', { method: 'POST', body: `${csv}hn-truck-0103,琼A·79003,pink,heavy-truck,diesel,x,海口市,,,,,\r\n`, headers: { 'content-type': 'text/csv' } });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: 'invalid_import', details: [{ row: 4 }] } });
      expect((await api('/api/vehicles/hn-truck-0101')).status).toBe(404);
      const good = await api('/api/vehicles/import', { method: 'POST', body: `\uFEFF${csv}`, headers: { 'content-type': 'text/csv; charset=utf-8' } });
      expect(good.status).toBe(200);
      expect(await good.json()).toEqual({ imported: 2, valid: 2, dryRun: false });
      expect((await api('/api/vehicles/hn-truck-0102')).status).toBe(200);
    });

    it("a route the API does not declare is API Gateway's 404, before any authorizer", async () => {
      for (const [method, path] of [['GET', '/api/stations'], ['DELETE', '/api/vehicles/hn-bus-0001']] as const) {
        const response = await fetch(`${base}${path}`, { method });
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ message: 'Not Found' });
      }
    });

    it('a failing or malformed function is a 500, as HTTP API answers', async () => {
      const auth = { headers: { authorization: `Bearer ${token}` } };
      const failed = await fetch(`${base}/broken/vehicles`, auth);
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
      expect((await fetch(`${base}/malformed/vehicles`, auth)).status).toBe(500);
    });
  });
});
