/**
 * The fleet simulator's clock. The generator never reads the wall clock: every timestamp comes from a `SimClock`
 * (or from a start time given by the caller), so a scenario is reproducible and can be played faster than real time.
 *
 * Two modes:
 * - manual: time moves only when `advance(ms)` or `set(ms)` is called (tests, scenario building);
 * - real-time: simulated time = start + (wall time elapsed) × speedUp, e.g. 600× plays 5 h of driving in 30 s.
 *   `advance(ms)` still works and jumps simulated time forward (skipping a night, say).
 * The wall clock is injectable (`wallNowMs`), which is the only place `Date.now` appears in the fleet simulator.
 */

export type ClockMode = 'manual' | 'real-time';

export interface RealTimeClockOptions {
  /** Simulated time at creation. Default: the wall clock now (so timestamps are "now" at speedUp 1). */
  readonly startMs?: number;
  /** Simulated milliseconds per wall millisecond; 1 = real time. Default 1. */
  readonly speedUp?: number;
  /** The wall clock, epoch ms. Default `Date.now`. */
  readonly wallNowMs?: () => number;
}

export class SimClock {
  readonly mode: ClockMode;
  readonly speedUp: number;
  private readonly wallNowMs: () => number;
  /** Manual mode: the current time. Real-time mode: simulated time at `anchorWallMs`. */
  private anchorSimMs: number;
  private readonly anchorWallMs: number;

  private constructor(mode: ClockMode, startMs: number, speedUp: number, wallNowMs: () => number) {
    if (!Number.isFinite(startMs)) throw new RangeError('SimClock: start must be a finite epoch time in ms');
    if (!(speedUp > 0) || !Number.isFinite(speedUp)) throw new RangeError(`SimClock: speedUp must be > 0, got ${speedUp}`);
    this.mode = mode;
    this.speedUp = speedUp;
    this.wallNowMs = wallNowMs;
    this.anchorSimMs = startMs;
    this.anchorWallMs = mode === 'real-time' ? wallNowMs() : 0;
  }

  /** A clock that moves only when told to. */
  static manual(startMs: number): SimClock {
    return new SimClock('manual', startMs, 1, () => 0);
  }

  /** A clock that follows the wall clock, `speedUp` times faster. */
  static realTime(options: RealTimeClockOptions = {}): SimClock {
    const wallNowMs = options.wallNowMs ?? Date.now;
    return new SimClock('real-time', options.startMs ?? wallNowMs(), options.speedUp ?? 1, wallNowMs);
  }

  /** Current simulated time, epoch ms. */
  nowMs(): number {
    if (this.mode === 'manual') return this.anchorSimMs;
    return this.anchorSimMs + (this.wallNowMs() - this.anchorWallMs) * this.speedUp;
  }

  /** Moves simulated time forward (never backward). */
  advance(ms: number): number {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`SimClock.advance: ms must be ≥ 0, got ${ms}`);
    this.anchorSimMs += ms;
    return this.nowMs();
  }

  /** Sets simulated time to `ms` if it is later than now (a clock does not go back). */
  advanceTo(ms: number): number {
    const now = this.nowMs();
    if (ms > now) this.advance(ms - now);
    return this.nowMs();
  }

  /** Wall milliseconds until simulated time reaches `simMs` (0 if already there; Infinity for a manual clock). */
  wallMsUntil(simMs: number): number {
    const remaining = simMs - this.nowMs();
    if (remaining <= 0) return 0;
    return this.mode === 'manual' ? Number.POSITIVE_INFINITY : remaining / this.speedUp;
  }

  /**
   * Resolves once simulated time has reached `simMs`. A manual clock is moved there at once. Rejects with the
   * signal's reason if `signal` aborts first.
   */
  sleepUntil(simMs: number, signal?: AbortSignal): Promise<void> {
    if (this.mode === 'manual') {
      this.advanceTo(simMs);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        if (timer !== undefined) clearTimeout(timer);
        reject(signal?.reason);
      };
      const tick = () => {
        const waitMs = this.wallMsUntil(simMs);
        if (waitMs <= 0) {
          signal?.removeEventListener('abort', onAbort);
          resolve();
          return;
        }
        // Timers fire early or late by a millisecond or so; re-check rather than trust one long timeout.
        timer = setTimeout(tick, Math.max(1, Math.ceil(waitMs)));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      tick();
    });
  }
}
