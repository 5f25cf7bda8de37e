/**
 * The one description of Qiongjian's moving parts: topics, topic rules, streams, tables and functions.
 *
 * Both the CDK stack (`infra/stacks/qiongjian-stack.ts`) and the embedded local stack (`infra/local/`) are built
 * from this file, so the cloud and the laptop cannot drift apart; `tests/infra/topology-drift.test.ts` checks the
 * synthesized template against it. Nothing here may depend on a partition, a region or an account.
 */

export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface GlobalIndexSpec {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableSpec {
  /** CloudFormation logical id and, prefixed with the stage, the local table name. */
  readonly logicalId: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalIndexes: readonly GlobalIndexSpec[];
  /** DynamoDB TTL attribute (epoch seconds); readers must still filter expired items, TTL deletion is lazy. */
  readonly timeToLiveAttribute?: string;
  /** Environment variable through which handlers learn the table's name. */
  readonly envVar: string;
}

export interface StreamSpec {
  readonly logicalId: string;
  readonly shardCount: number;
  readonly retentionHours: number;
  readonly envVar: string;
}

/**
 * What the function's event source mapping does with a stream. Locally the Kinesis emulator reads the same values.
 * See https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 */
export interface StreamSourceSpec {
  readonly stream: StreamName;
  readonly batchSize: number;
  /** Whole seconds in AWS (0–300); 0 means "invoke as soon as records are available". */
  readonly maxBatchingWindowS: number;
  readonly maxRetryAttempts: number;
  readonly bisectBatchOnError: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly parallelizationFactor: number;
  /** Records older than this are sent to the on-failure destination without being retried further. */
  readonly maxRecordAgeS: number;
}

export interface FunctionSpec {
  readonly logicalId: string;
  /** Path of the handler module, relative to the repository root. */
  readonly entry: string;
  readonly handlerExport: string;
  readonly memoryMb: number;
  readonly timeoutS: number;
  readonly source: StreamSourceSpec;
  /** Tables the function reads and writes; the stack grants exactly these. */
  readonly readsTables: readonly TableName[];
  readonly writesTables: readonly TableName[];
  /** Topic prefixes (without the trailing `/…`) the function may publish on through the IoT data plane. */
  readonly publishesTopicPrefixes: readonly string[];
  /** Power-tools service name, also the metrics dimension. */
  readonly serviceName: string;
}

export interface TopicRuleSpec {
  /** IoT rule names allow only [a-zA-Z0-9_]. */
  readonly ruleName: string;
  readonly description: string;
  readonly sql: string;
  readonly sqlVersion: '2016-03-23';
  readonly action: { readonly kind: 'kinesis'; readonly stream: StreamName; readonly partitionKeyTemplate: string };
}

export const topics = {
  /** A WIM station publishes one record per passing vehicle (QoS 1). */
  wimRecordsFilter: 'wim/+/records',
  wimRecords: (stationId: string) => `wim/${stationId}/records`,
  /** A station's `online` / `offline` status, `offline` being its MQTT last will (QoS 1, not retained). */
  wimStatus: (stationId: string) => `wim/${stationId}/status`,
  /** Enforcement clients subscribe here (QoS 1). */
  overloadAlertsFilter: 'alerts/overload/+',
  overloadAlerts: (stationId: string) => `alerts/overload/${stationId}`,
  overloadAlertsPrefix: 'alerts/overload',
  /** An alert's acknowledgement, announced to every console (QoS 1); below the alerts' prefix, so the same policies. */
  overloadAcknowledgementsFilter: 'alerts/overload/+/acknowledgement',
  overloadAcknowledgements: (stationId: string) => `alerts/overload/${stationId}/acknowledgement`,
  /** A vehicle terminal publishes telemetry here (QoS 1): single reports or dead-zone batches. */
  fleetTelemetryFilter: 'fleet/+/telemetry',
  fleetTelemetry: (deviceId: string) => `fleet/${deviceId}/telemetry`,
  /** A terminal's `online` / `offline` status (its last will). */
  fleetStatus: (deviceId: string) => `fleet/${deviceId}/status`,
  /** Supervisors subscribe here (QoS 1), e.g. `alerts/supervision/coach/+` or `alerts/supervision/#`. */
  supervisionAlertsFilter: 'alerts/supervision/#',
  supervisionAlerts: (category: string, deviceId: string) => `alerts/supervision/${category}/${deviceId}`,
  supervisionAlertsPrefix: 'alerts/supervision',
  /** Green-transport metrics, retained: the province and each city (by its GB/T 2260 division code, e.g. 460100). */
  greenMetricsProvince: 'metrics/green',
  greenMetricsCity: (cityCode: string) => `metrics/green/${cityCode}`,
  greenMetricsPrefix: 'metrics/green',
  /** AWS IoT lifecycle events (connect/disconnect), published by the broker itself. */
  presenceEventsFilter: '$aws/events/presence/+/+',
} as const;

export const tables = {
  wimReadings: {
    logicalId: 'WimReadings',
    partitionKey: { name: 'stationId', type: 'S' },
    sortKey: { name: 'recordId', type: 'S' },
    globalIndexes: [],
    timeToLiveAttribute: 'expiresAtEpochS',
    envVar: 'WIM_READINGS_TABLE',
  },
  overLimitRecords: {
    logicalId: 'OverLimitRecords',
    partitionKey: { name: 'stationId', type: 'S' },
    sortKey: { name: 'measuredAtRecordId', type: 'S' },
    globalIndexes: [
      {
        indexName: 'byPlate',
        partitionKey: { name: 'plateKey', type: 'S' },
        sortKey: { name: 'measuredAtUtc', type: 'S' },
      },
      {
        indexName: 'byAlertId',
        partitionKey: { name: 'alertId', type: 'S' },
      },
    ],
    envVar: 'OVER_LIMIT_RECORDS_TABLE',
  },
  overloadAlerts: {
    logicalId: 'OverloadAlerts',
    // One item per alert that went out: the ledger that keeps a redelivered record from alerting twice, and the
    // alert's lifecycle (acknowledgement) later.
    partitionKey: { name: 'alertId', type: 'S' },
    globalIndexes: [
      {
        indexName: 'byStation',
        partitionKey: { name: 'stationId', type: 'S' },
        sortKey: { name: 'measuredAtUtc', type: 'S' },
      },
      // The console's feed across stations, a day at a time (Asia/Shanghai date of measuredAt).
      {
        indexName: 'byLocalDate',
        partitionKey: { name: 'localDate', type: 'S' },
        sortKey: { name: 'measuredAtUtc', type: 'S' },
      },
      // A plate's alerts (repeat offenders); sparse: alerts without a plate are not in it.
      {
        indexName: 'byPlate',
        partitionKey: { name: 'plateKey', type: 'S' },
        sortKey: { name: 'measuredAtUtc', type: 'S' },
      },
    ],
    envVar: 'OVERLOAD_ALERTS_TABLE',
  },
  stationCounters: {
    logicalId: 'StationCounters',
    partitionKey: { name: 'stationId', type: 'S' },
    sortKey: { name: 'localHour', type: 'S' },
    globalIndexes: [],
    envVar: 'STATION_COUNTERS_TABLE',
  },
  deadLetters: {
    logicalId: 'DeadLetters',
    // Keyed by a hash of (topic, payload) so the same bad message delivered again is kept once.
    partitionKey: { name: 'deadLetterId', type: 'S' },
    globalIndexes: [
      {
        indexName: 'byReceivedDate',
        partitionKey: { name: 'receivedLocalDate', type: 'S' },
        sortKey: { name: 'receivedAtUtc', type: 'S' },
      },
    ],
    timeToLiveAttribute: 'expiresAtEpochS',
    envVar: 'DEAD_LETTERS_TABLE',
  },
  wimConfig: {
    logicalId: 'WimConfig',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [],
    envVar: 'WIM_CONFIG_TABLE',
  },
  vehicles: {
    logicalId: 'Vehicles',
    partitionKey: { name: 'deviceId', type: 'S' },
    globalIndexes: [
      { indexName: 'byPlate', partitionKey: { name: 'plateKey', type: 'S' } },
      { indexName: 'byOperator', partitionKey: { name: 'operator', type: 'S' }, sortKey: { name: 'deviceId', type: 'S' } },
    ],
    envVar: 'VEHICLES_TABLE',
  },
  vehicleState: {
    logicalId: 'VehicleState',
    // One item per vehicle: the rule engine's state, read once and written once per batch.
    partitionKey: { name: 'deviceId', type: 'S' },
    globalIndexes: [],
    envVar: 'VEHICLE_STATE_TABLE',
  },
  positions: {
    logicalId: 'Positions',
    partitionKey: { name: 'deviceId', type: 'S' },
    sortKey: { name: 'tsSeq', type: 'S' },
    globalIndexes: [],
    timeToLiveAttribute: 'expiresAtEpochS',
    envVar: 'POSITIONS_TABLE',
  },
  violations: {
    logicalId: 'Violations',
    partitionKey: { name: 'violationId', type: 'S' },
    globalIndexes: [
      { indexName: 'byVehicle', partitionKey: { name: 'deviceId', type: 'S' }, sortKey: { name: 'startUtc', type: 'S' } },
      { indexName: 'byOperator', partitionKey: { name: 'operator', type: 'S' }, sortKey: { name: 'startUtc', type: 'S' } },
      { indexName: 'byCategory', partitionKey: { name: 'category', type: 'S' }, sortKey: { name: 'startUtc', type: 'S' } },
      { indexName: 'byType', partitionKey: { name: 'type', type: 'S' }, sortKey: { name: 'startUtc', type: 'S' } },
    ],
    envVar: 'VIOLATIONS_TABLE',
  },
  greenMetrics: {
    logicalId: 'GreenMetrics',
    // One item per (scope, period kind) and period: `province#day` / `2026-11-29`, `city#460100#hour` / `2026-11-29T10`.
    partitionKey: { name: 'scopePeriod', type: 'S' },
    sortKey: { name: 'periodKey', type: 'S' },
    globalIndexes: [],
    envVar: 'GREEN_METRICS_TABLE',
  },
  vehicleEvents: {
    logicalId: 'VehicleEvents',
    // Terminal alarms, presence (connect/disconnect), late and unregistered reports: the vehicle's event log.
    partitionKey: { name: 'deviceId', type: 'S' },
    sortKey: { name: 'tsKind', type: 'S' },
    globalIndexes: [],
    timeToLiveAttribute: 'expiresAtEpochS',
    envVar: 'VEHICLE_EVENTS_TABLE',
  },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof tables;

export const streams = {
  wimRecords: {
    logicalId: 'WimRecordStream',
    shardCount: 2,
    retentionHours: 24,
    envVar: 'WIM_RECORD_STREAM',
  },
  fleetTelemetry: {
    logicalId: 'FleetTelemetryStream',
    shardCount: 2,
    retentionHours: 24,
    envVar: 'FLEET_TELEMETRY_STREAM',
  },
} as const satisfies Record<string, StreamSpec>;

export type StreamName = keyof typeof streams;

/**
 * The rule forwards every payload, JSON or not, base64-encoded, so that the handler — not the rules engine — decides
 * what is malformed and keeps it as a dead letter with a reason. A `SELECT *` rule would drop non-JSON payloads
 * in the rules engine, where nobody sees them.
 */
export const topicRules = {
  wimRecordsIngest: {
    ruleName: 'qiongjian_wim_records_ingest',
    description: 'WIM station records to the WIM record stream, partitioned by station',
    sql:
      "SELECT encode(*, 'base64') AS payloadBase64, topic() AS topic, topic(2) AS topicStationId, " +
      "timestamp() AS receivedAtMs, clientid() AS clientId FROM 'wim/+/records'",
    sqlVersion: '2016-03-23',
    action: { kind: 'kinesis', stream: 'wimRecords', partitionKeyTemplate: '${topic(2)}' },
  },
  fleetTelemetryIngest: {
    ruleName: 'qiongjian_fleet_telemetry_ingest',
    description: 'Vehicle telemetry to the fleet stream, partitioned by device so each vehicle stays in order',
    sql:
      "SELECT encode(*, 'base64') AS payloadBase64, topic() AS topic, topic(2) AS topicDeviceId, " +
      "timestamp() AS receivedAtMs, clientid() AS clientId FROM 'fleet/+/telemetry'",
    sqlVersion: '2016-03-23',
    action: { kind: 'kinesis', stream: 'fleetTelemetry', partitionKeyTemplate: '${topic(2)}' },
  },
  fleetPresence: {
    ruleName: 'qiongjian_fleet_presence',
    description: 'AWS IoT lifecycle events (connected/disconnected) into the same stream, in order with the telemetry',
    sql:
      "SELECT encode(*, 'base64') AS payloadBase64, topic() AS topic, topic(5) AS topicDeviceId, " +
      "timestamp() AS receivedAtMs, clientid() AS clientId FROM '$aws/events/presence/+/+'",
    sqlVersion: '2016-03-23',
    action: { kind: 'kinesis', stream: 'fleetTelemetry', partitionKeyTemplate: '${topic(5)}' },
  },
} as const satisfies Record<string, TopicRuleSpec>;

export const functions = {
  wimIngest: {
    logicalId: 'WimIngestFunction',
    entry: 'functions/handlers/wim-ingest.ts',
    handlerExport: 'handler',
    memoryMb: 1024,
    timeoutS: 60,
    source: {
      stream: 'wimRecords',
      batchSize: 200,
      maxBatchingWindowS: 0,
      maxRetryAttempts: 5,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      parallelizationFactor: 1,
      maxRecordAgeS: 6 * 3600,
    },
    readsTables: ['wimConfig', 'overloadAlerts'],
    writesTables: ['wimReadings', 'overLimitRecords', 'overloadAlerts', 'stationCounters', 'deadLetters'],
    publishesTopicPrefixes: [topics.overloadAlertsPrefix],
    serviceName: 'wim-ingest',
  },
  fleetIngest: {
    logicalId: 'FleetIngestFunction',
    entry: 'functions/handlers/fleet-ingest.ts',
    handlerExport: 'handler',
    memoryMb: 1024,
    timeoutS: 60,
    source: {
      stream: 'fleetTelemetry',
      batchSize: 500,
      maxBatchingWindowS: 0,
      maxRetryAttempts: 5,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      parallelizationFactor: 1,
      maxRecordAgeS: 6 * 3600,
    },
    readsTables: ['vehicles', 'vehicleState', 'violations'],
    writesTables: ['vehicleState', 'positions', 'violations', 'vehicleEvents', 'deadLetters'],
    publishesTopicPrefixes: [topics.supervisionAlertsPrefix],
    serviceName: 'fleet-ingest',
  },
} as const satisfies Record<string, FunctionSpec>;

/** A function run on a schedule (an EventBridge rule in the cloud, a timer on the local stack). */
export interface ScheduledFunctionSpec {
  readonly logicalId: string;
  readonly entry: string;
  readonly handlerExport: string;
  readonly memoryMb: number;
  readonly timeoutS: number;
  readonly rateMinutes: number;
  readonly readsTables: readonly TableName[];
  readonly writesTables: readonly TableName[];
  readonly publishesTopicPrefixes: readonly string[];
  readonly serviceName: string;
}

export const scheduledFunctions = {
  fleetSweep: {
    logicalId: 'FleetSweepFunction',
    entry: 'functions/handlers/fleet-sweep.ts',
    handlerExport: 'handler',
    memoryMb: 512,
    timeoutS: 120,
    rateMinutes: 5,
    readsTables: ['vehicles', 'vehicleState', 'violations'],
    writesTables: ['vehicleState', 'violations', 'vehicleEvents'],
    publishesTopicPrefixes: [topics.supervisionAlertsPrefix],
    serviceName: 'fleet-sweep',
  },
  greenSnapshot: {
    logicalId: 'GreenSnapshotFunction',
    entry: 'functions/handlers/green-snapshot.ts',
    handlerExport: 'handler',
    memoryMb: 1024,
    timeoutS: 120,
    rateMinutes: 5,
    readsTables: ['vehicles', 'vehicleState', 'greenMetrics'],
    writesTables: ['greenMetrics'],
    publishesTopicPrefixes: [topics.greenMetricsPrefix],
    serviceName: 'green-snapshot',
  },
} as const satisfies Record<string, ScheduledFunctionSpec>;

export type ScheduledFunctionName = keyof typeof scheduledFunctions;

/** A function behind the HTTP API (API Gateway in the cloud, the local stack's HTTP port under /api locally). */
/**
 * The console's roles (JWT group claim, see docs/api.md): enforcement officers (overload), supervisors (两客一危一货
 * supervision), operators (green-fleet figures) and administrators (everything, and the registry's writes).
 */
export const consoleRoles = ['enforcement', 'supervisor', 'operator', 'admin'] as const;
export type ConsoleRole = (typeof consoleRoles)[number];

/** One route of the console's HTTP API: API Gateway route key `METHOD path`, and who may call it (admin always may). */
export interface ApiRouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** API Gateway path template, e.g. `/vehicles/{deviceId}`. */
  readonly path: string;
  /** Unique across the API: names the implementation and the OpenAPI operation. */
  readonly operationId: string;
  readonly summary: string;
  readonly roles: readonly ConsoleRole[];
}

export interface ApiFunctionSpec {
  readonly logicalId: string;
  readonly entry: string;
  readonly handlerExport: string;
  readonly memoryMb: number;
  readonly timeoutS: number;
  /** The routes it serves: the CDK stack declares exactly these on the HTTP API, the local stack dispatches by them. */
  readonly routes: readonly ApiRouteSpec[];
  /** Topics it may publish (IoT policy patterns, `*` for a level), e.g. acknowledgements; none when absent. */
  readonly publishesTopics?: readonly string[];
  readonly readsTables: readonly TableName[];
  readonly writesTables: readonly TableName[];
  readonly serviceName: string;
}

const everyone: readonly ConsoleRole[] = ['enforcement', 'supervisor', 'operator'];

export const apiFunctions = {
  registryApi: {
    logicalId: 'RegistryApiFunction',
    entry: 'functions/handlers/registry-api.ts',
    handlerExport: 'handler',
    memoryMb: 512,
    timeoutS: 15,
    routes: [
      { method: 'GET', path: '/vehicles', operationId: 'listVehicles', summary: 'Registered vehicles, by operator or plate, paged', roles: everyone },
      { method: 'POST', path: '/vehicles/import', operationId: 'importVehicles', summary: 'Import a CSV or JSON file of vehicles, all or nothing', roles: [] },
      { method: 'GET', path: '/vehicles/{deviceId}', operationId: 'getVehicle', summary: 'One registered vehicle', roles: everyone },
      { method: 'PUT', path: '/vehicles/{deviceId}', operationId: 'putVehicle', summary: 'Create or replace a vehicle', roles: [] },
    ],
    readsTables: ['vehicles'],
    writesTables: ['vehicles'],
    serviceName: 'registry-api',
  },
  greenApi: {
    logicalId: 'GreenApiFunction',
    entry: 'functions/handlers/green-api.ts',
    handlerExport: 'handler',
    memoryMb: 512,
    timeoutS: 15,
    routes: [
      { method: 'GET', path: '/metrics/green/current', operationId: 'currentGreenMetrics', summary: 'Latest hour, day and month green figures of the province or a city', roles: everyone },
      { method: 'GET', path: '/metrics/green/history', operationId: 'greenMetricsHistory', summary: 'Green figures per hour, day or month over a range', roles: everyone },
    ],
    readsTables: ['greenMetrics'],
    writesTables: [],
    serviceName: 'green-api',
  },
  overloadApi: {
    logicalId: 'OverloadApiFunction',
    entry: 'functions/handlers/overload-api.ts',
    handlerExport: 'handler',
    memoryMb: 512,
    timeoutS: 15,
    routes: [
      { method: 'GET', path: '/overload/alerts', operationId: 'listOverloadAlerts', summary: 'Overload alerts by station, plate, status and time, newest first, paged', roles: ['enforcement'] },
      { method: 'GET', path: '/overload/alerts/{alertId}', operationId: 'getOverloadAlert', summary: 'One overload alert with its evidence and acknowledgement', roles: ['enforcement'] },
      { method: 'POST', path: '/overload/alerts/{alertId}/acknowledgement', operationId: 'acknowledgeOverloadAlert', summary: 'Acknowledge an alert: who, when, outcome', roles: ['enforcement'] },
      { method: 'GET', path: '/overload/stations', operationId: 'listStations', summary: "WIM stations with their location and the day's 超限率", roles: everyone },
      { method: 'GET', path: '/overload/stations/{stationId}/records', operationId: 'listStationRecords', summary: "A station's over-limit records over a time range, newest first, paged", roles: ['enforcement'] },
      { method: 'GET', path: '/overload/stations/{stationId}/days/{localDate}', operationId: 'getStationDay', summary: 'A station-day: counters, 超限率 (also without the ≤ 10 % and ≤ 20 % bands), ≥ 80/90/100 t lists', roles: ['enforcement'] },
      { method: 'GET', path: '/overload/offenders', operationId: 'listRepeatOffenders', summary: 'Plates alerted more than once over a range', roles: ['enforcement'] },
    ],
    publishesTopics: [topics.overloadAcknowledgements('*')],
    readsTables: ['overloadAlerts', 'overLimitRecords', 'stationCounters', 'wimConfig'],
    writesTables: ['overloadAlerts'],
    serviceName: 'overload-api',
  },
  supervisionApi: {
    logicalId: 'SupervisionApiFunction',
    entry: 'functions/handlers/supervision-api.ts',
    handlerExport: 'handler',
    memoryMb: 512,
    timeoutS: 15,
    routes: [
      { method: 'GET', path: '/supervision/violations', operationId: 'listViolations', summary: 'Violations by vehicle, operator, category, type and time, newest first, paged', roles: ['supervisor'] },
      { method: 'GET', path: '/supervision/violations/{violationId}', operationId: 'getViolation', summary: 'One violation with its evidence', roles: ['supervisor'] },
      { method: 'GET', path: '/supervision/positions', operationId: 'listLatestPositions', summary: "Every vehicle's latest position (the map), paged", roles: everyone },
      { method: 'GET', path: '/supervision/vehicles/{deviceId}', operationId: 'getVehicleState', summary: "A vehicle's registry entry, latest position and driving state", roles: ['supervisor'] },
      { method: 'GET', path: '/supervision/vehicles/{deviceId}/track', operationId: 'getVehicleTrack', summary: "A vehicle's positions over a time range, oldest first, paged", roles: ['supervisor'] },
    ],
    readsTables: ['violations', 'vehicleState', 'positions', 'vehicles'],
    writesTables: [],
    serviceName: 'supervision-api',
  },
} as const satisfies Record<string, ApiFunctionSpec>;

export type ApiFunctionName = keyof typeof apiFunctions;

export type FunctionName = keyof typeof functions;

/**
 * The green metrics the snapshot emits as CloudWatch metrics (EMF, dimensions `city`=province and `fleet`) and the
 * dashboard plots: one list, read by the handler and by the CDK stack.
 */
export const greenMetricNames = ['NewEnergyShare', 'CleanEnergyShare', 'ElectricVehicleKm', 'EnergyKWh', 'Co2AvoidedKg'] as const;
export const greenDashboardFleets = ['bus', 'taxi', 'all'] as const;

/** Environment variables every handler understands besides the table and stream names. */
export const commonEnv = {
  /** Full URL of the IoT data plane (e.g. https://xxxx-ats.iot.cn-north-1.amazonaws.com.cn); resolved at deploy time. */
  iotDataEndpoint: 'IOT_DATA_ENDPOINT',
  /** Days a raw reading is kept before DynamoDB TTL removes it. */
  readingRetentionDays: 'READING_RETENTION_DAYS',
  /** Days a dead letter is kept. */
  deadLetterRetentionDays: 'DEAD_LETTER_RETENTION_DAYS',
  /** Optional override of the DynamoDB endpoint (local stack or another compatible server). */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** Days a vehicle's positions and events are kept (≥ 6 months: 道路运输车辆动态监督管理办法). */
  positionRetentionDays: 'POSITION_RETENTION_DAYS',
  /** API functions: the JWT claim that holds the caller's console roles (default `cognito:groups`). */
  apiRolesClaim: 'API_ROLES_CLAIM',
} as const;

/** Local table name for a table spec; in the cloud CloudFormation names tables. */
export function localTableName(stage: string, spec: TableSpec): string {
  return `${stage}-${spec.logicalId}`;
}
