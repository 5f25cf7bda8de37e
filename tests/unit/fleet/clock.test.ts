import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../devices/fleet/clock.ts';

describe('SimClock', () => {
  it('manual mode moves only when told to, never backwards', () => {
    const clock = SimClock.manual(1_000);
    expect(clock.nowMs()).toBe(1_000);
    expect(clock.advance(500)).toBe(1_500);
    expect(clock.advanceTo(1_200)).toBe(1_500);
    expect(clock.advanceTo(9_000)).toBe(9_000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(clock.wallMsUntil(10_000)).toBe(Number.POSITIVE_INFINITY);
    expect(clock.wallMsUntil(8_000)).toBe(0);
  });

  it('real-time mode runs speedUp times faster than the injected wall clock', () => {
    let wall = 50_000;
    const clock = SimClock.realTime({ startMs: 1_000_000, speedUp: 600, wallNowMs: () => wall });
    expect(clock.nowMs()).toBe(1_000_000);
    wall += 30_000; // 30 s of wall time = 5 h simulated
    expect(clock.nowMs()).toBe(1_000_000 + 5 * 3_600_000);
    expect(clock.wallMsUntil(clock.nowMs() + 600_000)).toBe(1_000);
    clock.advance(60_000);
    expect(clock.nowMs()).toBe(1_000_000 + 5 * 3_600_000 + 60_000);
  });

  it('defaults to the wall clock now at speed-up 1', () => {
    const clock = SimClock.realTime({ wallNowMs: () => 42 });
    expect(clock.nowMs()).toBe(42);
    expect(clock.speedUp).toBe(1);
    expect(() => SimClock.realTime({ speedUp: 0 })).toThrow(RangeError);
  });

  it('sleepUntil waits in wall time and honours an abort signal', async () => {
    const clock = SimClock.realTime({ speedUp: 1_000 });
    const started = Date.now();
    const target = clock.nowMs() + 50_000; // 50 simulated s = 50 wall ms
    await clock.sleepUntil(target);
    expect(clock.nowMs()).toBeGreaterThanOrEqual(target);
    expect(Date.now() - started).toBeLessThan(2_000);
    const controller = new AbortController();
    const waiting = clock.sleepUntil(clock.nowMs() + 3_600_000_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    const manual = SimClock.manual(0);
    await manual.sleepUntil(5_000);
    expect(manual.nowMs()).toBe(5_000);
  });
});
