/**
 * Green metrics HTTP API Lambda (API Gateway REST proxy events): current figures and history by city, fleet and
 * period. Routing in functions/green/api-routes.ts. Handler convention as in wim-ingest.ts.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { apiFunctions, tables } from '../../infra/topology.ts';
import { DynamoDbGreenHistoryStore } from '../adapters/dynamodb/green-history-store.ts';
import { documentClientFromEnv } from '../adapters/dynamodb/document-client.ts';
import { handleGreenRequest } from '../green/api-routes.ts';
import { errorResponse, type ApiResponse } from '../registry/api-routes.ts';
import { requireEnv, type Env } from '../shared/aws-client-config.ts';
import { handlerFromProcessEnv, instrumented, powertoolsFor } from '../shared/powertools.ts';
import { apiRequestFromEvent } from './registry-api.ts';

export type GreenApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export function createHandler(env: Env): GreenApiHandler {
  const tools = powertoolsFor(env, apiFunctions.greenApi.serviceName);
  const { logger, metrics, tracer } = tools;
  const ddb = documentClientFromEnv(env);
  tracer.captureAWSv3Client(ddb);
  const history = new DynamoDbGreenHistoryStore(ddb, requireEnv(env, tables.greenMetrics.envVar));
  const localDevToken = env.LOCAL_DEV_TOKEN;

  const serve = async (event: APIGatewayProxyEvent): Promise<ApiResponse> => {
    let response: ApiResponse;
    try {
      response = await handleGreenRequest(apiRequestFromEvent(event), { history, ...(localDevToken ? { localDevToken } : {}) });
    } catch (error) {
      logger.error('unhandled error', { error: error instanceof Error ? error.message : String(error) });
      response = errorResponse(500, 'internal', 'internal error');
    }
    metrics.addMetric('Requests', MetricUnit.Count, 1);
    return response;
  };

  return instrumented(serve, tools);
}

export const handler: GreenApiHandler = handlerFromProcessEnv(createHandler);
