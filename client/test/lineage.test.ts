import { describe, expect, it } from 'vitest';
import type { LineageStep } from '../src/api';
import { editView, pastWinners, shapeLineage, stepOfRound, votesOf } from '../src/lineage-data';
import { done, sealedTally, tally } from './fixtures';

const seed = (id: number) => ({
  id,
  url: `/media/seed-${id}.png`,
  thumb_url: `/media/seed-${id}-t.png`,
  width: 64,
  height: 48,
});

function step(n: number, overrides: Partial<LineageStep> = {}): LineageStep {
  return {
    round: { id: n * 10, number: n, phase: 'closed', kind: 'edit' },
    seed: seed(n),
    winner: null,
    runners_up: [],
    ...overrides,
  };
}

describe('lineage shaping', () => {
  it('orders rounds oldest first and says how each ended', () => {
    const steps = [
      step(3, { round: { id: 30, number: 3, phase: 'generate', kind: 'edit' } }),
      step(1, { winner: done(7, { tally: tally(7, 3, 1) }), runners_up: [done(8), done(9)] }),
      step(2),
    ];
    const views = shapeLineage(steps);
    expect(views.map((v) => [v.round, v.outcome])).toEqual([
      [1, 'winner'],
      [2, 'no-winner'],
      [3, 'open'],
    ]);
    const first = views[0]!;
    expect(first.winner).toMatchObject({
      id: 7,
      prompt: 'prompt 7',
      nickname: 'Ada',
      url: '/media/7.png',
      thumbUrl: '/media/7-t.png',
      maskUrl: '/media/7-m.png',
      votes: { up: 3, down: 1, score: 2 },
    });
    expect(first.runnersUp.map((r) => r.id)).toEqual([8, 9]);
    expect(first.seed.id).toBe(1);
  });

  it('keeps sealed counts out and drops edits without a picture', () => {
    expect(votesOf(sealedTally(1))).toBeNull();
    expect(votesOf(tally(1, 2, 5))).toEqual({ up: 2, down: 5, score: -3 });
    expect(editView(done(1, { url: null }))).toBeNull();
    expect(editView(done(1, { thumb_url: null }))?.thumbUrl).toBe('/media/1.png');
    expect(editView(done(1, { author: null }))?.nickname).toBeNull();
    const view = shapeLineage([
      step(1, { winner: done(7), runners_up: [done(7), done(8, { url: null }), done(9)] }),
    ])[0]!;
    expect(view.runnersUp.map((r) => r.id)).toEqual([9]);
  });

  it('decides in the reveal phase: a reveal without winner has none', () => {
    const reveal = step(1, { round: { id: 1, number: 1, phase: 'reveal', kind: 'edit' } });
    expect(shapeLineage([reveal])[0]!.outcome).toBe('no-winner');
    const vote = step(1, { round: { id: 1, number: 1, phase: 'vote', kind: 'edit' } });
    expect(shapeLineage([vote])[0]!.outcome).toBe('open');
    // An older server without runners_up.
    const { runners_up: _, ...old } = step(2, { winner: done(3) });
    expect(shapeLineage([old])[0]!.runnersUp).toEqual([]);
  });

  it('lists past winners newest first for the projector strip', () => {
    const steps = [step(1, { winner: done(1) }), step(2), step(3, { winner: done(3) })];
    expect(pastWinners(steps).map((w) => [w.round, w.winner.id])).toEqual([
      [3, 3],
      [1, 1],
    ]);
    expect(pastWinners(steps, 1)).toHaveLength(1);
    expect(stepOfRound(steps, 3)?.winner?.id).toBe(3);
    expect(stepOfRound(steps, 9)).toBeNull();
  });
});
