/**
 * The examples in docs/contracts.md are part of the contract: they must parse with the schemas, and the alert example
 * must agree with what the rules compute for the record example.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { overloadAlertV1 } from '../../../functions/contracts/overload-alert.v1.ts';
import { acknowledgementOutcomes, overloadAcknowledgementMessageV1 } from '../../../functions/contracts/overload-acknowledgement.v1.ts';
import { greenMetricsMessageV1 } from '../../../functions/contracts/green-metrics.v1.ts';
import { supervisionAlertV1 } from '../../../functions/contracts/supervision-alert.v1.ts';
import { telemetryBatchV1, telemetryMessageV1 } from '../../../functions/contracts/telemetry.v1.ts';
import { wimConfigFileV1 } from '../../../functions/contracts/wim-config.v1.ts';
import { wimRecordV1 } from '../../../functions/contracts/wim-record.v1.ts';
import { judgeWimRecord } from '../../../functions/domain/overload/judge.ts';
import { overloadAlertId } from '../../../functions/wim/alert.ts';
import { plateKey } from '../../../functions/domain/overload/plate.ts';
import { defaultGreenRules } from '../../../functions/domain/green/rules-config.ts';
import { defaultOverloadRules } from '../../../functions/domain/overload/rules-config.ts';

const page = readFileSync(new URL('../../../docs/contracts.md', import.meta.url), 'utf8');

function firstJsonBlockAfter(heading: string): unknown {
  const start = page.indexOf(heading);
  if (start < 0) throw new Error(`heading not found: ${heading}`);
  const block = /```json\n([\s\S]*?)```/.exec(page.slice(start));
  if (!block?.[1]) throw new Error(`no json block after ${heading}`);
  return JSON.parse(block[1]);
}

describe('docs/contracts.md examples', () => {
  const record = wimRecordV1.parse(firstJsonBlockAfter('## WIM record v1'));
  const alert = overloadAlertV1.parse(firstJsonBlockAfter('## Overload alert v1'));

  it('the record example is a valid v1 record', () => {
    expect(record.axles.reduce((sum, a) => sum + a.weightKg, 0)).toBe(record.grossWeightKg);
  });

  it('the alert example agrees with the rules applied to the record example', () => {
    const judgement = judgeWimRecord(record, { stationId: record.stationId, accuracyClass: 'class-5', registered: true }, [], defaultOverloadRules);
    expect(alert.evidence.record).toEqual(record);
    expect(alert).toMatchObject({
      limitKg: judgement.limitKg,
      overLimitKg: judgement.overLimitKg,
      overLimitRatio: judgement.overLimitRatio,
      band: judgement.band,
      enforceable: judgement.enforceable,
      fineEstimateYuan: judgement.fine.totalEstimateYuan,
      fineBasis: judgement.fine.basis,
      fineWarningOnly: judgement.fine.warningOnly,
      hundredTonne: judgement.hundredTonne,
      plate: plateKey(record.vehicle?.plate ?? '').split('#')[0],
    });
    expect(alert.alertId).toBe(overloadAlertId(record.stationId, record.recordId));
    expect(alert.limitBasis).toEqual(judgement.limitBasis);
    expect(alert.evidence.tolerance).toEqual(judgement.tolerance);
  });

  it('the configuration file example parses', () => {
    const config = wimConfigFileV1.parse(firstJsonBlockAfter('## WIM configuration file v1'));
    expect(config.stations).toHaveLength(1);
    expect(config.permits).toHaveLength(1);
  });

  it('the telemetry batch example parses, as a batch and as a message', () => {
    const batch = telemetryBatchV1.parse(firstJsonBlockAfter('## Telemetry v1'));
    expect(batch.reports).toHaveLength(2);
    expect(telemetryMessageV1.safeParse(batch).success).toBe(true);
  });

  it('the overload acknowledgement example parses, and lists every outcome the contract has', () => {
    const message = overloadAcknowledgementMessageV1.parse(firstJsonBlockAfter('## Overload acknowledgement v1'));
    expect(message.acknowledgement.outcome).toBe('intercepted');
    const section = page.slice(page.indexOf('## Overload acknowledgement v1'), page.indexOf('## Telemetry v1'));
    for (const outcome of acknowledgementOutcomes) expect(section).toContain(`\`${outcome}\``);
  });

  it('the supervision alert example parses', () => {
    const alert = supervisionAlertV1.parse(firstJsonBlockAfter('## Supervision alert v1'));
    expect(alert.type).toBe('speeding');
  });

  it('the green metrics example parses and its CO₂ arithmetic holds with the configured factors', () => {
    const message = greenMetricsMessageV1.parse(firstJsonBlockAfter('## Green metrics v1'));
    const bus = message.periods.day.fleets.bus;
    expect(bus).toBeDefined();
    if (!bus) return;
    expect(bus.co2AvoidedKg).toBeCloseTo(bus.baselineCo2Kg - bus.gridCo2Kg - bus.newEnergyFuelCo2Kg, 6);
    expect(bus.gridCo2Kg).toBeCloseTo(bus.energyKWh * defaultGreenRules.emissionFactors.gridKgCo2PerKWh.value, 3);
    expect(bus.baselineCo2Kg).toBeCloseTo(
      bus.electricVehicleKm * (defaultGreenRules.baseline.bus.value.lPer100Km / 100) * defaultGreenRules.emissionFactors.fuelKgCo2PerL.diesel.value,
      3,
    );
  });
});
