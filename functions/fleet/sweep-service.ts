/**
 * The scheduled fleet sweep (every few minutes): what telemetry alone cannot tell. It runs beside the ingest
 * function, so it writes a vehicle's state only if it is unchanged since it was read.
 *   - Silent terminals: a supervised vehicle in service whose newest report is older than the threshold.
 *   - Disconnects, confirmed: a disconnect event is only believed after a re-check delay with no reconnect and no
 *     report since (lifecycle events can arrive late, twice or out of order).
 *   - Pending reports of a vehicle that stopped reporting are applied once processing time has passed the allowed
 *     lateness, so that its last episode is closed and reported.
 */
import { isSupervised, type VehicleV1 } from '../contracts/vehicle.v1.ts';
import { accumulateGreen } from '../domain/green/accumulator.ts';
import type { GreenRules } from '../domain/green/rules-config.ts';
import { checkSilent, flushAt } from '../domain/supervision/engine.ts';
import type { SupervisionRules } from '../domain/supervision/rules-config.ts';
import type { Violation } from '../domain/supervision/types.ts';
import type { FleetPorts, VehicleEvent, VehicleStateItem } from './ports.ts';
import { publishNewViolations } from './violations.ts';

export interface SweepOptions {
  readonly rules: SupervisionRules;
  readonly greenRules: GreenRules;
  readonly positionRetentionDays: number;
}

export interface SweepSummary {
  vehicles: number;
  silentViolations: number;
  flushedViolations: number;
  offlineConfirmed: number;
  alertsPublished: number;
}

const pageSize = 100;

export async function sweepFleet(ports: FleetPorts, options: SweepOptions): Promise<SweepSummary> {
  const summary: SweepSummary = { vehicles: 0, silentViolations: 0, flushedViolations: 0, offlineConfirmed: 0, alertsPublished: 0 };
  let page: VehicleStateItem[] = [];
  const run = async () => {
    if (page.length === 0) return;
    const current = page;
    page = [];
    await sweepPage(current, ports, options, summary);
  };
  for await (const state of ports.states.scanAll()) {
    summary.vehicles++;
    page.push(state);
    if (page.length >= pageSize) await run();
  }
  await run();
  return summary;
}

async function sweepPage(states: readonly VehicleStateItem[], ports: FleetPorts, options: SweepOptions, summary: SweepSummary): Promise<void> {
  const nowMs = ports.nowMs();
  const vehicles = await ports.vehicles.getMany(states.map((s) => s.deviceId));
  const found: Array<{ violation: Violation; vehicle: VehicleV1 }> = [];
  const events: VehicleEvent[] = [];
  const changed: Array<{ state: VehicleStateItem; readUpdatedAtMs: number }> = [];

  for (const state of states) {
    let next = state;
    const vehicle = vehicles.get(state.deviceId);
    const connection = state.connection;
    const recheckMs = options.rules.silentTerminal.disconnectRecheckDelayS.value * 1000;
    if (
      connection &&
      !connection.connected &&
      connection.offlineConfirmedAtMs === undefined &&
      nowMs - connection.atMs >= recheckMs &&
      (state.lastReportMs === undefined || state.lastReportMs <= connection.atMs)
    ) {
      next = { ...next, connection: { ...connection, offlineConfirmedAtMs: nowMs } };
      events.push({
        deviceId: state.deviceId,
        tsMs: connection.atMs,
        kind: 'offline-confirmed',
        eventId: `${connection.versionNumber}`,
        details: { confirmedAtMs: nowMs, ...(connection.disconnectReason ? { disconnectReason: connection.disconnectReason } : {}) },
      });
      summary.offlineConfirmed++;
    }

    // Every registered vehicle's pending reports are flushed (the green metrics count buses and taxis too); the
    // supervision rules inside the engine apply to supervised categories only.
    if (vehicle && next.engine) {
      const supervisedVehicle = {
        deviceId: vehicle.deviceId,
        category: vehicle.category,
        ...(vehicle.nightRestricted === undefined ? {} : { nightRestricted: vehicle.nightRestricted }),
        ...(vehicle.hazmatClass === undefined ? {} : { hazmatClass: vehicle.hazmatClass }),
      };
      const flushed = flushAt(next.engine, supervisedVehicle, nowMs - options.rules.watermark.allowedLatenessS.value * 1000, options.rules);
      for (const violation of flushed.violations) found.push({ violation, vehicle });
      summary.flushedViolations += flushed.violations.length;
      // Keep the flushed state only if the flush applied something: a watermark moved by processing time alone is not
      // worth a write per vehicle every sweep (the ingest keeps its own watermark consistent).
      const applied = flushed.state.pending.length !== next.engine.pending.length;
      let engine = flushed.violations.length > 0 || applied ? flushed.state : next.engine;
      // Reports the flush applied count for the green metrics too, exactly as if the ingest had applied them.
      if (flushed.applied.length > 0) {
        next = { ...next, green: accumulateGreen(next.green, { deviceId: vehicle.deviceId, category: vehicle.category, energyType: vehicle.energyType }, flushed.applied, options.greenRules) };
      }
      if (isSupervised(vehicle.category) && vehicle.inService !== false) {
        const silent = checkSilent(engine, supervisedVehicle, nowMs, options.rules);
        engine = silent.state;
        if (silent.violation) {
          found.push({ violation: silent.violation, vehicle });
          summary.silentViolations++;
        }
      }
      if (engine !== next.engine) next = { ...next, engine };
    }
    if (next !== state) changed.push({ state: { ...next, updatedAtMs: nowMs }, readUpdatedAtMs: state.updatedAtMs });
  }

  await ports.events.putMany(events, options.positionRetentionDays);
  const outcome = await publishNewViolations(found, ports);
  summary.alertsPublished += outcome.published;
  // A state the ingest function changed meanwhile is left alone: the next sweep looks again, and the violations found
  // here are already stored, so finding them again raises nothing twice.
  await ports.states.putManyIfUnchanged(changed);
}
