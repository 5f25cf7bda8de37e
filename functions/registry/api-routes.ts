/**
 * The registry's HTTP API as a pure function: request in, response out, the registry behind a port. The Lambda
 * handler (functions/handlers/registry-api.ts) only translates API Gateway events; the tests call this directly.
 * Documented in docs/registry.md.
 *
 *   GET  /vehicles                      list: ?operator= | ?plate= , ?limit= (1–1000, default 50) & ?cursor=
 *   GET  /vehicles/{deviceId}           one vehicle, 404 when unknown
 *   PUT  /vehicles/{deviceId}           create (201) or replace (200); body = vehicle v1, deviceId optional
 *   POST /vehicles:import               CSV (text/csv) or JSON body, all or nothing; ?dryRun=true validates only
 *
 * Errors are always `{ "error": { "code", "message", "details"? } }`.
 *
 * Authorization, in this order:
 * 1. Locally (`localDevToken` set, from LOCAL_DEV_TOKEN): `authorization: Bearer <token>` or 401.
 *    In the cloud (no token): API Gateway authorizes (IAM); a request that reached us with neither an IAM caller nor
 *    an authorizer context means the API is misconfigured, and is refused with 401 rather than served.
 * 2. When the authorizer context carries roles (`roles`, `role`, or Cognito `claims['cognito:groups']`), reads need
 *    `registry-reader` or `registry-admin`, writes need `registry-admin`; otherwise 403. No roles in the context:
 *    the IAM policy allowing `execute-api:Invoke` on the method is the whole decision.
 */
import { timingSafeEqual } from 'node:crypto';
import { deviceId as deviceIdSchema } from '../contracts/telemetry.v1.ts';
import { vehicleV1 } from '../contracts/vehicle.v1.ts';
import { type ImportFormat, parseVehicleFile } from './import.ts';
import { defaultPageLimit, InvalidCursorError, maxPageLimit, type VehicleRegistry } from './ports.ts';

export interface ApiRequest {
  readonly method: string;
  /** Path below the API's base, e.g. `/vehicles/hn-coach-0001` (percent-encoding allowed). */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body as text (base64 already decoded). */
  readonly body?: string | null;
  /** API Gateway `requestContext.authorizer`, when an authorizer ran. */
  readonly authorizer?: Readonly<Record<string, unknown>> | null;
  /** API Gateway `requestContext.identity.userArn` (IAM authorization). */
  readonly iamPrincipal?: string | null;
  /** For error bodies and logs. */
  readonly requestId?: string;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface ApiLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface RegistryApiOptions {
  readonly registry: VehicleRegistry;
  /** LOCAL_DEV_TOKEN: when set, requests must carry it as a Bearer token (local stack only; never in the cloud). */
  readonly localDevToken?: string;
  /** Most vehicles one `POST /vehicles:import` may carry (the function has 15 s); larger files go through the CLI. */
  readonly maxImportRows?: number;
  readonly logger?: ApiLogger;
}

export const registryRoles = { reader: 'registry-reader', admin: 'registry-admin' } as const;
export const defaultMaxImportRows = 5000;

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { statusCode, headers: { ...jsonHeaders, ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(statusCode: number, code: string, message: string, details?: unknown, headers: Record<string, string> = {}): ApiResponse {
  return jsonResponse(statusCode, { error: { code, message, ...(details === undefined ? {} : { details }) } }, headers);
}

type Access = 'read' | 'write';

interface Route {
  readonly name: string;
  readonly access: Access;
  run(request: ApiRequest, options: RegistryApiOptions, principal: string): Promise<ApiResponse>;
}

export async function handleRegistryRequest(request: ApiRequest, options: RegistryApiOptions): Promise<ApiResponse> {
  const method = request.method.toUpperCase();
  const segments = pathSegments(request.path);
  if (!segments) return errorResponse(400, 'invalid_request', 'the path is not valid percent-encoding');

  // Resolve the route first (404/405 need no credentials to be told apart, as API Gateway does with its resources).
  let routes: Partial<Record<string, Route>>;
  if (segments.length === 1 && segments[0] === 'vehicles') routes = { GET: listRoute };
  else if (segments.length === 2 && segments[0] === 'vehicles') routes = { GET: getRoute, PUT: putRoute };
  else if (segments.length === 1 && segments[0] === 'vehicles:import') routes = { POST: importRoute };
  else return errorResponse(404, 'not_found', `no route for ${request.path}`);
  const route = routes[method];
  if (!route) {
    const allow = Object.keys(routes).join(', ');
    return errorResponse(405, 'method_not_allowed', `${method} is not allowed on ${request.path} (allowed: ${allow})`, undefined, { allow });
  }

  const auth = authorize(request, options, route.access);
  if (!auth.ok) {
    options.logger?.warn('request refused', { route: route.name, status: auth.response.statusCode, requestId: request.requestId });
    return auth.response;
  }
  try {
    return await route.run(request, options, auth.principal);
  } catch (error) {
    if (error instanceof InvalidCursorError) return errorResponse(400, 'invalid_cursor', error.message);
    options.logger?.error('request failed', { route: route.name, error: error instanceof Error ? error.message : String(error), requestId: request.requestId });
    return errorResponse(500, 'internal', 'internal error', request.requestId ? { requestId: request.requestId } : undefined);
  }
}

// ── Routes ───────────────────────────────────────────────────────────────────────────────────────────────────────

const listRoute: Route = {
  name: 'list',
  access: 'read',
  async run(request, { registry }) {
    const { operator, plate, cursor } = request.query;
    if (operator !== undefined && plate !== undefined) return errorResponse(400, 'invalid_request', 'give ?operator= or ?plate=, not both');
    const limit = parseLimit(request.query.limit);
    if (typeof limit === 'string') return errorResponse(400, 'invalid_request', limit);
    if (plate !== undefined) {
      if (cursor !== undefined) return errorResponse(400, 'invalid_request', '?plate= returns every match at once; it takes no cursor');
      return jsonResponse(200, { vehicles: await registry.findByPlate(plate) });
    }
    const page = { limit, ...(cursor === undefined ? {} : { cursor }) };
    const result = operator !== undefined ? await registry.listByOperator(operator, page) : await registry.list(page);
    return jsonResponse(200, result.cursor === undefined ? { vehicles: result.vehicles } : { vehicles: result.vehicles, cursor: result.cursor });
  },
};

const getRoute: Route = {
  name: 'get',
  access: 'read',
  async run(request, { registry }) {
    const id = pathDeviceId(request);
    if (typeof id !== 'string') return id;
    const vehicle = await registry.get(id);
    return vehicle ? jsonResponse(200, vehicle) : errorResponse(404, 'not_found', `no vehicle ${id}`);
  },
};

const putRoute: Route = {
  name: 'put',
  access: 'write',
  async run(request, { registry, logger }, principal) {
    const id = pathDeviceId(request);
    if (typeof id !== 'string') return id;
    const body = parseJsonBody(request.body);
    if (!body.ok) return body.response;
    if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
      return errorResponse(400, 'invalid_vehicle', 'the body must be a vehicle object');
    }
    const given = (body.value as { deviceId?: unknown }).deviceId;
    if (given !== undefined && given !== id) {
      return errorResponse(400, 'device_id_mismatch', `the body's deviceId ${JSON.stringify(given)} differs from the path's ${id}`);
    }
    const parsed = vehicleV1.safeParse({ ...body.value, deviceId: id });
    if (!parsed.success) {
      return errorResponse(400, 'invalid_vehicle', 'the vehicle does not match the vehicle v1 contract', zodDetails(parsed.error.issues));
    }
    const { vehicle, created } = await registry.put(parsed.data);
    logger?.info(created ? 'vehicle created' : 'vehicle replaced', { deviceId: id, principal, requestId: request.requestId });
    return jsonResponse(created ? 201 : 200, vehicle);
  },
};

const importRoute: Route = {
  name: 'import',
  access: 'write',
  async run(request, { registry, logger, maxImportRows }, principal) {
    const format = importFormat(request);
    if (!format) {
      return errorResponse(415, 'unsupported_media_type', 'send the file as text/csv or application/json (or add ?format=csv|json)');
    }
    const dryRun = request.query.dryRun === 'true';
    const result = parseVehicleFile(request.body ?? '', format);
    if (!result.ok) return errorResponse(400, 'invalid_import', `${result.errors.length} error(s); nothing imported`, result.errors);
    const limit = maxImportRows ?? defaultMaxImportRows;
    if (result.vehicles.length > limit) {
      return errorResponse(413, 'payload_too_large', `${result.vehicles.length} vehicles; the API imports at most ${limit} at once (use npm run vehicles -- import)`);
    }
    if (!dryRun) await registry.putMany(result.vehicles);
    logger?.info(dryRun ? 'import validated' : 'vehicles imported', { count: result.vehicles.length, format, principal, requestId: request.requestId });
    return jsonResponse(200, { imported: dryRun ? 0 : result.vehicles.length, valid: result.vehicles.length, dryRun });
  },
};

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────────────────────────

function pathSegments(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function pathDeviceId(request: ApiRequest): string | ApiResponse {
  const raw = pathSegments(request.path)?.[1] ?? '';
  const parsed = deviceIdSchema.safeParse(raw);
  return parsed.success ? parsed.data : errorResponse(400, 'invalid_request', `${JSON.stringify(raw)} is not a device id (ASCII letters, digits, _ and -, 1–64)`);
}

function parseLimit(text: string | undefined): number | string {
  if (text === undefined) return defaultPageLimit;
  const limit = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  return Number.isInteger(limit) && limit >= 1 && limit <= maxPageLimit ? limit : `limit must be an integer from 1 to ${maxPageLimit}`;
}

function parseJsonBody(body: string | null | undefined): { ok: true; value: unknown } | { ok: false; response: ApiResponse } {
  if (body === undefined || body === null || body.trim() === '') return { ok: false, response: errorResponse(400, 'invalid_request', 'the request has no body') };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    return { ok: false, response: errorResponse(400, 'invalid_request', `the body is not JSON: ${(error as Error).message}`) };
  }
}

function importFormat(request: ApiRequest): ImportFormat | undefined {
  const explicit = request.query.format;
  if (explicit === 'csv' || explicit === 'json') return explicit;
  if (explicit !== undefined) return undefined;
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/json') return 'json';
  return undefined;
}

function zodDetails(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string; code: string }>): Array<{ path: string; code: string; message: string }> {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), code: issue.code, message: issue.message }));
}

// ── Authorization ────────────────────────────────────────────────────────────────────────────────────────────────

type AuthResult = { ok: true; principal: string } | { ok: false; response: ApiResponse };

export function authorize(request: ApiRequest, options: Pick<RegistryApiOptions, 'localDevToken'>, access: Access): AuthResult {
  let principal: string;
  if (options.localDevToken) {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1] || !sameSecret(match[1], options.localDevToken)) {
      return {
        ok: false,
        response: errorResponse(401, 'unauthorized', 'send the local dev token as "authorization: Bearer <LOCAL_DEV_TOKEN>"', undefined, {
          'www-authenticate': 'Bearer realm="qiongjian-local"',
        }),
      };
    }
    principal = 'local-dev';
  } else {
    const fromAuthorizer = typeof request.authorizer?.principalId === 'string' ? request.authorizer.principalId : undefined;
    const found = request.iamPrincipal || fromAuthorizer || (request.authorizer && Object.keys(request.authorizer).length > 0 ? 'authorizer' : undefined);
    if (!found) {
      return { ok: false, response: errorResponse(401, 'unauthorized', 'no authenticated caller: the API must use IAM authorization or an authorizer') };
    }
    principal = found;
  }
  const roles = rolesOf(request.authorizer);
  if (roles !== undefined) {
    const allowed = access === 'write' ? roles.has(registryRoles.admin) : roles.has(registryRoles.admin) || roles.has(registryRoles.reader);
    if (!allowed) {
      const needed = access === 'write' ? registryRoles.admin : `${registryRoles.reader} or ${registryRoles.admin}`;
      return { ok: false, response: errorResponse(403, 'forbidden', `this needs the role ${needed}`) };
    }
  }
  return { ok: true, principal };
}

/** Roles in an authorizer context, or undefined when it names none (then IAM alone decides). */
export function rolesOf(authorizer: Readonly<Record<string, unknown>> | null | undefined): Set<string> | undefined {
  if (!authorizer) return undefined;
  const claims = authorizer.claims as Record<string, unknown> | undefined;
  const sources = [authorizer.roles, authorizer.role, typeof claims === 'object' && claims !== null ? claims['cognito:groups'] : undefined].filter(
    (value) => value !== undefined && value !== null,
  );
  if (sources.length === 0) return undefined;
  const roles = new Set<string>();
  for (const source of sources) {
    const values = Array.isArray(source) ? source.map(String) : String(source).replace(/^\[|\]$/g, '').split(/[\s,]+/);
    for (const value of values) if (value !== '') roles.add(value);
  }
  return roles;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
