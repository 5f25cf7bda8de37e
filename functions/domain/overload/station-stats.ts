/**
 * Station statistics as 治超 platforms report them (domain-rules §A6): trucks weighed, over-limit counts by band,
 * 百吨王 and the 80 t / 90 t lists, and the 超限率 with and without the ≤10 % / ≤20 % bands.
 *
 * Permitted records (大件运输 within their permit) are lawful: they count as weighed trucks and in `permitted`, but in
 * no over-limit counter (platforms exclude `allow` records from their statistics). The platform-style rate over
 * non-permitted trucks only is overLimit / (trucksWeighed − permitted).
 */
import { defaultOverloadRules } from './rules-config.ts';
import type { OverloadRules } from './rules-config.ts';
import type { OverloadJudgement } from './types.ts';

/** Plain mutable numbers: adapters fill them field by field from storage. */
export interface StationCountersValue {
  trucksWeighed: number;
  overLimit: number;
  band0to10: number;
  band10to20: number;
  band20to50: number;
  band50to100: number;
  band100plus: number;
  enforceable: number;
  hundredTonne: number;
  permitted: number;
  over80t: number;
  over90t: number;
}

export interface OverLimitRates {
  readonly overLimitRate: number;
  readonly overLimitRateExcluding10: number;
  readonly overLimitRateExcluding20: number;
}

export function emptyCounters(): StationCountersValue {
  return {
    trucksWeighed: 0,
    overLimit: 0,
    band0to10: 0,
    band10to20: 0,
    band20to50: 0,
    band50to100: 0,
    band100plus: 0,
    enforceable: 0,
    hundredTonne: 0,
    permitted: 0,
    over80t: 0,
    over90t: 0,
  };
}

/** What one judged reading adds to its station's counters. Over-limit means over the gross limit (weight). */
export function countersFor(
  judgement: OverloadJudgement,
  grossWeightKg: number,
  rules: OverloadRules = defaultOverloadRules,
): StationCountersValue {
  const c = emptyCounters();
  c.trucksWeighed = 1;
  if (judgement.permitted) {
    c.permitted = 1;
    return c;
  }
  if (judgement.overLimit) {
    c.overLimit = 1;
    switch (judgement.band) {
      case '0-10':
        c.band0to10 = 1;
        break;
      case '10-20':
        c.band10to20 = 1;
        break;
      case '20-50':
        c.band20to50 = 1;
        break;
      case '50-100':
        c.band50to100 = 1;
        break;
      case '100+':
        c.band100plus = 1;
        break;
      case 'none':
        break;
    }
  }
  if (judgement.enforceable) c.enforceable = 1;
  if (judgement.hundredTonne) c.hundredTonne = 1;
  if (grossWeightKg >= rules.statistics.over80tKg.value) c.over80t = 1;
  if (grossWeightKg >= rules.statistics.over90tKg.value) c.over90t = 1;
  return c;
}

export function addCounters(a: StationCountersValue, b: StationCountersValue): StationCountersValue {
  return {
    trucksWeighed: a.trucksWeighed + b.trucksWeighed,
    overLimit: a.overLimit + b.overLimit,
    band0to10: a.band0to10 + b.band0to10,
    band10to20: a.band10to20 + b.band10to20,
    band20to50: a.band20to50 + b.band20to50,
    band50to100: a.band50to100 + b.band50to100,
    band100plus: a.band100plus + b.band100plus,
    enforceable: a.enforceable + b.enforceable,
    hundredTonne: a.hundredTonne + b.hundredTonne,
    permitted: a.permitted + b.permitted,
    over80t: a.over80t + b.over80t,
    over90t: a.over90t + b.over90t,
  };
}

/** 超限率 and the rates excluding the ≤10 % and ≤20 % bands, as fractions (0.05 = 5 %); 0 when no trucks. */
export function overLimitRates(c: StationCountersValue): OverLimitRates {
  const trucks = c.trucksWeighed;
  if (!(trucks > 0)) return { overLimitRate: 0, overLimitRateExcluding10: 0, overLimitRateExcluding20: 0 };
  return {
    overLimitRate: c.overLimit / trucks,
    overLimitRateExcluding10: (c.overLimit - c.band0to10) / trucks,
    overLimitRateExcluding20: (c.overLimit - c.band0to10 - c.band10to20) / trucks,
  };
}
