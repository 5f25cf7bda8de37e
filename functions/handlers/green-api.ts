/**
 * Green metrics API Lambda (API Gateway HTTP API): current figures and history by city, fleet and period. Routes in
 * functions/green/api-routes.ts; events, roles and metrics in api-common.ts. Handler convention as in wim-ingest.ts.
 */
import { tables } from '../../infra/topology.ts';
import { documentClientFromEnv } from '../adapters/dynamodb/document-client.ts';
import { DynamoDbGreenHistoryStore } from '../adapters/dynamodb/green-history-store.ts';
import { greenRoutes } from '../green/api-routes.ts';
import { requireEnv, type Env } from '../shared/aws-client-config.ts';
import { handlerFromProcessEnv } from '../shared/powertools.ts';
import { type ApiHandler, createApiHandler } from './api-common.ts';

export function createHandler(env: Env): ApiHandler {
  return createApiHandler('greenApi', env, (env, tools) => {
    const ddb = documentClientFromEnv(env);
    tools.tracer.captureAWSv3Client(ddb);
    return greenRoutes({ history: new DynamoDbGreenHistoryStore(ddb, requireEnv(env, tables.greenMetrics.envVar)) });
  });
}

export const handler: ApiHandler = handlerFromProcessEnv(createHandler);
