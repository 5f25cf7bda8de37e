/** Green-transport metrics domain (pure): configuration, per-vehicle accumulation, period snapshots. */
export * from './rules-config.ts';
export * from './accumulator.ts';
export * from './metrics.ts';
