// Words shown for protocol values, in one place so room and host pages agree.
import { type Image, LIMITS, type Phase, type Tally } from '../generated/protocol';
import { t } from '../i18n';
import type { Progress } from '../state';
import { type WinnerRule, isSealedTally } from '../tallies';

/** The phase's name as shown on badges ("vote"; in German "Abstimmung"). */
export function phaseName(phase: Phase): string {
  return t(`phase.${phase}`);
}

export function phaseHint(phase: Phase): string {
  return t(`phaseHint.${phase}`);
}

/** The facilitator's button that moves the round into `to`. */
export function transitionLabel(to: Phase): string {
  return to === 'lobby' ? t('transition.other', { phase: phaseName(to) }) : t(`transition.${to}`);
}

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
      return typeof pos === 'number' ? t('image.queuedAt', { pos }) : t('image.queued');
    }
    case 'generating': {
      const pct = progress && progress.stage === 'generating' ? percent(progress.progress) : null;
      return pct === null ? t('image.generating') : t('image.generatingPct', { pct });
    }
    case 'storing':
      return t('image.storing');
    case 'done':
      return t('image.done');
    case 'failed':
      return image.error ? t('image.failedWhy', { error: image.error }) : t('image.failed');
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
      message: t('host.durationInvalid', { max }),
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
    wilsonText: up + down === 0 ? t('tally.wilsonNone') : t('tally.wilsonText', { pct: wilson }),
  };
}

export function winnerRuleText(rule: WinnerRule): string {
  return t(rule === 'wilson' ? 'winnerRule.wilson' : 'winnerRule.net');
}

export function votesCastText(n: number): string {
  return t('votes.cast', { n });
}
