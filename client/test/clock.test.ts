import { describe, expect, it } from 'vitest';
import {
  ServerClock,
  bestOffset,
  countdownText,
  formatDuration,
  remainingMs,
  roundCountdownText,
  sampleOffset,
} from '../src/clock';

describe('offset math', () => {
  it('uses the midpoint of the round trip', () => {
    expect(sampleOffset({ t0: 1000, t1: 1100, serverTime: 6050 })).toBe(5000);
    expect(sampleOffset({ t0: 1000, t1: 1000, serverTime: 400 })).toBe(-600);
  });

  it('picks the sample with the lowest round trip', () => {
    const samples = [
      { t0: 0, t1: 300, serverTime: 10_400 }, // rtt 300 -> offset 10250
      { t0: 1000, t1: 1020, serverTime: 11_010 }, // rtt 20 -> offset 10000
      { t0: 2000, t1: 2100, serverTime: 12_000 }, // rtt 100 -> offset 9950
    ];
    expect(bestOffset(samples)).toBe(10_000);
  });

  it('ignores impossible samples and returns null without any', () => {
    expect(bestOffset([])).toBeNull();
    expect(bestOffset([{ t0: 10, t1: 5, serverTime: 100 }])).toBeNull();
    expect(bestOffset([{ t0: 0, t1: 10, serverTime: Number.NaN }])).toBeNull();
  });
});

describe('ServerClock', () => {
  it('starts from the snapshot and switches to pings', () => {
    let now = 1_000;
    const clock = new ServerClock(() => now);
    expect(clock.now()).toBe(1_000);
    clock.estimateFromSnapshot(6_000, 1_000);
    expect(clock.offsetMs).toBe(5_000);
    clock.addSample({ t0: 1_000, t1: 1_040, serverTime: 4_020 }); // offset 3000
    expect(clock.offsetMs).toBe(3_000);
    // Later snapshots no longer override a measured offset.
    clock.estimateFromSnapshot(99_000, 1_000);
    expect(clock.offsetMs).toBe(3_000);
    now = 2_000;
    expect(clock.now()).toBe(5_000);
  });

  it('keeps the best of the last samples only', () => {
    const clock = new ServerClock(() => 0, 2);
    clock.addSample({ t0: 0, t1: 2, serverTime: 101 }); // rtt 2, offset 100
    clock.addSample({ t0: 0, t1: 50, serverTime: 225 }); // rtt 50, offset 200
    expect(clock.offsetMs).toBe(100);
    clock.addSample({ t0: 0, t1: 40, serverTime: 320 }); // first sample evicted
    expect(clock.offsetMs).toBe(300);
  });
});

describe('countdown', () => {
  it('formats minutes and hours, rounding up', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(1)).toBe('0:01');
    expect(formatDuration(59_001)).toBe('1:00');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(-5)).toBe('0:00');
  });

  it('counts down to a deadline on the server clock', () => {
    expect(remainingMs(10_000, 4_000)).toBe(6_000);
    expect(remainingMs(10_000, 12_000)).toBe(0);
    expect(countdownText(70_000, 5_000)).toBe('1:05 left');
    expect(countdownText(5_000, 5_000)).toBe("Time's up");
    expect(countdownText(null, 5_000)).toBeNull();
  });

  it('shows a paused clock with what is left and does not tick', () => {
    const paused = { deadline: null, paused: true, remaining_s: 83.4 };
    expect(roundCountdownText(paused, 5_000)).toBe('Paused – 1:24 left');
    expect(roundCountdownText(paused, 500_000)).toBe('Paused – 1:24 left');
    expect(roundCountdownText({ ...paused, remaining_s: 0 }, 0)).toBe('Paused – 0:00 left');
    expect(roundCountdownText({ ...paused, remaining_s: null }, 0)).toBe('Paused');
  });

  it('counts down a running round, and an older server without paused', () => {
    const running = { deadline: 70_000, paused: false, remaining_s: null };
    expect(roundCountdownText(running, 5_000)).toBe('1:05 left');
    expect(roundCountdownText({ deadline: 70_000 }, 5_000)).toBe('1:05 left');
    expect(roundCountdownText({ deadline: null, paused: false }, 5_000)).toBeNull();
  });
});
