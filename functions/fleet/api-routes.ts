/**
 * The supervision routes of the console API (docs/supervision-api.md, docs/api.md), pure over the read ports of
 * functions/fleet/api-ports.ts. Routing and roles come from functions/api/router.ts and the route table in
 * infra/topology.ts:
 *
 *   GET /supervision/violations?deviceId=|operator=|category=|type=&from&to&limit&cursor   newest first
 *   GET /supervision/violations/{violationId}                                              with its evidence
 *   GET /supervision/positions?limit&cursor                                                every vehicle's latest
 *   GET /supervision/vehicles/{deviceId}                                                   registry, latest, driving
 *   GET /supervision/vehicles/{deviceId}/track?from&to&limit&cursor                        oldest first
 *
 * A violation is shown as the supervision-alert v1 contract describes it (times with +08:00, the vehicle as the
 * registry described it when the violation was raised), plus its id and status.
 */
import * as z from 'zod';
import { ApiError, decodeCursor, encodeCursor, jsonResponse, pageBody, pageLimitQuery, parseQuery, timeRangeQuery, type UtcRange, utcRange } from '../api/http.ts';
import type { RouteImpl } from '../api/router.ts';
import { evidenceReportV1, violationTypes } from '../contracts/supervision-alert.v1.ts';
import { deviceId as deviceIdSchema } from '../contracts/telemetry.v1.ts';
import { vehicleCategories } from '../contracts/vehicle.v1.ts';
import { toShanghaiIso } from '../shared/local-time.ts';
import {
  type RegistryReader,
  type StoredViolation,
  type TrackReader,
  trackPointFields,
  type VehicleStateReader,
  type ViolationFilter,
  type ViolationFilterField,
  type ViolationPosition,
  type ViolationReader,
} from './api-ports.ts';
import { drivingSummary } from './driving-state.ts';
import { evidenceOf } from './violations.ts';

export interface SupervisionApiOptions {
  readonly violations: ViolationReader;
  readonly tracks: TrackReader;
  readonly states: VehicleStateReader;
  readonly registry: RegistryReader;
  readonly nowMs?: () => number;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
export const violationRangeLimits = { defaultSpanMs: dayMs, maxSpanMs: 31 * dayMs } as const;
export const trackRangeLimits = { defaultSpanMs: 2 * hourMs, maxSpanMs: 7 * dayMs } as const;

// ── Queries ──────────────────────────────────────────────────────────────────────────────────────────────────────

const limit = pageLimitQuery;
const range = timeRangeQuery;
const cursor = z.string().min(1).optional();

const filterFields = ['deviceId', 'operator', 'category', 'type'] as const satisfies readonly ViolationFilterField[];

export const listViolationsQuery = z
  .object({
    deviceId: deviceIdSchema.optional(),
    operator: z.string().min(1).max(128).optional(),
    category: z.enum(vehicleCategories).optional(),
    type: z.enum(violationTypes).optional(),
    ...range,
    limit: limit(50, 1000),
    cursor,
  })
  .refine((q) => filterFields.filter((field) => q[field] !== undefined).length <= 1, {
    message: 'give at most one of deviceId, operator, category and type',
    path: ['filter'],
  });

export const latestPositionsQuery = z.object({ limit: limit(500, 1000), cursor });
export const trackQuery = z.object({ ...range, limit: limit(500, 1000), cursor });

// ── Responses (what the dashboard reads) ─────────────────────────────────────────────────────────────────────────

const isoWithOffset = z.string();

export const violationResponse = z.object({
  violationId: z.string(),
  type: z.enum(violationTypes),
  startAt: isoWithOffset,
  endAt: isoWithOffset.optional(),
  driverId: z.string().optional(),
  vehicle: z.object({
    deviceId: z.string(),
    plate: z.string(),
    plateColor: z.string().optional(),
    category: z.string(),
    operator: z.string(),
    city: z.string(),
  }),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  basis: z.object({ ruleId: z.string(), source: z.string() }),
  /** Only when the violation is read by id. */
  evidence: z.array(evidenceReportV1).optional(),
  status: z.string(),
  raisedAt: isoWithOffset.optional(),
});
export type ViolationResponse = z.infer<typeof violationResponse>;

export const latestPositionResponse = z.object({
  deviceId: z.string(),
  plate: z.string().optional(),
  category: z.string().optional(),
  fuelType: z.string().optional(),
  operator: z.string().optional(),
  lat: z.number(),
  lon: z.number(),
  speedKmh: z.number(),
  headingDeg: z.number().optional(),
  tsUtc: z.string(),
  /** The terminal's MQTT connection as lifecycle events last told it; absent when none was seen. */
  online: z.boolean().optional(),
});
export type LatestPositionResponse = z.infer<typeof latestPositionResponse>;

export const trackPointResponse = z.object({ tsUtc: z.string(), ...trackPointFields });
export type TrackPointResponse = z.infer<typeof trackPointResponse>;

// ── Cursors ──────────────────────────────────────────────────────────────────────────────────────────────────────

const storeKeySchema = z.record(z.string(), z.union([z.string(), z.number()]));

/**
 * A violation listing's position: its filter and range (fixed by the first page, so that a default `to` = now does
 * not drift between pages) and, per partition still open, the last violation shown (null: none yet). A partition
 * missing from `at` is exhausted.
 */
const violationsCursor = z.object({
  f: z.string(),
  from: z.string(),
  to: z.string(),
  at: z.record(z.string(), z.union([z.null(), z.object({ t: z.string(), id: z.string() })])),
});
type ViolationsCursor = z.infer<typeof violationsCursor>;

const trackCursor = z.object({ d: z.string(), from: z.string(), to: z.string(), k: storeKeySchema });

function cursorPosition<S extends z.ZodType>(schema: S, listing: string, text: string | undefined): z.output<S> | undefined {
  const position = decodeCursor(listing, text);
  if (position === undefined) return undefined;
  const parsed = schema.safeParse(position);
  if (!parsed.success) throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API issued');
  return parsed.data;
}

// ── Routes ───────────────────────────────────────────────────────────────────────────────────────────────────────

export function supervisionRoutes(options: SupervisionApiOptions): Record<string, RouteImpl> {
  const nowMs = options.nowMs ?? Date.now;

  return {
    async listViolations(request) {
      const q = parseQuery(listViolationsQuery, request.query);
      const field = filterFields.find((f) => q[f] !== undefined);
      const filterText = field ? `${field}=${q[field]}` : 'all';
      const previous = cursorPosition(violationsCursor, 'violations', q.cursor);
      if (previous && previous.f !== filterText) throw new ApiError(400, 'invalid_cursor', `the cursor belongs to the listing ${previous.f}, not ${filterText}`);
      const range: UtcRange = previous ? { fromUtc: previous.from, toUtc: previous.to } : utcRange(q, nowMs(), violationRangeLimits);
      // Without a filter: one newest-first listing per category (GSI byCategory), merged.
      const partitions: ViolationFilter[] = field
        ? [{ field, value: String(q[field]) }]
        : vehicleCategories.map((category) => ({ field: 'category', value: category }));
      const open = previous
        ? partitions.filter((p) => p.value in previous.at).map((p) => ({ filter: p, after: toPosition(previous.at[p.value]) }))
        : partitions.map((p) => ({ filter: p, after: undefined }));
      const { items, at } = await mergedPage(options.violations, open, range, q.limit);
      const next = Object.keys(at).length > 0 ? encodeCursor('violations', { f: filterText, from: range.fromUtc, to: range.toUtc, at } satisfies ViolationsCursor) : undefined;
      return jsonResponse(200, pageBody(items.map((v) => violationBody(v, false)), next));
    },

    async getViolation(_request, { params }) {
      const violationId = params.violationId ?? '';
      if (violationId === '' || violationId.length > 512) throw new ApiError(400, 'invalid_request', 'not a violation id');
      const violation = await options.violations.getViolation(violationId);
      if (!violation) throw new ApiError(404, 'not_found', `no violation ${violationId}`);
      return jsonResponse(200, violationBody(violation, true));
    },

    async listLatestPositions(request) {
      const q = parseQuery(latestPositionsQuery, request.query);
      const startKey = cursorPosition(storeKeySchema, 'positions', q.cursor);
      const page = await options.states.scanLatest({ limit: q.limit, ...(startKey ? { startKey } : {}) });
      // A device known only from presence events has no position to put on the map.
      const located = page.items.filter((state) => state.lastPosition !== undefined);
      const vehicles = located.length > 0 ? await options.registry.getMany(located.map((s) => s.deviceId)) : new Map();
      const items = located.map((state): LatestPositionResponse => {
        const position = state.lastPosition as NonNullable<typeof state.lastPosition>;
        const vehicle = vehicles.get(state.deviceId);
        return {
          deviceId: state.deviceId,
          ...(vehicle ? { plate: vehicle.plate, category: vehicle.category, fuelType: vehicle.energyType, operator: vehicle.operator } : {}),
          lat: position.lat,
          lon: position.lon,
          speedKmh: position.speedKmh,
          ...(position.headingDeg === undefined ? {} : { headingDeg: position.headingDeg }),
          tsUtc: new Date(position.tsMs).toISOString(),
          ...(state.connection ? { online: state.connection.connected } : {}),
        };
      });
      return jsonResponse(200, pageBody(items, page.nextKey ? encodeCursor('positions', page.nextKey) : undefined));
    },

    async getVehicleState(_request, { params }) {
      const deviceId = deviceIdParam(params.deviceId);
      const [vehicle, state] = await Promise.all([options.registry.get(deviceId), options.states.getState(deviceId)]);
      if (!vehicle && !state) throw new ApiError(404, 'not_found', `no vehicle ${deviceId} in the registry or in the telemetry`);
      const position = state?.lastPosition as (NonNullable<NonNullable<typeof state>['lastPosition']> & { headingDeg?: number }) | undefined;
      const connection = state?.connection;
      return jsonResponse(200, {
        deviceId,
        vehicle: vehicle ?? null,
        latest: position
          ? {
              lat: position.lat,
              lon: position.lon,
              speedKmh: position.speedKmh,
              ...(position.headingDeg === undefined ? {} : { headingDeg: position.headingDeg }),
              tsUtc: new Date(position.tsMs).toISOString(),
            }
          : null,
        driving: drivingSummary(state?.engine, nowMs()),
        online: connection ? connection.connected : null,
        connection: connection
          ? {
              connected: connection.connected,
              sinceUtc: new Date(connection.atMs).toISOString(),
              ...(connection.disconnectReason ? { disconnectReason: connection.disconnectReason } : {}),
              ...(connection.offlineConfirmedAtMs === undefined ? {} : { offlineConfirmedUtc: new Date(connection.offlineConfirmedAtMs).toISOString() }),
            }
          : null,
      });
    },

    async getVehicleTrack(request, { params }) {
      const deviceId = deviceIdParam(params.deviceId);
      const q = parseQuery(trackQuery, request.query);
      const previous = cursorPosition(trackCursor, 'track', q.cursor);
      if (previous && previous.d !== deviceId) throw new ApiError(400, 'invalid_cursor', `the cursor belongs to the track of ${previous.d}`);
      const range: UtcRange = previous ? { fromUtc: previous.from, toUtc: previous.to } : utcRange(q, nowMs(), trackRangeLimits);
      const page = await options.tracks.trackPoints(deviceId, range, { limit: q.limit, ...(previous ? { startKey: previous.k } : {}) });
      const items = page.items.map(
        (p): TrackPointResponse => ({
          tsUtc: new Date(p.tsMs).toISOString(),
          seq: p.seq,
          lat: p.lat,
          lon: p.lon,
          speedKmh: p.speedKmh,
          ...(p.headingDeg === undefined ? {} : { headingDeg: p.headingDeg }),
          ...(p.odometerKm === undefined ? {} : { odometerKm: p.odometerKm }),
          ...(p.ignition === undefined ? {} : { ignition: p.ignition }),
          ...(p.alarmFlags === undefined ? {} : { alarmFlags: p.alarmFlags }),
          ...(p.driverId === undefined ? {} : { driverId: p.driverId }),
          ...(p.late === undefined ? {} : { late: p.late }),
        }),
      );
      const next = page.nextKey ? encodeCursor('track', { d: deviceId, from: range.fromUtc, to: range.toUtc, k: page.nextKey }) : undefined;
      return jsonResponse(200, pageBody(items, next));
    },
  };
}

// ── Merging newest-first listings ────────────────────────────────────────────────────────────────────────────────

type CursorAt = ViolationsCursor['at'];

const toPosition = (at: CursorAt[string] | undefined): ViolationPosition | undefined => (at ? { startUtc: at.t, violationId: at.id } : undefined);
const startUtcOf = (v: StoredViolation) => new Date(v.startMs).toISOString();

/**
 * The newest `limit` violations across partitions, each read newest first from its position: a k-way merge that
 * takes a prefix of every partition's own order, so that each resumes exactly after the last item it contributed
 * (even where start times tie). Returns the open partitions' positions; an exhausted one is left out.
 */
export async function mergedPage(
  reader: ViolationReader,
  open: ReadonlyArray<{ filter: ViolationFilter; after: ViolationPosition | undefined }>,
  range: UtcRange,
  limit: number,
): Promise<{ items: StoredViolation[]; at: CursorAt }> {
  const pages = await Promise.all(
    open.map((p) => reader.listViolations(p.filter, range, { limit, ...(p.after ? { after: p.after } : {}) })),
  );
  const taken = pages.map(() => 0);
  const items: StoredViolation[] = [];
  while (items.length < limit) {
    let best = -1;
    for (let i = 0; i < pages.length; i++) {
      const head = (pages[i] as (typeof pages)[number]).items[taken[i] as number];
      if (head === undefined) continue;
      const bestHead = best < 0 ? undefined : (pages[best] as (typeof pages)[number]).items[taken[best] as number];
      if (!bestHead || startUtcOf(head) > startUtcOf(bestHead)) best = i;
    }
    if (best < 0) break;
    items.push((pages[best] as (typeof pages)[number]).items[taken[best] as number] as StoredViolation);
    taken[best] = (taken[best] as number) + 1;
  }
  const at: CursorAt = {};
  open.forEach((p, i) => {
    const page = pages[i] as (typeof pages)[number];
    const count = taken[i] as number;
    if (count === page.items.length && !page.more) return;
    const last = count > 0 ? (page.items[count - 1] as StoredViolation) : undefined;
    at[p.filter.value] = last ? { t: startUtcOf(last), id: last.violationId } : p.after ? { t: p.after.startUtc, id: p.after.violationId } : null;
  });
  return { items, at };
}

function violationBody(v: StoredViolation, withEvidence: boolean): ViolationResponse {
  return {
    violationId: v.violationId,
    type: v.type,
    startAt: toShanghaiIso(v.startMs),
    ...(v.endMs === undefined ? {} : { endAt: toShanghaiIso(v.endMs) }),
    ...(v.driverId === undefined ? {} : { driverId: v.driverId }),
    vehicle: {
      deviceId: v.deviceId,
      plate: v.plate,
      ...(v.plateColor === undefined ? {} : { plateColor: v.plateColor }),
      category: v.category,
      operator: v.operator,
      city: v.city,
    },
    details: { ...v.details },
    basis: { ...v.basis },
    ...(withEvidence ? { evidence: (v.evidence ?? []).map(evidenceOf) } : {}),
    status: v.status,
    ...(v.publishedAt === undefined || Number.isNaN(Date.parse(v.publishedAt)) ? {} : { raisedAt: toShanghaiIso(Date.parse(v.publishedAt)) }),
  };
}

function deviceIdParam(raw: string | undefined): string {
  const parsed = deviceIdSchema.safeParse(raw ?? '');
  if (!parsed.success) throw new ApiError(400, 'invalid_request', `${JSON.stringify(raw)} is not a device id (ASCII letters, digits, _ and -, 1–64)`);
  return parsed.data;
}
