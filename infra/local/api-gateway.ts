/**
 * The console's HTTP API on the local stack's HTTP port, as API Gateway's HTTP API would serve it: requests under
 * `/api` are matched against the route table of infra/topology.ts (the same table the CDK stack declares), turned into
 * the payload-format-2.0 event the cloud sends, with `routeKey`, `pathParameters` and the JWT authorizer's claims, and
 * given to the route's function; its result is written back.
 *
 * The JWT authorizer is emulated with development tokens (docs/api.md): `Bearer <devToken>` is an administrator,
 * `Bearer <devToken>.<role>` carries that one role. A missing or unknown token is refused with 401 before any function
 * runs, exactly where API Gateway would refuse it; the claims then look like a Cognito ID token's (`sub`,
 * `cognito:groups` as API Gateway renders arrays: `[admin]`).
 *
 * What differs from API Gateway: no stage in the URL (the cloud's `$default` stage has none either); bodies over the
 * router's 1 MiB are refused (API Gateway takes 10 MB); CORS is not needed (same origin).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { type ApiFunctionName, type ApiRouteSpec, apiFunctions, type ConsoleRole, consoleRoles } from '../topology.ts';
import { routeMatcher } from '../../functions/api/router.ts';
import type { HttpRequest, HttpResponse, HttpRouter } from './http-router.ts';
import { localAccountId } from './names.ts';

export type ApiInvoker = (name: ApiFunctionName, event: APIGatewayProxyEventV2WithJWTAuthorizer) => Promise<unknown>;

export interface MountApiOptions {
  /** URL prefix stripped before routing. Default `/api`. */
  readonly prefix?: string;
  readonly devToken: string;
  readonly log?: (line: string) => void;
}

/** One route of one API function, as the emulation dispatches it. */
interface GatewayRoute {
  readonly method: string;
  readonly path: string;
  readonly name: ApiFunctionName;
  readonly route: ApiRouteSpec;
}

const methods = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'] as const;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every route of every API function. */
function gatewayRoutes(): GatewayRoute[] {
  return (Object.entries(apiFunctions) as Array<[ApiFunctionName, { routes: readonly ApiRouteSpec[] }]>).flatMap(([name, spec]) =>
    spec.routes.map((route) => ({ method: route.method, path: route.path, name, route })),
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The claims the emulated JWT authorizer passes on for a development token, or undefined when the token is not one.
 * `<devToken>` → admin; `<devToken>.<role>` → that role.
 */
export function devTokenClaims(token: string, devToken: string): Record<string, string> | undefined {
  let role: ConsoleRole | undefined;
  if (sameSecret(token, devToken)) role = 'admin';
  else {
    const dot = token.lastIndexOf('.');
    const suffix = token.slice(dot + 1);
    if (dot > 0 && sameSecret(token.slice(0, dot), devToken) && (consoleRoles as readonly string[]).includes(suffix)) role = suffix as ConsoleRole;
  }
  if (!role) return undefined;
  const nowS = Math.floor(Date.now() / 1000);
  return {
    sub: `local-${role}`,
    'cognito:username': `local-${role}`,
    name: `本地${roleNamesZh[role]} (local ${role})`,
    'cognito:groups': `[${role}]`,
    iss: 'https://local.qiongjian.invalid',
    token_use: 'id',
    iat: String(nowS),
    exp: String(nowS + 3600),
  };
}

const roleNamesZh: Record<ConsoleRole, string> = { enforcement: '执法人员', supervisor: '监管人员', operator: '运营人员', admin: '管理员' };

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function mountApi(router: HttpRouter, invoke: ApiInvoker, options: MountApiOptions): void {
  const prefix = (options.prefix ?? '/api').replace(/\/+$/, '');
  const matchRoute = routeMatcher(gatewayRoutes());
  const handle = async (request: HttpRequest): Promise<HttpResponse> => {
    const requestId = randomUUID();
    const rawPath = `/${request.rawSubPath}`;
    const matched = matchRoute(request.method, rawPath.split('/').filter((s) => s !== '').map(safeDecode));
    // API Gateway answers unknown routes (and methods a path lacks) itself, before the authorizer: 404 `{"message":"Not Found"}`.
    if (!matched || 'allow' in matched) return gatewayResponse(404, 'Not Found', requestId);
    const token = bearerToken(headerValue(request.headers.authorization));
    const claims = token === undefined ? undefined : devTokenClaims(token, options.devToken);
    if (!claims) return gatewayResponse(401, 'Unauthorized', requestId, { 'www-authenticate': 'Bearer' });
    const event = httpApiEvent(request, rawPath, matched.route.route, matched.params, claims, requestId);
    let result: unknown;
    try {
      result = await invoke(matched.route.name, event);
    } catch (error) {
      options.log?.(`API: ${event.routeKey} failed: ${(error as Error).message}`);
      return gatewayResponse(500, 'Internal Server Error', requestId);
    }
    const response = httpResponseFromResult(result);
    if (!response) {
      options.log?.(`API: ${event.routeKey} returned a malformed result`);
      return gatewayResponse(500, 'Internal Server Error', requestId);
    }
    return { ...response, headers: { 'apigw-requestid': requestId, ...response.headers } };
  };
  for (const method of methods) router.addRoute(method, `${prefix}/`, handle);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The payload-format-2.0 event for a local request. */
export function httpApiEvent(
  request: HttpRequest,
  rawPath: string,
  route: ApiRouteSpec,
  pathParameters: Record<string, string>,
  claims: Record<string, string>,
  requestId: string,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...(Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/;\s*/)));
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // HTTP API joins repeated query parameters with commas.
  const query: Record<string, string> = {};
  for (const [name, value] of request.query) query[name] = name in query ? `${query[name]},${value}` : value;
  let body: string | undefined;
  let isBase64Encoded = false;
  if (request.body.length > 0) {
    try {
      body = utf8.decode(request.body);
    } catch {
      body = request.body.toString('base64');
      isBase64Encoded = true;
    }
  }
  const now = Date.now();
  const routeKey = `${route.method} ${route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: request.query.toString(),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    ...(body === undefined ? {} : { body }),
    isBase64Encoded,
    requestContext: {
      accountId: localAccountId,
      apiId: 'local',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: { method: request.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}

/** A v2 result as an HTTP response, or undefined when it is not one. (A bare string or object is JSON, as in the cloud.) */
export function httpResponseFromResult(result: unknown): HttpResponse | undefined {
  if (typeof result === 'string') return { status: 200, headers: { 'content-type': 'application/json' }, body: result };
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as { statusCode?: unknown; headers?: unknown; body?: unknown; isBase64Encoded?: unknown; cookies?: unknown };
  if (r.statusCode === undefined) return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
  if (typeof r.statusCode !== 'number' || !Number.isInteger(r.statusCode) || r.statusCode < 100 || r.statusCode > 599) return undefined;
  if (r.body !== undefined && typeof r.body !== 'string') return undefined;
  const headers: Record<string, string> = {};
  if (typeof r.headers === 'object' && r.headers !== null) {
    for (const [name, value] of Object.entries(r.headers)) headers[name.toLowerCase()] = String(value);
  }
  const text = r.body ?? '';
  return { status: r.statusCode, headers, body: r.isBase64Encoded === true ? Buffer.from(text, 'base64') : text };
}

function gatewayResponse(status: number, message: string, requestId: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'apigw-requestid': requestId, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ message }) };
}
