/**
 * `npm run simulate`: runs the live WIM simulator against an MQTT broker until Ctrl-C or SIM_DURATION_S.
 *
 * Environment:
 *   MQTT_URL             broker URL, default mqtt://127.0.0.1:1883
 *   SIM_RATE             mean records per second per station, default 0.5
 *   SIM_OVERLIMIT_SHARE  share of over-limit records (0..1), default 0.15
 *   SIM_SEED             seed of the vehicle mix (integer); default from the clock, printed at start
 *   SIM_DURATION_S       stop after this many seconds; default 0 = until Ctrl-C
 *   SIM_LOG_EVERY        print one line every N published records, default 10
 *   SIM_STATIONS         comma-separated station ids to simulate, default all in devices/fixtures/stations.json
 *   SIM_STATUS           on|off: online/offline messages and last will on wim/{stationId}/status, default on
 */
import { pathToFileURL } from 'node:url';
import { type PublishedRecordEvent, runSimulator } from './run.ts';
import { STATIONS, stationById } from './stations.ts';

interface CliConfig {
  readonly mqttUrl: string;
  readonly ratePerStationPerS: number;
  readonly overLimitShare: number;
  readonly seed: number | undefined;
  readonly durationS: number;
  readonly logEvery: number;
  readonly stationIds: readonly string[] | undefined;
  readonly statusMessages: boolean;
}

function numberFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, valid: (value: number) => boolean): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !valid(value)) throw new Error(`${name}=${raw} is not valid`);
  return value;
}

export function readCliConfig(env: NodeJS.ProcessEnv): CliConfig {
  const seedRaw = env.SIM_SEED;
  const statusRaw = (env.SIM_STATUS ?? 'on').trim().toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0', ''].includes(statusRaw)) throw new Error(`SIM_STATUS=${env.SIM_STATUS} is not on or off`);
  return {
    mqttUrl: env.MQTT_URL?.trim() || 'mqtt://127.0.0.1:1883',
    ratePerStationPerS: numberFromEnv(env, 'SIM_RATE', 0.5, (value) => value > 0),
    overLimitShare: numberFromEnv(env, 'SIM_OVERLIMIT_SHARE', 0.15, (value) => value >= 0 && value <= 1),
    seed: seedRaw === undefined || seedRaw.trim() === '' ? undefined : numberFromEnv(env, 'SIM_SEED', 0, Number.isInteger),
    durationS: numberFromEnv(env, 'SIM_DURATION_S', 0, (value) => value >= 0),
    logEvery: numberFromEnv(env, 'SIM_LOG_EVERY', 10, (value) => Number.isInteger(value) && value >= 1),
    stationIds: env.SIM_STATIONS?.split(',')
      .map((id) => id.trim())
      .filter((id) => id.length > 0),
    statusMessages: !['off', 'false', '0'].includes(statusRaw),
  };
}

/** One human-readable line per record, e.g. `#120 hn-g98-sanya-k262 琼B3K721 1+2+3 52.31 t / 49 t 超限 +6.8 % 71.3 km/h`. */
export function formatRecordLine(event: PublishedRecordEvent): string {
  const { record, truth } = event;
  const grossT = (record.grossWeightKg / 1000).toFixed(2);
  const limitT = (truth.recordLimitKg / 1000).toFixed(0);
  const verdict = truth.overLimit
    ? `超限 +${(((record.grossWeightKg - truth.recordLimitKg) / truth.recordLimitKg) * 100).toFixed(1)} %${truth.band === 'hundred-tonne' ? ' 百吨王' : ''}`
    : 'ok';
  const plate = record.vehicle?.plate ?? '-';
  return (
    `#${event.totalPublished} ${record.stationId} lane ${record.lane} ${plate} ${truth.axleGroups.join('+')} ` +
    `${grossT} t / ${limitT} t ${verdict} ${record.speedKmh} km/h${truth.overDimension === undefined ? '' : ` over-${truth.overDimension}`}`
  );
}

async function main(): Promise<void> {
  const config = readCliConfig(process.env);
  const stations = config.stationIds === undefined ? STATIONS : config.stationIds.map((id) => stationById(id));
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string) => {
    interrupts += 1;
    if (interrupts > 1) {
      // Second Ctrl-C: the user does not want to wait for PUBACKs.
      console.error(`[sim] ${name} again, exiting without waiting`);
      process.exit(130);
    }
    console.log(`[sim] ${name}: stopping…`);
    controller.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  let overLimitSeen = 0;
  const handle = await runSimulator({
    mqttUrl: config.mqttUrl,
    stations,
    ratePerStationPerS: config.ratePerStationPerS,
    overLimitShare: config.overLimitShare,
    durationS: config.durationS,
    signal: controller.signal,
    statusMessages: config.statusMessages,
    log: (line) => console.log(line),
    onRecord: (event) => {
      if (event.truth.overLimit) overLimitSeen += 1;
      if (event.totalPublished % config.logEvery === 0) {
        console.log(`${formatRecordLine(event)}  [${overLimitSeen}/${event.totalPublished} over limit]`);
      }
    },
    ...(config.seed === undefined ? {} : { seed: config.seed }),
  });

  const summary = await handle.done;
  const seconds = Math.max(0.001, (summary.stoppedAtMs - summary.startedAtMs) / 1000);
  console.log(
    `[sim] summary: ${summary.published} records in ${seconds.toFixed(1)} s (${(summary.published / seconds).toFixed(2)}/s), ` +
      `${summary.overLimit} over limit (${summary.published === 0 ? 0 : ((summary.overLimit / summary.published) * 100).toFixed(1)} %), ` +
      `${summary.failed} failed, seed ${summary.seed}`,
  );
  for (const [stationId, station] of Object.entries(summary.byStation)) {
    console.log(`[sim]   ${stationId}: ${station.published} published, ${station.overLimit} over limit, ${station.failed} failed`);
  }
  process.exitCode = summary.failed > 0 ? 1 : 0;
}

// Run only when executed directly (tests import the helpers above).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(`[sim] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
