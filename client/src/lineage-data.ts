// Pure shaping of GET /api/rooms/<slug>/lineage for the lineage page and the projector's
// strip of past winners: only what those views show, in the order they show it.
import type { LineageStep } from './api';
import type { Image, Phase, Seed, Tally } from './generated/protocol';

/** Null while the tally is sealed (null counts). */
export interface Votes {
  up: number;
  down: number;
  score: number;
}

export interface EditView {
  id: number;
  prompt: string;
  nickname: string | null;
  url: string;
  thumbUrl: string;
  maskUrl: string | null;
  width: number;
  height: number;
  votes: Votes | null;
}

export type Outcome = 'winner' | 'no-winner' | 'open';

export interface StepView {
  roundId: number;
  round: number;
  phase: Phase;
  seed: Seed;
  /** winner: decided with a winner; no-winner: decided without one; open: still running */
  outcome: Outcome;
  winner: EditView | null;
  runnersUp: EditView[];
}

export function votesOf(tally: Tally | null | undefined): Votes | null {
  if (!tally || tally.up === null || tally.down === null) return null;
  return { up: tally.up, down: tally.down, score: tally.score ?? tally.up - tally.down };
}

/** An edit as shown, or null when it has no result image to show. */
export function editView(image: Image | null | undefined): EditView | null {
  if (!image || !image.url) return null;
  return {
    id: image.id,
    prompt: image.prompt,
    nickname: image.author?.nickname ?? null,
    url: image.url,
    thumbUrl: image.thumb_url ?? image.url,
    maskUrl: image.mask_url ?? null,
    width: image.width,
    height: image.height,
    votes: votesOf(image.tally),
  };
}

/** The winner is picked when the round leaves the vote phase. */
const DECIDED: ReadonlySet<Phase> = new Set<Phase>(['reveal', 'closed']);

export function stepView(step: LineageStep): StepView {
  const winner = editView(step.winner);
  const runnersUp = (step.runners_up ?? [])
    .map(editView)
    .filter((e): e is EditView => e !== null && e.id !== winner?.id);
  const outcome: Outcome = winner ? 'winner' : DECIDED.has(step.round.phase) ? 'no-winner' : 'open';
  return {
    roundId: step.round.id,
    round: step.round.number,
    phase: step.round.phase,
    seed: step.seed,
    outcome,
    winner,
    runnersUp,
  };
}

/** Every round once, oldest first (the server's order, made sure of). */
export function shapeLineage(steps: readonly LineageStep[]): StepView[] {
  const byRound = new Map<number, LineageStep>();
  for (const step of steps) byRound.set(step.round.number, step);
  return [...byRound.values()].sort((a, b) => a.round.number - b.round.number).map(stepView);
}

export interface PastWinner {
  round: number;
  winner: EditView;
}

/** Rounds with a winner, newest first, at most `limit`. */
export function pastWinners(steps: readonly LineageStep[], limit = 8): PastWinner[] {
  return shapeLineage(steps)
    .flatMap((s) => (s.winner ? [{ round: s.round, winner: s.winner }] : []))
    .reverse()
    .slice(0, limit);
}

/** The step of one round, for the projector's reveal after the round has moved on. */
export function stepOfRound(steps: readonly LineageStep[], round: number): StepView | null {
  const step = steps.find((s) => s.round.number === round);
  return step ? stepView(step) : null;
}
