/**
 * The fleet ingest use case: one stream batch of telemetry and lifecycle envelopes in; positions, vehicle events,
 * violations, supervision alerts, dead letters and the vehicles' rule state out.
 *
 * Per batch, each vehicle's state is read once (BatchGetItem) and written once (BatchWriteItem): the reports of the
 * batch are grouped by vehicle and handed to the pure rule engine together. Order of writes:
 *   1. positions and vehicle events (idempotent overwrites keyed by device, time and seq/kind);
 *   2. violations: look up, publish the new ones, store them;
 *   3. the new states, last — so that a failure before it leaves the old state, and the retry recomputes the same
 *      violations (deterministic ids) and finds them already stored.
 * Any storage failure throws: the stream retries the batch (bisecting), and every step repeats safely.
 */
import { fleetEnvelope, type FleetEnvelope } from '../contracts/ingest-envelope.ts';
import { telemetryMessageV1, type TelemetryMessageV1, type TelemetryReportV1 } from '../contracts/telemetry.v1.ts';
import { isSupervised, type VehicleV1 } from '../contracts/vehicle.v1.ts';
import { accumulateGreen } from '../domain/green/accumulator.ts';
import type { GreenRules } from '../domain/green/rules-config.ts';
import { advanceVehicle } from '../domain/supervision/engine.ts';
import type { SupervisionRules } from '../domain/supervision/rules-config.ts';
import type { PositionReport, Violation } from '../domain/supervision/types.ts';
import { deadLetterIdFor, type DeadLetter, type DeadLetterReason } from '../shared/dead-letter.ts';
import type { FleetPorts, StoredPosition, VehicleEvent, VehicleStateItem } from './ports.ts';
import { applyPresence, parsePresenceEvent, type PresenceEvent } from './presence.ts';
import { publishNewViolations } from './violations.ts';

export interface FleetStreamRecord {
  readonly id: string;
  readonly dataBase64: string;
}

export interface FleetIngestOptions {
  readonly rules: SupervisionRules;
  readonly greenRules: GreenRules;
  readonly deadLetterRetentionDays: number;
  readonly positionRetentionDays: number;
  /** Reports stamped further ahead of the server clock are rejected (terminal clock wrong). */
  readonly maxFutureSkewS: number;
  /** Reports older than this are rejected (a terminal replaying ancient data). */
  readonly maxAgeS: number;
}

export interface FleetIngestSummary {
  received: number;
  reports: number;
  presenceEvents: number;
  duplicates: number;
  lateReports: number;
  unregisteredReports: number;
  violations: number;
  alertsPublished: number;
  deadLettered: number;
}

interface DeviceInput {
  reports: PositionReport[];
  presence: PresenceEvent[];
  receivedAtMs: number;
}

export async function ingestFleetBatch(
  records: readonly FleetStreamRecord[],
  ports: FleetPorts,
  options: FleetIngestOptions,
): Promise<FleetIngestSummary> {
  const nowMs = ports.nowMs();
  const summary: FleetIngestSummary = {
    received: records.length,
    reports: 0,
    presenceEvents: 0,
    duplicates: 0,
    lateReports: 0,
    unregisteredReports: 0,
    violations: 0,
    alertsPublished: 0,
    deadLettered: 0,
  };

  const byDevice = new Map<string, DeviceInput>();
  const deadLetters: DeadLetter[] = [];
  const inputOf = (deviceId: string, receivedAtMs: number): DeviceInput => {
    let input = byDevice.get(deviceId);
    if (!input) {
      input = { reports: [], presence: [], receivedAtMs };
      byDevice.set(deviceId, input);
    }
    return input;
  };

  for (const record of records) {
    const triaged = triage(record, nowMs, options);
    if (triaged.kind === 'rejected') {
      deadLetters.push(triaged.deadLetter);
    } else if (triaged.kind === 'presence') {
      inputOf(triaged.deviceId, triaged.receivedAtMs).presence.push(triaged.event);
      summary.presenceEvents++;
    } else {
      inputOf(triaged.deviceId, triaged.receivedAtMs).reports.push(...triaged.reports);
      summary.reports += triaged.reports.length;
    }
  }

  for (const deadLetter of deadLetters) {
    ports.logger.warn('fleet message rejected', {
      reason: deadLetter.reason,
      details: deadLetter.details,
      topic: deadLetter.topic,
      deadLetterId: deadLetter.deadLetterId,
    });
  }
  await Promise.all(deadLetters.map((d) => ports.deadLetters.put(d, options.deadLetterRetentionDays)));
  summary.deadLettered = deadLetters.length;
  if (byDevice.size === 0) return summary;

  const deviceIds = [...byDevice.keys()];
  const [vehicles, states] = await Promise.all([ports.vehicles.getMany(deviceIds), ports.states.getMany(deviceIds)]);

  const positions: StoredPosition[] = [];
  const events: VehicleEvent[] = [];
  const found: Array<{ violation: Violation; vehicle: VehicleV1 }> = [];
  const newStates: VehicleStateItem[] = [];

  for (const [deviceId, input] of byDevice) {
    const vehicle = vehicles.get(deviceId);
    const previous = states.get(deviceId);
    // Every MQTT client produces lifecycle events (WIM stations, consoles…): only vehicles' are kept.
    if (!vehicle && !previous && input.reports.length === 0) continue;
    let state: VehicleStateItem = previous ?? { deviceId, registered: vehicle !== undefined, updatedAtMs: nowMs };
    for (const event of input.presence) {
      events.push(presenceEventRecord(event));
      state = applyPresence(state, event);
    }

    if (input.reports.length > 0) {
      const result = vehicle
        ? advanceVehicle(state.engine, { deviceId, category: vehicle.category, ...(vehicle.nightRestricted === undefined ? {} : { nightRestricted: vehicle.nightRestricted }), ...(vehicle.hazmatClass === undefined ? {} : { hazmatClass: vehicle.hazmatClass }) }, input.reports, options.rules)
        : undefined;
      const late = new Set((result?.lateReports ?? []).map((r) => `${r.seq}:${r.tsMs}`));
      summary.duplicates += result?.duplicates ?? 0;
      summary.lateReports += late.size;
      for (const report of input.reports) {
        positions.push({ report, registered: vehicle !== undefined, late: late.has(`${report.seq}:${report.tsMs}`), receivedAtMs: input.receivedAtMs });
      }
      for (const report of result?.lateReports ?? []) {
        events.push({ deviceId, tsMs: report.tsMs, kind: 'late-report', eventId: `${report.seq}`, details: { seq: report.seq, receivedAtMs: input.receivedAtMs } });
      }
      if (!vehicle) {
        summary.unregisteredReports += input.reports.length;
        const first = input.reports.reduce((a, b) => (a.tsMs <= b.tsMs ? a : b));
        events.push({ deviceId, tsMs: first.tsMs, kind: 'unregistered-device', eventId: `${first.seq}`, details: { reports: input.reports.length } });
        ports.logger.warn('telemetry from a device that is not registered; kept and flagged', { deviceId, reports: input.reports.length });
      }
      for (const alarm of result?.alarmEvents ?? []) {
        events.push({
          deviceId,
          tsMs: alarm.tsMs,
          kind: 'terminal-alarm',
          eventId: alarm.eventId,
          details: { bit: alarm.bit, name: alarm.name, ...(alarm.serverAgrees === undefined ? {} : { serverAgrees: alarm.serverAgrees }) },
        });
      }
      if (vehicle && result) {
        for (const violation of result.violations) found.push({ violation, vehicle });
      }
      const newest = input.reports.reduce((a, b) => (a.tsMs >= b.tsMs ? a : b));
      const isNewer = state.lastReportMs === undefined || newest.tsMs > state.lastReportMs;
      // Green accounting rides on the engine: the same reports, deduplicated and in event-time order.
      const green = vehicle && result && result.applied.length > 0
        ? accumulateGreen(state.green, { deviceId, category: vehicle.category, energyType: vehicle.energyType }, result.applied, options.greenRules)
        : state.green;
      state = {
        ...state,
        registered: vehicle !== undefined,
        ...(result ? { engine: result.state } : {}),
        ...(green ? { green } : {}),
        ...(isNewer
          ? { lastReportMs: newest.tsMs, lastPosition: { lat: newest.lat, lon: newest.lon, speedKmh: newest.speedKmh, headingDeg: newest.headingDeg, tsMs: newest.tsMs } }
          : {}),
      };
    }
    newStates.push({ ...state, updatedAtMs: nowMs });
  }

  await Promise.all([
    ports.positions.putMany(positions, options.positionRetentionDays),
    ports.events.putMany(events, options.positionRetentionDays),
  ]);
  const supervised = found.filter((f) => isSupervised(f.vehicle.category));
  const outcome = await publishNewViolations(supervised, ports);
  summary.violations = supervised.length;
  summary.alertsPublished = outcome.published;
  await ports.states.putMany(newStates);
  return summary;
}

type Triaged =
  | { readonly kind: 'rejected'; readonly deadLetter: DeadLetter }
  | { readonly kind: 'presence'; readonly deviceId: string; readonly event: PresenceEvent; readonly receivedAtMs: number }
  | { readonly kind: 'telemetry'; readonly deviceId: string; readonly reports: PositionReport[]; readonly receivedAtMs: number };

function triage(record: FleetStreamRecord, nowMs: number, options: FleetIngestOptions): Triaged {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(record.dataBase64, 'base64').toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsedEnvelope = fleetEnvelope.safeParse(json);
  if (!parsedEnvelope.success) {
    return {
      kind: 'rejected',
      deadLetter: {
        deadLetterId: deadLetterIdFor(undefined, record.dataBase64),
        source: 'fleet-ingest',
        reason: 'envelope-invalid',
        details: ['the stream record is not the envelope the fleet rules write; was a rule SQL changed?'],
        payloadBase64: record.dataBase64,
        receivedAtMs: nowMs,
        deadLetteredAtMs: nowMs,
        streamSequenceNumber: record.id,
      },
    };
  }
  const envelope = parsedEnvelope.data;
  const reject = (reason: DeadLetterReason, details: readonly string[]): Triaged => ({
    kind: 'rejected',
    deadLetter: deadLetterOf(envelope, reason, details, nowMs, record.id),
  });

  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(envelope.payloadBase64, 'base64').toString('utf8'));
  } catch (error) {
    return reject('not-json', [`payload is not JSON: ${(error as Error).message}`]);
  }

  if (envelope.topic.startsWith('$aws/events/presence/')) {
    const event = parsePresenceEvent(payload, envelope.topicDeviceId);
    if (!event.ok) return reject('schema-invalid', event.errors);
    return { kind: 'presence', deviceId: envelope.topicDeviceId, event: event.event, receivedAtMs: envelope.receivedAtMs };
  }

  const parsed = telemetryMessageV1.safeParse(payload);
  if (!parsed.success) {
    return reject(
      'schema-invalid',
      parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`),
    );
  }
  const message: TelemetryMessageV1 = parsed.data;
  if (message.deviceId !== envelope.topicDeviceId) {
    return reject('device-mismatch', [`deviceId ${JSON.stringify(message.deviceId)} does not match the topic's device ${JSON.stringify(envelope.topicDeviceId)} (${envelope.topic})`]);
  }
  const raw = 'reports' in message ? message.reports : [message];
  const problems: string[] = [];
  const reports: PositionReport[] = [];
  raw.forEach((r, i) => {
    const where = 'reports' in message ? `reports.${i}` : '(report)';
    if (r.deviceId !== undefined && r.deviceId !== message.deviceId) problems.push(`${where}: deviceId ${r.deviceId} differs from the message's ${message.deviceId}`);
    const tsMs = Date.parse(r.ts);
    if (tsMs > nowMs + options.maxFutureSkewS * 1000) problems.push(`${where}: ts ${r.ts} is more than ${options.maxFutureSkewS} s ahead of the server clock`);
    if (tsMs < nowMs - options.maxAgeS * 1000) problems.push(`${where}: ts ${r.ts} is more than ${options.maxAgeS} s old`);
    reports.push(toPositionReport(message.deviceId, r, tsMs));
  });
  // A batch with one bad report is rejected whole: its reports are one upload, replayable together once fixed.
  if (problems.length > 0) return reject(problems.some((p) => p.includes('deviceId')) ? 'device-mismatch' : 'implausible', problems);
  return { kind: 'telemetry', deviceId: message.deviceId, reports, receivedAtMs: envelope.receivedAtMs };
}

function deadLetterOf(envelope: FleetEnvelope, reason: DeadLetterReason, details: readonly string[], nowMs: number, sequenceNumber: string): DeadLetter {
  return {
    deadLetterId: deadLetterIdFor(envelope.topic, envelope.payloadBase64),
    source: 'fleet-ingest',
    reason,
    details,
    topic: envelope.topic,
    deviceId: envelope.topicDeviceId,
    payloadBase64: envelope.payloadBase64,
    receivedAtMs: envelope.receivedAtMs,
    deadLetteredAtMs: nowMs,
    streamSequenceNumber: sequenceNumber,
  };
}

function presenceEventRecord(event: PresenceEvent): VehicleEvent {
  return {
    deviceId: event.clientId,
    tsMs: event.timestampMs,
    kind: event.eventType,
    eventId: `${event.versionNumber}`,
    details: {
      versionNumber: event.versionNumber,
      ...(event.disconnectReason ? { disconnectReason: event.disconnectReason } : {}),
      ...(event.ipAddress ? { ipAddress: event.ipAddress } : {}),
    },
  };
}

/** A report of the telemetry contract as the rules see it (time parsed once). */
export function toPositionReport(deviceId: string, r: Omit<TelemetryReportV1, 'deviceId'>, tsMs = Date.parse(r.ts)): PositionReport {
  return {
    deviceId,
    seq: r.seq,
    tsMs,
    lat: r.lat,
    lon: r.lon,
    speedKmh: r.speedKmh,
    headingDeg: r.headingDeg,
    ...(r.odometerKm === undefined ? {} : { odometerKm: r.odometerKm }),
    ...(r.ignition === undefined ? {} : { ignition: r.ignition }),
    ...(r.alarmFlags === undefined ? {} : { alarmFlags: r.alarmFlags }),
    ...(r.driverId === undefined ? {} : { driverId: r.driverId }),
    ...(r.energyKWh === undefined ? {} : { energyKWh: r.energyKWh }),
    ...(r.fuelL === undefined ? {} : { fuelL: r.fuelL }),
    ...(r.socPct === undefined ? {} : { socPct: r.socPct }),
    ...(r.occupied === undefined ? {} : { occupied: r.occupied }),
  };
}
