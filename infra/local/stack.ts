/**
 * The embedded local stack: the same Lambda handlers as the cloud, wired the way `infra/topology.ts` describes, with
 * no Docker and no AWS account.
 *
 *   MQTT client ─► aedes broker ─► rules engine (topic rules, IoT SQL) ─► Kinesis emulator ─► event source mapping
 *        ▲                                   │ error action                    │ on-failure destination
 *        │                                   ▼                                 ▼
 *        └── aedes ◄── IoT data-plane shim (HTTP) ◄── handler ──► dynalite     dead-letter sink (DeadLetters table)
 *
 * Everything (tables, streams, rules, functions and their settings) is read from topology; nothing is configured
 * twice. See docs/local-stack.md for what is emulated faithfully and what differs from AWS.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbDeadLetterStore } from '../../functions/adapters/dynamodb/dead-letter-store.ts';
import { documentClient } from '../../functions/adapters/dynamodb/document-client.ts';
import { ingestEnvelope } from '../../functions/contracts/ingest-envelope.ts';
import { numberFromEnv } from '../../functions/shared/aws-client-config.ts';
import { type DeadLetter, deadLetterIdFor } from '../../functions/shared/dead-letter.ts';
import {
  type ApiFunctionName,
  type ApiFunctionSpec,
  apiFunctions,
  commonEnv,
  type ConsoleRole,
  type FunctionName,
  functions,
  type ScheduledFunctionName,
  type ScheduledFunctionSpec,
  scheduledFunctions,
  streams,
  type TableName,
  tables,
  topicRules,
} from '../topology.ts';
import { emulateLifecycleEvents } from './lifecycle.ts';
import { devTokenClaims, mountApi } from './api-gateway.ts';
import { mountConsoleSite } from './console-site.ts';
import {
  type IotPolicies,
  type IotPolicyDocumentLike,
  type LocalBroker,
  operatorClientPrefix,
  policiesFromDocuments,
  startBroker,
  supervisorClientPrefix,
  unionOf,
} from './broker.ts';
import { openApiDocument } from '../../functions/api/openapi.ts';
import { rolesFrom } from '../../functions/api/router.ts';
import { createTables, startDynalite } from './dynamodb.ts';
import { HttpRouter } from './http-router.ts';
import { addHealthRoute, addIotDataRoutes } from './iot-data-shim.ts';
import { type FailedBatch, KinesisEmulator } from './kinesis-emulator.ts';
import { type HandlerFactory, LocalFunction, loadHandlerFactory, localFunctionEnv } from './lambda-runtime.ts';
import { closeServer, listen } from './listen.ts';
import { localAccountId, localFunctionName, localRegion, localStreamName, localTableName } from './names.ts';
import { type RuleErrorReport, RulesEngine } from './rules-engine.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where rule errors and given-up stream batches go (the cloud: SQS error action / on-failure destination). */
export type DeadLetterSink = (deadLetter: DeadLetter) => Promise<void>;

export interface LocalStackOptions {
  /** 0 = random port (tests). Defaults: 1883, 8000, 3000; no WebSocket listener unless `wsPort` is given. */
  readonly mqttPort?: number;
  readonly dynamodbPort?: number;
  readonly httpPort?: number;
  readonly wsPort?: number;
  readonly host?: string;
  /** Prefix of local resource names (`<stage>-<logicalId>`). Default `local`. */
  readonly stage?: string;
  /** Kinesis emulator batching window / poll interval in ms. Default 20. */
  readonly pollIntervalMs?: number;
  /** Enforce the cloud's IoT policies on MQTT clients (infra/constructs/iot-policies.ts). Default false. */
  readonly enforcePolicies?: boolean;
  /** Use this DynamoDB endpoint (e.g. DynamoDB Local) instead of starting dynalite; missing tables are created. */
  readonly dynamodbEndpoint?: string;
  /** Replaces the default sink, which writes to the stage's DeadLetters table like the cloud's DLQ consumers. */
  readonly deadLetterSink?: DeadLetterSink;
  /** Observes every dead letter after the sink took it (e.g. to print it). */
  readonly onDeadLetter?: (deadLetter: DeadLetter) => void;
  /** Handler factories to use instead of importing a function's `entry` (tests, benchmarks). */
  readonly functionOverrides?: Partial<Record<FunctionName, HandlerFactory>>;
  /** Handler factories for API functions (tests). */
  readonly apiOverrides?: Partial<Record<ApiFunctionName, HandlerFactory>>;
  /** Development token of the local HTTP API and console (`<token>` = admin, `<token>.<role>`). Default `local-dev-token`. */
  readonly devToken?: string;
  /** Folder of the console's static site served at `/`; false = no site. Default infra/console/site. */
  readonly consoleSiteDir?: string | false;
  /** Handler factories for scheduled functions (tests). */
  readonly scheduledOverrides?: Partial<Record<ScheduledFunctionName, HandlerFactory>>;
  /** Timer interval per scheduled function in ms; default its rate in the topology; 0 = never (call runScheduled). */
  readonly scheduleIntervalMs?: Partial<Record<ScheduledFunctionName, number>>;
  /** Concurrent invocations per function. Default 10. */
  readonly maxConcurrency?: number;
  /** Extra environment passed to handlers where the CDK stack would set it (retention days, log level). */
  readonly passThroughEnv?: Readonly<Record<string, string | undefined>>;
  readonly log?: (line: string) => void;
}

export interface LocalStack {
  readonly stage: string;
  readonly ports: { readonly mqtt: number; readonly dynamodb?: number; readonly http: number; readonly ws?: number };
  readonly endpoints: {
    readonly mqttUrl: string;
    readonly wsUrl?: string;
    readonly dynamodbUrl: string;
    readonly iotDataUrl: string;
    /** The console (static site, `/config.json`, the API under `/api`). */
    readonly consoleUrl: string;
    /** MQTT over WebSocket on the HTTP port, for the console's live feed. */
    readonly consoleMqttUrl: string;
  };
  /** What tools and simulators need to reach the stack like a handler would: table/stream names, endpoints, region. */
  readonly env: Readonly<Record<string, string>>;
  /** The exact environment each function was built with. */
  readonly functionEnv: Readonly<Record<FunctionName, Readonly<Record<string, string>>>>;
  readonly broker: LocalBroker;
  readonly kinesis: KinesisEmulator;
  readonly rules: RulesEngine;
  readonly functions: Readonly<Record<FunctionName, LocalFunction>>;
  readonly scheduled: Readonly<Record<ScheduledFunctionName, LocalFunction>>;
  readonly api: Readonly<Record<ApiFunctionName, LocalFunction>>;
  /** Development token of the local HTTP API (`authorization: Bearer <devToken>` = admin, `<devToken>.<role>`). */
  readonly devToken: string;
  /** Runs a scheduled function now (tests, and `npm run stack` users who do not want to wait for the timer). */
  runScheduled(name: ScheduledFunctionName): Promise<unknown>;
  readonly dynamo: DynamoDBClient;
  readonly router: HttpRouter;
  tableName(name: TableName): string;
  /** Resolves when every message accepted so far has gone through rules, streams and handlers. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the dead letter for a failed topic-rule evaluation or action (the rule's error action). */
export function deadLetterFromRuleError(report: RuleErrorReport, nowMs: number): DeadLetter {
  return {
    deadLetterId: deadLetterIdFor(report.topic, report.payloadBase64),
    source: 'iot-rule-error',
    reason: 'rule-action-failed',
    details: [`rule ${report.ruleName}: ${report.error.message}`, ...(report.clientId ? [`client ${report.clientId}`] : [])],
    topic: report.topic,
    payloadBase64: report.payloadBase64,
    receivedAtMs: report.receivedAtMs,
    deadLetteredAtMs: nowMs,
  };
}

/**
 * One dead letter per record of a batch the event source mapping gave up on. The record is the topic rule's envelope,
 * so the original topic and payload are recovered from it; anything else is kept as the raw record.
 */
export function deadLettersFromFailedBatch(failed: FailedBatch, nowMs: number): DeadLetter[] {
  return failed.records.map((record) => {
    const details = [
      `${failed.functionName} gave up on ${failed.shardId} (${failed.reason}) after ${failed.attempts} failed invocation(s)`,
      ...(failed.lastError ? [`last error: ${failed.lastError}`] : []),
    ];
    let envelope: ReturnType<typeof ingestEnvelope.safeParse> | undefined;
    try {
      envelope = ingestEnvelope.safeParse(JSON.parse(record.data.toString('utf8')));
    } catch {
      envelope = undefined;
    }
    const base = { source: 'stream-on-failure', reason: 'retries-exhausted', details, deadLetteredAtMs: nowMs, streamSequenceNumber: record.sequenceNumber } as const;
    if (envelope?.success) {
      const e = envelope.data;
      return { ...base, deadLetterId: deadLetterIdFor(e.topic, e.payloadBase64), topic: e.topic, stationId: e.topicStationId, payloadBase64: e.payloadBase64, receivedAtMs: e.receivedAtMs };
    }
    const payloadBase64 = record.data.toString('base64');
    return { ...base, deadLetterId: deadLetterIdFor(undefined, payloadBase64), payloadBase64, receivedAtMs: record.arrivalMs };
  });
}

/** The event an EventBridge schedule sends (a "Scheduled Event"), with fake but well-formed identifiers. */
function scheduledEvent(spec: ScheduledFunctionSpec): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: localAccountId,
    time: new Date().toISOString(),
    region: localRegion,
    resources: [`arn:aws:events:${localRegion}:${localAccountId}:rule/${spec.logicalId}`],
    detail: {},
  };
}

/** Client ids of the console's browsers (MQTT over WebSocket); the cloud's custom authorizer allows only these. */
export const consoleClientPrefix = 'console-';

async function loadPolicies(consoleRoleOf: ReadonlyMap<string, ConsoleRole>): Promise<IotPolicies> {
  // Imported only when asked for: the module pulls in aws-cdk-lib (~0.6 s). Identity ARN builder: the broker
  // matches resources without the `arn:…:iot:<region>:<account>:` prefix.
  const documents = await import('../constructs/iot-policies.ts');
  const identity = (resource: string): string => resource;
  const enforcement = documents.enforcementClientPolicyDocument(identity);
  const supervisor = documents.supervisorClientPolicyDocument(identity);
  const operator = documents.operatorClientPolicyDocument(identity);
  const byPrefix = policiesFromDocuments(
    unionOf(documents.stationPolicyDocument(identity), documents.vehicleTerminalPolicyDocument(identity)),
    enforcement,
    [
      [supervisorClientPrefix, supervisor],
      [operatorClientPrefix, operator],
    ],
  );
  const consolePolicy: Record<ConsoleRole, IotPolicyDocumentLike> = { enforcement, supervisor, operator, admin: unionOf(enforcement, supervisor, operator) };
  return {
    policyFor(clientId) {
      const role = consoleRoleOf.get(clientId);
      if (clientId.startsWith(consoleClientPrefix)) return role ? consolePolicy[role] : { Statement: [] };
      return byPrefix.policyFor(clientId);
    },
  };
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const stage = options.stage ?? 'local';
  const log = options.log ?? (() => {});
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        log(`error while stopping: ${(error as Error).message}`);
      }
    }
    closers.length = 0;
  };

  try {
    // ── DynamoDB ──────────────────────────────────────────────────────────────────────────────────────────────
    let dynamodbUrl = options.dynamodbEndpoint;
    let dynamodbPort: number | undefined;
    if (dynamodbUrl === undefined) {
      const dynalite = await startDynalite({ port: options.dynamodbPort ?? 8000, host });
      closers.push(dynalite.close);
      dynamodbUrl = dynalite.endpoint;
      dynamodbPort = dynalite.port;
    }
    const dynamo = new DynamoDBClient({ endpoint: dynamodbUrl, region: localRegion, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    closers.push(async () => dynamo.destroy());
    const created = await createTables(dynamo, stage);
    if (created.length > 0) log(`created tables ${created.join(', ')}`);
    const tableName = (name: TableName): string => localTableName(stage, tables[name]);

    // ── Dead letters ──────────────────────────────────────────────────────────────────────────────────────────
    const retentionDays = numberFromEnv(options.passThroughEnv ?? process.env, commonEnv.deadLetterRetentionDays, 30);
    const store = new DynamoDbDeadLetterStore(documentClient(dynamo), tableName('deadLetters'));
    const sink: DeadLetterSink = options.deadLetterSink ?? ((deadLetter) => store.put(deadLetter, retentionDays));
    const deliverDeadLetters = async (deadLetters: readonly DeadLetter[]): Promise<void> => {
      for (const deadLetter of deadLetters) {
        await sink(deadLetter);
        log(`dead letter ${deadLetter.deadLetterId} (${deadLetter.source}/${deadLetter.reason}) ${deadLetter.topic ?? ''}`);
        options.onDeadLetter?.(deadLetter);
      }
    };

    // ── MQTT broker ───────────────────────────────────────────────────────────────────────────────────────────
    // Console clients (`console-…`) log in with a development token as their password, as the cloud's IoT custom
    // authorizer takes the console's JWT; the token's role decides what they may subscribe to.
    const devToken = options.devToken ?? 'local-dev-token';
    const consoleRoleOf = new Map<string, ConsoleRole>();
    const policies = options.enforcePolicies ? await loadPolicies(consoleRoleOf) : undefined;
    const broker = await startBroker({
      port: options.mqttPort ?? 1883,
      host,
      ...(options.wsPort === undefined ? {} : { wsPort: options.wsPort }),
      ...(policies ? { policies } : {}),
      authenticate(clientId, _username, password) {
        if (!clientId.startsWith(consoleClientPrefix)) return undefined;
        const claims = password === undefined ? undefined : devTokenClaims(password, devToken);
        if (!claims) return 'a console client must send a development token as its password';
        // A development token carries exactly one role (see devTokenClaims).
        const [role] = rolesFrom(claims['cognito:groups']);
        if (role) consoleRoleOf.set(clientId, role);
        return undefined;
      },
      log,
    });
    closers.push(broker.close);

    // ── Kinesis + rules engine ────────────────────────────────────────────────────────────────────────────────
    const kinesis = new KinesisEmulator({ region: localRegion, log, ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }) });
    for (const spec of Object.values(streams)) kinesis.createStream(localStreamName(stage, spec), spec.shardCount, spec.retentionHours);

    const rules = new RulesEngine({
      rules: Object.values(topicRules),
      putRecord: (streamName, partitionKey, data) => kinesis.putRecord(streamName, partitionKey, data),
      streamName: (stream) => localStreamName(stage, streams[stream]),
      onRuleError: (report) => deliverDeadLetters([deadLetterFromRuleError(report, Date.now())]),
      log,
    });

    // ── HTTP: IoT data plane shim (+ room for a local API) ────────────────────────────────────────────────────
    const router = new HttpRouter();
    addIotDataRoutes(router, {
      publish: (topic, payload, publishOptions) => broker.publish(topic, payload, publishOptions),
      // AWS runs rules on data-plane publishes too (clientid() = n/a); the broker hides its own publishes from the
      // engine, so hand them over here.
      onPublished: (topic, payload) => rules.handleMessage({ topic, payload }),
    });
    addHealthRoute(router, () => ({ stage, kinesis: kinesis.counters, rules: rules.stats }));
    const http: Server = router.createServer();
    const httpPort = await listen(http, options.httpPort ?? 3000, host, 'HTTP_PORT');
    closers.push(() => closeServer(http));
    // Stopped before the HTTP server (closers run in reverse): in-flight handlers may still publish alerts.
    closers.push(() => kinesis.stop());

    const endpoints = {
      mqttUrl: `mqtt://${host}:${broker.port}`,
      ...(broker.wsPort === undefined ? {} : { wsUrl: `ws://${host}:${broker.wsPort}/mqtt` }),
      dynamodbUrl,
      iotDataUrl: `http://${host}:${httpPort}`,
      consoleUrl: `http://${host}:${httpPort}/`,
      consoleMqttUrl: `ws://${host}:${httpPort}/mqtt`,
    };

    // ── Functions and their event source mappings ─────────────────────────────────────────────────────────────
    const functionEnv = {} as Record<FunctionName, Record<string, string>>;
    const localFunctions = {} as Record<FunctionName, LocalFunction>;
    for (const [name, spec] of Object.entries(functions) as Array<[FunctionName, (typeof functions)[FunctionName]]>) {
      const env = localFunctionEnv(spec, { stage, dynamodbUrl, iotDataUrl: endpoints.iotDataUrl }, options.passThroughEnv ?? process.env);
      const factory = options.functionOverrides?.[name] ?? (await loadHandlerFactory(repoRoot, spec.entry));
      const fn = new LocalFunction(factory(env), {
        functionName: localFunctionName(stage, spec),
        timeoutS: spec.timeoutS,
        memoryMb: spec.memoryMb,
        ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
      });
      kinesis.addEventSourceMapping({
        functionName: fn.name,
        streamName: localStreamName(stage, streams[spec.source.stream]),
        source: spec.source,
        invoke: (event) => fn.invoke(event),
        onFailure: (failed) => deliverDeadLetters(deadLettersFromFailedBatch(failed, Date.now())),
      });
      functionEnv[name] = env;
      localFunctions[name] = fn;
    }

    // ── Scheduled functions (EventBridge schedules in the cloud): a timer here, and runScheduled() for tests ──────
    const scheduled = {} as Record<ScheduledFunctionName, LocalFunction>;
    for (const [name, spec] of Object.entries(scheduledFunctions) as Array<[ScheduledFunctionName, ScheduledFunctionSpec]>) {
      const env = localFunctionEnv(spec, { stage, dynamodbUrl, iotDataUrl: endpoints.iotDataUrl }, options.passThroughEnv ?? process.env);
      const factory = options.scheduledOverrides?.[name] ?? (await loadHandlerFactory(repoRoot, spec.entry));
      const fn = new LocalFunction(factory(env), { functionName: localFunctionName(stage, spec), timeoutS: spec.timeoutS, memoryMb: spec.memoryMb, maxConcurrency: 1 });
      scheduled[name] = fn;
      const intervalMs = options.scheduleIntervalMs?.[name] ?? spec.rateMinutes * 60_000;
      if (intervalMs > 0) {
        const timer = setInterval(() => {
          fn.invoke(scheduledEvent(spec)).catch((error: unknown) => log(`${fn.name} failed: ${String(error)}`));
        }, intervalMs);
        timer.unref();
        closers.push(async () => clearInterval(timer));
      }
    }

    // ── API functions behind the local HTTP port under /api (API Gateway HTTP API + JWT authorizer in the cloud) ─
    const api = {} as Record<ApiFunctionName, LocalFunction>;
    for (const [name, spec] of Object.entries(apiFunctions) as Array<[ApiFunctionName, ApiFunctionSpec]>) {
      const env = localFunctionEnv(spec, { stage, dynamodbUrl, iotDataUrl: endpoints.iotDataUrl }, options.passThroughEnv ?? process.env);
      const factory = options.apiOverrides?.[name] ?? (await loadHandlerFactory(repoRoot, spec.entry));
      const fn = new LocalFunction(factory(env), { functionName: localFunctionName(stage, spec), timeoutS: spec.timeoutS, memoryMb: spec.memoryMb });
      api[name] = fn;
    }
    mountApi(router, (name, event) => api[name].invoke(event), { devToken, log });

    // ── The console: static site at /, its config, and MQTT over WebSocket at /mqtt on the same port ────────────
    const consoleWs = await broker.attachWebSocket(http, '/mqtt');
    if (options.consoleSiteDir !== false) {
      mountConsoleSite(router, {
        siteDir: options.consoleSiteDir ?? resolve(repoRoot, 'infra/console/site'),
        config: (requestHost) => ({
          apiBaseUrl: '/api',
          ...(consoleWs ? { mqtt: { url: `ws://${requestHost ?? `${host}:${httpPort}`}/mqtt` } } : {}),
          auth: { kind: 'dev-token', token: devToken },
          stage,
        }),
        documents: { '/api/openapi.json': () => openApiDocument() },
      });
    }

    // ── AWS IoT lifecycle events, emulated: to the rules engine (presence rule) and to subscribers ───────────────
    const stopLifecycle = emulateLifecycleEvents(broker.aedes, (topic, payload) => {
      rules.handleMessage({ topic, payload });
      void broker.publish(topic, payload, { qos: 0 }).catch(() => {});
    });
    closers.push(async () => stopLifecycle());

    // Rules last: no message is taken from the broker before something can consume it.
    rules.attach(broker.aedes);
    closers.push(async () => rules.detach());

    const sharedEnv: Record<string, string> = {};
    for (const env of Object.values(functionEnv)) {
      for (const [key, value] of Object.entries(env)) if (!key.startsWith('AWS_LAMBDA_') && key !== 'POWERTOOLS_SERVICE_NAME') sharedEnv[key] = value;
    }

    return {
      stage,
      ports: {
        mqtt: broker.port,
        ...(dynamodbPort === undefined ? {} : { dynamodb: dynamodbPort }),
        http: httpPort,
        ...(broker.wsPort === undefined ? {} : { ws: broker.wsPort }),
      },
      endpoints,
      env: sharedEnv,
      functionEnv,
      broker,
      kinesis,
      rules,
      functions: localFunctions,
      scheduled,
      api,
      devToken,
      async runScheduled(name: ScheduledFunctionName) {
        return scheduled[name].invoke(scheduledEvent(scheduledFunctions[name]));
      },
      dynamo,
      router,
      tableName,
      async drain() {
        // aedes acknowledges a QoS 1 PUBLISH before it emits it; give in-flight packets a moment to reach the engine.
        await new Promise((r) => setTimeout(r, 10));
        await rules.idle();
        await kinesis.drain();
        await rules.idle();
      },
      stop: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
