import { describe, expect, it } from 'vitest';
import type { RoundEvent, TallyEvent } from '../src/generated/protocol';
import {
  applyEvent,
  applySnapshot,
  applyVoteAck,
  myVote,
  snapshotWanted,
  totalVotes,
} from '../src/state';
import { isSealablePhase, isSealedTally, mergeTally, mergeTallies } from '../src/tallies';
import { done, image, round, sealedTally, snapshot, tally, tallyEvent } from './fixtures';

/** A sealed room in the vote phase with two entries. */
const sealedRoom = () =>
  applySnapshot(
    snapshot({
      round: round({ phase: 'vote' }),
      images: [
        done(1, { entered: true, tally: sealedTally(1, 0) }),
        done(2, { entered: true, tally: sealedTally(2, 0) }),
      ],
      sealed: true,
      votes_cast: 0,
    }),
  );

function roundEvent(version: number, overrides: Partial<RoundEvent> = {}): RoundEvent {
  return { room: 'main', version, round: round({ phase: 'reveal' }), winner: null, ...overrides };
}

describe('mergeTally', () => {
  it('takes a higher seq, sealed or not', () => {
    expect(mergeTally(tally(1, 2, 0, 3), tally(1, 3, 0, 4))).toEqual(tally(1, 3, 0, 4));
    // A sealed tally with a higher seq replaces counts with nulls: the room sealed them.
    expect(mergeTally(tally(1, 2, 0, 3), sealedTally(1, 4))).toEqual(sealedTally(1, 4));
    expect(mergeTally(undefined, sealedTally(1, 0))).toEqual(sealedTally(1, 0));
  });

  it('keeps the shown tally against a lower seq, counts or not', () => {
    const shown = sealedTally(1, 5);
    expect(mergeTally(shown, tally(1, 9, 9, 4))).toBe(shown);
    const counts = tally(1, 2, 0, 5);
    expect(mergeTally(counts, sealedTally(1, 4))).toBe(counts);
  });

  it('at an equal seq, counts fill in a sealed tally (the reveal), never the reverse', () => {
    expect(mergeTally(sealedTally(1, 5), tally(1, 2, 1, 5))).toEqual(tally(1, 2, 1, 5));
    const counts = tally(1, 2, 1, 5);
    expect(mergeTally(counts, sealedTally(1, 5))).toBe(counts);
    expect(mergeTally(counts, tally(1, 2, 1, 5))).toBe(counts);
  });

  it('mergeTallies returns the same list when nothing changed', () => {
    const images = [done(1, { tally: tally(1, 1, 0, 2) })];
    expect(mergeTallies(images, [tally(1, 0, 0, 1), tally(9, 1, 1, 9)])).toBe(images);
    expect(mergeTallies(images, [tally(1, 1, 1, 3)])[0]!.tally.down).toBe(1);
  });

  it('knows sealed tallies and sealable phases', () => {
    expect(isSealedTally(sealedTally(1))).toBe(true);
    expect(isSealedTally(tally(1))).toBe(false);
    expect(['lobby', 'generate', 'vote'].every((p) => isSealablePhase(p as never))).toBe(true);
    expect(isSealablePhase('reveal') || isSealablePhase('closed')).toBe(false);
  });
});

describe('sealed voting in the room state', () => {
  it('takes sealed, votes_cast, salt and winner rule from the snapshot', () => {
    const s = applySnapshot(
      snapshot({ sealed: true, votes_cast: 4, gallery_salt: 'abc', winner_rule: 'wilson' }),
    );
    expect(s).toMatchObject({
      sealed: true,
      sealsVotes: true,
      votesCast: 4,
      gallerySalt: 'abc',
      saltRoundId: 1,
      winnerRule: 'wilson',
    });
  });

  it('an older snapshot without these fields is open, with votes counted from tallies', () => {
    const old = snapshot({ images: [done(1, { tally: tally(1, 2, 1, 3) })] }) as Partial<
      ReturnType<typeof snapshot>
    >;
    delete old.sealed;
    delete old.votes_cast;
    delete old.gallery_salt;
    delete old.winner_rule;
    const s = applySnapshot(old as ReturnType<typeof snapshot>);
    expect(s).toMatchObject({ sealed: false, votesCast: 3, gallerySalt: '', winnerRule: 'net' });
  });

  it('a tally event moves votes_cast and keeps the counts hidden', () => {
    const r = applyEvent(
      sealedRoom(),
      'tally',
      tallyEvent(10, [sealedTally(1, 1)], { votes_cast: 1, sealed: true }),
    );
    expect(r.state.votesCast).toBe(1);
    expect(r.state.sealed).toBe(true);
    expect(isSealedTally(r.state.images[0]!.tally)).toBe(true);
    expect(r.state.images[0]!.tally.seq).toBe(1);
    expect(totalVotes(r.state)).toBe(0);
  });

  it('an open tally event after a sealed one unseals (the setting changed)', () => {
    const r = applyEvent(
      sealedRoom(),
      'tally',
      tallyEvent(10, [tally(1, 1, 0, 1)], { votes_cast: 1 }),
    );
    expect(r.state.sealed).toBe(false);
    expect(r.state.sealsVotes).toBe(false);
    expect(r.state.images[0]!.tally.up).toBe(1);
  });

  it('a tally event of an older server keeps votes_cast and sealed', () => {
    const s = applySnapshot(snapshot({ votes_cast: 2, sealed: true }));
    const legacy = { room: 'main', version: 10, tallies: [] } as unknown as TallyEvent;
    const r = applyEvent(s, 'tally', legacy);
    expect(r.state).toBe(s);
  });

  it('a sealed vote ack shows my vote but no counts', () => {
    const s = applyVoteAck(sealedRoom(), 1, 'up', sealedTally(1, 1));
    expect(myVote(s, 1)).toBe('up');
    expect(isSealedTally(s.images[0]!.tally)).toBe(true);
    expect(s.images[0]!.tally.seq).toBe(1);
  });

  it('the reveal applies its counts at the seq already shown and unseals', () => {
    let s = applyEvent(
      sealedRoom(),
      'tally',
      tallyEvent(10, [sealedTally(1, 3), sealedTally(2, 1)], { votes_cast: 4, sealed: true }),
    ).state;
    const r = applyEvent(
      s,
      'round:updated',
      roundEvent(11, {
        round: round({ phase: 'reveal', winner_id: 1 }),
        winner: done(1, { entered: true, tally: tally(1, 3, 0, 3) }),
        tallies: [tally(1, 3, 0, 3), tally(2, 0, 1, 1)],
      }),
    );
    s = r.state;
    expect(s.version).toBe(11);
    expect(s.sealed).toBe(false);
    expect(s.sealsVotes).toBe(true);
    expect(s.votesCast).toBe(4);
    expect(s.round.winner_id).toBe(1);
    expect(s.images.map((i) => i.tally)).toEqual([tally(1, 3, 0, 3), tally(2, 0, 1, 1)]);
    expect(snapshotWanted(s)).toBeNull();
  });

  it('a snapshot after the reveal fills in counts a missed reveal left sealed', () => {
    const prev = applyEvent(sealedRoom(), 'round:updated', roundEvent(11)).state;
    expect(prev.sealed).toBe(false);
    // Without the reveal's tallies (an older server) the entries are still sealed...
    expect(snapshotWanted(prev)).toBe('1:reveal');
    const next = applySnapshot(
      snapshot({
        version: 11,
        round: round({ phase: 'reveal' }),
        images: [
          done(1, { entered: true, tally: tally(1, 0, 0, 0) }),
          done(2, { entered: true, tally: tally(2, 0, 0, 0) }),
        ],
      }),
      prev,
    );
    // ...and the snapshot's counts at the same seq replace the nulls.
    expect(isSealedTally(next.images[0]!.tally)).toBe(false);
    expect(snapshotWanted(next)).toBeNull();
  });

  it('vote straight to closed: the reveal tallies reach the winner note, the new round starts sealed', () => {
    const s = applyEvent(
      sealedRoom(),
      'round:updated',
      roundEvent(11, {
        round: round({ id: 2, number: 2, phase: 'generate' }),
        winner: done(1, { entered: true, prompt: 'kite' }),
        tallies: [tally(1, 2, 0, 2)],
      }),
    ).state;
    expect(s.lastWinner).toMatchObject({ roundNumber: 1, imageId: 1, prompt: 'prompt 1' });
    expect(s.images).toEqual([]);
    expect(s.votesCast).toBe(0);
    expect(s.sealed).toBe(true);
    // The new round's gallery salt comes with a snapshot.
    expect(snapshotWanted(s)).toBe('2:generate');
  });

  it('the same round moving on within the sealable phases stays sealed', () => {
    const lobby = applySnapshot(snapshot({ round: round({ phase: 'generate' }), sealed: true }));
    const r = applyEvent(
      lobby,
      'round:updated',
      roundEvent(11, { round: round({ phase: 'vote' }) }),
    );
    expect(r.state.sealed).toBe(true);
    const paused = applyEvent(
      r.state,
      'round:updated',
      roundEvent(12, { round: round({ phase: 'vote', paused: true, remaining_s: 30 }) }),
    ).state;
    expect(paused.round.paused).toBe(true);
    expect(paused.sealed).toBe(true);
  });

  it('a room seen first in the reveal does not guess sealing for the next round', () => {
    const s = applySnapshot(snapshot({ round: round({ phase: 'reveal' }) }));
    expect(s.sealsVotes).toBe(false);
    const next = applyEvent(s, 'round:updated', roundEvent(11, { round: round({ id: 2 }) })).state;
    expect(next.sealed).toBe(false);
  });

  it('own private attempts stay sealed after the reveal without asking for a snapshot', () => {
    const s = applySnapshot(
      snapshot({
        round: round({ phase: 'reveal' }),
        entry_selection: true,
        images: [
          done(1, { entered: false, tally: sealedTally(1) }),
          image(2, { tally: sealedTally(2) }),
        ],
      }),
    );
    expect(snapshotWanted(s)).toBeNull();
  });
});
