/**
 * The green-metrics routes of the console API (docs/green-metrics.md, docs/api.md), pure over a history store:
 *   GET /metrics/green/current?city=460100         the latest hour, day and month figures of a scope
 *   GET /metrics/green/history?city=460100&period=day&from=2026-11-01&to=2026-11-30&limit=100
 * Without `city` the scope is the province.
 */
import * as z from 'zod';
import { errorResponse, jsonResponse, parseQuery } from '../api/http.ts';
import type { RouteImpl } from '../api/router.ts';
import type { GreenHistoryStore, PeriodKind } from './ports.ts';

export interface GreenApiOptions {
  readonly history: GreenHistoryStore;
}

const periodKey = /^\d{4}-\d{2}(-\d{2}(T\d{2})?)?$/;
export const currentGreenQuery = z.object({ city: z.string().regex(/^\d{6}$/, 'city is a six-digit GB/T 2260 code, e.g. 460100').optional() });
export const greenHistoryQuery = currentGreenQuery.extend({
  period: z.enum(['hour', 'day', 'month']),
  from: z.string().regex(periodKey, 'from is YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH'),
  to: z.string().regex(periodKey, 'to is YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const scopeOf = (city: string | undefined) => (city ? `city#${city}` : 'province');

export function greenRoutes(options: GreenApiOptions): Record<string, RouteImpl> {
  return {
    async currentGreenMetrics(request) {
      const q = parseQuery(currentGreenQuery, request.query);
      const scope = scopeOf(q.city);
      const latest = await Promise.all(
        (['hour', 'day', 'month'] as PeriodKind[]).map(async (kind) => [kind, (await options.history.query(scope, kind, '0000', '9999', 1))[0]] as const),
      );
      if (latest.every(([, item]) => item === undefined)) return errorResponse(404, 'not_found', `no metrics yet for ${scope}`);
      return jsonResponse(200, {
        scope,
        periods: Object.fromEntries(
          latest.filter(([, item]) => item).map(([kind, item]) => [kind, { key: item?.periodKey, computedAtMs: item?.computedAtMs, fleets: item?.metrics }]),
        ),
      });
    },

    async greenMetricsHistory(request) {
      const q = parseQuery(greenHistoryQuery, request.query);
      const scope = scopeOf(q.city);
      const items = await options.history.query(scope, q.period, q.from, `${q.to}\uffff`, q.limit);
      return jsonResponse(200, { scope, period: q.period, items: items.map((i) => ({ key: i.periodKey, computedAtMs: i.computedAtMs, fleets: i.metrics })) });
    },
  };
}
