// Server clock estimation and countdown text. Deadlines are on the server's clock, and a
// laptop clock can be minutes off, so countdowns use an estimated offset instead.
import { t } from './i18n';

export interface PingSample {
  /** client clock when the ping was sent */
  t0: number;
  /** client clock when the ack arrived */
  t1: number;
  serverTime: number;
}

export function roundTrip(sample: PingSample): number {
  return sample.t1 - sample.t0;
}

/** Assumes the server read its clock half-way through the round trip. */
export function sampleOffset(sample: PingSample): number {
  return sample.serverTime - (sample.t0 + sample.t1) / 2;
}

/** The sample with the shortest round trip has the smallest possible error. */
export function bestOffset(samples: readonly PingSample[]): number | null {
  let best: PingSample | null = null;
  for (const s of samples) {
    if (!Number.isFinite(s.serverTime) || roundTrip(s) < 0) continue;
    if (best === null || roundTrip(s) < roundTrip(best)) best = s;
  }
  return best === null ? null : sampleOffset(best);
}

/** Tracks the offset: a snapshot's server_time is a first guess until pings answer. */
export class ServerClock {
  private offset = 0;
  private samples: PingSample[] = [];
  private readonly maxSamples: number;

  constructor(
    private readonly clientNow: () => number = Date.now,
    maxSamples = 5,
  ) {
    this.maxSamples = maxSamples;
  }

  /** Only used before any ping answered: a snapshot's age adds up to a one-way delay. */
  estimateFromSnapshot(serverTime: number, receivedAt: number = this.clientNow()): void {
    if (this.samples.length === 0 && Number.isFinite(serverTime)) {
      this.offset = serverTime - receivedAt;
    }
  }

  addSample(sample: PingSample): void {
    this.samples.push(sample);
    if (this.samples.length > this.maxSamples) this.samples.shift();
    const best = bestOffset(this.samples);
    if (best !== null) this.offset = best;
  }

  reset(): void {
    this.samples = [];
  }

  get offsetMs(): number {
    return this.offset;
  }

  now(): number {
    return this.clientNow() + this.offset;
  }
}

export function remainingMs(deadline: number, serverNow: number): number {
  return Math.max(0, deadline - serverNow);
}

/** "4:05", "1:02:03"; rounds up so "0:00" shows only once the deadline has passed. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function countdownText(deadline: number | null, serverNow: number): string | null {
  if (deadline === null || !Number.isFinite(deadline)) return null;
  const left = remainingMs(deadline, serverNow);
  return left === 0 ? t('clock.timesUp') : t('clock.left', { time: formatDuration(left) });
}

/** The part of a round a countdown needs; paused and remaining_s are absent on older servers. */
export interface RoundClock {
  deadline: number | null;
  paused?: boolean;
  remaining_s?: number | null;
}

/**
 * A round's countdown in parts, for screens that set the time apart (the projector):
 * `time` is "M:SS" (null for "Paused" without a known rest, or no deadline).
 */
export type Countdown =
  | { kind: 'none' }
  | { kind: 'running'; time: string }
  | { kind: 'over' }
  | { kind: 'paused'; time: string | null };

/**
 * A paused clock does not tick: it shows what was left when the facilitator paused it
 * (remaining_s, server-computed), so no clock offset is involved.
 */
export function roundCountdown(round: RoundClock, serverNow: number): Countdown {
  if (round.paused === true) {
    const left = round.remaining_s;
    const known = typeof left === 'number' && Number.isFinite(left);
    return { kind: 'paused', time: known ? formatDuration(left * 1000) : null };
  }
  if (round.deadline === null || !Number.isFinite(round.deadline)) return { kind: 'none' };
  const left = remainingMs(round.deadline, serverNow);
  return left === 0 ? { kind: 'over' } : { kind: 'running', time: formatDuration(left) };
}

/** The countdown as one line: "4:05 left", "Time's up", "Paused – 1:24 left", "Paused". */
export function countdownLine(countdown: Countdown): string | null {
  switch (countdown.kind) {
    case 'none':
      return null;
    case 'over':
      return t('clock.timesUp');
    case 'running':
      return t('clock.left', { time: countdown.time });
    case 'paused':
      return countdown.time === null
        ? t('clock.paused')
        : t('clock.pausedLeft', { time: countdown.time });
  }
}

export function roundCountdownText(round: RoundClock, serverNow: number): string | null {
  return countdownLine(roundCountdown(round, serverNow));
}
