/**
 * The console API's OpenAPI 3.1 document, generated from the route table (infra/topology.ts) and the zod schemas the
 * routes validate with, so that it cannot drift from what is served. The local stack serves it at
 * `/api/openapi.json`; `docs/openapi.json` is a copy checked by a test; the CDK stack ships it with the site.
 */
import * as z from 'zod';
import { type ApiRouteSpec, apiFunctions } from '../../infra/topology.ts';
import { overloadAcknowledgementRequestV1 } from '../contracts/overload-acknowledgement.v1.ts';
import { vehicleV1 } from '../contracts/vehicle.v1.ts';
import { latestPositionsQuery, listViolationsQuery, trackQuery } from '../fleet/api-routes.ts';
import { currentGreenQuery, greenHistoryQuery } from '../green/api-routes.ts';
import { listVehiclesQuery } from '../registry/api-routes.ts';
import { listAlertsQuery, offendersQuery, stationRecordsQuery, stationsQuery } from '../wim/api-routes.ts';

/** Query and body schemas by operationId, for the operations that take them. */
export interface OperationSchemas {
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
}

export const operationSchemas: Readonly<Record<string, OperationSchemas>> = {
  listVehicles: { query: listVehiclesQuery },
  putVehicle: { body: vehicleV1 },
  currentGreenMetrics: { query: currentGreenQuery },
  greenMetricsHistory: { query: greenHistoryQuery },
  listOverloadAlerts: { query: listAlertsQuery },
  acknowledgeOverloadAlert: { body: overloadAcknowledgementRequestV1 },
  listStations: { query: stationsQuery },
  listStationRecords: { query: stationRecordsQuery },
  listRepeatOffenders: { query: offendersQuery },
  listViolations: { query: listViolationsQuery },
  listLatestPositions: { query: latestPositionsQuery },
  getVehicleTrack: { query: trackQuery },
};

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', examples: ['invalid_query'] }, message: { type: 'string' }, details: {} },
    },
  },
} as const;

const errorResponses = {
  '400': { description: 'Invalid request (`invalid_query`, `invalid_body`, `invalid_cursor`, …)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '401': { description: 'No or invalid bearer token (answered by API Gateway)' },
  '403': { description: 'The caller lacks the role (`forbidden`)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '404': { description: 'Not found', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '500': { description: 'Internal error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
} as const;

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const routes = Object.values(apiFunctions).flatMap((spec) => spec.routes as readonly ApiRouteSpec[]);
  for (const route of routes) {
    const schemas = operationSchemas[route.operationId] ?? {};
    const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const queryParameters = schemas.query ? queryParametersOf(schemas.query) : [];
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.path.split('/')[1]],
      'x-qiongjian-roles': [...route.roles, 'admin'],
      parameters: [...pathParameters, ...queryParameters],
      ...(schemas.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(schemas.body) } } } } : {}),
      responses: { '200': { description: 'OK (JSON; lists are `{ items, cursor? }`)' }, ...errorResponses },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Qiongjian console API (琼监)',
      version: '1.0.0',
      description:
        'Overload enforcement, 两客一危一货 supervision, vehicle registry and green-transport metrics. Bearer JWT (API Gateway JWT authorizer); roles from the `cognito:groups` claim. See docs/api.md.',
    },
    servers: [{ url: '/api', description: 'local stack' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: errorSchema },
    },
  };
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function queryParametersOf(schema: z.ZodObject): Array<Record<string, unknown>> {
  const json = jsonSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: (json.required ?? []).includes(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}
