// Tally rules, pure. A tally is "sealed" when the server hides its counts (up, down, score
// and wilson are null while a sealed room votes); only its seq and the room's votes_cast
// move then. The reveal (round:updated leaving the vote phase) brings the real counts.
import type { Image, Phase, ServerEventPayloads, Tally, VoteValue } from './generated/protocol';
import type { RoomState } from './state';

/** Phases in which a sealed room hides its tallies; the reveal and after always show them. */
const SEALABLE: ReadonlySet<Phase> = new Set<Phase>(['lobby', 'generate', 'vote']);

export function isSealablePhase(phase: Phase): boolean {
  return SEALABLE.has(phase);
}

export function isSealedTally(tally: Tally): boolean {
  return tally.up === null || tally.down === null || tally.score === null;
}

/**
 * Which of two tallies of one image to show. A higher seq always wins, also a sealed one
 * over counts (the room's voting is sealed now). At an equal seq, counts win over a sealed
 * tally: that is the reveal, or a snapshot taken after it, bringing the counts of the very
 * votes that were sealed; counts of one seq are the same whoever sends them.
 */
export function mergeTally(current: Tally | undefined, incoming: Tally): Tally {
  if (!current || incoming.seq > current.seq) return incoming;
  if (incoming.seq === current.seq && isSealedTally(current) && !isSealedTally(incoming)) {
    return incoming;
  }
  return current;
}

/** Applies absolute tallies to a list of images; returns the same list when none changed. */
export function mergeTallies(images: Image[], tallies: readonly Tally[]): Image[] {
  let next: Image[] | null = null;
  for (const tally of tallies) {
    const list: Image[] = next ?? images;
    const index = list.findIndex((i) => i.id === tally.image_id);
    if (index === -1) continue;
    const image = list[index]!;
    const merged = mergeTally(image.tally, tally);
    if (merged === image.tally) continue;
    next = next ?? images.slice();
    next[index] = { ...image, tally: merged };
  }
  return next ?? images;
}

/** Votes standing on these images, from the counts that are known (sealed ones count 0). */
export function countedVotes(images: readonly Image[]): number {
  return images.reduce((sum, i) => sum + (i.tally.up ?? 0) + (i.tally.down ?? 0), 0);
}

export type WinnerRule = 'net' | 'wilson';

/** Applies absolute tallies under the seq rule of mergeTally. */
export function applyTallies(state: RoomState, tallies: readonly Tally[]): RoomState {
  const images = mergeTallies(state.images, tallies);
  return images === state.images ? state : { ...state, images };
}

/** A tally event: its tallies, and the room-wide votes_cast and sealed it reports. */
export function applyTallyEvent(state: RoomState, event: ServerEventPayloads['tally']): RoomState {
  const next = applyTallies(state, event.tallies ?? []);
  // An older server sends neither: keep what we have.
  const votesCast = typeof event.votes_cast === 'number' ? event.votes_cast : next.votesCast;
  const sealed = typeof event.sealed === 'boolean' ? event.sealed : next.sealed;
  if (votesCast === next.votesCast && sealed === next.sealed) return next;
  const sealsVotes = isSealablePhase(next.round.phase) ? sealed : next.sealsVotes;
  return { ...next, votesCast, sealed, sealsVotes };
}

/**
 * A vote ack: my vote changes and its tally applies under the usual seq rule. While sealed
 * the ack's tally has null counts: the buttons show my vote, the card shows no counts.
 * votes_cast is not in the ack; the tally event that follows brings it.
 */
export function applyVoteAck(
  state: RoomState,
  imageId: number,
  value: VoteValue,
  tally: Tally,
): RoomState {
  const myVotes = { ...state.myVotes };
  if (value === 'none') delete myVotes[imageId];
  else myVotes[imageId] = value;
  return applyTallies({ ...state, myVotes }, [tally]);
}
