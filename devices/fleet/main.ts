/**
 * `tsx devices/fleet/main.ts`: the live fleet simulator against an MQTT broker until Ctrl-C or FLEET_DURATION_S, or,
 * with FLEET_SCENARIO, one named scenario published once.
 *
 * Environment:
 *   FLEET_MQTT_URL / MQTT_URL  broker URL, default mqtt://127.0.0.1:1883
 *   FLEET_SPEEDUP              simulated time per wall time, default 1 (real time). Scenario mode: pace the
 *                              messages at this speed-up (default: as fast as PUBACKs allow)
 *   FLEET_SEED                 integer seed; default from the clock (live) or the scenarios' fixed seed
 *   FLEET_SCENARIO             publish this scenario and exit (speeding, fatigue, night-run, hazmat-zone,
 *                              silent-terminal, duplicates, dead-zone-burst, out-of-order, malformed, city-fleet, all)
 *   FLEET_REBASE               scenario mode: `now` (default) moves the scenario to end just before now, keeping its
 *                              local time of day where it matters; `none` keeps the fixed date (2026-11-29)
 *   FLEET_VEHICLES             live mode: registry file (CSV/JSON), default devices/fixtures/vehicles.csv
 *   FLEET_DURATION_S           live mode: stop after this many seconds, default 0 = until Ctrl-C
 *   FLEET_INCIDENT_RATE        live mode: share of supervised drive legs with a speeding episode, default 0.05
 *   FLEET_STATUS               on|off: online/offline messages and last will on fleet/{deviceId}/status, default on
 *   FLEET_LOG_EVERY            live mode: print one line every N published reports, default 20
 */
import { pathToFileURL } from 'node:url';
import { loadFleetVehicles } from './fleet.ts';
import { publishScenario } from './publish.ts';
import { type FleetReportEvent, runFleetSimulator } from './run.ts';
import { buildScenario, DEFAULT_SCENARIO_SEED, isScenarioName, rebaseBefore, type ScenarioName, scenarioNames } from './scenarios.ts';

export interface FleetCliConfig {
  readonly mqttUrl: string;
  readonly speedUp: number | undefined;
  readonly seed: number | undefined;
  readonly scenario: ScenarioName | 'all' | undefined;
  readonly rebase: 'now' | 'none';
  readonly vehiclesFile: string | undefined;
  readonly durationS: number;
  readonly incidentRate: number;
  readonly statusMessages: boolean;
  readonly logEvery: number;
}

function numberFromEnv(env: NodeJS.ProcessEnv, name: string, valid: (value: number) => boolean): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || !valid(value)) throw new Error(`${name}=${raw} is not valid`);
  return value;
}

export function readFleetCliConfig(env: NodeJS.ProcessEnv): FleetCliConfig {
  const scenarioRaw = env.FLEET_SCENARIO?.trim() || undefined;
  if (scenarioRaw !== undefined && scenarioRaw !== 'all' && !isScenarioName(scenarioRaw)) {
    throw new Error(`FLEET_SCENARIO=${scenarioRaw} is not one of ${scenarioNames.join(', ')}, all`);
  }
  const rebaseRaw = (env.FLEET_REBASE ?? 'now').trim().toLowerCase() || 'now';
  if (rebaseRaw !== 'now' && rebaseRaw !== 'none') throw new Error(`FLEET_REBASE=${env.FLEET_REBASE} is not now or none`);
  const statusRaw = (env.FLEET_STATUS ?? 'on').trim().toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0', ''].includes(statusRaw)) throw new Error(`FLEET_STATUS=${env.FLEET_STATUS} is not on or off`);
  return {
    mqttUrl: env.FLEET_MQTT_URL?.trim() || env.MQTT_URL?.trim() || 'mqtt://127.0.0.1:1883',
    speedUp: numberFromEnv(env, 'FLEET_SPEEDUP', (value) => value > 0),
    seed: numberFromEnv(env, 'FLEET_SEED', Number.isInteger),
    scenario: scenarioRaw as ScenarioName | 'all' | undefined,
    rebase: rebaseRaw,
    vehiclesFile: env.FLEET_VEHICLES?.trim() || undefined,
    durationS: numberFromEnv(env, 'FLEET_DURATION_S', (value) => value >= 0) ?? 0,
    incidentRate: numberFromEnv(env, 'FLEET_INCIDENT_RATE', (value) => value >= 0 && value <= 1) ?? 0.05,
    statusMessages: !['off', 'false', '0'].includes(statusRaw),
    logEvery: numberFromEnv(env, 'FLEET_LOG_EVERY', (value) => Number.isInteger(value) && value >= 1) ?? 20,
  };
}

/** One line per report, e.g. `#40 hn-coach-0001 seq 812 10:21:30 19.97412,110.38311 85.2 km/h 114° ACC alarm 0x2`. */
export function formatReportLine(event: FleetReportEvent): string {
  const r = event.report;
  const energy = r.socPct === undefined ? (r.fuelL === undefined ? '' : ` fuel ${r.fuelL} L`) : ` soc ${r.socPct} %`;
  return (
    `#${event.totalPublished} ${r.deviceId} seq ${r.seq} ${r.ts.slice(11, 19)} ${r.lat.toFixed(5)},${r.lon.toFixed(5)} ` +
    `${r.speedKmh} km/h ${r.headingDeg}° ${r.ignition === true ? 'ACC' : 'off'}${energy}` +
    `${r.alarmFlags ? ` alarm 0x${r.alarmFlags.toString(16)}` : ''}${r.occupied === true ? ' 载客' : ''}`
  );
}

async function runScenarios(config: FleetCliConfig): Promise<void> {
  const names = config.scenario === 'all' ? scenarioNames : [config.scenario as ScenarioName];
  for (const name of names) {
    let scenario = buildScenario(name, { seed: config.seed ?? DEFAULT_SCENARIO_SEED });
    if (config.rebase === 'now') scenario = rebaseBefore(scenario, Date.now());
    const result = await publishScenario(config.mqttUrl, scenario, {
      will: config.statusMessages,
      ...(config.speedUp === undefined ? {} : { speedUp: config.speedUp, timeoutMs: 24 * 3_600_000 }),
    });
    const expected = scenario.expected.violations.map((v) => `${v.type} ${v.deviceId}`).join(', ') || 'no violation';
    console.log(
      `[fleet] ${name}: ${result.published} messages published (${scenario.messages.filter((m) => !m.valid).length} malformed), ` +
        `${new Date(scenario.startMs).toISOString()} – ${new Date(scenario.endMs).toISOString()}; expected: ${expected}` +
        `${scenario.expected.sweepAtMs === undefined ? '' : ` (sweep at ${new Date(scenario.expected.sweepAtMs).toISOString()})`}`,
    );
  }
}

async function main(): Promise<void> {
  const config = readFleetCliConfig(process.env);
  if (config.scenario !== undefined) {
    await runScenarios(config);
    return;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string) => {
    interrupts += 1;
    if (interrupts > 1) {
      console.error(`[fleet] ${name} again, exiting without waiting`);
      process.exit(130);
    }
    console.log(`[fleet] ${name}: stopping…`);
    controller.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const handle = await runFleetSimulator({
    mqttUrl: config.mqttUrl,
    ...(config.vehiclesFile === undefined ? {} : { vehicles: loadFleetVehicles(config.vehiclesFile) }),
    ...(config.speedUp === undefined ? {} : { speedUp: config.speedUp }),
    ...(config.seed === undefined ? {} : { seed: config.seed }),
    durationS: config.durationS,
    incidentRate: config.incidentRate,
    statusMessages: config.statusMessages,
    signal: controller.signal,
    log: (line) => console.log(line),
    onReport: (event) => {
      if (event.totalPublished % config.logEvery === 0) console.log(formatReportLine(event));
    },
  });
  const summary = await handle.done;
  console.log(
    `[fleet] summary: ${summary.vehicles} vehicles, ${summary.published} reports, ${summary.failed} failed, seed ${summary.seed}, ` +
      `simulated ${new Date(summary.simulatedFromMs).toISOString()} – ${new Date(summary.simulatedToMs).toISOString()}`,
  );
  process.exitCode = summary.failed > 0 ? 1 : 0;
}

// Run only when executed directly (tests import the helpers above).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(`[fleet] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
