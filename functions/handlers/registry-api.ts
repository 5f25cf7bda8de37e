/**
 * Registry API Lambda: API Gateway REST API (Lambda proxy integration, payload v1) → the vehicle registry.
 * Thin on purpose: routes, validation and authorization are in `functions/registry/api-routes.ts`.
 *
 * Handler convention (see wim-ingest.ts): `handler` builds itself from process.env on first use; `createHandler(env)`
 * builds the same function from an explicit environment (the local stack, mounted under `/api` by
 * infra/local/registry-routes.ts).
 *
 * Environment: VEHICLES_TABLE; LOCAL_DEV_TOKEN only on the local stack (requests then need
 * `authorization: Bearer <token>`; never set it in the cloud, where API Gateway IAM authorization applies);
 * REGISTRY_MAX_IMPORT_ROWS (default 5000). Event doc:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { apiFunctions, tables } from '../../infra/topology.ts';
import { documentClientFromEnv } from '../adapters/dynamodb/document-client.ts';
import { DynamoDbVehicleStore } from '../adapters/dynamodb/vehicle-store.ts';
import { numberFromEnv, requireEnv, type Env } from '../shared/aws-client-config.ts';
import { handlerFromProcessEnv, instrumented, powertoolsFor } from '../shared/powertools.ts';
import { type ApiRequest, defaultMaxImportRows, errorResponse, handleRegistryRequest, type RegistryApiOptions } from '../registry/api-routes.ts';

export type RegistryApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export const localDevTokenEnv = 'LOCAL_DEV_TOKEN';
export const maxImportRowsEnv = 'REGISTRY_MAX_IMPORT_ROWS';

/** The parts of a proxy event the routes need; header names lower-cased, a base64 body decoded. */
export function apiRequestFromEvent(event: APIGatewayProxyEvent): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
  const body = event.body === null || event.body === undefined ? null : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const authorizer = event.requestContext?.authorizer;
  return {
    method: event.httpMethod,
    path: event.path,
    query,
    headers,
    body,
    ...(authorizer ? { authorizer } : {}),
    iamPrincipal: event.requestContext?.identity?.userArn ?? null,
    ...(event.requestContext?.requestId ? { requestId: event.requestContext.requestId } : {}),
  };
}

export function createHandler(env: Env): RegistryApiHandler {
  const spec = apiFunctions.registryApi;
  const tools = powertoolsFor(env, spec.serviceName);
  const { logger, metrics, tracer } = tools;

  const ddb = documentClientFromEnv(env);
  tracer.captureAWSv3Client(ddb);
  const options: RegistryApiOptions = {
    // The API reads the registry fresh: an administrator expects to see what they just wrote.
    registry: new DynamoDbVehicleStore(ddb, requireEnv(env, tables.vehicles.envVar), { cacheTtlMs: 0 }),
    maxImportRows: numberFromEnv(env, maxImportRowsEnv, defaultMaxImportRows),
    ...(env[localDevTokenEnv] ? { localDevToken: env[localDevTokenEnv] } : {}),
    logger: {
      info: (message, extra) => logger.info(message, extra ?? {}),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
    },
  };

  const serve = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    let response: APIGatewayProxyResult;
    try {
      response = await handleRegistryRequest(apiRequestFromEvent(event), options);
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

export const handler: RegistryApiHandler = handlerFromProcessEnv(createHandler);
