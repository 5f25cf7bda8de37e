/**
 * Local time for Hainan is Asia/Shanghai, which has kept UTC+08:00 without daylight saving since 1991. A fixed offset
 * is therefore exact for every date the system handles, and avoids Intl on the hot path.
 */
const shanghaiOffsetMs = 8 * 3600 * 1000;

function shifted(epochMs: number): string {
  return new Date(epochMs + shanghaiOffsetMs).toISOString();
}

/** `YYYY-MM-DD` of the instant in Asia/Shanghai. */
export function shanghaiDate(epochMs: number): string {
  return shifted(epochMs).slice(0, 10);
}

/** `YYYY-MM-DDTHH` of the instant in Asia/Shanghai: the key of an hourly counter. */
export function shanghaiHour(epochMs: number): string {
  return shifted(epochMs).slice(0, 13);
}

/** ISO 8601 with the +08:00 offset, millisecond precision, e.g. 2026-11-29T08:00:00.000+08:00. */
export function toShanghaiIso(epochMs: number): string {
  return `${shifted(epochMs).slice(0, 23)}+08:00`;
}
