import { beforeEach, describe, expect, it } from 'vitest';
import { type ApiRequest, handleRegistryRequest, type RegistryApiOptions, rolesOf } from '../../../functions/registry/api-routes.ts';
import { vehiclesToCsv } from '../../../functions/registry/import.ts';
import type { VehicleV1 } from '../../../functions/contracts/vehicle.v1.ts';
import { MemoryVehicleRegistry } from './memory-registry.ts';

const token = 'dev-token-123';
const auth = { authorization: `Bearer ${token}` };

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
  return { method, path, query: {}, headers: { ...auth }, body: null, ...extra };
}

describe('registry API routes', () => {
  let registry: MemoryVehicleRegistry;
  let options: RegistryApiOptions;
  const call = async (req: ApiRequest) => {
    const response = await handleRegistryRequest(req, options);
    // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary response bodies
    return { ...response, json: JSON.parse(response.body) as Record<string, any> };
  };

  beforeEach(() => {
    registry = new MemoryVehicleRegistry();
    options = { registry, localDevToken: token };
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

  describe('POST /vehicles:import', () => {
    const csv = vehiclesToCsv([coach, bus]);

    it('imports CSV all at once', async () => {
      const response = await call(request('POST', '/vehicles:import', { headers: { ...auth, 'content-type': 'text/csv; charset=utf-8' }, body: csv }));
      expect(response.statusCode).toBe(200);
      expect(response.json).toEqual({ imported: 2, valid: 2, dryRun: false });
      expect([...registry.items.keys()].sort()).toEqual(['hn-bus-0001', 'hn-coach-0001']);
    });

    it('accepts a percent-encoded colon and ?format=json; ?dryRun=true writes nothing', async () => {
      const response = await call(request('POST', '/vehicles%3Aimport', { query: { format: 'json', dryRun: 'true' }, body: JSON.stringify([coach]) }));
      expect(response.json).toEqual({ imported: 0, valid: 1, dryRun: true });
      expect(registry.items.size).toBe(0);
    });

    it('imports nothing when a row is wrong, listing every error with its row', async () => {
      const bad = `${csv}hn-x,琼A·9,pink,coach,diesel,o,海口市,,,,,\r\n${csv.split('\r\n')[1]}\r\n`;
      const response = await call(request('POST', '/vehicles:import', { headers: { ...auth, 'content-type': 'text/csv' }, body: bad }));
      expect(response.statusCode).toBe(400);
      expect(response.json.error.code).toBe('invalid_import');
      expect(response.json.error.details).toEqual([
        { row: 4, message: expect.stringMatching(/^plateColor/) },
        { row: 5, message: 'deviceId hn-coach-0001 already on row 2' },
      ]);
      expect(registry.items.size).toBe(0);
    });

    it('415 without a known content type, 413 over the row limit', async () => {
      expect((await call(request('POST', '/vehicles:import', { headers: { ...auth, 'content-type': 'text/plain' }, body: csv }))).statusCode).toBe(415);
      options = { ...options, maxImportRows: 1 };
      const response = await call(request('POST', '/vehicles:import', { headers: { ...auth, 'content-type': 'text/csv' }, body: csv }));
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
      ['GET', '/vehicles:import', 405, 'method_not_allowed'],
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

  describe('authorization', () => {
    it.each([
      ['no header', {}],
      ['a wrong token', { authorization: 'Bearer nope' }],
      ['another scheme', { authorization: `Basic ${token}` }],
      ['a longer token', { authorization: `Bearer ${token}x` }],
    ])('locally, 401 with %s', async (_, headers) => {
      const response = await call(request('GET', '/vehicles', { headers }));
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.json.error.code).toBe('unauthorized');
    });

    it('in the cloud, refuses a request with no IAM caller or authorizer (misconfigured API)', async () => {
      options = { registry };
      expect((await call(request('GET', '/vehicles', { headers: {} }))).statusCode).toBe(401);
      expect((await call(request('GET', '/vehicles', { headers: {}, iamPrincipal: 'arn:aws-cn:iam::123456789012:user/clerk' }))).statusCode).toBe(200);
    });

    it('enforces roles from the authorizer context when it carries them', async () => {
      options = { registry };
      const body = JSON.stringify(coach);
      const as = (authorizer: Record<string, unknown>) => ({ headers: {}, authorizer, body });
      expect((await call(request('GET', '/vehicles', as({ principalId: 'u', roles: 'registry-reader' })))).statusCode).toBe(200);
      expect((await call(request('PUT', '/vehicles/hn-coach-0001', as({ principalId: 'u', roles: 'registry-reader' })))).statusCode).toBe(403);
      expect((await call(request('PUT', '/vehicles/hn-coach-0001', as({ principalId: 'u', roles: 'registry-reader,registry-admin' })))).statusCode).toBe(201);
      expect((await call(request('GET', '/vehicles', as({ principalId: 'u', role: 'enforcement' })))).statusCode).toBe(403);
      expect((await call(request('GET', '/vehicles', as({ claims: { 'cognito:groups': 'registry-admin' } })))).statusCode).toBe(200);
      expect((await call(request('PUT', '/vehicles/hn-coach-0001', as({ principalId: 'u' })))).statusCode).toBe(200); // no roles: IAM decided
    });

    it('reads roles from strings, lists and Cognito group claims', () => {
      expect(rolesOf(undefined)).toBeUndefined();
      expect(rolesOf({ principalId: 'x' })).toBeUndefined();
      expect(rolesOf({ roles: 'a, b c' })).toEqual(new Set(['a', 'b', 'c']));
      expect(rolesOf({ roles: ['a', 'b'] })).toEqual(new Set(['a', 'b']));
      expect(rolesOf({ claims: { 'cognito:groups': '[a b]' } })).toEqual(new Set(['a', 'b']));
    });
  });
});
