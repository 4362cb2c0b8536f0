import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../src/generated/protocol';
import {
  type AnyServerEvent,
  addOwnSubmission,
  applyEvent,
  applySnapshot,
  applyTallies,
  applyVoteAck,
  canVote,
  myVote,
  replayBuffered,
  statusCounts,
  totalVotes,
} from '../src/state';
import { done, image, round, snapshot, tally, tallyEvent } from './fixtures';

const base = () => applySnapshot(snapshot({ images: [done(1), image(2)] }));

function progress(
  image_id: number,
  version: number,
  extra: Partial<ProgressEvent> = {},
): ProgressEvent {
  return {
    room: 'main',
    version,
    image_id,
    stage: 'generating',
    progress: 0.5,
    preview_url: null,
    queue_position: null,
    ...extra,
  };
}

describe('applySnapshot', () => {
  it('copies the snapshot and normalises my_votes', () => {
    const s = applySnapshot(snapshot({ version: 3, my_votes: { '1': 'up', '2': undefined } }));
    expect(s.version).toBe(3);
    expect(s.room.slug).toBe('main');
    expect(s.myVotes).toEqual({ '1': 'up' });
    expect(s.lastWinner).toBeNull();
    expect(s.progress).toEqual({});
  });

  it('keeps a higher tally seq already shown for the same round', () => {
    const prev = applyTallies(base(), [tally(1, 5, 0, 9)]);
    const next = applySnapshot(snapshot({ images: [done(1, { tally: tally(1, 4, 0, 8) })] }), prev);
    expect(next.images[0]!.tally).toEqual(tally(1, 5, 0, 9));
  });

  it('takes the snapshot tally when its seq is newer', () => {
    const prev = base();
    const next = applySnapshot(snapshot({ images: [done(1, { tally: tally(1, 2, 1, 3) })] }), prev);
    expect(next.images[0]!.tally.seq).toBe(3);
  });

  it('keeps live progress only for images still in flight', () => {
    let prev = applySnapshot(
      snapshot({
        images: [image(1, { status: 'generating' }), image(2, { status: 'generating' })],
      }),
    );
    prev = applyEvent(prev, 'image:progress', progress(1, 10)).state;
    prev = applyEvent(prev, 'image:progress', progress(2, 10)).state;
    const next = applySnapshot(
      snapshot({ version: 12, images: [image(1, { status: 'generating' }), done(2)] }),
      prev,
    );
    expect(Object.keys(next.progress)).toEqual(['1']);
  });

  it('records the previous round winner when the snapshot is a new round', () => {
    const prev = applySnapshot(
      snapshot({
        round: round({ phase: 'closed', winner_id: 1 }),
        images: [done(1, { prompt: 'kite' })],
      }),
    );
    const next = applySnapshot(snapshot({ version: 20, round: round({ id: 2, number: 2 }) }), prev);
    expect(next.lastWinner).toEqual({
      roundNumber: 1,
      imageId: 1,
      prompt: 'kite',
      nickname: 'Ada',
    });
  });
});

describe('applyEvent versioning', () => {
  it('applies version + 1 and advances the version', () => {
    const { state, needResync } = applyEvent(base(), 'image:added', {
      room: 'main',
      version: 11,
      image: image(3),
    });
    expect(needResync).toBe(false);
    expect(state.version).toBe(11);
    expect(state.images.map((i) => i.id)).toEqual([1, 2, 3]);
  });

  it('ignores stale events (version <= current)', () => {
    const s = base();
    for (const version of [9, 10]) {
      const r = applyEvent(s, 'image:added', { room: 'main', version, image: image(3) });
      expect(r.needResync).toBe(false);
      expect(r.state).toBe(s);
    }
  });

  it('flags a gap without applying the event', () => {
    const s = base();
    const r = applyEvent(s, 'image:updated', { room: 'main', version: 12, image: done(2) });
    expect(r.needResync).toBe(true);
    expect(r.state).toBe(s);
  });

  it('ignores events of another room', () => {
    const s = base();
    const r = applyEvent(s, 'image:added', { room: 'other', version: 11, image: image(3) });
    expect(r).toEqual({ state: s, needResync: false });
  });

  it('image:updated replaces in place and drops finished progress', () => {
    let s = applyEvent(base(), 'image:progress', progress(2, 10)).state;
    expect(s.progress[2]).toBeDefined();
    s = applyEvent(s, 'image:updated', { room: 'main', version: 11, image: done(2) }).state;
    expect(s.images.map((i) => [i.id, i.status])).toEqual([
      [1, 'done'],
      [2, 'done'],
    ]);
    expect(s.progress[2]).toBeUndefined();
  });

  it('image:updated does not roll a tally back to a lower seq', () => {
    const s = applyTallies(base(), [tally(1, 3, 0, 5)]);
    const r = applyEvent(s, 'image:updated', {
      room: 'main',
      version: 11,
      image: done(1, { tally: tally(1, 1, 0, 2) }),
    });
    expect(r.state.images[0]!.tally.seq).toBe(5);
  });

  it('round:updated with the same round id only replaces the round', () => {
    const s = applyVoteAck(base(), 1, 'up', tally(1, 1, 0, 1));
    const r = applyEvent(s, 'round:updated', {
      room: 'main',
      version: 11,
      round: round({ phase: 'vote' }),
      winner: null,
    });
    expect(r.state.round.phase).toBe('vote');
    expect(r.state.images).toHaveLength(2);
    expect(r.state.myVotes).toEqual({ '1': 'up' });
  });

  it('a new round empties the gallery, votes and progress and remembers the winner', () => {
    let s = applyEvent(base(), 'round:updated', {
      room: 'main',
      version: 11,
      round: round({ phase: 'closed', winner_id: 1 }),
      winner: null,
    }).state;
    s = applyVoteAck(s, 1, 'down', tally(1, 0, 1, 1));
    s = applyEvent(s, 'round:updated', {
      room: 'main',
      version: 12,
      round: round({ id: 2, number: 2, seed: { ...round().seed, id: 1 } }),
      winner: null,
    }).state;
    expect(s.images).toEqual([]);
    expect(s.myVotes).toEqual({});
    expect(s.round.id).toBe(2);
    expect(s.lastWinner).toMatchObject({ roundNumber: 1, imageId: 1, prompt: 'prompt 1' });
  });

  it('a new round without winner leaves no winner note', () => {
    const r = applyEvent(base(), 'round:updated', {
      room: 'main',
      version: 11,
      round: round({ id: 2, number: 2 }),
      winner: null,
    });
    expect(r.state.lastWinner).toBeNull();
  });

  it('images of another round are not added but the version advances', () => {
    const r = applyEvent(base(), 'image:added', {
      room: 'main',
      version: 11,
      image: image(9, { round_id: 99 }),
    });
    expect(r.state.images).toHaveLength(2);
    expect(r.state.version).toBe(11);
  });

  it('ignores malformed payloads', () => {
    const s = base();
    const r = applyEvent(s, 'tally', null as never);
    expect(r).toEqual({ state: s, needResync: false });
  });
});

describe('tally', () => {
  it('applies only higher seqs, per image', () => {
    let s = applyTallies(base(), [tally(1, 2, 0, 4)]);
    const r = applyEvent(s, 'tally', tallyEvent(10, [tally(1, 1, 0, 3), tally(2, 0, 1, 1)]));
    expect(r.needResync).toBe(false);
    s = r.state;
    expect(s.images[0]!.tally).toEqual(tally(1, 2, 0, 4));
    expect(s.images[1]!.tally).toEqual(tally(2, 0, 1, 1));
    expect(s.version).toBe(10);
  });

  it('does not advance the version and accepts an older version', () => {
    const r = applyEvent(base(), 'tally', tallyEvent(8, [tally(1, 1, 0, 1)]));
    expect(r.needResync).toBe(false);
    expect(r.state.version).toBe(10);
    expect(r.state.images[0]!.tally.up).toBe(1);
  });

  it('a tally ahead of our version is a gap', () => {
    const s = base();
    const r = applyEvent(s, 'tally', tallyEvent(11, [tally(1, 1, 0, 1)]));
    expect(r.needResync).toBe(true);
    expect(r.state).toBe(s);
  });

  it('equal seq is not re-applied', () => {
    const s = applyTallies(base(), [tally(1, 1, 0, 1)]);
    expect(applyTallies(s, [tally(1, 9, 9, 1)])).toBe(s);
  });

  it('unknown images are skipped', () => {
    const s = base();
    expect(applyTallies(s, [tally(42, 1, 0, 1)])).toBe(s);
  });

  it('a vote ack sets my vote and its tally; none takes it back', () => {
    let s = applyVoteAck(base(), 1, 'up', tally(1, 1, 0, 1));
    expect(myVote(s, 1)).toBe('up');
    expect(s.images[0]!.tally.score).toBe(1);
    s = applyVoteAck(s, 1, 'none', tally(1, 0, 0, 2));
    expect(myVote(s, 1)).toBe('none');
    expect(s.images[0]!.tally).toEqual(tally(1, 0, 0, 2));
  });

  it('a vote ack older than a tally already shown keeps the newer tally', () => {
    let s = applyTallies(base(), [tally(1, 3, 0, 7)]);
    s = applyVoteAck(s, 1, 'up', tally(1, 1, 0, 5));
    expect(s.images[0]!.tally.seq).toBe(7);
    expect(myVote(s, 1)).toBe('up');
  });
});

describe('image:progress', () => {
  it('stores progress without advancing the version', () => {
    const r = applyEvent(
      base(),
      'image:progress',
      progress(2, 10, { queue_position: 3, stage: 'queued' }),
    );
    expect(r.state.version).toBe(10);
    expect(r.state.progress[2]).toEqual({
      stage: 'queued',
      progress: 0.5,
      preview_url: null,
      queue_position: 3,
    });
  });

  it('is ignored for finished or unknown images', () => {
    const s = base();
    expect(applyEvent(s, 'image:progress', progress(1, 10)).state).toBe(s);
    expect(applyEvent(s, 'image:progress', progress(77, 10)).state).toBe(s);
  });

  it('ahead of our version is a gap', () => {
    expect(applyEvent(base(), 'image:progress', progress(2, 11)).needResync).toBe(true);
  });
});

describe('replayBuffered', () => {
  const ev = (e: AnyServerEvent) => e;

  it('replays only events newer than the snapshot, in order', () => {
    const buffer = [
      ev({ event: 'image:added', payload: { room: 'main', version: 9, image: image(5) } }),
      ev({ event: 'image:added', payload: { room: 'main', version: 10, image: image(6) } }),
      ev({ event: 'image:added', payload: { room: 'main', version: 11, image: image(3) } }),
      ev({ event: 'image:updated', payload: { room: 'main', version: 12, image: done(3) } }),
      ev({ event: 'tally', payload: tallyEvent(12, [tally(3, 1, 0, 1)]) }),
    ];
    const r = replayBuffered(base(), buffer);
    expect(r.needResync).toBe(false);
    expect(r.state.version).toBe(12);
    expect(r.state.images.map((i) => i.id)).toEqual([1, 2, 3]);
    expect(r.state.images[2]!.status).toBe('done');
    expect(r.state.images[2]!.tally.up).toBe(1);
  });

  it('stops and asks for a resync at a gap inside the buffer', () => {
    const buffer = [
      ev({ event: 'image:added', payload: { room: 'main', version: 11, image: image(3) } }),
      ev({ event: 'image:added', payload: { room: 'main', version: 13, image: image(4) } }),
      ev({ event: 'image:added', payload: { room: 'main', version: 14, image: image(5) } }),
    ];
    const r = replayBuffered(base(), buffer);
    expect(r.needResync).toBe(true);
    expect(r.state.version).toBe(11);
    expect(r.state.images.map((i) => i.id)).toEqual([1, 2, 3]);
  });

  it('an empty buffer changes nothing', () => {
    const s = base();
    expect(replayBuffered(s, [])).toEqual({ state: s, needResync: false });
  });
});

describe('helpers', () => {
  it('addOwnSubmission fills the gap but never overrides events', () => {
    const s = base();
    const added = addOwnSubmission(s, image(3));
    expect(added.images.map((i) => i.id)).toEqual([1, 2, 3]);
    expect(added.version).toBe(10);
    expect(addOwnSubmission(s, image(2, { status: 'queued', prompt: 'old' }))).toBe(s);
    expect(addOwnSubmission(s, image(3, { round_id: 5 }))).toBe(s);
  });

  it('canVote needs the vote phase, a done image and someone else as author', () => {
    const s = applySnapshot(
      snapshot({
        round: round({ phase: 'vote' }),
        images: [done(1), image(2), done(3, { author: { id: 1, nickname: 'Me' } })],
      }),
    );
    expect(canVote(s, s.images[0]!)).toBe(true);
    expect(canVote(s, s.images[1]!)).toBe(false);
    expect(canVote(s, s.images[2]!)).toBe(false);
    const generate = { ...s, round: round({ phase: 'generate' }) };
    expect(canVote(generate, s.images[0]!)).toBe(false);
    expect(canVote({ ...s, me: null }, s.images[0]!)).toBe(false);
  });

  it('counts statuses and votes', () => {
    const s = applySnapshot(
      snapshot({
        images: [done(1, { tally: tally(1, 2, 1, 3) }), image(2), image(3, { status: 'failed' })],
      }),
    );
    expect(statusCounts(s)).toEqual({ queued: 1, generating: 0, storing: 0, done: 1, failed: 1 });
    expect(totalVotes(s)).toBe(3);
  });
});

describe('voting settings from the snapshot', () => {
  it('allows votes in the phases the server names, and on own edits when it says so', async () => {
    const { applySnapshot, canVote } = await import('../src/state');
    const own = done(5, { entered: true, author: { id: 1, nickname: 'Me' } });
    const early = applySnapshot(
      snapshot({
        round: round({ phase: 'generate' }),
        images: [own],
        entry_selection: true,
        voting: { phases: ['generate', 'vote'], self_votes: true },
      }),
    );
    expect(canVote(early, own)).toBe(true);
    const strict = applySnapshot(
      snapshot({ round: round({ phase: 'generate' }), images: [own], entry_selection: true }),
    );
    expect(canVote(strict, own)).toBe(false);
  });
});
