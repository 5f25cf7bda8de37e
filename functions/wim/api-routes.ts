/**
 * The overload (治超) routes of the console API (docs/overload-api.md), pure over the ports in api-ports.ts. Routing
 * and roles come from functions/api/router.ts and the route table in infra/topology.ts:
 *
 *   GET  /overload/alerts?stationId=|plate=[&plateColor=]&status=&from=&to=&limit=&cursor=   newest first, paged
 *   GET  /overload/alerts/{alertId}                        the alert as published, its evidence and acknowledgement
 *   POST /overload/alerts/{alertId}/acknowledgement        who (the token), when (the server clock), outcome
 *   GET  /overload/stations?date=                          stations with their position and the day's 超限率
 *   GET  /overload/stations/{stationId}/records?from=&to=&limit=&cursor=
 *   GET  /overload/stations/{stationId}/days/{localDate}   counters, rates, hours, ≥ 80/90/100 t lists
 *   GET  /overload/offenders?from=&to=&minAlerts=&limit=   plates alerted repeatedly
 */
import * as z from 'zod';
import { ApiError, type ApiLogger, decodeCursor, encodeCursor, jsonResponse, pageBody, pageLimitQuery, parseJsonBody, parseQuery, timeRangeQuery, utcRange } from '../api/http.ts';
import type { RouteImpl } from '../api/router.ts';
import { type OverloadAcknowledgementMessageV1, type OverloadAcknowledgementV1, overloadAcknowledgementRequestV1 } from '../contracts/overload-acknowledgement.v1.ts';
import { overloadAlertV1 } from '../contracts/overload-alert.v1.ts';
import { plateColors } from '../contracts/wim-record.v1.ts';
import { plateKey as normalisedPlateKey } from '../domain/overload/plate.ts';
import { defaultOverloadRules, type OverloadRules } from '../domain/overload/rules-config.ts';
import { addCounters, emptyCounters, overLimitRates, type StationCountersValue } from '../domain/overload/station-stats.ts';
import { shanghaiDate } from '../shared/local-time.ts';
import {
  alertStatuses,
  type OverLimitRecordStore,
  type OverloadAlertStore,
  type StationCounterReader,
  type StationDirectory,
  type StoredAlert,
  type StoredOverLimitRecord,
  type StorePage,
  type StorePosition,
} from './api-ports.ts';

export interface OverloadApiOptions {
  readonly alerts: OverloadAlertStore;
  readonly overLimit: OverLimitRecordStore;
  readonly counters: StationCounterReader;
  readonly stations: StationDirectory;
  /** The server clock: acknowledgement times and default ranges. */
  readonly nowMs: () => number;
  /** Where the 80 / 90 / 100 t thresholds come from. */
  readonly rules?: OverloadRules;
  /** Announces an acknowledgement to the consoles (MQTT); absent = no announcement. */
  readonly announce?: (message: OverloadAcknowledgementMessageV1) => Promise<void>;
  readonly logger?: ApiLogger;
}

const dayMs = 86_400_000;
export const alertRangeLimits = { defaultSpanMs: dayMs, maxSpanMs: 31 * dayMs };
export const recordRangeLimits = { defaultSpanMs: dayMs, maxSpanMs: 31 * dayMs };
export const offenderRangeLimits = { defaultSpanMs: 30 * dayMs, maxSpanMs: 92 * dayMs };
/** A plate's alerts are read whole and merged across plate colours; beyond this the range must be narrowed. */
export const maxPlateAlertsPerQuery = 5000;
/** Store pages read when a route needs everything in a range (offenders, heavy lists). */
const fullReadPageSize = 1000;
/** Parallel store queries of one request (days, stations): enough to hide latency, few enough not to throttle. */
const queryConcurrency = 6;

// ── Validation ───────────────────────────────────────────────────────────────────────────────────────────────────

const stationIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
const alertIdPattern = /^ovl-[0-9a-f]{20}$/;

function isLocalDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && shanghaiDate(localDayStartMs(text)) === text;
}

const localDate = z.string().refine(isLocalDate, 'a date YYYY-MM-DD (Asia/Shanghai)');
const limit = pageLimitQuery();
const range = timeRangeQuery;

export const listAlertsQuery = z.object({
  stationId: z.string().regex(stationIdPattern, 'a station id').optional(),
  plate: z.string().trim().min(1).max(32).regex(/^[^#]+$/, 'the plate without its colour; the colour goes in plateColor').optional(),
  plateColor: z.enum(plateColors).optional(),
  status: z.enum(alertStatuses).optional(),
  ...range,
  limit,
  cursor: z.string().optional(),
});
export const stationsQuery = z.object({ date: localDate.optional() });
export const stationRecordsQuery = z.object({ ...range, limit, cursor: z.string().optional() });
export const offendersQuery = z.object({
  ...range,
  minAlerts: z.coerce.number().int().min(1).max(10_000).default(2),
  limit: pageLimitQuery(50),
});

const storePosition = z.record(z.string(), z.unknown());
const dayCursor = z.object({ d: localDate, k: storePosition.optional() });
/** After this alert in newest-first order (measuredAtUtc, then alertId, both descending). */
const plateCursor = z.object({ t: z.string(), a: z.string() });

function cursorOf<S extends z.ZodType>(schema: S, listing: string, cursor: string | undefined): z.output<S> | undefined {
  const position = decodeCursor(listing, cursor);
  if (position === undefined) return undefined;
  const parsed = schema.safeParse(position);
  if (!parsed.success) throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API issued');
  return parsed.data;
}

function stationIdParam(value: string | undefined): string {
  if (value === undefined || !stationIdPattern.test(value)) throw new ApiError(404, 'not_found', `no station ${value ?? ''}`);
  return value;
}

function alertIdParam(value: string | undefined): string {
  // An id that cannot be one of ours is simply not found: never a key the store has to look at.
  if (value === undefined || !alertIdPattern.test(value)) throw new ApiError(404, 'not_found', `no alert ${value ?? ''}`);
  return value;
}

// ── Local days ───────────────────────────────────────────────────────────────────────────────────────────────────

function localDayStartMs(date: string): number {
  return Date.parse(`${date}T00:00:00+08:00`);
}

/** Asia/Shanghai dates touched by a UTC range, newest first. */
export function localDatesDescending(fromUtc: string, toUtc: string): string[] {
  const first = shanghaiDate(Date.parse(fromUtc));
  const dates: string[] = [];
  for (let start = localDayStartMs(shanghaiDate(Date.parse(toUtc))); ; start -= dayMs) {
    const date = shanghaiDate(start);
    dates.push(date);
    if (date <= first) return dates;
  }
}

function localDayRange(date: string): { fromUtc: string; toUtc: string } {
  const start = localDayStartMs(date);
  return { fromUtc: new Date(start).toISOString(), toUtc: new Date(start + dayMs - 1).toISOString() };
}

// ── Response shapes ──────────────────────────────────────────────────────────────────────────────────────────────

/** The plate without its colour, as the alert message carries it. */
const plateOf = (plateKey: string) => plateKey.split('#')[0] ?? plateKey;

/** What the summary repeats from the alert as published: the limit, the ratio and any dimension excess. */
function publishedFacts(alertJson: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(alertJson);
  } catch {
    return {};
  }
  const alert = overloadAlertV1.safeParse(parsed);
  if (!alert.success) return {};
  const { stationName, limitKg, overLimitRatio, dimensionViolations } = alert.data;
  return {
    ...(stationName ? { stationName } : {}),
    limitKg,
    overLimitRatio,
    dimensionViolations: dimensionViolations.map(({ dimension, measuredM, limitM, overM }) => ({ dimension, measuredM, limitM, overM })),
  };
}

export function alertSummary(alert: StoredAlert) {
  return {
    ...publishedFacts(alert.alertJson),
    alertId: alert.alertId,
    stationId: alert.stationId,
    recordId: alert.recordId,
    measuredAtUtc: alert.measuredAtUtc,
    ...(alert.plateKey ? { plate: plateOf(alert.plateKey), plateKey: alert.plateKey } : {}),
    band: alert.band,
    overLimitKg: alert.overLimitKg,
    grossWeightKg: alert.grossWeightKg,
    hundredTonne: alert.hundredTonne,
    status: alert.status,
    publishedAt: alert.publishedAt,
    ...(alert.acknowledgement ? { acknowledgement: alert.acknowledgement } : {}),
  };
}

export function recordSummary(record: StoredOverLimitRecord) {
  return {
    recordId: record.recordId,
    measuredAtUtc: record.measuredAtUtc,
    ...(record.plateKey ? { plate: plateOf(record.plateKey) } : {}),
    grossWeightKg: record.grossWeightKg,
    limitKg: record.limitKg,
    overLimitKg: record.overLimitKg,
    band: record.band,
    disposition: record.disposition,
    ...(record.alertId ? { alertId: record.alertId } : {}),
  };
}

type AlertPosition = Pick<StoredAlert, 'measuredAtUtc' | 'alertId'>;
const newestFirst = (a: AlertPosition, b: AlertPosition) =>
  a.measuredAtUtc === b.measuredAtUtc ? (a.alertId < b.alertId ? 1 : a.alertId > b.alertId ? -1 : 0) : a.measuredAtUtc < b.measuredAtUtc ? 1 : -1;

const sameAcknowledgement = (a: OverloadAcknowledgementV1, b: Pick<OverloadAcknowledgementV1, 'byId' | 'outcome' | 'note'>) =>
  a.byId === b.byId && a.outcome === b.outcome && (a.note ?? '') === (b.note ?? '');

// ── Helpers over the ports ───────────────────────────────────────────────────────────────────────────────────────

async function mapLimited<T, R>(items: readonly T[], concurrency: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Every item of a paged store query, at most `cap` (then 400: the caller should narrow the range). */
async function readAll<T>(query: (after: StorePosition | undefined) => Promise<StorePage<T>>, cap = Number.POSITIVE_INFINITY): Promise<T[]> {
  const items: T[] = [];
  let after: StorePosition | undefined;
  do {
    const page = await query(after);
    items.push(...page.items);
    if (items.length > cap) throw new ApiError(400, 'range_too_large', `more than ${cap} items in the range; narrow it`);
    after = page.next;
  } while (after);
  return items;
}

/** All 24 local hours of a day, zeros included, so that a chart needs no gap filling. */
function hourlyProfile(hours: ReadonlyArray<{ localHour: string; counters: StationCountersValue }>) {
  const byHour = new Map(hours.map((h) => [Number(h.localHour.slice(11, 13)), h.counters]));
  return Array.from({ length: 24 }, (_, hour) => ({ hour, trucksWeighed: byHour.get(hour)?.trucksWeighed ?? 0, overLimit: byHour.get(hour)?.overLimit ?? 0 }));
}

// ── Routes ───────────────────────────────────────────────────────────────────────────────────────────────────────

export function overloadRoutes(options: OverloadApiOptions): Record<string, RouteImpl> {
  // The acknowledgement is stored before it is announced: a failed announcement is logged, not an error (the
  // consoles also read the status from the API), and the client's retry announces it again.
  const announceAcknowledgement = async (message: OverloadAcknowledgementMessageV1): Promise<void> => {
    if (!options.announce) return;
    try {
      await options.announce(message);
    } catch (error) {
      options.logger?.warn('acknowledgement not announced', { alertId: message.alertId, error: error instanceof Error ? error.message : String(error) });
    }
  };
  const { alerts, overLimit, counters, stations, nowMs } = options;
  const rules = options.rules ?? defaultOverloadRules;

  const dayCounters = async (stationId: string, date: string) => {
    const hours = await counters.hoursOfStationDay(stationId, date);
    return { hours, counters: hours.reduce((sum, h) => addCounters(sum, h.counters), emptyCounters()) };
  };

  return {
    async listOverloadAlerts(request) {
      const q = parseQuery(listAlertsQuery, request.query);
      const { fromUtc, toUtc } = utcRange(q, nowMs(), alertRangeLimits);
      const status = q.status === undefined ? {} : { status: q.status };

      if (q.plate !== undefined) {
        // A plate's alerts are few; reading them whole lets one listing span every plate colour (officers often
        // type the plate without knowing the colour) and filter by station as well.
        const bare = normalisedPlateKey(q.plate);
        const colours = q.plateColor === undefined ? plateColors : [q.plateColor];
        const listing = `overload-alerts/plate/${bare}/${q.plateColor ?? '*'}/${q.stationId ?? '*'}`;
        const position = cursorOf(plateCursor, listing, q.cursor);
        const found = (
          await Promise.all(
            colours.map((colour) =>
              readAll((after) => alerts.alertsOfPlate(normalisedPlateKey(bare, colour), { fromUtc, toUtc, limit: fullReadPageSize, ...status, ...(after ? { after } : {}) }), maxPlateAlertsPerQuery),
            ),
          )
        )
          .flat()
          .filter((a) => q.stationId === undefined || a.stationId === q.stationId)
          .sort(newestFirst);
        const start = position ? found.findIndex((a) => newestFirst(a, { measuredAtUtc: position.t, alertId: position.a }) > 0) : 0;
        const page = start < 0 ? [] : found.slice(start, start + q.limit);
        const last = page[page.length - 1];
        const more = start >= 0 && start + q.limit < found.length && last !== undefined;
        return jsonResponse(200, pageBody(page.map(alertSummary), more ? encodeCursor(listing, { t: last.measuredAtUtc, a: last.alertId }) : undefined));
      }

      if (q.stationId !== undefined) {
        const listing = `overload-alerts/station/${q.stationId}`;
        const after = cursorOf(storePosition, listing, q.cursor);
        const page = await alerts.alertsOfStation(q.stationId, { fromUtc, toUtc, limit: q.limit, ...status, ...(after ? { after } : {}) });
        return jsonResponse(200, pageBody(page.items.map(alertSummary), page.next ? encodeCursor(listing, page.next) : undefined));
      }

      // Across stations: the byLocalDate index a day at a time, newest day first; the cursor names the day and the
      // store's position within it.
      const listing = 'overload-alerts/date';
      const days = localDatesDescending(fromUtc, toUtc);
      const position = cursorOf(dayCursor, listing, q.cursor);
      let dayIndex = position ? days.indexOf(position.d) : 0;
      if (dayIndex < 0) throw new ApiError(400, 'invalid_cursor', 'the cursor is outside the requested range');
      let after: StorePosition | undefined = position?.k;
      const items: StoredAlert[] = [];
      while (dayIndex < days.length && items.length < q.limit) {
        const page = await alerts.alertsOfLocalDate(days[dayIndex] as string, { fromUtc, toUtc, limit: q.limit - items.length, ...status, ...(after ? { after } : {}) });
        items.push(...page.items);
        if (page.next) after = page.next;
        else {
          dayIndex++;
          after = undefined;
        }
      }
      const cursor = dayIndex < days.length ? encodeCursor(listing, { d: days[dayIndex], ...(after ? { k: after } : {}) }) : undefined;
      return jsonResponse(200, pageBody(items.map(alertSummary), cursor));
    },

    async getOverloadAlert(_request, { params }) {
      const alertId = alertIdParam(params.alertId);
      const [alert, record] = await Promise.all([alerts.alert(alertId), overLimit.recordOfAlert(alertId)]);
      if (!alert) throw new ApiError(404, 'not_found', `no alert ${alertId}`);
      return jsonResponse(200, {
        ...alertSummary(alert),
        alert: JSON.parse(alert.alertJson) as unknown,
        // The evidence item is written before the alert, so it is there; null only if it was removed by hand.
        evidence: record ? { judgement: JSON.parse(record.judgementJson) as unknown, record: JSON.parse(record.recordJson) as unknown } : null,
      });
    },

    async acknowledgeOverloadAlert(request, { params, principal }) {
      const alertId = alertIdParam(params.alertId);
      const body = parseJsonBody(overloadAcknowledgementRequestV1, request.body);
      const acknowledgement: OverloadAcknowledgementV1 = {
        byId: principal.id,
        byName: principal.displayName,
        atUtc: new Date(nowMs()).toISOString(),
        outcome: body.outcome,
        ...(body.note === undefined ? {} : { note: body.note }),
      };
      const stored = (await alerts.acknowledge(alertId, acknowledgement)) ? { ...(await alerts.alert(alertId)), acknowledgement } : await alerts.alert(alertId);
      if (!stored?.stationId) throw new ApiError(404, 'not_found', `no alert ${alertId}`);
      if (!stored.acknowledgement) throw new Error(`alert ${alertId} is ${stored.status} but could not be acknowledged`);
      // A repeated request (a retry, a double click) gets the acknowledgement it made — and announces it again, in
      // case the first announcement was lost; anything else is a conflict.
      if (stored.acknowledgement === acknowledgement || sameAcknowledgement(stored.acknowledgement, acknowledgement)) {
        await announceAcknowledgement({ schemaVersion: 1, alertId, stationId: stored.stationId, status: 'acknowledged', acknowledgement: stored.acknowledgement });
        return jsonResponse(200, { alertId, status: 'acknowledged', acknowledgement: stored.acknowledgement });
      }
      throw new ApiError(409, 'already_acknowledged', `alert ${alertId} was already acknowledged`, { acknowledgement: stored.acknowledgement });
    },

    async listStations(request) {
      const q = parseQuery(stationsQuery, request.query);
      const date = q.date ?? shanghaiDate(nowMs());
      const profiles = [...(await stations.stations())].sort((a, b) => (a.stationId < b.stationId ? -1 : a.stationId > b.stationId ? 1 : 0));
      const items = await mapLimited(profiles, queryConcurrency, async (station) => {
        const day = (await dayCounters(station.stationId, date)).counters;
        return {
          stationId: station.stationId,
          name: station.name ?? station.stationId,
          ...(station.road ? { road: station.road } : {}),
          // A station loaded without a position is still listed (its figures matter); the map leaves it out.
          lat: station.lat ?? null,
          lon: station.lon ?? null,
          accuracyClass: station.accuracyClass,
          day: { trucksWeighed: day.trucksWeighed, overLimit: day.overLimit, rates: overLimitRates(day) },
        };
      });
      return jsonResponse(200, { date, items });
    },

    async listStationRecords(request, { params }) {
      const stationId = stationIdParam(params.stationId);
      const q = parseQuery(stationRecordsQuery, request.query);
      const { fromUtc, toUtc } = utcRange(q, nowMs(), recordRangeLimits);
      const listing = `overload-records/station/${stationId}`;
      const after = cursorOf(storePosition, listing, q.cursor);
      const page = await overLimit.recordsOfStation(stationId, { fromUtc, toUtc, limit: q.limit, ...(after ? { after } : {}) });
      return jsonResponse(200, pageBody(page.items.map(recordSummary), page.next ? encodeCursor(listing, page.next) : undefined));
    },

    async getStationDay(_request, { params }) {
      const stationId = stationIdParam(params.stationId);
      const date = params.localDate ?? '';
      if (!isLocalDate(date)) throw new ApiError(400, 'invalid_request', 'localDate must be a date YYYY-MM-DD (Asia/Shanghai)');
      const over80tKg = rules.statistics.over80tKg.value;
      const over90tKg = rules.statistics.over90tKg.value;
      const hundredTonneKg = rules.hundredTonneKg.value;
      const [day, heavy] = await Promise.all([
        dayCounters(stationId, date),
        readAll((after) =>
          overLimit.recordsOfStation(stationId, { ...localDayRange(date), limit: fullReadPageSize, minGrossWeightKg: Math.min(over80tKg, over90tKg, hundredTonneKg), ...(after ? { after } : {}) }),
        ),
      ]);
      const atLeast = (kg: number) => heavy.filter((r) => r.grossWeightKg >= kg).map(recordSummary);
      return jsonResponse(200, {
        stationId,
        localDate: date,
        counters: day.counters,
        rates: overLimitRates(day.counters),
        hours: hourlyProfile(day.hours),
        heavy: { over80t: atLeast(over80tKg), over90t: atLeast(over90tKg), over100t: atLeast(hundredTonneKg) },
      });
    },

    async listRepeatOffenders(request) {
      const q = parseQuery(offendersQuery, request.query);
      const { fromUtc, toUtc } = utcRange(q, nowMs(), offenderRangeLimits);
      const perDay = await mapLimited(localDatesDescending(fromUtc, toUtc), queryConcurrency, (date) =>
        readAll((after) => alerts.plateAlertsOfLocalDate(date, { fromUtc, toUtc, limit: fullReadPageSize, ...(after ? { after } : {}) })),
      );
      const byPlate = new Map<string, { plateKey: string; plate: string; alertCount: number; stationIds: Set<string>; lastAlertAtUtc: string; maxOverLimitKg: number }>();
      for (const alert of perDay.flat()) {
        const entry = byPlate.get(alert.plateKey);
        if (!entry) {
          byPlate.set(alert.plateKey, {
            plateKey: alert.plateKey,
            plate: plateOf(alert.plateKey),
            alertCount: 1,
            stationIds: new Set([alert.stationId]),
            lastAlertAtUtc: alert.measuredAtUtc,
            maxOverLimitKg: alert.overLimitKg,
          });
          continue;
        }
        entry.alertCount++;
        entry.stationIds.add(alert.stationId);
        if (alert.measuredAtUtc > entry.lastAlertAtUtc) entry.lastAlertAtUtc = alert.measuredAtUtc;
        entry.maxOverLimitKg = Math.max(entry.maxOverLimitKg, alert.overLimitKg);
      }
      const items = [...byPlate.values()]
        .filter((e) => e.alertCount >= q.minAlerts)
        .sort((a, b) => b.alertCount - a.alertCount || (a.lastAlertAtUtc < b.lastAlertAtUtc ? 1 : a.lastAlertAtUtc > b.lastAlertAtUtc ? -1 : 0))
        .slice(0, q.limit)
        .map((e) => ({ ...e, stationIds: [...e.stationIds].sort() }));
      return jsonResponse(200, { items });
    },
  };
}
