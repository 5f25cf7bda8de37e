/**
 * Asia/Shanghai local time without the Intl time-zone database: China has used a fixed UTC+08:00 offset with no
 * daylight saving since 1991, so a constant shift is exact for any date the simulator produces, and the output does
 * not depend on the machine's TZ (vitest runs with TZ=UTC).
 */

export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** ISO 8601 with millisecond precision and the +08:00 offset, e.g. `2024-06-01T08:30:12.345+08:00`. */
export function toShanghaiIso(epochMs: number): string {
  return `${new Date(epochMs + SHANGHAI_OFFSET_MS).toISOString().slice(0, 23)}+08:00`;
}

/** Local calendar date as `yyyyMMdd`, e.g. `20240601`. */
export function shanghaiDateKey(epochMs: number): string {
  return new Date(epochMs + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Milliseconds since local midnight. */
export function msSinceShanghaiMidnight(epochMs: number): number {
  const local = epochMs + SHANGHAI_OFFSET_MS;
  return ((local % 86_400_000) + 86_400_000) % 86_400_000;
}
