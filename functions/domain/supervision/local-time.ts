/**
 * Local-time arithmetic for the supervision rules, on epoch milliseconds with a fixed UTC offset (Asia/Shanghai has
 * had no daylight saving since 1991), without Date objects in the hot path.
 */
import type { TimeWindow } from './rules-config.ts';

export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;
export const MINUTES_PER_DAY = 1_440;

/** A time window in minutes of the local day: [fromMin, toMin), crossing midnight when fromMin > toMin. */
export interface CompiledWindow {
  readonly fromMin: number;
  readonly toMin: number;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** 'HH:MM' → minutes since local midnight. Throws on anything else (24:00 is written 00:00). */
export function parseHhMm(text: string): number {
  const m = HH_MM.exec(text);
  if (m === null) throw new RangeError(`not a local time 'HH:MM': ${JSON.stringify(text)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function compileWindow(window: TimeWindow): CompiledWindow {
  return { fromMin: parseHhMm(window.from), toMin: parseHhMm(window.to) };
}

/** Minute of the local day (0–1439) of an instant. */
export function localMinuteOfDay(tsMs: number, utcOffsetMinutes: number): number {
  const local = tsMs + utcOffsetMinutes * MS_PER_MINUTE;
  const inDay = local - Math.floor(local / MS_PER_DAY) * MS_PER_DAY;
  return Math.floor(inDay / MS_PER_MINUTE);
}

/** Number of the local day (days since 1970-01-01 local). */
export function localDayNumber(tsMs: number, utcOffsetMinutes: number): number {
  return Math.floor((tsMs + utcOffsetMinutes * MS_PER_MINUTE) / MS_PER_DAY);
}

/** The instant (epoch ms) of local midnight starting local day `day`. */
export function localDayStartMs(day: number, utcOffsetMinutes: number): number {
  return day * MS_PER_DAY - utcOffsetMinutes * MS_PER_MINUTE;
}

/** 'YYYY-MM-DD' of a local day number. */
export function localDateText(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Whether a minute of the day is inside [from, to); from === to is the whole day. */
export function windowContainsMinute(w: CompiledWindow, minute: number): boolean {
  if (w.fromMin === w.toMin) return true;
  return w.fromMin < w.toMin ? minute >= w.fromMin && minute < w.toMin : minute >= w.fromMin || minute < w.toMin;
}

/**
 * Start instant of the occurrence of window `w` that contains `tsMs` (callers check containment first).
 * For a window crossing midnight, the occurrence that contains 01:00 started the previous day.
 */
export function windowOccurrenceStartMs(w: CompiledWindow, tsMs: number, utcOffsetMinutes: number): number {
  const day = localDayNumber(tsMs, utcOffsetMinutes);
  const minute = localMinuteOfDay(tsMs, utcOffsetMinutes);
  const startDay = w.fromMin > w.toMin && minute < w.toMin ? day - 1 : day;
  return localDayStartMs(startDay, utcOffsetMinutes) + w.fromMin * MS_PER_MINUTE;
}

/** Milliseconds of [aMs, bMs) that fall inside the daily recurring window `w`. */
export function overlapWithWindowMs(w: CompiledWindow, aMs: number, bMs: number, utcOffsetMinutes: number): number {
  if (bMs <= aMs) return 0;
  if (w.fromMin === w.toMin) return bMs - aMs;
  const lengthMs = (w.fromMin < w.toMin ? w.toMin - w.fromMin : MINUTES_PER_DAY - w.fromMin + w.toMin) * MS_PER_MINUTE;
  let total = 0;
  // Occurrences starting from the day before aMs (a crossing window started then) through the day of bMs.
  const firstDay = localDayNumber(aMs, utcOffsetMinutes) - 1;
  const lastDay = localDayNumber(bMs, utcOffsetMinutes);
  for (let day = firstDay; day <= lastDay; day++) {
    const start = localDayStartMs(day, utcOffsetMinutes) + w.fromMin * MS_PER_MINUTE;
    const end = start + lengthMs;
    const lo = Math.max(start, aMs);
    const hi = Math.min(end, bMs);
    if (hi > lo) total += hi - lo;
  }
  return total;
}
