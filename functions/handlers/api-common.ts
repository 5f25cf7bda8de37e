/**
 * What every console API Lambda shares: API Gateway HTTP API events (payload format 2.0, JWT authorizer) to the pure
 * ApiRequest and back, the route table of the function from infra/topology.ts, request metrics, and a last-resort
 * 500. Each API handler module is then three lines of wiring: its adapters and its route implementations.
 * Event format: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { type ApiFunctionName, apiFunctions, commonEnv } from '../../infra/topology.ts';
import { type ApiLogger, type ApiRequest, type ApiResponse, errorResponse } from '../api/http.ts';
import { createRouter, defaultRolesClaim, type RouteImpl } from '../api/router.ts';
import type { Env } from '../shared/aws-client-config.ts';
import { instrumented, type Powertools, powertoolsFor } from '../shared/powertools.ts';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiHandler = (event: ApiEvent, context: Context) => Promise<APIGatewayProxyResultV2>;

/** The parts of an HTTP API event the routes need; header names lower-cased, a base64 body decoded. */
export function apiRequestFromEvent(event: ApiEvent): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body === undefined || event.body === null ? null : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? '/',
    // HTTP API joins repeated parameters with commas; the routes take single values.
    query: { ...(event.queryStringParameters ?? {}) },
    headers,
    body,
    ...(claims ? { claims } : {}),
    ...(event.requestContext?.requestId ? { requestId: event.requestContext.requestId } : {}),
  };
}

export function apiLogger(tools: Powertools): ApiLogger {
  const { logger } = tools;
  return {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}

/**
 * A handler for API function `name`: `build` gets the environment and Powertools and returns the implementations of
 * the function's routes (by operationId).
 */
export function createApiHandler(name: ApiFunctionName, env: Env, build: (env: Env, tools: Powertools) => Readonly<Record<string, RouteImpl>>): ApiHandler {
  const spec = apiFunctions[name];
  const tools = powertoolsFor(env, spec.serviceName);
  const { logger, metrics } = tools;
  const route = createRouter(spec.routes, build(env, tools), { rolesClaim: env[commonEnv.apiRolesClaim] || defaultRolesClaim, logger: apiLogger(tools) });

  const serve = async (event: ApiEvent): Promise<ApiResponse> => {
    let response: ApiResponse;
    try {
      response = await route(apiRequestFromEvent(event));
    } catch (error) {
      logger.error('unhandled error', { error: error instanceof Error ? error.message : String(error) });
      response = errorResponse(500, 'internal', 'internal error');
    }
    metrics.addMetric('Requests', MetricUnit.Count, 1);
    if (response.statusCode >= 400) metrics.addMetric(response.statusCode >= 500 ? 'ServerErrors' : 'ClientErrors', MetricUnit.Count, 1);
    return response;
  };
  return instrumented(serve, tools);
}
