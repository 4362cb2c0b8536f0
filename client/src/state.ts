// Pure room-state reducer. No DOM, no socket: socket.ts feeds it and views read it, so
// every ordering rule of the protocol (versions, gaps, tally seqs) is testable here.
import { quotaAfter } from './entries';
import { type Game, applyGameEvent, applyGuessCount, gameFromSnapshot } from './game';
import type {
  Image,
  ImageStatus,
  Me,
  ProgressEvent,
  Quota,
  Round,
  ServerEventName,
  ServerEventPayloads,
  Snapshot,
  Tally,
} from './generated/protocol';
import { isOwnImage } from './selectors';
import {
  type WinnerRule,
  applyTallies,
  applyTallyEvent,
  countedVotes,
  isSealablePhase,
  mergeTally,
} from './tallies';

export { applyTallies, applyVoteAck } from './tallies';
export {
  canChangeEntry,
  canVote,
  isOwnImage,
  myVote,
  snapshotWanted,
  statusCounts,
  totalVotes,
  visibleImages,
} from './selectors';

export interface Progress {
  stage: ProgressEvent['stage'];
  progress: number;
  preview_url: string | null;
  queue_position: number | null;
}

/** The previous round's winner, kept so a view can announce it after the seed changed. */
export interface WinnerNote {
  roundNumber: number;
  imageId: number;
  prompt: string;
  nickname: string | null;
}

export type Generator = Snapshot['generator'];

export interface RoomState {
  room: Snapshot['room'];
  version: number;
  serverTime: number;
  round: Round;
  /** Every edit of the current round, oldest first. */
  images: Image[];
  myVotes: Record<string, 'up' | 'down'>;
  me: Me | null;
  progress: Record<string, Progress>;
  lastWinner: WinnerNote | null;
  /** The viewer's limits: the snapshot's, moved by their own edits since (null: spectator). */
  quota: Quota | null;
  entrySelection: boolean;
  generator: Generator | null;
  /** Tallies are hidden now (the server sends null counts); only votesCast moves. */
  sealed: boolean;
  /** Whether this room seals its voting, as last seen in a sealable phase (for new rounds). */
  sealsVotes: boolean;
  /** Votes standing in the round over all images, from the snapshot and tally events. */
  votesCast: number;
  /** The viewer's gallery order key; it belongs to the round saltRoundId. */
  gallerySalt: string;
  saltRoundId: number;
  winnerRule: WinnerRule;
  /** Phases in which votes are accepted, and whether one may vote on one's own edits. */
  votingPhases: string[];
  selfVotes: boolean;
  /** Entries reach others' screens and the vote only once the facilitator approves them. */
  requiresApproval: boolean;
  /** The "AI or human?" picture on the screens, with the viewer's guess (null: none). */
  game: Game;
}

export interface ApplyResult {
  state: RoomState;
  needResync: boolean;
}

export type AnyServerEvent = {
  [E in ServerEventName]: { event: E; payload: ServerEventPayloads[E] };
}[ServerEventName];

const TERMINAL: ReadonlySet<ImageStatus> = new Set<ImageStatus>(['done', 'failed']);

export function isTerminal(status: ImageStatus): boolean {
  return TERMINAL.has(status);
}

function winnerNote(prev: RoomState, announced: Image | null = null): WinnerNote | null {
  const id = prev.round.winner_id ?? announced?.id ?? null;
  if (id === null) return null;
  const image = prev.images.find((i) => i.id === id) ?? (announced?.id === id ? announced : null);
  if (!image) return null;
  return {
    roundNumber: prev.round.number,
    imageId: image.id,
    prompt: image.prompt,
    nickname: image.author?.nickname ?? null,
  };
}

/**
 * Replaces the state with a snapshot. With the previous state of the same round, tallies
 * already shown at a higher seq and live progress are kept: a snapshot may have been
 * built just before a tally or progress event that we already applied.
 */
export function applySnapshot(snapshot: Snapshot, prev: RoomState | null = null): RoomState {
  const sameRound = prev !== null && prev.round.id === snapshot.round.id;
  const prevById = new Map<number, Image>(sameRound ? prev.images.map((i) => [i.id, i]) : []);
  const images = snapshot.images.map((image) => {
    const old = prevById.get(image.id);
    const tally = mergeTally(old?.tally, image.tally);
    return tally === image.tally ? image : { ...image, tally };
  });
  const progress: Record<string, Progress> = {};
  if (sameRound) {
    for (const image of images) {
      const p = prev.progress[image.id];
      if (p && !isTerminal(image.status)) progress[image.id] = p;
    }
  }
  let lastWinner: WinnerNote | null = null;
  if (prev !== null) lastWinner = sameRound ? prev.lastWinner : winnerNote(prev);
  const sealed = snapshot.sealed === true;
  const myVotes: Record<string, 'up' | 'down'> = {};
  for (const [id, value] of Object.entries(snapshot.my_votes)) {
    if (value === 'up' || value === 'down') myVotes[id] = value;
  }
  return {
    room: snapshot.room,
    version: snapshot.version,
    serverTime: snapshot.server_time,
    round: snapshot.round,
    images,
    myVotes,
    me: snapshot.me,
    progress,
    lastWinner,
    // An older server omits these; absent means "no quota shown, no entry selection".
    quota: snapshot.quota ?? null,
    entrySelection: snapshot.entry_selection === true,
    generator: snapshot.generator ?? null,
    // An older server without sealed voting: everything open, salt empty (still an order).
    sealed,
    sealsVotes: isSealablePhase(snapshot.round.phase) ? sealed : (prev?.sealsVotes ?? false),
    votesCast: snapshot.votes_cast ?? countedVotes(images),
    gallerySalt: snapshot.gallery_salt ?? '',
    saltRoundId: snapshot.round.id,
    winnerRule: snapshot.winner_rule === 'wilson' ? 'wilson' : 'net',
    votingPhases: snapshot.voting?.phases ?? ['vote'],
    selfVotes: snapshot.voting?.self_votes === true,
    requiresApproval: snapshot.room.requires_approval === true,
    game: gameFromSnapshot(snapshot.game),
  };
}

function upsertImage(state: RoomState, image: Image): RoomState {
  if (image.round_id !== state.round.id) return state;
  const index = state.images.findIndex((i) => i.id === image.id);
  let images: Image[];
  if (index === -1) {
    images = [...state.images, image];
  } else {
    const old = state.images[index]!;
    const tally = mergeTally(old.tally, image.tally);
    images = state.images.slice();
    images[index] = tally === image.tally ? image : { ...image, tally };
  }
  let progress = state.progress;
  if (isTerminal(image.status) && image.id in progress) {
    progress = { ...progress };
    delete progress[image.id];
  }
  let quota = state.quota;
  if (quota && isOwnImage(state, image)) {
    quota = quotaAfter(quota, index === -1 ? undefined : state.images[index], image);
  }
  return { ...state, images, progress, quota };
}

/**
 * A round change. Its tallies (sent when the round leaves the vote phase) are the reveal:
 * applied to the ending round's images first, so the winner note and the reveal screen
 * have counts. Leaving the sealable phases unseals; a new round starts sealed when the room
 * seals and with no votes (the socket fetches a snapshot for the new round's salt).
 */
function applyRound(
  state: RoomState,
  round: Round,
  winner: Image | null,
  tallies: readonly Tally[] = [],
): RoomState {
  const revealed = tallies.length > 0 ? applyTallies(state, tallies) : state;
  const open = !isSealablePhase(round.phase);
  if (round.id === state.round.id) {
    return { ...revealed, round, sealed: open ? false : revealed.sealed };
  }
  // A new round starts the per-round counts afresh; the room cap stays.
  const quota = state.quota && { ...state.quota, generations_used: 0, entries_used: 0 };
  return {
    ...revealed,
    round,
    images: [],
    myVotes: {},
    progress: {},
    lastWinner: winnerNote(revealed, winner),
    quota,
    sealed: open ? false : state.sealsVotes,
    votesCast: 0,
  };
}

export function applyProgress(state: RoomState, event: ProgressEvent): RoomState {
  const image = state.images.find((i) => i.id === event.image_id);
  // A late progress report must not resurrect a finished edit's progress bar.
  if (!image || isTerminal(image.status)) return state;
  const { stage, progress, preview_url, queue_position } = event;
  return {
    ...state,
    progress: {
      ...state.progress,
      [event.image_id]: { stage, progress, preview_url, queue_position },
    },
  };
}

/**
 * Applies one server event. Versioned events apply only at version + 1; older ones are
 * ignored and newer ones mean we missed something (needResync). Tally and progress carry
 * the current version without advancing it, so a version ahead of ours is also a gap.
 */
export function applyEvent<E extends ServerEventName>(
  state: RoomState,
  event: E,
  payload: ServerEventPayloads[E],
): ApplyResult {
  const unchanged = { state, needResync: false };
  // Sketch events carry no room version (they have their own numbering; see sketch-state.ts).
  if (!payload || typeof payload !== 'object' || !('version' in payload) || typeof payload.version !== 'number') {
    return unchanged;
  }
  if (payload.room !== state.room.slug) return unchanged;
  const e = { event, payload } as AnyServerEvent;
  switch (e.event) {
    case 'round:updated':
    case 'image:added':
    case 'image:updated': {
      const version = e.payload.version;
      if (version <= state.version) return unchanged;
      if (version > state.version + 1) return { state, needResync: true };
      const next =
        e.event === 'round:updated'
          ? applyRound(state, e.payload.round, e.payload.winner ?? null, e.payload.tallies)
          : upsertImage(state, e.payload.image);
      return { state: { ...next, version }, needResync: false };
    }
    case 'game:updated': {
      const version = e.payload.version;
      if (version <= state.version) return unchanged;
      if (version > state.version + 1) return { state, needResync: true };
      return { state: { ...state, game: applyGameEvent(state.game, e.payload), version }, needResync: false };
    }
    case 'game:guesses':
      if (e.payload.version > state.version) return { state, needResync: true };
      return { state: { ...state, game: applyGuessCount(state.game, e.payload) }, needResync: false };
    case 'image:progress':
      if (e.payload.version > state.version) return { state, needResync: true };
      return { state: applyProgress(state, e.payload), needResync: false };
    case 'tally':
      if (e.payload.version > state.version) return { state, needResync: true };
      return { state: applyTallyEvent(state, e.payload), needResync: false };
    default:
      return unchanged;
  }
}

/**
 * Replays events that arrived while a snapshot was on its way. Events the snapshot
 * already contains (version <= snapshot.version) fall away by the version rule.
 */
export function replayBuffered(state: RoomState, buffer: readonly AnyServerEvent[]): ApplyResult {
  let current = state;
  for (const { event, payload } of buffer) {
    const result = applyEvent(current, event, payload);
    current = result.state;
    if (result.needResync) return { state: current, needResync: true };
  }
  return { state: current, needResync: false };
}

/**
 * The 202 answer to a submission may arrive before or after its image:added event; it
 * only fills the gap before the event and never overrides what the events said.
 */
export function addOwnSubmission(state: RoomState, image: Image): RoomState {
  if (image.round_id !== state.round.id) return state;
  if (state.images.some((i) => i.id === image.id)) return state;
  return upsertImage(state, image);
}

/**
 * The answer to an entry change sets `entered` at once; the image:updated event that
 * follows carries the same value. Only the flag is taken: the answer may be older than
 * status events already applied.
 */
export function applyEntry(state: RoomState, image: Image): RoomState {
  const current = state.images.find((i) => i.id === image.id);
  if (!current || current.entered === image.entered) return state;
  return upsertImage(state, { ...current, entered: image.entered });
}
