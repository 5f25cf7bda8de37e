import { beforeEach, describe, expect, it } from 'vitest';
import { apiFunctions } from '../../../infra/topology.ts';
import type { ApiRequest } from '../../../functions/api/http.ts';
import { createRouter } from '../../../functions/api/router.ts';
import { type RegistryApiOptions, registryRoutes } from '../../../functions/registry/api-routes.ts';
import { vehiclesToCsv } from '../../../functions/registry/import.ts';
import type { VehicleV1 } from '../../../functions/contracts/vehicle.v1.ts';
import { MemoryVehicleRegistry } from './memory-registry.ts';

const auth = { 'content-language': 'zh-CN' };
const asRole = (role: string) => ({ sub: `user-${role}`, 'cognito:groups': `[${role}]` });

const coach: VehicleV1 = {
  deviceId: 'hn-coach-0001',
  plate: '琼A·20381',
  plateColor: 'yellow',
  category: 'coach',
  energyType: 'diesel',
  operator: '海汽集团',
  city: '海口市',
  county: '美兰区',
  nightRestricted: true,
  ratedGrossKg: 18000,
  inService: true,
};
const bus: VehicleV1 = { ...coach, deviceId: 'hn-bus-0001', plate: '琼A·01052D', plateColor: 'yellow-green', category: 'bus', energyType: 'bev', operator: '海口公交集团' };

function request(method: string, path: string, extra: Partial<ApiRequest> = {}): ApiRequest {
  return { method, path, query: {}, headers: { ...auth }, body: null, claims: asRole('admin'), ...extra };
}

describe('registry API routes', () => {
  let registry: MemoryVehicleRegistry;
  let options: RegistryApiOptions;
  const call = async (req: ApiRequest) => {
    const response = await createRouter(apiFunctions.registryApi.routes, registryRoutes(options))(req);
    // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary response bodies
    return { ...response, json: JSON.parse(response.body) as Record<string, any> };
  };

  beforeEach(() => {
    registry = new MemoryVehicleRegistry();
    options = { registry };
  });

  describe('PUT /vehicles/{deviceId}', () => {
    it('creates (201), then replaces (200) keeping createdAt and removing absent fields', async () => {
      const { deviceId: _omitted, ...body } = coach;
      const created = await call(request('PUT', '/vehicles/hn-coach-0001', { body: JSON.stringify(body) }));
      expect(created.statusCode).toBe(201);
      expect(created.headers['content-type']).toMatch(/^application\/json/);
      expect(created.json).toMatchObject({ ...coach, createdAt: expect.any(String), updatedAt: created.json.createdAt });

      const { county: _c, ...withoutCounty } = coach;
      const replaced = await call(request('PUT', '/vehicles/hn-coach-0001', { body: JSON.stringify({ ...withoutCounty, inService: false }) }));
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json.createdAt).toBe(created.json.createdAt);
      expect(replaced.json.updatedAt > created.json.updatedAt).toBe(true);
      expect(replaced.json.inService).toBe(false);
      expect(replaced.json).not.toHaveProperty('county');
    });

    it('rejects an invalid vehicle with the zod issues', async () => {
      const response = await call(request('PUT', '/vehicles/hn-1', { body: JSON.stringify({ ...coach, deviceId: undefined, plateColor: 'pink', ratedGrossKg: -5 }) }));
      expect(response.statusCode).toBe(400);
      expect(response.json.error.code).toBe('invalid_vehicle');
      expect(response.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['plateColor', 'ratedGrossKg']);
      expect(registry.items.size).toBe(0);
    });

    it.each([
      ['a mismatching deviceId', '/vehicles/hn-1', JSON.stringify(coach), 'device_id_mismatch'],
      ['no body', '/vehicles/hn-1', null, 'invalid_request'],
      ['a body that is not JSON', '/vehicles/hn-1', '{plate:', 'invalid_request'],
      ['an array body', '/vehicles/hn-1', '[]', 'invalid_vehicle'],
      ['a device id that is no thing name', '/vehicles/%E7%90%BCA', JSON.stringify(coach), 'invalid_request'],
      ['broken percent-encoding', '/vehicles/%E7%90', JSON.stringify(coach), 'invalid_request'],
    ])('400 on %s', async (_, path, body, code) => {
      const response = await call(request('PUT', path, { body }));
      expect(response.statusCode).toBe(400);
      expect(response.json.error.code).toBe(code);
    });
  });

  describe('GET', () => {
    beforeEach(async () => {
      await registry.putMany([coach, bus, ...Array.from({ length: 7 }, (_, i) => ({ ...bus, deviceId: `hn-bus-01${i}`, plate: `琼A·0110${i}D` }))]);
    });

    it('one vehicle, 404 when unknown', async () => {
      const found = await call(request('GET', '/vehicles/hn-coach-0001'));
      expect(found.statusCode).toBe(200);
      expect(found.json).toMatchObject(coach);
      const missing = await call(request('GET', '/vehicles/hn-nobody'));
      expect(missing.statusCode).toBe(404);
      expect(missing.json).toEqual({ error: { code: 'not_found', message: 'no vehicle hn-nobody' } });
    });

    it('pages through the list with an opaque cursor', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const response = await call(request('GET', '/vehicles', { query: { limit: '4', ...(cursor ? { cursor } : {}) } }));
        expect(response.statusCode).toBe(200);
        seen.push(...response.json.vehicles.map((v: VehicleV1) => v.deviceId));
        cursor = response.json.cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual([...registry.items.keys()].sort());
    });

    it('filters by operator and by plate (normalised)', async () => {
      const byOperator = await call(request('GET', '/vehicles', { query: { operator: '海汽集团' } }));
      expect(byOperator.json.vehicles.map((v: VehicleV1) => v.deviceId)).toEqual(['hn-coach-0001']);
      const byPlate = await call(request('GET', '/vehicles', { query: { plate: '琼a 20381' } }));
      expect(byPlate.json).toEqual({ vehicles: [expect.objectContaining({ deviceId: 'hn-coach-0001' })] });
    });

    it.each([
      [{ limit: '0' }, 'invalid_request'],
      [{ limit: '1001' }, 'invalid_request'],
      [{ limit: 'ten' }, 'invalid_request'],
      [{ operator: 'x', plate: 'y' }, 'invalid_request'],
      [{ plate: 'y', cursor: 'abc' }, 'invalid_request'],
      [{ cursor: 'not-a-cursor' }, 'invalid_cursor'],
    ])('400 on %j', async (query, code) => {
      const response = await call(request('GET', '/vehicles', { query }));
      expect(response.statusCode).toBe(400);
      expect(response.json.error.code).toBe(code);
    });
  });

  describe('POST /vehicles/import', () => {
    const csv = vehiclesToCsv([coach, bus]);

    it('imports CSV all at once', async () => {
      const response = await call(request('POST', '/vehicles/import', { headers: { ...auth, 'content-type': 'text/csv; charset=utf-8' }, body: csv }));
      expect(response.statusCode).toBe(200);
      expect(response.json).toEqual({ imported: 2, valid: 2, dryRun: false });
      expect([...registry.items.keys()].sort()).toEqual(['hn-bus-0001', 'hn-coach-0001']);
    });

    it('takes ?format=json; ?dryRun=true writes nothing', async () => {
      const response = await call(request('POST', '/vehicles/import', { query: { format: 'json', dryRun: 'true' }, body: JSON.stringify([coach]) }));
      expect(response.json).toEqual({ imported: 0, valid: 1, dryRun: true });
      expect(registry.items.size).toBe(0);
    });

    it('imports nothing when a row is wrong, listing every error with its row', async () => {
      const bad = `${csv}hn-x,琼A·9,pink,coach,diesel,o,海口市,,,,,\r\n${csv.split('\r\n')[1]}\r\n`;
      const response = await call(request('POST', '/vehicles/import', { headers: { ...auth, 'content-type': 'text/csv' }, body: bad }));
      expect(response.statusCode).toBe(400);
      expect(response.json.error.code).toBe('invalid_import');
      expect(response.json.error.details).toEqual([
        { row: 4, message: expect.stringMatching(/^plateColor/) },
        { row: 5, message: 'deviceId hn-coach-0001 already on row 2' },
      ]);
      expect(registry.items.size).toBe(0);
    });

    it('415 without a known content type, 413 over the row limit', async () => {
      expect((await call(request('POST', '/vehicles/import', { headers: { ...auth, 'content-type': 'text/plain' }, body: csv }))).statusCode).toBe(415);
      options = { ...options, maxImportRows: 1 };
      const response = await call(request('POST', '/vehicles/import', { headers: { ...auth, 'content-type': 'text/csv' }, body: csv }));
      expect(response.statusCode).toBe(413);
      expect(registry.items.size).toBe(0);
    });
  });

  describe('routing and errors', () => {
    it.each([
      ['GET', '/', 404, 'not_found'],
      ['GET', '/vehicles/a/b', 404, 'not_found'],
      ['DELETE', '/vehicles/hn-1', 405, 'method_not_allowed'],
      ['POST', '/vehicles', 405, 'method_not_allowed'],
      // As in API Gateway: no GET route on the literal path, so GET falls to /vehicles/{deviceId}.
      ['GET', '/vehicles/import', 404, 'not_found'],
    ])('%s %s → %i', async (method, path, status, code) => {
      const response = await call(request(method, path));
      expect(response.statusCode).toBe(status);
      expect(response.json.error.code).toBe(code);
    });

    it('405 names the allowed methods', async () => {
      expect((await call(request('DELETE', '/vehicles/hn-1'))).headers.allow).toBe('GET, PUT');
    });

    it('a store failure is a 500 with the request id and no internals', async () => {
      registry.failNext = true;
      const response = await call(request('GET', '/vehicles/hn-1', { requestId: 'req-1' }));
      expect(response.statusCode).toBe(500);
      expect(response.json).toEqual({ error: { code: 'internal', message: 'internal error', details: { requestId: 'req-1' } } });
    });
  });

  describe('authorization (roles from the route table)', () => {
    it.each([
      ['GET', '/vehicles', 'operator', 200],
      ['GET', '/vehicles', 'supervisor', 200],
      ['GET', '/vehicles/hn-coach-0001', 'enforcement', 404],
      ['PUT', '/vehicles/hn-coach-0001', 'supervisor', 403],
      ['POST', '/vehicles/import', 'operator', 403],
      ['PUT', '/vehicles/hn-coach-0001', 'admin', 201],
    ])('%s %s as %s → %i', async (method, path, role, status) => {
      const response = await call(request(method, path, { claims: asRole(role), body: JSON.stringify(coach), headers: { 'content-type': 'application/json' } }));
      expect(response.statusCode).toBe(status);
    });

    it('refuses a request that reached the function without claims (401)', async () => {
      expect((await call(request('GET', '/vehicles', { claims: null }))).statusCode).toBe(401);
    });
  });
});
