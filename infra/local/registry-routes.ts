/**
 * The registry API on the local stack's HTTP port: `/api/vehicles…` is turned into the API Gateway REST API proxy
 * event (payload v1) the cloud would send to the registry function, with `/api` stripped, and the function's proxy
 * result is written back (status, headers, body). In the cloud API Gateway does exactly this in front of the same
 * handler; see docs/registry.md.
 *
 * What differs from API Gateway: no IAM authorization (`requestContext.identity.userArn` is null, `authorizer` null) —
 * the function is expected to run with LOCAL_DEV_TOKEN set and checks `authorization: Bearer <token>` itself; no
 * stage in the URL; bodies over the router's 1 MiB are refused (API Gateway takes 10 MB).
 *
 * Wiring (infra/local/stack.ts): `mountRegistryApi(router, (event) => registryFunction.invoke(event))`.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { HttpRequest, HttpResponse, HttpRouter } from './http-router.ts';
import { localAccountId } from './names.ts';

/** Anything that takes a proxy event and returns a proxy result: the handler, or a LocalFunction's `invoke`. */
export type ProxyInvoker = (event: APIGatewayProxyEvent) => unknown;

export interface MountRegistryApiOptions {
  /** URL prefix stripped before the event is built. Default `/api`. */
  readonly prefix?: string;
  /** Stage name in `requestContext`. Default `local`. */
  readonly stage?: string;
  readonly log?: (line: string) => void;
}

const methods = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'] as const;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function mountRegistryApi(router: HttpRouter, invoke: ProxyInvoker, options: MountRegistryApiOptions = {}): void {
  const prefix = (options.prefix ?? '/api').replace(/\/+$/, '');
  const stage = options.stage ?? 'local';
  const route = async (request: HttpRequest): Promise<HttpResponse> => {
    const event = proxyEventFromRequest(request, stage);
    let result: unknown;
    try {
      result = await invoke(event);
    } catch (error) {
      options.log?.(`registry API: ${event.httpMethod} ${event.path} failed: ${(error as Error).message}`);
      return apiGatewayError(502, 'Internal server error', event.requestContext.requestId);
    }
    const response = httpResponseFromProxyResult(result);
    if (!response) {
      options.log?.(`registry API: ${event.httpMethod} ${event.path} returned a malformed proxy result`);
      return apiGatewayError(502, 'Internal server error', event.requestContext.requestId);
    }
    return { ...response, headers: { 'x-amzn-requestid': event.requestContext.requestId, ...response.headers } };
  };
  for (const method of methods) router.addRoute(method, `${prefix}/`, route);
}

/** The API Gateway REST proxy event (v1) for a local request; `rawSubPath` is the path after the prefix's `/`. */
export function proxyEventFromRequest(request: HttpRequest, stage = 'local'): APIGatewayProxyEvent {
  const path = `/${request.rawSubPath}`;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    headers[name] = values.join(', ');
    multiValueHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of request.query) {
    query[name] = value; // API Gateway keeps the last value in queryStringParameters
    multiQuery[name] = [...(multiQuery[name] ?? []), value];
  }
  let body: string | null = null;
  let isBase64Encoded = false;
  if (request.body.length > 0) {
    try {
      body = utf8.decode(request.body);
    } catch {
      body = request.body.toString('base64');
      isBase64Encoded = true;
    }
  }
  const { resource, pathParameters } = resourceOf(path);
  const now = Date.now();
  return {
    resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
    pathParameters,
    stageVariables: null,
    body,
    isBase64Encoded,
    requestContext: {
      accountId: localAccountId,
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: headers['user-agent'] ?? null,
        userArn: null,
      },
      path: `/${stage}${path}`,
      stage,
      requestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      resourceId: 'local',
      resourcePath: resource,
    },
  };
}

/** The REST API resources the registry uses (as the CDK stack declares them), with their path parameters. */
function resourceOf(path: string): { resource: string; pathParameters: Record<string, string> | null } {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length === 1 && segments[0] === 'vehicles') return { resource: '/vehicles', pathParameters: null };
  if (segments.length === 1 && (segments[0] === 'vehicles:import' || segments[0]?.toLowerCase() === 'vehicles%3aimport')) {
    return { resource: '/vehicles:import', pathParameters: null };
  }
  if (segments.length === 2 && segments[0] === 'vehicles') {
    let deviceId = segments[1] as string;
    try {
      deviceId = decodeURIComponent(deviceId);
    } catch {
      // left encoded; the handler answers 400
    }
    return { resource: '/vehicles/{deviceId}', pathParameters: { deviceId } };
  }
  return { resource: '/{proxy+}', pathParameters: { proxy: segments.join('/') } };
}

/** A proxy result as an HTTP response, or undefined when it is not one (API Gateway then answers 502). */
export function httpResponseFromProxyResult(result: unknown): HttpResponse | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as { statusCode?: unknown; headers?: unknown; multiValueHeaders?: unknown; body?: unknown; isBase64Encoded?: unknown };
  if (typeof r.statusCode !== 'number' || !Number.isInteger(r.statusCode) || r.statusCode < 100 || r.statusCode > 599) return undefined;
  if (r.body !== undefined && typeof r.body !== 'string') return undefined;
  const headers: Record<string, string> = {};
  if (typeof r.headers === 'object' && r.headers !== null) {
    for (const [name, value] of Object.entries(r.headers)) headers[name.toLowerCase()] = String(value);
  }
  if (typeof r.multiValueHeaders === 'object' && r.multiValueHeaders !== null) {
    for (const [name, values] of Object.entries(r.multiValueHeaders)) {
      if (Array.isArray(values)) headers[name.toLowerCase()] = values.map(String).join(', ');
    }
  }
  const text = r.body ?? '';
  const body = r.isBase64Encoded === true ? Buffer.from(text, 'base64') : text;
  return { status: r.statusCode, headers, body };
}

function apiGatewayError(status: number, message: string, requestId: string): HttpResponse {
  return { status, headers: { 'x-amzn-requestid': requestId, 'x-amzn-errortype': 'InternalServerErrorException' }, body: { message } };
}
