import { describe, expect, it } from 'vitest';
import { isEntered, isVisible, quotaAfter } from '../src/entries';
import {
  addOwnSubmission,
  applyEntry,
  applyEvent,
  applySnapshot,
  canChangeEntry,
  canVote,
  visibleImages,
} from '../src/state';
import { pickExample } from '../src/views/prompt';
import { done, image, quota, round, snapshot } from './fixtures';

const ME = { id: 1, nickname: 'Me' };
const mine = (id: number, extra = {}) => image(id, { author: ME, ...extra });
const mineDone = (id: number, extra = {}) => done(id, { author: ME, ...extra });

describe('entry rules', () => {
  it('without entry selection every edit counts as entered', () => {
    expect(isEntered(done(1, { entered: false }), false)).toBe(true);
    expect(isEntered(done(1, { entered: false }), true)).toBe(false);
    expect(isEntered(done(1, { entered: true }), true)).toBe(true);
  });

  it("others' finished attempts stay hidden until entered; work in progress shows", () => {
    expect(isVisible(image(1, { status: 'queued' }), false, true)).toBe(true);
    expect(isVisible(image(1, { status: 'generating' }), false, true)).toBe(true);
    expect(isVisible(done(1), false, true)).toBe(false);
    expect(isVisible(done(1, { entered: true }), false, true)).toBe(true);
    expect(isVisible(image(1, { status: 'failed' }), false, true)).toBe(false);
    // The author sees every own attempt; without entry selection everyone sees everything.
    expect(isVisible(done(1), true, true)).toBe(true);
    expect(isVisible(image(1, { status: 'failed' }), false, false)).toBe(true);
  });
});

describe('quotaAfter', () => {
  const q = quota({ generations_used: 2, entries_used: 1 });

  it('a new edit uses a generation; a failure refunds it once', () => {
    const queued = image(5);
    const q1 = quotaAfter(q, undefined, queued);
    expect(q1.generations_used).toBe(3);
    const q2 = quotaAfter(q1, queued, image(5, { status: 'failed' }));
    expect(q2.generations_used).toBe(2);
    expect(quotaAfter(q2, image(5, { status: 'failed' }), image(5, { status: 'failed' }))).toBe(q2);
  });

  it('entering and withdrawing move the entry count', () => {
    const q1 = quotaAfter(q, done(5), done(5, { entered: true }));
    expect(q1.entries_used).toBe(2);
    expect(quotaAfter(q1, done(5, { entered: true }), done(5)).entries_used).toBe(1);
    expect(quotaAfter(q, done(5), done(5))).toBe(q);
  });
});

describe('state with entry selection and quota', () => {
  const start = (extra = {}) =>
    applySnapshot(
      snapshot({
        entry_selection: true,
        quota: quota({ generations_used: 1 }),
        images: [
          mineDone(1),
          done(2),
          done(3, { entered: true }),
          image(4, { status: 'generating' }),
          image(5, { status: 'failed' }),
        ],
        ...extra,
      }),
    );

  it('reads the new snapshot fields, tolerating an older server without them', () => {
    const s = start();
    expect(s.entrySelection).toBe(true);
    expect(s.quota?.generations_used).toBe(1);
    expect(s.generator?.offline).toBe(true);
    const old = applySnapshot({ ...snapshot(), quota: undefined, generator: undefined } as never);
    expect(old.quota).toBeNull();
    expect(old.generator).toBeNull();
    expect(old.entrySelection).toBe(false);
  });

  it('the gallery shows own attempts, entered finished edits and work in progress', () => {
    expect(visibleImages(start()).map((i) => i.id)).toEqual([1, 3, 4]);
  });

  it('votes only on entered, finished edits', () => {
    const s = { ...start(), round: round({ phase: 'vote' }) };
    const byId = (id: number) => s.images.find((i) => i.id === id)!;
    expect(canVote(s, byId(2))).toBe(false);
    expect(canVote(s, byId(3))).toBe(true);
    expect(canVote({ ...s, entrySelection: false }, byId(2))).toBe(true);
  });

  it('entries change only for own finished attempts in the generate phase', () => {
    const s = start();
    expect(canChangeEntry(s, s.images[0]!)).toBe(true);
    expect(canChangeEntry(s, s.images[1]!)).toBe(false);
    expect(canChangeEntry({ ...s, round: round({ phase: 'vote' }) }, s.images[0]!)).toBe(false);
    expect(canChangeEntry({ ...s, entrySelection: false }, s.images[0]!)).toBe(false);
  });

  it('own submission counts once whether the answer or the event comes first', () => {
    const s = start();
    const viaAnswer = addOwnSubmission(s, mine(9));
    const thenEvent = applyEvent(viaAnswer, 'image:added', {
      room: 'main',
      version: 11,
      image: mine(9),
    }).state;
    expect(thenEvent.quota?.generations_used).toBe(2);
    const viaEvent = applyEvent(s, 'image:added', { room: 'main', version: 11, image: mine(9) });
    expect(addOwnSubmission(viaEvent.state, mine(9)).quota?.generations_used).toBe(2);
    // Someone else's edit does not touch my quota.
    const other = applyEvent(s, 'image:added', { room: 'main', version: 11, image: image(9) });
    expect(other.state.quota?.generations_used).toBe(1);
  });

  it('a failure of my edit is refunded; a resync trusts the snapshot', () => {
    let s = addOwnSubmission(start(), mine(9, { status: 'generating' }));
    s = applyEvent(s, 'image:updated', {
      room: 'main',
      version: 11,
      image: mine(9, { status: 'failed', error: 'boom' }),
    }).state;
    expect(s.quota?.generations_used).toBe(1);
    const fresh = applySnapshot(
      snapshot({ entry_selection: true, quota: quota({ generations_used: 4 }) }),
      s,
    );
    expect(fresh.quota?.generations_used).toBe(4);
  });

  it('an entry answer sets the flag at once and counts the entry', () => {
    const s = start();
    const entered = applyEntry(s, mineDone(1, { entered: true, status: 'queued' }));
    expect(entered.images[0]!.entered).toBe(true);
    // Only the flag is taken from the answer, never an older status.
    expect(entered.images[0]!.status).toBe('done');
    expect(entered.quota?.entries_used).toBe(1);
    expect(applyEntry(entered, mineDone(1, { entered: true }))).toBe(entered);
  });

  it('a new round starts the per-round counts again and keeps the winner from the event', () => {
    const s = start();
    const next = applyEvent(s, 'round:updated', {
      room: 'main',
      version: 11,
      round: round({ id: 2, number: 2 }),
      // Not in our list (we joined late, say): the event's copy names it.
      winner: done(7, { entered: true, prompt: 'kite' }),
    }).state;
    expect(next.quota?.generations_used).toBe(0);
    expect(next.lastWinner).toMatchObject({ roundNumber: 1, imageId: 7, prompt: 'kite' });
  });
});

describe('pickExample', () => {
  it('picks another example than the current text', () => {
    const list = ['a', 'b', 'c'];
    expect(pickExample(list, 'a', () => 0)).toBe('b');
    expect(pickExample(list, 'c', () => 0.99)).toBe('b');
    expect(pickExample(['only'], 'only')).toBe('only');
    expect(pickExample([], '')).toBeNull();
  });
});


describe('moderation and visibility', () => {
  it('hides a hidden edit from everyone but its author', () => {
    const hidden = done(3, { entered: true, hidden: true });
    expect(isVisible(hidden, false, true)).toBe(false);
    expect(isVisible(hidden, false, false)).toBe(false);
    expect(isVisible(hidden, true, true)).toBe(true);
  });
  it('shows an entry to others only once approved in rooms that require approval', () => {
    const waiting = done(4, { entered: true, approved: false });
    expect(isVisible(waiting, false, true, true)).toBe(false);
    expect(isVisible({ ...waiting, approved: true }, false, true, true)).toBe(true);
    expect(isVisible(waiting, false, true, false)).toBe(true);
  });
});
