/**
 * `npm run stack` / `npm start`: runs the embedded local stack until Ctrl-C.
 *
 *   tsx infra/local/main.ts [--with-simulator]
 *
 * Environment: MQTT_PORT (1883), DYNAMODB_PORT (8000), HTTP_PORT (3000), WS_PORT (8083; empty = off), LOCAL_HOST
 * (127.0.0.1), LOCAL_STAGE (local), DYNAMODB_ENDPOINT (use an external DynamoDB instead of dynalite),
 * ENFORCE_IOT_POLICIES (false), POLL_INTERVAL_MS (20), LOCAL_VERBOSE (false), LOCAL_STATIONS_FILE (the simulated
 * stations in devices/fixtures/stations.json; empty = load none).
 *
 * Stdout carries exactly one `ready …` line (scripts wait for it), then the console's address (`console http://…/`)
 * and, with --with-simulator, one line per overload alert; diagnostics go to stderr. Start-up problems print one line, no stack trace, and exit 1.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { documentClient } from '../../functions/adapters/dynamodb/document-client.ts';
import { DynamoDbWimConfigStore } from '../../functions/adapters/dynamodb/wim-config-store.ts';
import { overloadAlertV1 } from '../../functions/contracts/overload-alert.v1.ts';
import { readCliConfig } from '../../devices/simulator/main.ts';
import { runSimulator } from '../../devices/simulator/run.ts';
import { loadFleetVehicles } from '../../devices/fleet/fleet.ts';
import { publishScenario } from '../../devices/fleet/publish.ts';
import { runFleetSimulator } from '../../devices/fleet/run.ts';
import { buildScenario, isScenarioName, rebaseBefore } from '../../devices/fleet/scenarios.ts';
import { greenMetricsMessageV1 } from '../../functions/contracts/green-metrics.v1.ts';
import { supervisionAlertV1 } from '../../functions/contracts/supervision-alert.v1.ts';
import { importWimConfig, parseWimConfig } from '../../devices/tools/wim-config.ts';
import { DynamoDbVehicleStore } from '../../functions/adapters/dynamodb/vehicle-store.ts';
import { formatOfFileName, parseVehicleFile } from '../../functions/registry/import.ts';
import { topics } from '../topology.ts';
import { enforcementClientPrefix, operatorClientPrefix, supervisorClientPrefix } from './broker.ts';
import { PortInUseError } from './listen.ts';
import { type LocalStack, startLocalStack } from './stack.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

class UsageError extends Error {}

function portFromEnv(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  if (raw.trim() === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`${name} must be a port number (0–65535), got '${raw}'`);
  return port;
}

const flag = (name: string): boolean => ['1', 'true', 'yes'].includes((process.env[name] ?? '').toLowerCase());

const stderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** One readable line per alert for the console; the full alert is on the topic for real clients. */
function formatAlertLine(topic: string, payload: Buffer): string {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return `alert on ${topic}: (not JSON) ${payload.toString('utf8').slice(0, 200)}`;
  }
  const parsed = overloadAlertV1.safeParse(json);
  if (!parsed.success) return `alert on ${topic}: (not an overload-alert v1) ${JSON.stringify(json).slice(0, 200)}`;
  const a = parsed.data;
  const over = a.overLimitKg > 0 ? `over ${a.overLimitKg} kg (${(a.overLimitRatio * 100).toFixed(1)} %, band ${a.band} %)` : 'within the weight limit';
  const dims = a.dimensionViolations.map((d) => `${d.dimension} ${d.measuredM} m > ${d.limitM} m`).join(', ');
  return (
    `ALERT ${a.plate} at ${a.stationName ?? a.stationId} lane ${a.lane}: gross ${a.grossWeightKg} kg, limit ${a.limitKg} kg, ${over}` +
    `${a.hundredTonne ? ' 百吨王' : ''}${dims ? `; ${dims}` : ''}; est. fine ${a.fineEstimateYuan} yuan`
  );
}

/** The fleet simulator in real time (FLEET_INCIDENT_RATE: share of drive legs with a speeding episode). */
async function startFleetSimulator(stack: LocalStack): Promise<() => Promise<void>> {
  const rateRaw = process.env.FLEET_INCIDENT_RATE;
  const incidentRate = rateRaw === undefined || rateRaw === '' ? undefined : Number(rateRaw);
  if (incidentRate !== undefined && !(incidentRate >= 0 && incidentRate <= 1)) throw new UsageError(`FLEET_INCIDENT_RATE=${rateRaw} is not between 0 and 1`);
  const fleet = await runFleetSimulator({
    mqttUrl: stack.endpoints.mqttUrl,
    vehicles: loadFleetVehicles(),
    ...(incidentRate === undefined ? {} : { incidentRate }),
    log: stderr,
  });
  return async () => void (await fleet.stop());
}

/**
 * Live vehicles take minutes to produce a violation (a speeding episode is confirmed once the allowed lateness has
 * passed), so `npm start` also replays a few recorded scenarios placed just before now, and runs the sweep once, so
 * that supervision alerts show within seconds. FLEET_DEMO_SCENARIOS: comma-separated names, empty = none.
 */
async function replayDemoScenarios(stack: LocalStack): Promise<void> {
  const names = (process.env.FLEET_DEMO_SCENARIOS ?? 'speeding,fatigue,hazmat-zone,night-run')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const store = new DynamoDbVehicleStore(documentClient(stack.dynamo), stack.tableName('vehicles'));
  const suffix = `-d${Date.now().toString(36)}`;
  for (const name of names) {
    if (!isScenarioName(name)) throw new UsageError(`FLEET_DEMO_SCENARIOS: unknown scenario ${name}`);
    const scenario = rebaseBefore(buildScenario(name, { deviceSuffix: suffix }), Date.now(), 8 * 60_000);
    await store.putMany(scenario.vehicles);
    const published = await publishScenario(stack.endpoints.mqttUrl, scenario, { will: false });
    await published.close();
  }
  if (names.length === 0) return;
  await stack.drain();
  await stack.runScheduled('fleetSweep');
}

/** One line per province green-metrics snapshot: the day's bus and taxi shares, electric km and CO₂ avoided. */
function formatGreenLine(payload: Buffer): string {
  const parsed = greenMetricsMessageV1.safeParse(JSON.parse(payload.toString('utf8')));
  if (!parsed.success) return `green metrics: (not a green-metrics v1) ${payload.toString('utf8').slice(0, 200)}`;
  const day = parsed.data.periods.day;
  const pct = (x: number | undefined) => `${((x ?? 0) * 100).toFixed(1)} %`;
  const bus = day.fleets.bus;
  const taxi = day.fleets.taxi;
  const all = day.fleets.all;
  return (
    `GREEN ${day.key} province: buses ${bus?.registered ?? 0} (new energy ${pct(bus?.newEnergyShare)}, clean ${pct(bus?.cleanEnergyShare)}), ` +
    `taxis ${taxi?.registered ?? 0} (new energy ${pct(taxi?.newEnergyShare)}, clean ${pct(taxi?.cleanEnergyShare)}); ` +
    `electric ${(all?.electricVehicleKm ?? 0).toFixed(1)} of ${(all?.vehicleKm ?? 0).toFixed(1)} vehicle-km, ${(all?.energyKWh ?? 0).toFixed(1)} kWh, CO₂ avoided ${(all?.co2AvoidedKg ?? 0).toFixed(1)} kg`
  );
}

/** One readable line per supervision alert. */
function formatSupervisionLine(payload: Buffer): string {
  const parsed = supervisionAlertV1.safeParse(JSON.parse(payload.toString('utf8')));
  if (!parsed.success) return `supervision alert: (not a supervision-alert v1) ${payload.toString('utf8').slice(0, 200)}`;
  const a = parsed.data;
  const figures = Object.entries(a.details)
    .slice(0, 4)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `VIOLATION ${a.type} ${a.vehicle.plate} (${a.vehicle.category}, ${a.vehicle.operator}) from ${a.startAt}${a.endAt ? ` to ${a.endAt}` : ''}: ${figures}`;
}

/** The simulator, configured by the same SIM_* variables as `npm run simulate`, against this stack's broker. */
async function startSimulator(stack: LocalStack): Promise<() => Promise<void>> {
  const config = readCliConfig(process.env);
  const simulator = await runSimulator({
    mqttUrl: stack.endpoints.mqttUrl,
    ratePerStationPerS: config.ratePerStationPerS,
    overLimitShare: config.overLimitShare,
    ...(config.seed === undefined ? {} : { seed: config.seed }),
    ...(config.durationS > 0 ? { durationS: config.durationS } : {}),
    log: stderr,
  });
  return async () => void (await simulator.stop());
}

async function seedStations(stack: LocalStack, file: string): Promise<void> {
  const parsed = parseWimConfig(await readFile(file, 'utf8'));
  if (!parsed.ok) throw new UsageError(`${file}: ${parsed.errors.join('; ')}`);
  const store = new DynamoDbWimConfigStore(documentClient(stack.dynamo), stack.tableName('wimConfig'));
  await importWimConfig(store, parsed.config);
}

async function seedVehicles(stack: LocalStack, file: string): Promise<void> {
  const parsed = parseVehicleFile(await readFile(file, 'utf8'), formatOfFileName(file) ?? 'csv');
  if (!parsed.ok) throw new UsageError(`${file}: ${parsed.errors.map((e) => `row ${e.row}: ${e.message}`).join('; ')}`);
  await new DynamoDbVehicleStore(documentClient(stack.dynamo), stack.tableName('vehicles')).putMany(parsed.vehicles);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--with-simulator');
  if (unknown.length > 0) throw new UsageError(`unknown argument ${unknown.join(' ')}; usage: tsx infra/local/main.ts [--with-simulator]`);
  const withSimulator = args.includes('--with-simulator');
  const verbose = flag('LOCAL_VERBOSE');
  const pollIntervalMs = portFromEnv('POLL_INTERVAL_MS', undefined);
  const wsPort = portFromEnv('WS_PORT', 8083);
  // Handler logs and EMF metrics go to stdout as in Lambda; keep the console readable unless asked otherwise.
  // Powertools reads these from process.env, which is this CLI's own process.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  const stack = await startLocalStack({
    mqttPort: portFromEnv('MQTT_PORT', 1883),
    dynamodbPort: portFromEnv('DYNAMODB_PORT', 8000),
    httpPort: portFromEnv('HTTP_PORT', 3000),
    ...(wsPort === undefined ? {} : { wsPort }),
    host: process.env.LOCAL_HOST ?? '127.0.0.1',
    stage: process.env.LOCAL_STAGE ?? 'local',
    enforcePolicies: flag('ENFORCE_IOT_POLICIES'),
    ...(process.env.DYNAMODB_ENDPOINT ? { dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT } : {}),
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    ...(process.env.LOCAL_DEV_TOKEN ? { devToken: process.env.LOCAL_DEV_TOKEN } : {}),
    // Locally the green snapshot runs every minute (5 in the cloud) so that a developer sees the figures move;
    // GREEN_SNAPSHOT_INTERVAL_S overrides it (0 = only at start).
    scheduleIntervalMs: { greenSnapshot: (portFromEnv('GREEN_SNAPSHOT_INTERVAL_S', 60) ?? 60) * 1000 },
    onDeadLetter: (dl) => stderr(`dead letter ${dl.source}/${dl.reason} ${dl.topic ?? ''}: ${dl.details[0] ?? ''}`),
    log: verbose ? stderr : () => {},
  });

  // The dev stack knows the simulated stations (accuracy class, name), as an operator would load them with
  // `npm run wim-config -- import`. LOCAL_STATIONS_FILE points at another file; an empty value loads none.
  const stationsFile = process.env.LOCAL_STATIONS_FILE ?? resolve(repoRoot, 'devices/fixtures/stations.json');
  if (stationsFile !== '') await seedStations(stack, stationsFile);
  // Likewise the simulated fleet's registry (`npm run vehicles -- import`); LOCAL_VEHICLES_FILE, empty = none.
  const vehiclesFile = process.env.LOCAL_VEHICLES_FILE ?? resolve(repoRoot, 'devices/fixtures/vehicles.csv');
  if (vehiclesFile !== '') await seedVehicles(stack, vehiclesFile);

  const stops: Array<() => Promise<void>> = [];
  let stoppingSince: number | undefined;
  const shutdown = (signal: string): void => {
    if (stoppingSince !== undefined) {
      // Ctrl-C reaches us twice at once (terminal process group + tsx relaying it); only a later one means "force".
      if (Date.now() - stoppingSince < 1000) return;
      stderr(`${signal} again: exiting without a clean stop`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    stderr(`${signal}: stopping`);
    (async () => {
      for (const stop of stops.reverse()) await stop().catch((e: unknown) => stderr(`stop failed: ${String(e)}`));
      await stack.stop();
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        stderr(`stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const { endpoints } = stack;
  process.stdout.write(
    `ready mqtt=${endpoints.mqttUrl} dynamodb=${endpoints.dynamodbUrl} http=${endpoints.iotDataUrl}${endpoints.wsUrl ? ` ws=${endpoints.wsUrl}` : ''} stage=${stack.stage}\n`,
  );
  // The first thing a new user should open.
  process.stdout.write(`console ${endpoints.consoleUrl}  (琼监控制台 — open it in a browser)\n`);
  stderr(
    `console API: ${endpoints.iotDataUrl}/api (OpenAPI: ${endpoints.iotDataUrl}/api/openapi.json; header: authorization: Bearer ${stack.devToken}` +
      ` for an admin, ${stack.devToken}.enforcement | .supervisor | .operator for one role)`,
  );

  if (withSimulator) {
    // One console client per role, so that each is allowed what it reads even when the cloud's policies are enforced.
    const printLine = (topic: string, payload: Buffer): void => {
      const line =
        topic === topics.greenMetricsProvince
          ? formatGreenLine(payload)
          : topic.startsWith(`${topics.supervisionAlertsPrefix}/`)
            ? formatSupervisionLine(payload)
            : formatAlertLine(topic, payload);
      process.stdout.write(`${line}\n`);
    };
    for (const [prefix, filter] of [
      [enforcementClientPrefix, topics.overloadAlertsFilter],
      [supervisorClientPrefix, topics.supervisionAlertsFilter],
      [operatorClientPrefix, topics.greenMetricsProvince],
    ] as const) {
      const client = mqtt.connect(endpoints.mqttUrl, { clientId: `${prefix}console-${process.pid}`, protocolVersion: 4 });
      stops.push(async () => void (await client.endAsync()));
      client.on('message', printLine);
      await client.subscribeAsync(filter, { qos: 1 });
    }
    stops.push(await startSimulator(stack));
    if (process.env.FLEET_SIMULATOR !== 'off') {
      await replayDemoScenarios(stack);
      stops.push(await startFleetSimulator(stack));
      // A first green snapshot right away; the schedule takes over from there.
      await stack.runScheduled('greenSnapshot');
    }
  }
}

main().catch((error: unknown) => {
  if (error instanceof PortInUseError || error instanceof UsageError) {
    stderr(error.message);
  } else {
    // Unexpected: one line by default, the stack with LOCAL_VERBOSE=true.
    stderr(`local stack failed to start: ${error instanceof Error ? error.message : String(error)}`);
    if (flag('LOCAL_VERBOSE') && error instanceof Error && error.stack) stderr(error.stack);
  }
  process.exit(1);
});
