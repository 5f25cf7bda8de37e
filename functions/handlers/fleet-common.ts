/**
 * Wiring shared by the fleet handlers (ingest and sweep): the same adapters from the same environment variables.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { commonEnv, tables } from '../../infra/topology.ts';
import { DynamoDbDeadLetterStore } from '../adapters/dynamodb/dead-letter-store.ts';
import { documentClientFromEnv } from '../adapters/dynamodb/document-client.ts';
import {
  DynamoDbPositionStore,
  DynamoDbVehicleEventStore,
  DynamoDbVehicleStateStore,
  DynamoDbViolationStore,
} from '../adapters/dynamodb/fleet-stores.ts';
import { DynamoDbVehicleStore } from '../adapters/dynamodb/vehicle-store.ts';
import { IotJsonPublisher, iotDataClientFromEnv } from '../adapters/iot/alert-publisher.ts';
import type { FleetPorts } from '../fleet/ports.ts';
import { numberFromEnv, requireEnv, type Env } from '../shared/aws-client-config.ts';
import { type Powertools, powertoolsFor } from '../shared/powertools.ts';

export interface FleetWiring {
  readonly ports: FleetPorts;
  readonly tools: Powertools;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  readonly deadLetterRetentionDays: number;
  readonly positionRetentionDays: number;
}

/** Builds the adapter on first use, so that a function only needs the tables it really touches. */
function whenUsed<T extends object>(make: () => T): T {
  let made: T | undefined;
  return new Proxy({} as T, {
    get(_target, property) {
      made ??= make();
      const value: unknown = Reflect.get(made, property);
      return typeof value === 'function' ? value.bind(made) : value;
    },
  });
}

export function fleetWiring(env: Env, defaultServiceName: string): FleetWiring {
  const tools = powertoolsFor(env, defaultServiceName);
  const { logger, metrics, tracer, loggerPort } = tools;
  const ddb = documentClientFromEnv(env);
  const iotData = iotDataClientFromEnv(env);
  tracer.captureAWSv3Client(ddb);
  tracer.captureAWSv3Client(iotData);
  const ports: FleetPorts = {
    vehicles: new DynamoDbVehicleStore(ddb, requireEnv(env, tables.vehicles.envVar)),
    states: new DynamoDbVehicleStateStore(ddb, requireEnv(env, tables.vehicleState.envVar)),
    // The sweep is granted no access to positions; its environment does not name the table.
    positions: whenUsed(() => new DynamoDbPositionStore(ddb, requireEnv(env, tables.positions.envVar))),
    events: new DynamoDbVehicleEventStore(ddb, requireEnv(env, tables.vehicleEvents.envVar)),
    violations: new DynamoDbViolationStore(ddb, requireEnv(env, tables.violations.envVar)),
    publisher: new IotJsonPublisher(iotData),
    deadLetters: whenUsed(() => new DynamoDbDeadLetterStore(ddb, requireEnv(env, tables.deadLetters.envVar))),
    logger: loggerPort,
    nowMs: Date.now,
  };
  return {
    ports,
    tools,
    logger,
    metrics,
    tracer,
    deadLetterRetentionDays: numberFromEnv(env, commonEnv.deadLetterRetentionDays, 30),
    // 道路运输车辆动态监督管理办法: dynamic monitoring data kept at least six months.
    positionRetentionDays: numberFromEnv(env, commonEnv.positionRetentionDays, 183),
  };
}
