/**
 * The console API's common ground, shared by every API function (registry, green metrics, overload, supervision):
 * the request and response shapes the pure route code sees, the one error format, paging cursors, query validation
 * with zod, and time ranges. No AWS types here: functions/handlers/api-common.ts translates API Gateway HTTP API
 * (payload v2) events. Documented in docs/api.md.
 */
import * as z from 'zod';

export interface ApiRequest {
  readonly method: string;
  /** Path below the API's base, e.g. `/vehicles/hn-coach-0001` (percent-encoding allowed). */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body as text (base64 already decoded). */
  readonly body?: string | null;
  /** Claims of the caller's JWT as API Gateway's JWT authorizer passed them on (values are strings there). */
  readonly claims?: Readonly<Record<string, unknown>> | null;
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

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { statusCode, headers: { ...jsonHeaders, ...headers }, body: JSON.stringify(body) };
}

/** Every error of every API function: `{ "error": { "code", "message", "details"? } }`. */
export function errorResponse(statusCode: number, code: string, message: string, details?: unknown, headers: Record<string, string> = {}): ApiResponse {
  return jsonResponse(statusCode, { error: { code, message, ...(details === undefined ? {} : { details }) } }, headers);
}

/** Thrown by route code for a client error; the router turns it into an error response. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code: string;
}

export function zodDetails(issues: readonly IssueLike[]): Array<{ path: string; code: string; message: string }> {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), code: issue.code, message: issue.message }));
}

/** Validates a query string (or any plain object) against `schema`, or throws a 400 `invalid_query` naming each problem. */
export function parseQuery<S extends z.ZodType>(schema: S, query: Readonly<Record<string, string | undefined>>): z.output<S> {
  const result = schema.safeParse(query);
  if (!result.success) throw new ApiError(400, 'invalid_query', 'the query string is not valid', zodDetails(result.error.issues));
  return result.data;
}

/** Parses a JSON body against `schema`, or throws 400 (`invalid_request` for no JSON, `invalid_body` for the schema). */
export function parseJsonBody<S extends z.ZodType>(schema: S, body: string | null | undefined): z.output<S> {
  if (body === undefined || body === null || body.trim() === '') throw new ApiError(400, 'invalid_request', 'the request has no body');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new ApiError(400, 'invalid_request', `the body is not JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError(400, 'invalid_body', 'the body does not match the schema', zodDetails(result.error.issues));
  return result.data;
}

// ── Paging ───────────────────────────────────────────────────────────────────────────────────────────────────────

export const defaultPageLimit = 50;
export const maxPageLimit = 1000;

/** The `limit` query parameter of a listing: an integer from 1 to `maxLimit`, `defaultLimit` when absent. */
export function pageLimitQuery(defaultLimit = defaultPageLimit, maxLimit = maxPageLimit) {
  return z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit);
}

/** The `from` / `to` query parameters of a time range, checked by utcRange (which knows the route's limits). */
export const timeRangeQuery = { from: z.string().optional(), to: z.string().optional() };

/**
 * A cursor is the store's position (e.g. DynamoDB's LastEvaluatedKey plus whatever the route needs), as base64url
 * JSON. It is opaque to clients and tied to the listing it came from by `listing`: a cursor from another listing is
 * refused with 400 rather than silently starting somewhere else.
 */
export function encodeCursor(listing: string, position: unknown): string {
  return Buffer.from(JSON.stringify({ l: listing, p: position }), 'utf8').toString('base64url');
}

export function decodeCursor(listing: string, cursor: string | undefined): unknown {
  if (cursor === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API issued');
  }
  if (typeof decoded !== 'object' || decoded === null || (decoded as { l?: unknown }).l !== listing || !('p' in decoded)) {
    throw new ApiError(400, 'invalid_cursor', 'the cursor belongs to another listing or query');
  }
  return (decoded as { p: unknown }).p;
}

/** A page of a listing: the items and, when there may be more, the cursor of the next page. */
export interface PageBody<T> {
  readonly items: T[];
  readonly cursor?: string;
}

export function pageBody<T>(items: T[], cursor: string | undefined): PageBody<T> {
  return cursor === undefined ? { items } : { items, cursor };
}

// ── Time ranges ──────────────────────────────────────────────────────────────────────────────────────────────────

export interface UtcRange {
  /** ISO 8601 UTC with milliseconds, inclusive. */
  readonly fromUtc: string;
  /** ISO 8601 UTC with milliseconds, inclusive. */
  readonly toUtc: string;
}

/**
 * `from` / `to` query values (ISO 8601 with an offset or Z, e.g. `2026-11-29T08:00:00+08:00`) as a UTC range.
 * Defaults: `to` = now, `from` = `to` − `defaultSpanMs`. Refuses a reversed range or one longer than `maxSpanMs`.
 */
export function utcRange(
  query: { readonly from?: string | undefined; readonly to?: string | undefined },
  nowMs: number,
  limits: { readonly defaultSpanMs: number; readonly maxSpanMs: number },
): UtcRange {
  const toMs = query.to === undefined ? nowMs : instantMs(query.to, 'to');
  const fromMs = query.from === undefined ? toMs - limits.defaultSpanMs : instantMs(query.from, 'from');
  if (fromMs > toMs) throw new ApiError(400, 'invalid_query', 'from is after to');
  if (toMs - fromMs > limits.maxSpanMs) {
    throw new ApiError(400, 'invalid_query', `the range is longer than ${Math.round(limits.maxSpanMs / 86_400_000)} days; page through shorter ranges`);
  }
  return { fromUtc: new Date(fromMs).toISOString(), toUtc: new Date(toMs).toISOString() };
}

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function instantMs(text: string, name: string): number {
  const ms = isoInstant.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new ApiError(400, 'invalid_query', `${name} must be an ISO 8601 instant with an offset, e.g. 2026-11-29T08:00:00+08:00`);
  return ms;
}

/** Splits a path into decoded segments, or undefined when its percent-encoding is broken. */
export function pathSegments(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}
