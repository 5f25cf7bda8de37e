/** Public API of the overload (超限) domain. */
export type * from './types.ts';
export type * from './rules-config.ts';
export { defaultOverloadRules, defineOverloadRules } from './rules-config.ts';
export type { GrossLimit } from './judge.ts';
export { bandOf, defaultStationProfile, estimateFine, grossLimitFor, judgeWimRecord, toleranceFor } from './judge.ts';
export type { PlausibilityContext } from './plausibility.ts';
export { checkPlausibility } from './plausibility.ts';
export { plateKey } from './plate.ts';
export type { OverLimitRates, StationCountersValue } from './station-stats.ts';
export { addCounters, countersFor, emptyCounters, overLimitRates } from './station-stats.ts';
