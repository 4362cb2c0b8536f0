import { describe, expect, it } from 'vitest';
import {
  parseDuration,
  percent,
  progressValue,
  sentence,
  statusText,
  tallyDisplay,
  votesCastText,
  wilsonPercent,
  winnerRuleText,
} from '../src/views/format';
import { clockActions, extendLabel } from '../src/views/host-clock';
import { landingRoom } from '../src/views/landing';
import { done, image, round, sealedTally, tally } from './fixtures';

const prog = (
  stage: 'queued' | 'generating' | 'storing',
  progress: number,
  queue_position: number | null = null,
) => ({
  stage,
  progress,
  preview_url: null,
  queue_position,
});

describe('statusText', () => {
  it('describes each status, with queue position and progress when known', () => {
    expect(statusText(image(1), undefined)).toBe('Queued');
    expect(statusText(image(1), prog('queued', 0, 3))).toBe('Queued (#3 in line)');
    expect(statusText(image(1, { status: 'generating' }), prog('generating', 0.424))).toBe(
      'Generating 42%',
    );
    expect(statusText(image(1, { status: 'generating' }), undefined)).toBe('Generating…');
    expect(statusText(image(1, { status: 'storing' }), undefined)).toBe('Saving…');
    expect(statusText(done(1), undefined)).toBe('Done');
    expect(statusText(image(1, { status: 'failed', error: 'boom' }), undefined)).toBe(
      'Failed: boom',
    );
    expect(statusText(image(1, { status: 'failed' }), undefined)).toBe('Failed');
  });

  it('clamps progress to a percentage', () => {
    expect(percent(1.7)).toBe(100);
    expect(percent(-1)).toBe(0);
    expect(percent(Number.NaN)).toBe(0);
    expect(progressValue(image(1, { status: 'generating' }), prog('generating', 0.5))).toBe(50);
    expect(progressValue(image(1), prog('queued', 0))).toBeNull();
    expect(progressValue(done(1), undefined)).toBeNull();
  });
});

describe('parseDuration', () => {
  it('accepts empty as no deadline and whole seconds within the limit', () => {
    expect(parseDuration('  ')).toEqual({ ok: true, value: null });
    expect(parseDuration('120')).toEqual({ ok: true, value: 120 });
    expect(parseDuration('86400')).toEqual({ ok: true, value: 86400 });
  });

  it('refuses fractions, zero, negatives, text and values over the limit', () => {
    for (const raw of ['1.5', '0', '-3', 'abc', '86401']) expect(parseDuration(raw).ok).toBe(false);
  });
});

describe('landingRoom', () => {
  it('prefers a valid ?room= over the page default', () => {
    expect(landingRoom('?room=team-2', 'main')).toBe('team-2');
    expect(landingRoom('', 'main')).toBe('main');
    expect(landingRoom('?room=Not%20Valid', 'main')).toBe('main');
  });
});

describe('tally words', () => {
  it('shows no counts for a sealed tally', () => {
    expect(tallyDisplay(sealedTally(1, 4))).toEqual({ sealed: true });
  });

  it('shows counts, net score and the Wilson bound as a whole percent, rounded down', () => {
    const view = tallyDisplay(tally(1, 9, 1, 10));
    expect(view).toMatchObject({ sealed: false, up: 9, down: 1, score: 8 });
    // 9 up, 1 down: the bound is 0.5958, so "at least 59%".
    expect(view.sealed === false && view.wilson).toBe(59);
    expect(view.sealed === false && view.wilsonText).toBe(
      'Wilson: at least 59% of voters like it, with 95% confidence',
    );
    expect(tallyDisplay(tally(1)).sealed === false && tallyDisplay(tally(1))).toMatchObject({
      wilson: 0,
      wilsonText: 'Wilson: no votes yet',
    });
  });

  it('rounds the bound down and clamps it', () => {
    expect(wilsonPercent(0.29)).toBe(29);
    expect(wilsonPercent(0.5999)).toBe(59);
    expect(wilsonPercent(1)).toBe(100);
    expect(wilsonPercent(-0.1)).toBe(0);
    expect(wilsonPercent(Number.NaN)).toBe(0);
  });

  it('names the votes cast and the winner rule', () => {
    expect(votesCastText(1)).toBe('Votes cast: 1');
    expect(winnerRuleText('net')).toBe('Winner: highest net score');
    expect(winnerRuleText('wilson')).toBe('Winner: highest Wilson bound');
  });

  it('turns a server message into a sentence', () => {
    expect(sentence('the clock is not paused')).toBe('The clock is not paused.');
    expect(sentence('Done already!')).toBe('Done already!');
    expect(sentence('  ')).toBe('');
  });
});

describe('host clock buttons', () => {
  it('offers pause with a running deadline, resume when paused, extend until closed', () => {
    expect(clockActions(round({ phase: 'vote', deadline: 5_000 }))).toEqual(['pause', 'extend']);
    expect(clockActions(round({ phase: 'vote', deadline: null }))).toEqual(['extend']);
    expect(clockActions(round({ phase: 'vote', paused: true, remaining_s: 20 }))).toEqual([
      'resume',
      'extend',
    ]);
    expect(clockActions(round({ phase: 'closed', deadline: 5_000 }))).toEqual([]);
  });

  it('labels the extension and refuses values the server would', () => {
    expect(extendLabel('60')).toBe('+1 min');
    expect(extendLabel(' 120 ')).toBe('+2 min');
    expect(extendLabel('30')).toBe('+30 s');
    expect(extendLabel('90')).toBe('+1:30');
    expect(extendLabel('3600')).toBe('+1:00:00');
    for (const bad of ['', '0', '-5', '1.5', 'abc', '86401']) expect(extendLabel(bad)).toBeNull();
  });
});
