/**
 * What every rule configuration of the domain shares: values carried with their legal source and a confidence tag,
 * and overrides merged onto the defaults and frozen.
 */

/** P primary text, S secondary source, D derived, U unconfirmed (configurable placeholder). See domain-rules.md §0. */
export type Confidence = 'P' | 'S' | 'D' | 'U';

/** A configured value with its provenance beside it. */
export interface Sourced<T> {
  readonly value: T;
  readonly source: string;
  readonly confidence: Confidence;
  /** Why this value was chosen where the sources are silent. */
  readonly note?: string;
}

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Merges an override onto a base. Arrays (band boundaries, zones, alarm bits…) are replaced whole: merging them
 * element-wise would mix two tables.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = deepMerge(base[key], value);
  return out;
}
