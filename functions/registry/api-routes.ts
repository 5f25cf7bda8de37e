/**
 * The registry's routes of the console API (docs/registry.md, docs/api.md), as pure implementations over the registry
 * port. Routing and roles come from functions/api/router.ts and the route table in infra/topology.ts:
 *
 *   GET  /vehicles                      list: ?operator= | ?plate= , ?limit= (1–1000, default 50) & ?cursor=
 *   GET  /vehicles/{deviceId}           one vehicle, 404 when unknown
 *   PUT  /vehicles/{deviceId}           create (201) or replace (200); body = vehicle v1, deviceId optional   (admin)
 *   POST /vehicles/import               CSV (text/csv) or JSON body, all or nothing; ?dryRun=true validates only (admin)
 *
 * The import was `POST /vehicles:import` in issue #3 (never deployed); it is `/vehicles/import` since the HTTP API
 * (docs/decisions.md), because a `:` in an HTTP API route path is not something we could verify.
 */
import * as z from 'zod';
import { deviceId as deviceIdSchema } from '../contracts/telemetry.v1.ts';
import { vehicleV1 } from '../contracts/vehicle.v1.ts';
import { ApiError, type ApiLogger, type ApiRequest, type ApiResponse, errorResponse, jsonResponse, pageLimitQuery, parseJsonBody, zodDetails } from '../api/http.ts';
import type { RouteImpl } from '../api/router.ts';
import { type ImportFormat, parseVehicleFile } from './import.ts';
import { defaultPageLimit, InvalidCursorError, maxPageLimit, type VehicleRegistry } from './ports.ts';

export interface RegistryApiOptions {
  readonly registry: VehicleRegistry;
  /** Most vehicles one `POST /vehicles/import` may carry (the function has 15 s); larger files go through the CLI. */
  readonly maxImportRows?: number;
  readonly logger?: ApiLogger;
}

export const defaultMaxImportRows = 5000;

/**
 * The listing's query string, for the OpenAPI document. The route parses it by hand because it keeps issue #3's
 * error codes (`invalid_request`); the two agree, and tests/unit/registry/api-routes.test.ts covers both.
 */
export const listVehiclesQuery = z.object({
  operator: z.string().min(1).optional().describe('one operator’s vehicles (not with plate)'),
  plate: z.string().min(1).optional().describe('vehicles with this plate, any colour; all at once, no cursor'),
  limit: pageLimitQuery(defaultPageLimit, maxPageLimit),
  cursor: z.string().optional(),
});

/** The registry's route implementations by operationId. */
export function registryRoutes(options: RegistryApiOptions): Record<string, RouteImpl> {
  const { registry, logger } = options;
  const cursorErrors = async (run: () => Promise<ApiResponse>): Promise<ApiResponse> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new ApiError(400, 'invalid_cursor', error.message);
      throw error;
    }
  };

  return {
    listVehicles: (request) =>
      cursorErrors(async () => {
        const { operator, plate, cursor } = request.query;
        if (operator !== undefined && plate !== undefined) return errorResponse(400, 'invalid_request', 'give ?operator= or ?plate=, not both');
        const limit = parseLimit(request.query.limit);
        if (plate !== undefined) {
          if (cursor !== undefined) return errorResponse(400, 'invalid_request', '?plate= returns every match at once; it takes no cursor');
          return jsonResponse(200, { vehicles: await registry.findByPlate(plate) });
        }
        const page = { limit, ...(cursor === undefined ? {} : { cursor }) };
        const result = operator !== undefined ? await registry.listByOperator(operator, page) : await registry.list(page);
        return jsonResponse(200, result.cursor === undefined ? { vehicles: result.vehicles } : { vehicles: result.vehicles, cursor: result.cursor });
      }),

    async getVehicle(_request, { params }) {
      const id = deviceIdParam(params.deviceId);
      const vehicle = await registry.get(id);
      return vehicle ? jsonResponse(200, vehicle) : errorResponse(404, 'not_found', `no vehicle ${id}`);
    },

    async putVehicle(request, { params, principal }) {
      const id = deviceIdParam(params.deviceId);
      const body = parseJsonBody(z.unknown(), request.body);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'invalid_vehicle', 'the body must be a vehicle object');
      const given = (body as { deviceId?: unknown }).deviceId;
      if (given !== undefined && given !== id) {
        throw new ApiError(400, 'device_id_mismatch', `the body's deviceId ${JSON.stringify(given)} differs from the path's ${id}`);
      }
      const parsed = vehicleV1.safeParse({ ...body, deviceId: id });
      if (!parsed.success) throw new ApiError(400, 'invalid_vehicle', 'the vehicle does not match the vehicle v1 contract', zodDetails(parsed.error.issues));
      const { vehicle, created } = await registry.put(parsed.data);
      logger?.info(created ? 'vehicle created' : 'vehicle replaced', { deviceId: id, principal: principal.id, requestId: request.requestId });
      return jsonResponse(created ? 201 : 200, vehicle);
    },

    async importVehicles(request, { principal }) {
      const format = importFormat(request);
      if (!format) throw new ApiError(415, 'unsupported_media_type', 'send the file as text/csv or application/json (or add ?format=csv|json)');
      const dryRun = request.query.dryRun === 'true';
      const result = parseVehicleFile(request.body ?? '', format);
      if (!result.ok) throw new ApiError(400, 'invalid_import', `${result.errors.length} error(s); nothing imported`, result.errors);
      const limit = options.maxImportRows ?? defaultMaxImportRows;
      if (result.vehicles.length > limit) {
        throw new ApiError(413, 'payload_too_large', `${result.vehicles.length} vehicles; the API imports at most ${limit} at once (use npm run vehicles -- import)`);
      }
      if (!dryRun) await registry.putMany(result.vehicles);
      logger?.info(dryRun ? 'import validated' : 'vehicles imported', { count: result.vehicles.length, format, principal: principal.id, requestId: request.requestId });
      return jsonResponse(200, { imported: dryRun ? 0 : result.vehicles.length, valid: result.vehicles.length, dryRun });
    },
  };
}

function deviceIdParam(raw: string | undefined): string {
  const parsed = deviceIdSchema.safeParse(raw ?? '');
  if (!parsed.success) throw new ApiError(400, 'invalid_request', `${JSON.stringify(raw)} is not a device id (ASCII letters, digits, _ and -, 1–64)`);
  return parsed.data;
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return defaultPageLimit;
  const limit = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isInteger(limit) && limit >= 1 && limit <= maxPageLimit) return limit;
  throw new ApiError(400, 'invalid_request', `limit must be an integer from 1 to ${maxPageLimit}`);
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
