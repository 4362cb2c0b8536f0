// Words shown for protocol values, in one place so room and host pages agree.
import { type Image, LIMITS, type Phase, type Tally } from '../generated/protocol';
import type { Progress } from '../state';
import { type WinnerRule, isSealedTally } from '../tallies';

export const PHASE_HINTS: Record<Phase, string> = {
  lobby: 'Waiting for the facilitator to start the round.',
  generate: 'Paint the area to change, describe it, and submit.',
  vote: 'Vote on the other images. The best one becomes the next seed.',
  reveal: 'Voting is over: here is the winner.',
  closed: 'This round is closed.',
};

export const TRANSITION_LABELS: Partial<Record<Phase, string>> = {
  generate: 'Start',
  vote: 'Open voting',
  reveal: 'Reveal',
  closed: 'Close round',
};

/** A server message as a sentence: "the clock is not paused" -> "The clock is not paused." */
export function sentence(message: string): string {
  const text = message.trim();
  if (text === '') return text;
  const first = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

/** One line describing where an edit is, e.g. "Generating 40%" or "Queued (#2 in line)". */
export function statusText(image: Image, progress: Progress | undefined): string {
  switch (image.status) {
    case 'queued': {
      const pos = progress?.queue_position;
      return typeof pos === 'number' ? `Queued (#${pos} in line)` : 'Queued';
    }
    case 'generating': {
      const pct = progress && progress.stage === 'generating' ? percent(progress.progress) : null;
      return pct === null ? 'Generating…' : `Generating ${pct}%`;
    }
    case 'storing':
      return 'Saving…';
    case 'done':
      return 'Done';
    case 'failed':
      return image.error ? `Failed: ${image.error}` : 'Failed';
  }
}

export function percent(fraction: number): number {
  if (!Number.isFinite(fraction)) return 0;
  return Math.round(Math.min(1, Math.max(0, fraction)) * 100);
}

/** Where a progress bar stands; null for a stage where a bar would mean nothing. */
export function progressValue(image: Image, progress: Progress | undefined): number | null {
  if (image.status === 'generating') return progress ? percent(progress.progress) : 0;
  if (image.status === 'storing') return 100;
  return null;
}

/** Empty means "no deadline"; anything else must be whole seconds within the limit. */
export function parseDuration(
  raw: string,
): { ok: true; value: number | null } | { ok: false; message: string } {
  const text = raw.trim();
  if (text === '') return { ok: true, value: null };
  const value = Number(text);
  const max = LIMITS.phase_duration_max_s;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    return {
      ok: false,
      message: `Duration must be a whole number of seconds from 1 to ${max}, or empty.`,
    };
  }
  return { ok: true, value };
}

/**
 * The Wilson lower bound as a whole percentage, rounded down: the bound is a "at least"
 * statement, so rounding up would overstate it. The epsilon keeps 0.29 from becoming 28.
 */
export function wilsonPercent(wilson: number): number {
  if (!Number.isFinite(wilson)) return 0;
  return Math.floor(Math.min(1, Math.max(0, wilson)) * 100 + 1e-9);
}

export type TallyDisplay =
  | { sealed: true }
  | {
      sealed: false;
      up: number;
      down: number;
      score: number;
      /** whole percent, see wilsonPercent */
      wilson: number;
      /** the sentence for the Wilson tooltip */
      wilsonText: string;
    };

export function tallyDisplay(tally: Tally): TallyDisplay {
  if (isSealedTally(tally)) return { sealed: true };
  const up = tally.up ?? 0;
  const down = tally.down ?? 0;
  const wilson = wilsonPercent(tally.wilson ?? 0);
  return {
    sealed: false,
    up,
    down,
    score: tally.score ?? up - down,
    wilson,
    wilsonText:
      up + down === 0
        ? 'Wilson: no votes yet'
        : `Wilson: at least ${wilson}% of voters like it, with 95% confidence`,
  };
}

export const WINNER_RULE_TEXT: Record<WinnerRule, string> = {
  net: 'Winner: highest net score',
  wilson: 'Winner: highest Wilson bound',
};

export function votesCastText(n: number): string {
  return `Votes cast: ${n}`;
}
