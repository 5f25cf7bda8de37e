/**
 * Plausibility of a schema-valid WIM record: values a working station cannot produce. An implausible record is
 * dead-lettered with every issue found, never judged: an alert must not rest on a sensor fault.
 */
import type { WimRecordV1 } from '../../contracts/wim-record.v1.ts';
import { defaultOverloadRules } from './rules-config.ts';
import type { OverloadRules } from './rules-config.ts';
import type { PlausibilityIssue } from './types.ts';

export interface PlausibilityContext {
  /** Station id taken from the MQTT topic; a record claiming another station is rejected. */
  readonly topicStationId?: string;
}

function within(value: number, min: number, max: number): boolean {
  return value >= min && value <= max;
}

/** Every plausibility issue of the record; an empty array means plausible. */
export function checkPlausibility(
  record: WimRecordV1,
  nowMs: number,
  rules: OverloadRules = defaultOverloadRules,
  context: PlausibilityContext = {},
): PlausibilityIssue[] {
  const p = rules.plausibility;
  let issues: PlausibilityIssue[] | undefined;
  const add = (code: PlausibilityIssue['code'], message: string): void => {
    issues ??= [];
    issues.push({ code, message });
  };

  const axles = record.axles;
  const count = p.axleCount.value;
  if (!within(axles.length, count.min, count.max)) {
    add('axle-count', `axle count ${axles.length} is outside ${count.min}..${count.max}`);
  }

  const axleKg = p.axleWeightKg.value;
  const spacing = p.axleSpacingM.value;
  let sumKg = 0;
  for (let i = 0; i < axles.length; i++) {
    const axle = axles[i] as (typeof axles)[number];
    sumKg += axle.weightKg;
    if (!within(axle.weightKg, axleKg.min, axleKg.max)) {
      add('axle-weight', `axle ${i + 1} weighs ${axle.weightKg} kg, outside ${axleKg.min}..${axleKg.max} kg`);
    }
    // The first axle has no predecessor: a spacing there is meaningless and ignored rather than rejected.
    if (i > 0 && axle.spacingM !== undefined && !within(axle.spacingM, spacing.min, spacing.max)) {
      add('axle-spacing', `spacing before axle ${i + 1} is ${axle.spacingM} m, outside ${spacing.min}..${spacing.max} m`);
    }
  }

  const grossKg = record.grossWeightKg;
  const gross = p.grossWeightKg.value;
  if (!within(grossKg, gross.min, gross.max)) {
    add('gross-weight', `gross weight ${grossKg} kg is outside ${gross.min}..${gross.max} kg`);
  }

  const sumTol = p.axleSumTolerance.value;
  const allowedKg = Math.max(sumTol.ratio * Math.abs(grossKg), sumTol.minKg);
  const deltaKg = Math.abs(sumKg - grossKg);
  if (deltaKg > allowedKg) {
    add(
      'axle-sum',
      `axle weights sum to ${sumKg} kg but gross is ${grossKg} kg: difference ${Math.round(deltaKg)} kg exceeds ` +
        `${Math.round(allowedKg)} kg (max of ${sumTol.ratio * 100} % and ${sumTol.minKg} kg)`,
    );
  }

  const speed = p.speedKmh.value;
  if (!within(record.speedKmh, speed.min, speed.max)) {
    add('speed', `speed ${record.speedKmh} km/h is outside ${speed.min}..${speed.max} km/h`);
  }

  const measuredMs = Date.parse(record.measuredAt);
  const maxFutureS = p.maxFutureS.value;
  const maxAgeS = p.maxAgeS.value;
  if (Number.isNaN(measuredMs)) {
    // The contract's regex admits a few impossible instants; no code fits better than "too old" (not usable).
    add('measured-too-old', `measuredAt ${record.measuredAt} is not a valid instant`);
  } else if (measuredMs - nowMs > maxFutureS * 1000) {
    add(
      'measured-in-future',
      `measuredAt ${record.measuredAt} is ${Math.round((measuredMs - nowMs) / 1000)} s ahead of the processing ` +
        `clock (max ${maxFutureS} s)`,
    );
  } else if (nowMs - measuredMs > maxAgeS * 1000) {
    add(
      'measured-too-old',
      `measuredAt ${record.measuredAt} is ${Math.round((nowMs - measuredMs) / 1000)} s old (max ${maxAgeS} s)`,
    );
  }

  if (context.topicStationId !== undefined && context.topicStationId !== record.stationId) {
    add('station-mismatch', `record stationId ${record.stationId} differs from topic station ${context.topicStationId}`);
  }

  return issues ?? [];
}
