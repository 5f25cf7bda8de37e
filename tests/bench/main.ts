/**
 * `npm run bench`: measures, never asserts. Prints a table and writes test-artifacts/bench.json.
 *
 *   1. judgement throughput on one core (pure domain)
 *   2. raw DynamoDB BatchWriteItem rate against the local stack's dynalite (the yardstick)
 *   3. WIM handler throughput over Kinesis batches against the same dynalite
 *   4. end to end: records published over MQTT as fast as the broker takes them → every one judged, stored and
 *      counted (checked: nothing lost, nothing doubled)
 *   5. publish-to-alert latency (p50, p99) at a paced 1 000 records/s
 *   6. the local stack's peak RSS (it runs as a child process: `tsx infra/local/main.ts`, as `npm run stack` does)
 *   7. each Lambda bundle's minified size, built as the CDK stack builds it
 *
 * BENCH_SCALE (default 1) multiplies the record counts; BENCH_SKIP=e2e,latency skips sections.
 */
import { consoleMqttAuthorizerSpec } from '../../infra/constructs/console-mqtt-authorizer.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { connectAsync } from 'mqtt';
import { documentClient } from '../../functions/adapters/dynamodb/document-client.ts';
import { readingItem } from '../../functions/adapters/dynamodb/reading-store.ts';
import { DynamoDbWimConfigStore } from '../../functions/adapters/dynamodb/wim-config-store.ts';
import { WimQueries } from '../../functions/adapters/dynamodb/wim-queries.ts';
import type { WimRecordV1 } from '../../functions/contracts/wim-record.v1.ts';
import { judgeWimRecord } from '../../functions/domain/overload/judge.ts';
import { plateKey } from '../../functions/domain/overload/plate.ts';
import { checkPlausibility } from '../../functions/domain/overload/plausibility.ts';
import { defaultOverloadRules } from '../../functions/domain/overload/rules-config.ts';
import type { StationProfile } from '../../functions/domain/overload/types.ts';
import { shanghaiDate } from '../../functions/shared/local-time.ts';
import { createHandler } from '../../functions/handlers/wim-ingest.ts';
import { publishBulk, bulkKey } from '../../devices/simulator/scripted.ts';
import { STATIONS } from '../../devices/simulator/stations.ts';
import { generateTraffic } from '../../devices/simulator/traffic.ts';
import { apiFunctions, commonEnv, functions, localTableName, scheduledFunctions, streams, tables, type TableName } from '../../infra/topology.ts';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { advanceVehicle, type VehicleRuleState } from '../../functions/domain/supervision/engine.ts';
import { accumulateGreen, type GreenVehicleState } from '../../functions/domain/green/accumulator.ts';
import { computeGreenMetrics } from '../../functions/domain/green/metrics.ts';
import { defaultGreenRules } from '../../functions/domain/green/rules-config.ts';
import { shanghaiHour } from '../../functions/shared/local-time.ts';
import type { EnergyType } from '../../functions/contracts/vehicle.v1.ts';
import { toPositionReport } from '../../functions/fleet/ingest-service.ts';
import type { PositionReport } from '../../functions/domain/supervision/types.ts';
import type { TelemetryReportV1 } from '../../functions/contracts/telemetry.v1.ts';
import { createHandler as createFleetHandler } from '../../functions/handlers/fleet-ingest.ts';
import { DynamoDbVehicleStore } from '../../functions/adapters/dynamodb/vehicle-store.ts';
import { loadFleetVehicles, routeFor } from '../../devices/fleet/fleet.ts';
import { generateTrack, toRegistryVehicle } from '../../devices/fleet/vehicles.ts';
import type { FleetVehicle } from '../../devices/fleet/vehicles.ts';

// The handler runs in this process for section 3; keep its EMF lines out of the report.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const scale = Number(process.env.BENCH_SCALE ?? 1);
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const results: Record<string, unknown> = { node: process.version, cpus: (await import('node:os')).cpus().length, scale };

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Records measured "now" so that plausibility accepts them, unique per run. */
function traffic(count: number, seed: number, runTag: string): WimRecordV1[] {
  const startTimeMs = Date.now() - 3_600_000;
  return generateTraffic({ stations: STATIONS, count, seed, startTimeMs, meanHeadwayS: 0.05 }).map((g, i) => ({
    ...g.record,
    recordId: `${runTag}-${i}`,
    measuredAt: g.record.measuredAt,
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Judgement throughput (one core, pure)
// ---------------------------------------------------------------------------------------------------------------
function benchJudgement(): void {
  const records = traffic(20_000, 7, 'judge');
  const stations = new Map<string, StationProfile>(
    STATIONS.map((s) => [s.stationId, { stationId: s.stationId, accuracyClass: s.accuracyClass, registered: true }]),
  );
  const profiles = records.map((r) => stations.get(r.stationId) as StationProfile);
  const run = (durationMs: number) => {
    let n = 0;
    let sink = 0;
    const start = performance.now();
    while (performance.now() - start < durationMs) {
      for (let i = 0; i < records.length; i++) {
        sink += judgeWimRecord(records[i] as WimRecordV1, profiles[i] as StationProfile, [], defaultOverloadRules).overLimitKg;
      }
      n += records.length;
    }
    return { perS: n / ((performance.now() - start) / 1000), sink };
  };
  run(500); // warm-up: let the JIT settle
  const judged = run(3000);
  const nowMs = Date.now();
  let checked = 0;
  const start = performance.now();
  while (performance.now() - start < 2000) {
    for (const r of records) checkPlausibility(r, nowMs, defaultOverloadRules);
    checked += records.length;
  }
  const plausibilityPerS = checked / ((performance.now() - start) / 1000);
  results.judgement = { recordsPerS: Math.round(judged.perS), plausibilityChecksPerS: Math.round(plausibilityPerS) };
  log(`judgement            ${fmt(judged.perS)} records/s on one core (plausibility checks ${fmt(plausibilityPerS)}/s)`);
}

// ---------------------------------------------------------------------------------------------------------------
// The local stack as a child process, like `npm run stack`
// ---------------------------------------------------------------------------------------------------------------
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface ChildStack {
  child: ChildProcess;
  mqttUrl: string;
  dynamodbUrl: string;
  iotDataUrl: string;
  peakRssKb(): number;
  stop(): Promise<void>;
}

async function startChildStack(): Promise<ChildStack> {
  const [mqtt, ddb, http] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(repoRoot, 'infra/local/main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      MQTT_PORT: String(mqtt),
      DYNAMODB_PORT: String(ddb),
      HTTP_PORT: String(http),
      WS_PORT: '',
      LOCAL_STAGE: 'bench',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`local stack not ready in 60 s: ${stderr}`)), 60_000);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/^ready /m.test(out)) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.once('exit', (code) => reject(new Error(`local stack exited with ${code}: ${stderr}`)));
  });
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      if (hwm) peak = Math.max(peak, Number(hwm[1]));
    } catch {
      // the process is gone; keep the last reading
    }
  };
  const sampler = setInterval(sample, 250);
  return {
    child,
    mqttUrl: `mqtt://127.0.0.1:${mqtt}`,
    dynamodbUrl: `http://127.0.0.1:${ddb}`,
    iotDataUrl: `http://127.0.0.1:${http}`,
    peakRssKb: () => {
      sample();
      return peak;
    },
    stop: async () => {
      sample();
      clearInterval(sampler);
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

function handlerEnv(stack: ChildStack): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    [commonEnv.dynamodbEndpoint]: stack.dynamodbUrl,
    [commonEnv.iotDataEndpoint]: stack.iotDataUrl,
    POWERTOOLS_SERVICE_NAME: functions.wimIngest.serviceName,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  for (const name of Object.keys(tables) as TableName[]) env[tables[name].envVar] = localTableName('bench', tables[name]);
  env[streams.wimRecords.envVar] = 'bench-WimRecordStream';
  return env;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Raw BatchWriteItem rate (the yardstick), same items, same server
// ---------------------------------------------------------------------------------------------------------------
async function benchRawBatchWrite(ddb: DynamoDBDocumentClient, table: string): Promise<number> {
  const records = traffic(Math.round(20_000 * scale), 11, 'raw');
  const station: StationProfile = { stationId: 'x', accuracyClass: 'class-5', registered: true };
  const items = records.map((record) =>
    readingItem(
      {
        record,
        station,
        judgement: judgeWimRecord(record, station, [], defaultOverloadRules),
        plateKey: record.vehicle ? plateKey(record.vehicle.plate, record.vehicle.plateColor) : 'unknown',
        measuredAtMs: Date.parse(record.measuredAt),
        receivedAtMs: Date.now(),
      },
      90,
    ),
  );
  const batches: Array<typeof items> = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as typeof items;
        let pending = batch.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const result = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          pending = (result.UnprocessedItems?.[table] as typeof pending | undefined) ?? [];
        }
      }
    }),
  );
  const perS = items.length / ((performance.now() - start) / 1000);
  results.rawBatchWrite = { itemsPerS: Math.round(perS), items: items.length, concurrency: 8, itemsPerRequest: 25 };
  log(`raw BatchWriteItem   ${fmt(perS)} items/s (25 per request, 8 in flight, ${fmt(items.length)} reading items)`);
  return perS;
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Handler throughput over Kinesis batches
// ---------------------------------------------------------------------------------------------------------------
function kinesisEvent(records: readonly WimRecordV1[], firstSeq: number): KinesisStreamEvent {
  return {
    Records: records.map((record, i) => {
      const envelope = {
        payloadBase64: Buffer.from(JSON.stringify(record)).toString('base64'),
        topic: `wim/${record.stationId}/records`,
        topicStationId: record.stationId,
        receivedAtMs: Date.now(),
        clientId: record.stationId,
      };
      const sequenceNumber = String(firstSeq + i).padStart(20, '0');
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: record.stationId,
          sequenceNumber,
          data: Buffer.from(JSON.stringify(envelope)).toString('base64'),
          approximateArrivalTimestamp: Date.now() / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'local',
        awsRegion: 'local',
        eventSourceARN: 'local',
      };
    }),
  };
}

function context(): Context {
  const deadline = Date.now() + 60_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'bench-WimIngestFunction',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'local',
    memoryLimitInMB: '1024',
    awsRequestId: `bench-${Math.random()}`,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

async function benchHandler(stack: ChildStack): Promise<number> {
  const handler = createHandler(handlerEnv(stack));
  const batchSize = functions.wimIngest.source.batchSize;
  const records = traffic(Math.round(20_000 * scale), 13, 'handler');
  const events: KinesisStreamEvent[] = [];
  for (let i = 0; i < records.length; i += batchSize) events.push(kinesisEvent(records.slice(i, i + batchSize), i));
  // One invocation at a time per shard, two shards: as Kinesis with parallelization factor 1 would run it.
  let next = 0;
  let failures = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: streams.wimRecords.shardCount }, async () => {
      while (next < events.length) {
        const result = await handler(events[next++] as KinesisStreamEvent, context());
        failures += result.batchItemFailures.length;
      }
    }),
  );
  const perS = records.length / ((performance.now() - start) / 1000);
  results.handler = { recordsPerS: Math.round(perS), records: records.length, batchSize, concurrentBatches: streams.wimRecords.shardCount, failures };
  log(`handler              ${fmt(perS)} records/s (batches of ${batchSize}, ${streams.wimRecords.shardCount} in parallel, ${failures} failures)`);
  return perS;
}

// ---------------------------------------------------------------------------------------------------------------
// 4 and 5. End to end over MQTT
// ---------------------------------------------------------------------------------------------------------------
async function countedTrucks(queries: WimQueries, localDates: readonly string[]): Promise<number> {
  let total = 0;
  for (const station of STATIONS) {
    for (const date of localDates) total += (await queries.stationDay(station.stationId, date)).counters.trucksWeighed;
  }
  return total;
}

async function waitForCount(queries: WimQueries, dates: readonly string[], expected: number, timeoutMs: number): Promise<{ count: number; atMs: number }> {
  const deadline = Date.now() + timeoutMs;
  let count = 0;
  while (Date.now() < deadline) {
    count = await countedTrucks(queries, dates);
    if (count >= expected) return { count, atMs: Date.now() };
    // Polling is itself load on the same server: keep it sparse (the figure's resolution is this interval).
    await new Promise((r) => setTimeout(r, 500));
  }
  return { count, atMs: Date.now() };
}

async function benchEndToEnd(stack: ChildStack, queries: WimQueries, rawPerS: number): Promise<void> {
  const before = await countedTrucks(queries, datesAround());
  const records = traffic(Math.round(20_000 * scale), 17, `e2e${Date.now()}`);
  const start = Date.now();
  await publishBulk(stack.mqttUrl, records, { inflight: 500 });
  const published = Date.now();
  const done = await waitForCount(queries, datesAround(), before + records.length, 120_000);
  const processed = done.count - before;
  const perS = (processed / (done.atMs - start)) * 1000;
  results.endToEnd = {
    recordsPerS: Math.round(perS),
    records: records.length,
    processed,
    lost: records.length - processed,
    publishSeconds: (published - start) / 1000,
    shareOfRawBatchWrite: Number((perS / rawPerS).toFixed(3)),
  };
  log(
    `end to end           ${fmt(perS)} records/s (${fmt(processed)}/${fmt(records.length)} counted, ${records.length - processed} lost; ` +
      `${((perS / rawPerS) * 100).toFixed(0)} % of the raw batch-write rate)`,
  );
}

function datesAround(): string[] {
  const now = Date.now();
  return [...new Set([shanghaiDate(now - 3_700_000), shanghaiDate(now)])];
}

async function benchLatency(stack: ChildStack): Promise<void> {
  const ratePerS = 1000;
  const records = traffic(Math.round(10_000 * scale), 19, `lat${Date.now()}`);
  const arrivals = new Map<string, number>();
  const officer = await connectAsync(stack.mqttUrl, { clientId: 'enforcement-bench', clean: true });
  officer.on('message', (_topic, payload) => {
    const alert = JSON.parse(payload.toString()) as { stationId: string; recordId: string };
    arrivals.set(`${alert.stationId}#${alert.recordId}`, Date.now());
  });
  await officer.subscribeAsync('alerts/overload/+', { qos: 1 });
  const result = await publishBulk(stack.mqttUrl, records, { inflight: 500, ratePerS });
  await new Promise((r) => setTimeout(r, 3000));
  await officer.endAsync();
  const latencies: number[] = [];
  for (const [key, at] of arrivals) {
    const publishedAt = result.publishedAtMs.get(key);
    if (publishedAt !== undefined) latencies.push(at - publishedAt);
  }
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  results.latency = { ratePerS, records: records.length, alerts: latencies.length, p50Ms: p50, p99Ms: p99, maxMs: latencies.at(-1) };
  log(`publish→alert        p50 ${p50} ms, p99 ${p99} ms, max ${latencies.at(-1)} ms (${latencies.length} alerts at ${ratePerS} records/s)`);
  void bulkKey;
}

// ---------------------------------------------------------------------------------------------------------------
// 7. Bundle sizes, built as the CDK stack builds them
// ---------------------------------------------------------------------------------------------------------------
async function benchBundles(): Promise<void> {
  const sizes: Record<string, { runtimeSdkBytes: number; bundledSdkBytes: number }> = {};
  // The console's IoT custom authorizer is not in the topology (it has no local twin) but is deployed too.
  for (const [name, spec] of Object.entries({ ...functions, ...scheduledFunctions, ...apiFunctions, consoleMqttAuthorizer: consoleMqttAuthorizerSpec })) {
    const sizeWith = async (external: string[]) => {
      const out = await build({
        entryPoints: [resolve(repoRoot, spec.entry)],
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node22',
        format: 'esm',
        mainFields: ['module', 'main'],
        external,
        write: false,
        outfile: 'index.mjs',
        banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
        logLevel: 'silent',
      });
      return out.outputFiles.reduce((sum, f) => sum + f.contents.length, 0);
    };
    sizes[name] = { runtimeSdkBytes: await sizeWith(['@aws-sdk/*']), bundledSdkBytes: await sizeWith([]) };
    log(
      `bundle ${name.padEnd(13)} ${(sizes[name].runtimeSdkBytes / 1024).toFixed(0)} KB minified as deployed (runtime's AWS SDK); ` +
        `${(sizes[name].bundledSdkBytes / 1024).toFixed(0)} KB with the pinned SDK bundled`,
    );
  }
  results.bundles = sizes;
}


// ---------------------------------------------------------------------------------------------------------------
// 8–10. Telemetry: rules on one core, the fleet handler with DynamoDB requests counted, end to end over MQTT
// ---------------------------------------------------------------------------------------------------------------
interface FleetTrack {
  readonly vehicle: FleetVehicle;
  readonly reports: TelemetryReportV1[];
}

/** `vehicleCount` supervised vehicles driving G98/G9811 legs for `minutes`, one report every 10–30 s each. */
function fleetTracks(vehicleCount: number, minutes: number, tag: string, endMs = Date.now() - 60_000): FleetTrack[] {
  const supervised = loadFleetVehicles().filter((v) => ['coach', 'charter', 'hazmat', 'heavy-truck', 'tractor'].includes(v.category));
  const startMs = endMs - minutes * 60_000;
  return Array.from({ length: vehicleCount }, (_, i) => {
    const base = supervised[i % supervised.length] as FleetVehicle;
    const vehicle: FleetVehicle = { ...base, deviceId: `${tag}-${i}` };
    const points = generateTrack({
      vehicle,
      route: routeFor(vehicle, i),
      seed: 1000 + i,
      startMs,
      plan: [
        { kind: 'drive', speedKmh: 88, durationMin: Math.floor(minutes * 0.6) },
        { kind: 'stop', durationMin: 5 },
        { kind: 'drive', speedKmh: 104, durationMin: Math.floor(minutes * 0.35) },
      ],
    });
    return { vehicle, reports: points.map((p) => p.report) };
  });
}


function benchTelemetryRules(): void {
  const tracks = fleetTracks(20, 240, 'rules');
  const inputs = tracks.map((t) => ({
    vehicle: { deviceId: t.vehicle.deviceId, category: t.vehicle.category },
    reports: t.reports.map((r) => toPositionReport(r.deviceId, r)),
  }));
  const total = inputs.reduce((sum, i) => sum + i.reports.length, 0);
  const runOnce = () => {
    let violations = 0;
    for (const input of inputs) {
      let state: VehicleRuleState | undefined;
      // As the handler sees them: one vehicle's reports in slices of a Kinesis batch.
      for (let at = 0; at < input.reports.length; at += 50) {
        const result = advanceVehicle(state, input.vehicle, input.reports.slice(at, at + 50));
        state = result.state;
        violations += result.violations.length;
      }
    }
    return violations;
  };
  // Repeated for two seconds after a warm-up, so that the JIT has settled and the figure is stable.
  runOnce();
  let rounds = 0;
  let violations = 0;
  const start = performance.now();
  while (performance.now() - start < 2000) {
    violations = runOnce();
    rounds++;
  }
  const measured = { perS: (rounds * total) / ((performance.now() - start) / 1000), violations };
  results.telemetryRules = { reportsPerS: Math.round(measured.perS), reports: total, vehicles: inputs.length, violations: measured.violations };
  log(`telemetry rules      ${fmt(measured.perS)} reports/s on one core (${fmt(total)} reports, ${inputs.length} vehicles, ${measured.violations} violations)`);
}

/** An HTTP proxy in front of dynalite that counts DynamoDB operations and the items they carry. */
async function countingProxy(targetUrl: string) {
  const target = new URL(targetUrl);
  const counts = new Map<string, { requests: number; items: number }>();
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? 'unknown';
      let items = 1;
      try {
        const json = JSON.parse(body.toString()) as { RequestItems?: Record<string, unknown[] | { Keys: unknown[] }> };
        if (json.RequestItems) {
          items = Object.values(json.RequestItems).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : v.Keys.length), 0);
        }
      } catch {
        // not JSON: count the request only
      }
      const c = counts.get(op) ?? { requests: 0, items: 0 };
      c.requests++;
      c.items += items;
      counts.set(op, c);
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, counts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function fleetEnvelopeRecord(message: unknown, deviceId: string, seq: number) {
  const envelope = {
    payloadBase64: Buffer.from(JSON.stringify(message)).toString('base64'),
    topic: `fleet/${deviceId}/telemetry`,
    topicDeviceId: deviceId,
    receivedAtMs: Date.now(),
    clientId: deviceId,
  };
  const sequenceNumber = String(seq).padStart(20, '0');
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: deviceId,
      sequenceNumber,
      data: Buffer.from(JSON.stringify(envelope)).toString('base64'),
      approximateArrivalTimestamp: Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'local',
    awsRegion: 'local',
    eventSourceARN: 'local',
  };
}

async function registerFleet(ddb: DynamoDBDocumentClient, tracks: readonly FleetTrack[]): Promise<void> {
  await new DynamoDbVehicleStore(ddb, localTableName('bench', tables.vehicles)).putMany(tracks.map((t) => toRegistryVehicle(t.vehicle)));
}

async function benchFleetHandler(stack: ChildStack, ddb: DynamoDBDocumentClient): Promise<void> {
  const tracks = fleetTracks(100, 120, `fh${Date.now().toString(36)}`);
  await registerFleet(ddb, tracks);
  const proxy = await countingProxy(stack.dynamodbUrl);
  const env: Record<string, string> = { ...handlerEnv(stack), [commonEnv.dynamodbEndpoint]: proxy.url, POWERTOOLS_SERVICE_NAME: functions.fleetIngest.serviceName };
  for (const name of [...functions.fleetIngest.readsTables, ...functions.fleetIngest.writesTables]) env[tables[name].envVar] = localTableName('bench', tables[name]);
  const handler = createFleetHandler(env);
  // Time-ordered across vehicles, as the stream delivers a busy shard: each batch holds many vehicles.
  const all = tracks.flatMap((t) => t.reports).sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  const batchSize = functions.fleetIngest.source.batchSize;
  const events: KinesisStreamEvent[] = [];
  for (let i = 0; i < all.length; i += batchSize) {
    events.push({ Records: all.slice(i, i + batchSize).map((r, j) => fleetEnvelopeRecord(r, r.deviceId, i + j)) } as KinesisStreamEvent);
  }
  proxy.counts.clear();
  const start = performance.now();
  for (const event of events) await handler(event, context());
  const perS = all.length / ((performance.now() - start) / 1000);
  await proxy.close();
  const per = (op: string) => proxy.counts.get(op) ?? { requests: 0, items: 0 };
  const requests = [...proxy.counts.values()].reduce((n, c) => n + c.requests, 0);
  const stateReads = per('BatchGetItem');
  const writes = per('BatchWriteItem');
  results.fleetHandler = {
    reportsPerS: Math.round(perS),
    reports: all.length,
    batches: events.length,
    vehicles: tracks.length,
    dynamodbRequestsPerReport: Number((requests / all.length).toFixed(3)),
    dynamodbRequestsPerBatch: Number((requests / events.length).toFixed(1)),
    itemsWrittenPerReport: Number((writes.items / all.length).toFixed(3)),
    itemsReadPerReport: Number((stateReads.items / all.length).toFixed(3)),
    operations: Object.fromEntries(proxy.counts),
  };
  log(
    `fleet handler        ${fmt(perS)} reports/s (batches of ${batchSize}, ${tracks.length} vehicles); DynamoDB ${(requests / all.length).toFixed(3)} requests/report, ` +
      `${(writes.items / all.length).toFixed(2)} items written/report, ${(stateReads.items / all.length).toFixed(3)} items read/report`,
  );
}

async function benchFleetEndToEnd(stack: ChildStack, ddb: DynamoDBDocumentClient): Promise<void> {
  const tracks = fleetTracks(200, 60, `fe${Date.now().toString(36)}`);
  await registerFleet(ddb, tracks);
  const all = tracks.flatMap((t) => t.reports).sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  const clients = new Map<string, Awaited<ReturnType<typeof connectAsync>>>();
  for (const t of tracks) clients.set(t.vehicle.deviceId, await connectAsync(stack.mqttUrl, { clientId: t.vehicle.deviceId, clean: true, reconnectPeriod: 0 }));
  const start = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 500 }, async () => {
      while (next < all.length) {
        const r = all[next++] as TelemetryReportV1;
        await clients.get(r.deviceId)?.publishAsync(`fleet/${r.deviceId}/telemetry`, JSON.stringify(r), { qos: 1 });
      }
    }),
  );
  await Promise.all([...clients.values()].map((c) => c.endAsync()));
  // Done when every vehicle's state has taken its last report (one BatchGetItem per 100 vehicles, every 500 ms).
  const lastTs = new Map(tracks.map((t) => [t.vehicle.deviceId, Date.parse((t.reports.at(-1) as TelemetryReportV1).ts)]));
  const states = new (await import('../../functions/adapters/dynamodb/fleet-stores.ts')).DynamoDbVehicleStateStore(ddb, localTableName('bench', tables.vehicleState));
  let doneAt = 0;
  for (let waited = 0; waited < 180_000; waited += 500) {
    const got = await states.getMany([...lastTs.keys()]);
    if ([...lastTs].every(([id, ts]) => got.get(id)?.lastReportMs === ts)) {
      doneAt = Date.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  let stored = 0;
  for (const t of tracks) {
    const page = await ddb.send(
      new (await import('@aws-sdk/lib-dynamodb')).QueryCommand({
        TableName: localTableName('bench', tables.positions),
        KeyConditionExpression: 'deviceId = :d',
        ExpressionAttributeValues: { ':d': t.vehicle.deviceId },
        Select: 'COUNT',
      }),
    );
    stored += page.Count ?? 0;
  }
  const perS = doneAt ? (all.length / (doneAt - start)) * 1000 : Number.NaN;
  results.fleetEndToEnd = { reportsPerS: Math.round(perS), reports: all.length, stored, lost: all.length - stored, vehicles: tracks.length };
  log(`fleet end to end     ${fmt(perS)} reports/s (${fmt(stored)}/${fmt(all.length)} stored, ${all.length - stored} lost, ${tracks.length} vehicles over MQTT)`);
}

// ---------------------------------------------------------------------------------------------------------------
// 11. Green snapshot: a province of 20 000 buses and taxis
// ---------------------------------------------------------------------------------------------------------------
function benchGreenSnapshot(): void {
  const cities = defaultGreenRules.cities.map((c) => c.name);
  const busTypes: EnergyType[] = ['bev', 'bev', 'bev', 'cng', 'diesel', 'hybrid'];
  const taxiTypes: EnergyType[] = ['bev', 'bev', 'phev', 'cng', 'gasoline'];
  const nowMs = Date.now();
  const vehicles = Array.from({ length: 20_000 }, (_, i) => {
    const bus = i % 3 === 0;
    const types = bus ? busTypes : taxiTypes;
    return { deviceId: `g-${i}`, category: bus ? ('bus' as const) : ('taxi' as const), energyType: types[i % types.length] as EnergyType, city: cities[i % cities.length] as string };
  });
  // Each vehicle's state after a day of 10-minute reports (what the ingest keeps), built with the real accumulator.
  const buildStart = performance.now();
  const states = new Map<string, GreenVehicleState>();
  for (const v of vehicles) {
    const reports: PositionReport[] = Array.from({ length: 24 * 6 }, (_, k) => ({
      deviceId: v.deviceId,
      seq: k,
      tsMs: nowMs - (24 * 6 - k) * 600_000,
      lat: 20,
      lon: 110.3 + k * 0.001,
      speedKmh: 30,
      headingDeg: 90,
      odometerKm: 1000 + k * 5,
      ...(v.energyType === 'bev' || v.energyType === 'phev' ? { energyKWh: 100 + k * (v.category === 'bus' ? 5.5 : 0.75) } : {}),
    }));
    states.set(v.deviceId, accumulateGreen(undefined, v, reports, defaultGreenRules));
  }
  const buildMs = performance.now() - buildStart;
  const day = shanghaiDate(nowMs);
  const periods = [
    { kind: 'hour' as const, key: shanghaiHour(nowMs - 3_600_000) },
    { kind: 'day' as const, key: day },
    { kind: 'month' as const, key: day.slice(0, 7) },
  ];
  computeGreenMetrics({ vehicles, states, period: periods[1] as (typeof periods)[number], rules: defaultGreenRules });
  const start = performance.now();
  for (const period of periods) computeGreenMetrics({ vehicles, states, period, rules: defaultGreenRules });
  const ms = performance.now() - start;
  const stateBytes = [...states.values()].reduce((n, st) => n + JSON.stringify(st).length, 0) / states.size;
  results.greenSnapshot = { vehicles: vehicles.length, hourDayMonthMs: Math.round(ms), meanStateBytes: Math.round(stateBytes), accumulateMsPer1000Reports: Number(((buildMs / (vehicles.length * 144)) * 1000).toFixed(3)) };
  log(
    `green snapshot       ${Math.round(ms)} ms for hour + day + month of ${fmt(vehicles.length)} buses and taxis (one core); ` +
      `state ${Math.round(stateBytes)} B/vehicle, accumulation ${((vehicles.length * 144) / (buildMs / 1000) / 1e6).toFixed(2)} M reports/s`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------------------------
// Console API: latency of the console's reads over HTTP (local API Gateway emulation → handler → dynalite), on the
// tables the benchmarks above filled. Sequential requests (one officer's view), then 10 in parallel.
// ---------------------------------------------------------------------------------------------------------------
async function benchConsoleApi(stack: ChildStack): Promise<void> {
  const headers = { authorization: 'Bearer local-dev-token' };
  const get = async (path: string): Promise<{ ms: number; body: unknown }> => {
    const started = performance.now();
    const response = await fetch(`${stack.iotDataUrl}/api${path}`, { headers });
    const body = await response.json();
    const ms = performance.now() - started;
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
    return { ms, body };
  };
  const first = (await get('/overload/alerts?limit=1')).body as { items: Array<{ alertId: string }> };
  const alertId = first.items[0]?.alertId;
  const paths: Array<[string, string]> = [
    ['alerts page (50, newest first, across stations)', '/overload/alerts?limit=50'],
    ['open alerts page (50)', '/overload/alerts?status=open&limit=50'],
    ...(alertId ? ([['one alert with evidence', `/overload/alerts/${alertId}`]] as Array<[string, string]>) : []),
    ['stations with the day’s 超限率', '/overload/stations'],
    ['latest positions (map, 500)', '/supervision/positions?limit=500'],
    ['violations page (50)', '/supervision/violations?limit=50'],
    ['green figures, province', '/metrics/green/current'],
  ];
  const rounds = Math.max(20, Math.round(100 * scale));
  const figures: Record<string, unknown> = {};
  for (const [label, path] of paths) {
    await get(path); // warm the function and the connection
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) times.push((await get(path)).ms);
    times.sort((a, b) => a - b);
    figures[path] = { label, requests: rounds, p50Ms: Number(percentile(times, 50).toFixed(1)), p99Ms: Number(percentile(times, 99).toFixed(1)) };
    log(`console API ${label}: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (${rounds} sequential)`);
  }
  const parallel = 10;
  const total = rounds * 2;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < total) {
        next++;
        await get('/overload/alerts?limit=50');
      }
    }),
  );
  const perS = total / ((performance.now() - started) / 1000);
  log(`console API alerts page with ${parallel} in parallel: ${perS.toFixed(0)} requests/s`);
  results.consoleApi = { routes: figures, alertsPageParallel: { parallel, requests: total, requestsPerS: Math.round(perS) } };
}

async function main(): Promise<void> {
  log(`Qiongjian benchmark — node ${process.version}, ${results.cpus} cores, scale ${scale}`);
  if (!skip.has('judgement')) benchJudgement();
  if (!skip.has('telemetry')) benchTelemetryRules();
  if (!skip.has('green')) benchGreenSnapshot();
  const stack = await startChildStack();
  try {
    const ddb = documentClient(
      new DynamoDBClient({ endpoint: stack.dynamodbUrl, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    );
    const config = new DynamoDbWimConfigStore(ddb, localTableName('bench', tables.wimConfig));
    for (const s of STATIONS) await config.putStation({ stationId: s.stationId, name: s.name, accuracyClass: s.accuracyClass });
    const queries = new WimQueries(ddb, {
      wimReadings: localTableName('bench', tables.wimReadings),
      overLimitRecords: localTableName('bench', tables.overLimitRecords),
      stationCounters: localTableName('bench', tables.stationCounters),
      overloadAlerts: localTableName('bench', tables.overloadAlerts),
    });
    const rawPerS = await benchRawBatchWrite(ddb, localTableName('bench', tables.wimReadings));
    if (!skip.has('handler')) await benchHandler(stack);
    if (!skip.has('e2e')) await benchEndToEnd(stack, queries, rawPerS);
    if (!skip.has('latency')) await benchLatency(stack);
    if (!skip.has('fleet')) {
      await benchFleetHandler(stack, ddb);
      await benchFleetEndToEnd(stack, ddb);
    }
    if (!skip.has('api')) await benchConsoleApi(stack);
    const peak = stack.peakRssKb();
    results.localStackPeakRssMb = Math.round(peak / 1024);
    log(`local stack peak RSS ${Math.round(peak / 1024)} MB (child process, VmHWM)`);
  } finally {
    await stack.stop();
  }
  if (!skip.has('bundles')) await benchBundles();
  mkdirSync(resolve(repoRoot, 'test-artifacts'), { recursive: true });
  writeFileSync(resolve(repoRoot, 'test-artifacts/bench.json'), `${JSON.stringify(results, null, 2)}\n`);
  log('written test-artifacts/bench.json');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
