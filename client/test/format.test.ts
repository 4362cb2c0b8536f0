import { describe, expect, it } from 'vitest';
import { parseDuration, percent, progressValue, statusText } from '../src/views/format';
import { landingRoom } from '../src/views/landing';
import { done, image } from './fixtures';

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
