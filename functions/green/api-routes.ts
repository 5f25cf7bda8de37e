/**
 * The green-metrics HTTP API (pure routing over a history store):
 *   GET /metrics/green/current?city=460100         the latest hour, day and month figures of a scope
 *   GET /metrics/green/history?city=460100&period=day&from=2026-11-01&to=2026-11-30&limit=100
 * Without `city` the scope is the province. Responses are JSON; errors `{ error: { code, message, details? } }`.
 */
import * as z from 'zod';
import { authorize, errorResponse, jsonResponse, type ApiRequest, type ApiResponse } from '../registry/api-routes.ts';
import type { GreenHistoryStore, PeriodKind } from './ports.ts';

export interface GreenApiOptions {
  readonly history: GreenHistoryStore;
  readonly localDevToken?: string;
}

const scopeQuery = z.object({ city: z.string().regex(/^\d{6}$/, 'city is a six-digit GB/T 2260 code, e.g. 460100').optional() });
const historyQuery = scopeQuery.extend({
  period: z.enum(['hour', 'day', 'month']),
  from: z.string().regex(/^\d{4}-\d{2}(-\d{2}(T\d{2})?)?$/, 'from is YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH'),
  to: z.string().regex(/^\d{4}-\d{2}(-\d{2}(T\d{2})?)?$/, 'to is YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const scopeOf = (city: string | undefined) => (city ? `city#${city}` : 'province');

export async function handleGreenRequest(request: ApiRequest, options: GreenApiOptions): Promise<ApiResponse> {
  // Any authenticated caller may read the metrics: registry roles do not apply here.
  const auth = authorize({ ...request, authorizer: null }, options, 'read');
  if (!auth.ok) return auth.response;
  if (request.method !== 'GET') return errorResponse(405, 'method_not_allowed', `${request.method} is not supported here`);
  const path = request.path.replace(/\/+$/, '');

  if (path === '/metrics/green/current') {
    const q = scopeQuery.safeParse(request.query);
    if (!q.success) return errorResponse(400, 'invalid_query', 'invalid query', q.error.issues);
    const scope = scopeOf(q.data.city);
    const latest = await Promise.all(
      (['hour', 'day', 'month'] as PeriodKind[]).map(async (kind) => [kind, (await options.history.query(scope, kind, '0000', '9999', 1))[0]] as const),
    );
    if (latest.every(([, item]) => item === undefined)) return errorResponse(404, 'not_found', `no metrics yet for ${scope}`);
    return jsonResponse(200, {
      scope,
      periods: Object.fromEntries(latest.filter(([, item]) => item).map(([kind, item]) => [kind, { key: item?.periodKey, computedAtMs: item?.computedAtMs, fleets: item?.metrics }])),
    });
  }

  if (path === '/metrics/green/history') {
    const q = historyQuery.safeParse(request.query);
    if (!q.success) return errorResponse(400, 'invalid_query', 'invalid query', q.error.issues);
    const scope = scopeOf(q.data.city);
    const items = await options.history.query(scope, q.data.period, q.data.from, `${q.data.to}\uffff`, q.data.limit);
    return jsonResponse(200, { scope, period: q.data.period, items: items.map((i) => ({ key: i.periodKey, computedAtMs: i.computedAtMs, fleets: i.metrics })) });
  }

  return errorResponse(404, 'not_found', `no route ${request.method} ${request.path}`);
}
