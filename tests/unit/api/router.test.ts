import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiRouteSpec } from '../../../infra/topology.ts';
import { ApiError, type ApiRequest, decodeCursor, encodeCursor, jsonResponse, utcRange } from '../../../functions/api/http.ts';
import { createRouter, principalOf, rolesFrom } from '../../../functions/api/router.ts';

const routes: ApiRouteSpec[] = [
  { method: 'GET', path: '/things', operationId: 'listThings', summary: '', roles: ['operator'] },
  { method: 'POST', path: '/things/import', operationId: 'importThings', summary: '', roles: [] },
  { method: 'GET', path: '/things/{thingId}', operationId: 'getThing', summary: '', roles: ['operator', 'supervisor'] },
  { method: 'POST', path: '/things/{thingId}/ack', operationId: 'ackThing', summary: '', roles: ['enforcement'] },
];

const router = createRouter(routes, {
  listThings: async () => jsonResponse(200, { op: 'listThings' }),
  importThings: async () => jsonResponse(200, { op: 'importThings' }),
  getThing: async (_request, { params, principal }) => {
    if (params.thingId === 'teapot') throw new ApiError(418, 'teapot', 'short and stout', { spout: true });
    if (params.thingId === 'boom') throw new Error('table missing: secret-internal-name');
    return jsonResponse(200, { op: 'getThing', params, who: principal.id });
  },
  ackThing: async (_request, { params }) => jsonResponse(200, { op: 'ackThing', params }),
});

const claims = (groups: string) => ({ sub: 'u-1', 'cognito:groups': groups });
const request = (method: string, path: string, groups: string | null = '[admin]'): ApiRequest => ({
  method,
  path,
  query: {},
  headers: {},
  claims: groups === null ? null : claims(groups),
  requestId: 'req-9',
});
const call = async (req: ApiRequest) => {
  const response = await router(req);
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
};

describe('router: matching', () => {
  it.each([
    ['GET', '/things', 200, 'listThings'],
    ['GET', '/things/', 200, 'listThings'],
    ['POST', '/things/import', 200, 'importThings'],
    ['GET', '/things/import', 200, 'getThing'], // no GET on the literal: falls to the parameter, as API Gateway does
    ['GET', '/things/%E7%90%BCA', 200, 'getThing'],
    ['POST', '/things/x/ack', 200, 'ackThing'],
  ])('%s %s → %i %s', async (method, path, status, op) => {
    const response = await call(request(method, path));
    expect(response.statusCode).toBe(status);
    expect(response.json.op).toBe(op);
  });

  it('decodes path parameters', async () => {
    expect((await call(request('GET', '/things/%E7%90%BCA'))).json.params).toEqual({ thingId: '琼A' });
  });

  it.each([
    ['GET', '/nothing', 404, 'not_found', undefined],
    ['GET', '/things/a/b/c', 404, 'not_found', undefined],
    ['DELETE', '/things/x', 405, 'method_not_allowed', 'GET'],
    ['PUT', '/things/import', 405, 'method_not_allowed', 'POST, GET'],
    ['GET', '/things/%E0%A4%A', 400, 'invalid_request', undefined],
  ])('%s %s → %i %s', async (method, path, status, code, allow) => {
    const response = await call(request(method, path));
    expect(response.statusCode).toBe(status);
    expect((response.json.error as { code: string }).code).toBe(code);
    expect(response.headers.allow).toBe(allow);
  });

  it('refuses to build with a route that has no implementation', () => {
    expect(() => createRouter(routes, {})).toThrow(/listThings/);
  });
});

describe('router: roles', () => {
  it.each([
    ['GET', '/things', '[operator]', 200],
    ['GET', '/things', '[supervisor]', 403],
    ['GET', '/things', '[admin]', 200],
    ['POST', '/things/import', '[operator supervisor enforcement]', 403], // admin only
    ['POST', '/things/import', '[admin]', 200],
    ['GET', '/things/x', '[supervisor]', 200],
    ['POST', '/things/x/ack', '[enforcement]', 200],
    ['POST', '/things/x/ack', '[operator]', 403],
    ['GET', '/things', '[registry-admin]', 403], // unknown names are not roles
    ['GET', '/things', '', 403],
  ])('%s %s as %s → %i', async (method, path, groups, status) => {
    expect((await call(request(method, path, groups))).statusCode).toBe(status);
  });

  it('401 when the function was reached without claims (an authorizer missing from the route)', async () => {
    const response = await call(request('GET', '/things', null));
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('403 names the roles that would do', async () => {
    expect((await call(request('GET', '/things', '[supervisor]'))).json.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('operator, admin') });
  });
});

describe('router: errors', () => {
  it('an ApiError is the client error it describes', async () => {
    const response = await call(request('GET', '/things/teapot'));
    expect(response.statusCode).toBe(418);
    expect(response.json).toEqual({ error: { code: 'teapot', message: 'short and stout', details: { spout: true } } });
  });

  it('anything else is a 500 with the request id and no internals', async () => {
    const response = await call(request('GET', '/things/boom'));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
    expect(response.json).toEqual({ error: { code: 'internal', message: 'internal error', details: { requestId: 'req-9' } } });
  });
});

describe('principal and roles from JWT claims', () => {
  it.each([
    ['[enforcement admin]', ['enforcement', 'admin']],
    ['["supervisor","operator"]', ['supervisor', 'operator']],
    ['enforcement,operator', ['enforcement', 'operator']],
    ['operator', ['operator']],
    [['admin', 'nobody'], ['admin']],
    [undefined, []],
    [42, []],
  ])('%j → %j', (value, expected) => {
    expect([...rolesFrom(value)].sort()).toEqual([...expected].sort());
  });

  it('takes the id from sub and a display name from name or username', () => {
    expect(principalOf({ sub: 's', name: '王警官', 'cognito:groups': '[enforcement]' }, 'cognito:groups')).toEqual({
      id: 's',
      displayName: '王警官',
      roles: new Set(['enforcement']),
    });
    expect(principalOf({ sub: 's', 'cognito:username': 'wang' }, 'cognito:groups')?.displayName).toBe('wang');
    expect(principalOf({ sub: 's', roles: 'operator' }, 'roles')?.roles).toEqual(new Set(['operator']));
    expect(principalOf({}, 'cognito:groups')).toBeUndefined();
    expect(principalOf({ iss: 'x' }, 'cognito:groups')).toBeUndefined();
  });
});

describe('cursors', () => {
  it('round-trip, and refuse a cursor of another listing', () => {
    const cursor = encodeCursor('alerts', { day: '2026-11-29', key: { alertId: 'ovl-1' } });
    expect(decodeCursor('alerts', cursor)).toEqual({ day: '2026-11-29', key: { alertId: 'ovl-1' } });
    expect(decodeCursor('alerts', undefined)).toBeUndefined();
    expect(() => decodeCursor('violations', cursor)).toThrow(ApiError);
  });

  it('any string is either a cursor or a 400, never a crash (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          decodeCursor('alerts', text);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          expect((error as ApiError).statusCode).toBe(400);
        }
      }),
    );
  });
});

describe('utcRange', () => {
  const nowMs = Date.parse('2026-11-29T12:00:00Z');
  const limits = { defaultSpanMs: 86_400_000, maxSpanMs: 31 * 86_400_000 };
  it.each([
    [{}, '2026-11-28T12:00:00.000Z', '2026-11-29T12:00:00.000Z'],
    [{ from: '2026-11-29T08:00:00+08:00' }, '2026-11-29T00:00:00.000Z', '2026-11-29T12:00:00.000Z'],
    [{ from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' }, '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z'],
  ])('%j → %s … %s', (query, fromUtc, toUtc) => {
    expect(utcRange(query, nowMs, limits)).toEqual({ fromUtc, toUtc });
  });
  it.each([
    [{ from: '2026-11-29' }, /ISO 8601/],
    [{ from: '2026-11-29T10:00:00' }, /offset/],
    [{ from: '2026-11-29T10:00:00Z', to: '2026-11-29T09:00:00Z' }, /after/],
    [{ from: '2026-01-01T00:00:00Z' }, /longer than 31 days/],
  ])('%j is refused', (query, message) => {
    expect(() => utcRange(query, nowMs, limits)).toThrow(message);
  });
});

describe('docs/openapi.json', () => {
  it('is the document the code generates (run `npm run openapi` after changing a route)', async () => {
    const { readFile } = await import('node:fs/promises');
    const { openApiDocument } = await import('../../../functions/api/openapi.ts');
    const committed = JSON.parse(await readFile(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });
});
