// Read-only questions views ask about the room state. Kept apart from the reducer so
// state.ts stays about applying events; state.ts re-exports them.
import { isEntered, isVisible } from './entries';
import type { Image, ImageStatus, VoteValue } from './generated/protocol';
import type { RoomState } from './state';
import { countedVotes, isSealablePhase, isSealedTally } from './tallies';

export function myVote(state: RoomState, imageId: number): VoteValue {
  return state.myVotes[imageId] ?? 'none';
}

export function isOwnImage(state: RoomState, image: Image): boolean {
  return state.me !== null && image.author !== null && image.author.id === state.me.id;
}

export function canVote(state: RoomState, image: Image): boolean {
  return (
    state.me !== null &&
    state.votingPhases.includes(state.round.phase) &&
    image.status === 'done' &&
    isEntered(image, state.entrySelection) &&
    image.hidden !== true &&
    (!state.requiresApproval || image.approved === true) &&
    (state.selfVotes || !isOwnImage(state, image))
  );
}

/** What a gallery shows to this viewer (see entries.ts for the rule). */
export function visibleImages(state: RoomState): Image[] {
  return state.images.filter((i) =>
    isVisible(i, isOwnImage(state, i), state.entrySelection, state.requiresApproval),
  );
}

/** An own edit the author can enter into the vote or withdraw (now or in this phase). */
export function canChangeEntry(state: RoomState, image: Image): boolean {
  return (
    state.entrySelection &&
    state.round.phase === 'generate' &&
    image.status === 'done' &&
    isOwnImage(state, image)
  );
}

export function statusCounts(state: RoomState): Record<ImageStatus, number> {
  const counts: Record<ImageStatus, number> = {
    queued: 0,
    generating: 0,
    storing: 0,
    done: 0,
    failed: 0,
  };
  for (const image of state.images) counts[image.status] += 1;
  return counts;
}

/** Votes counted on the images shown; sealed tallies count 0 (see RoomState.votesCast). */
export function totalVotes(state: RoomState): number {
  return countedVotes(state.images);
}

/**
 * Why the state wants a fresh snapshot although no event was missed: a new round's gallery
 * salt (and its sealed flag and quota) come only with a snapshot, and a round that left the
 * vote phase without revealing its entries' counts (an older server) still shows them
 * sealed. The key names the round and phase, so one reason asks once.
 */
export function snapshotWanted(state: RoomState): string | null {
  const key = `${state.round.id}:${state.round.phase}`;
  if (state.saltRoundId !== state.round.id) return key;
  const unrevealed = state.images.some(
    (i) => i.status === 'done' && isEntered(i, state.entrySelection) && isSealedTally(i.tally),
  );
  return !isSealablePhase(state.round.phase) && unrevealed ? key : null;
}
