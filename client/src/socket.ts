// The one owner of the Socket.IO connection. It joins the room, keeps the snapshot and its
// version through the pure reducer in state.ts, buffers events while a snapshot is on its
// way, resyncs on gaps and reconnects, and offers a subscribe() store to the views.
import { io } from 'socket.io-client';
import { ServerClock } from './clock';
import { t } from './i18n';
import {
  CLIENT_EVENTS,
  SERVER_EVENTS,
  type ClientEventAcks,
  type ClientEventName,
  type ClientEventPayloads,
  type Image,
  type ServerEventName,
  type ServerEventPayloads,
  type SessionEndedEvent,
  type SketchDraftRequest,
  type SketchDraftsEvent,
  type SketchOpEvent,
  type SketchState,
  type SketchStroke,
  type Tally,
  type GuessValue,
  type VoteValue,
} from './generated/protocol';
import { applyMyGuess } from './game';
import {
  type AnyServerEvent,
  type RoomState,
  addOwnSubmission,
  applyEntry,
  applyEvent,
  applySnapshot,
  applyVoteAck,
  replayBuffered,
  snapshotWanted,
} from './state';

/** The part of a socket.io-client Socket we use, so tests can hand in a fake. */
export interface SocketLike {
  readonly connected: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, payload: unknown, ack?: (response: any) => void): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

export type ConnectionStatus = 'connecting' | 'syncing' | 'live' | 'offline' | 'error';

export interface StoreState {
  status: ConnectionStatus;
  room: RoomState | null;
  error: { code: string; message: string } | null;
}

export class SocketError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SocketError';
  }
}

export interface ConnectionOptions {
  createSocket?: () => SocketLike;
  clock?: ServerClock;
  ackTimeoutMs?: number;
  pings?: number;
  /** A follow-up snapshot (new round) waits up to this long, so a room does not ask at once. */
  followUpJitterMs?: number;
}

type Listener = (state: StoreState) => void;

/** Hears the room's sketch traffic, which has its own numbering (not the room version). */
export interface SketchListener {
  op(event: SketchOpEvent): void;
  drafts(event: SketchDraftsEvent): void;
}

// Past this many events in one snapshot wait, a fresh snapshot is cheaper than a replay.
const MAX_BUFFER = 2000;

export function defaultSocket(): SocketLike {
  return io({ path: '/socket.io/', transports: ['websocket'], withCredentials: true });
}

export class RoomConnection {
  readonly clock: ServerClock;
  private socket: SocketLike | null = null;
  private state: StoreState = { status: 'connecting', room: null, error: null };
  private readonly listeners = new Set<Listener>();
  private readonly endedListeners = new Set<(event: SessionEndedEvent) => void>();
  private readonly sketchListeners = new Set<SketchListener>();
  private buffer: AnyServerEvent[] = [];
  private awaiting = false;
  private overflowed = false;
  private requestSeq = 0;
  private joined = false;
  private resyncStreak = 0;
  private readonly createSocket: () => SocketLike;
  private readonly ackTimeoutMs: number;
  private readonly pings: number;
  private readonly followUpJitterMs: number;
  private followUpKey: string | null = null;

  constructor(
    readonly slug: string,
    options: ConnectionOptions = {},
  ) {
    this.createSocket = options.createSocket ?? defaultSocket;
    this.clock = options.clock ?? new ServerClock();
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.pings = options.pings ?? 5;
    this.followUpJitterMs = options.followUpJitterMs ?? 2000;
  }

  start(): void {
    if (this.socket) return;
    const socket = this.createSocket();
    this.socket = socket;
    socket.on('connect', () => {
      // A new connection has not joined anything server-side: join again, which also
      // brings the fresh snapshot that resyncs whatever we missed while away.
      this.joined = false;
      this.requestSnapshot(CLIENT_EVENTS.ROOM_JOIN);
      void this.syncClock();
    });
    socket.on('disconnect', (reason: string) => {
      this.awaiting = false;
      this.joined = false;
      this.requestSeq++;
      this.set({ status: 'offline' });
      // The server dropping us is not retried by socket.io itself.
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('connect_error', (err: { message?: string }) => {
      this.set({
        status: 'offline',
        error: { code: 'connect_error', message: err?.message || t('conn.cannotConnect') },
      });
    });
    for (const event of Object.values(SERVER_EVENTS)) {
      socket.on(event, (payload: ServerEventPayloads[typeof event]) =>
        this.onServerEvent(event, payload),
      );
    }
  }

  stop(): void {
    this.socket?.disconnect();
    this.socket = null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  getState(): StoreState {
    return this.state;
  }

  /** Asks for a fresh snapshot, e.g. after a refused phase change. */
  resync(): void {
    if (this.socket?.connected) {
      this.requestSnapshot(this.joined ? CLIENT_EVENTS.ROOM_SYNC : CLIENT_EVENTS.ROOM_JOIN);
    }
  }

  async castVote(imageId: number, value: VoteValue): Promise<Tally> {
    const ack = await this.call(CLIENT_EVENTS.VOTE_CAST, {
      room: this.slug,
      image_id: imageId,
      value,
    });
    if (!ack || ack.ok !== true) {
      const error = ack?.error;
      throw new SocketError(error?.code ?? 'error', error?.message ?? t('error.voteRefused'));
    }
    if (this.state.room) {
      this.set({ room: applyVoteAck(this.state.room, ack.image_id, ack.value, ack.tally) });
    }
    return ack.tally;
  }

  /** Our guess on the game picture (once per picture); the ack's count shows at once. */
  async castGuess(itemId: number, guess: GuessValue): Promise<void> {
    const ack = await this.call(CLIENT_EVENTS.GUESS_CAST, { room: this.slug, item_id: itemId, guess });
    if (!ack || ack.ok !== true) {
      const error = ack?.error;
      throw new SocketError(error?.code ?? 'error', error?.message ?? t('game.guessRefused'));
    }
    if (this.state.room) {
      this.set({ room: { ...this.state.room, game: applyMyGuess(this.state.room.game, ack.item_id, ack.guess, ack.guesses) } });
    }
  }

  /** Shows our own submission at once, before its image:added event arrives. */
  noteSubmission(image: Image): void {
    if (this.state.room) this.set({ room: addOwnSubmission(this.state.room, image) });
  }

  /** Shows an entry change at once, before its image:updated event arrives. */
  noteEntry(image: Image): void {
    if (this.state.room) this.set({ room: applyEntry(this.state.room, image) });
  }

  private set(patch: Partial<StoreState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }

  private call<E extends ClientEventName>(
    event: E,
    payload: ClientEventPayloads[E],
  ): Promise<ClientEventAcks[E]> {
    const socket = this.socket;
    if (!socket || !socket.connected) {
      return Promise.reject(new SocketError('offline', t('error.offline')));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new SocketError('timeout', t('error.timeout'))),
        this.ackTimeoutMs,
      );
      socket.emit(event, payload, (response: ClientEventAcks[E]) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
  }

  private requestSnapshot(event: typeof CLIENT_EVENTS.ROOM_JOIN | typeof CLIENT_EVENTS.ROOM_SYNC) {
    const id = ++this.requestSeq;
    if (!this.awaiting) {
      this.buffer = [];
      this.overflowed = false;
    }
    this.awaiting = true;
    if (this.state.room) this.set({ status: 'syncing' });
    this.call(event, { room: this.slug }).then(
      (ack) => {
        if (id !== this.requestSeq) return;
        if (ack && ack.ok === true) {
          this.joined = true;
          this.clock.estimateFromSnapshot(ack.snapshot.server_time, Date.now());
          this.finishSnapshot(applySnapshot(ack.snapshot, this.state.room));
          return;
        }
        const error = ack?.error ?? { code: 'error', message: t('error.roomLoad') };
        if (event === CLIENT_EVENTS.ROOM_SYNC) {
          // Typically "not joined" after a server restart: joining again is the cure.
          this.requestSnapshot(CLIENT_EVENTS.ROOM_JOIN);
          return;
        }
        this.awaiting = false;
        this.set({ status: 'error', error });
      },
      (err: unknown) => {
        if (id !== this.requestSeq) return;
        this.awaiting = false;
        const message = err instanceof Error ? err.message : t('error.roomLoad');
        this.set({ status: 'offline', error: { code: 'timeout', message } });
        // Try again while connected; a disconnect restarts the join on reconnect anyway.
        setTimeout(() => {
          if (id === this.requestSeq && this.socket?.connected) this.requestSnapshot(event);
        }, 1000);
      },
    );
  }

  private finishSnapshot(room: RoomState): void {
    const overflowed = this.overflowed;
    const { state, needResync } = replayBuffered(room, this.buffer);
    this.buffer = [];
    this.overflowed = false;
    this.awaiting = false;
    this.set({ status: 'live', room: state, error: null });
    if (!needResync && !overflowed) {
      this.resyncStreak = 0;
      this.followUp(state);
      return;
    }
    // A server whose snapshots keep lagging its events must not be asked in a tight loop.
    this.resyncStreak++;
    const delay = this.resyncStreak > 2 ? Math.min(10_000, 1000 * this.resyncStreak) : 0;
    const seq = this.requestSeq;
    setTimeout(() => {
      if (seq === this.requestSeq && this.socket?.connected) {
        this.requestSnapshot(CLIENT_EVENTS.ROOM_SYNC);
      }
    }, delay);
  }

  /** The current round's sketch (and the room's sketch events keep coming to listeners). */
  async joinSketch(): Promise<SketchState> {
    const ack = await this.call(CLIENT_EVENTS.SKETCH_JOIN, { room: this.slug });
    if (!ack || ack.ok !== true) throw ackError(ack, t('sketch.loadFailed'));
    return ack.sketch;
  }

  async sendStroke(roundId: number, stroke: Omit<SketchStroke, 'seq' | 'user_id'>): Promise<SketchStroke> {
    const ack = await this.call(CLIENT_EVENTS.SKETCH_STROKE, { room: this.slug, round_id: roundId, stroke });
    if (!ack || ack.ok !== true) throw ackError(ack, t('sketch.strokeRefused'));
    return ack.stroke;
  }

  async undoStroke(roundId: number): Promise<void> {
    const ack = await this.call(CLIENT_EVENTS.SKETCH_UNDO, { room: this.slug, round_id: roundId });
    if (!ack || ack.ok !== true) throw ackError(ack, t('sketch.undoFailed'));
  }

  /** Pointer and stroke-in-progress points: volatile, sent without waiting for an answer. */
  sendDraft(draft: Omit<SketchDraftRequest, 'room'>): void {
    if (this.socket?.connected) this.socket.emit(CLIENT_EVENTS.SKETCH_DRAFT, { room: this.slug, ...draft });
  }

  onSketch(listener: SketchListener): () => void {
    this.sketchListeners.add(listener);
    return () => this.sketchListeners.delete(listener);
  }

  /** Hears session:ended (a participant removed by the facilitator) for this room. */
  onSessionEnded(listener: (event: SessionEndedEvent) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  private onServerEvent<E extends ServerEventName>(event: E, payload: ServerEventPayloads[E]) {
    if (event === SERVER_EVENTS.SKETCH_OP || event === SERVER_EVENTS.SKETCH_DRAFTS) {
      const sketch = payload as SketchOpEvent | SketchDraftsEvent;
      if (sketch?.room !== this.slug) return;
      for (const listener of this.sketchListeners) {
        if (event === SERVER_EVENTS.SKETCH_OP) listener.op(sketch as SketchOpEvent);
        else listener.drafts(sketch as SketchDraftsEvent);
      }
      return;
    }
    if (event === SERVER_EVENTS.SESSION_ENDED) {
      const ended = payload as SessionEndedEvent;
      if (ended?.room === this.slug) for (const listener of this.endedListeners) listener(ended);
      return;
    }
    if (this.awaiting) {
      if (this.buffer.length < MAX_BUFFER) {
        this.buffer.push({ event, payload } as AnyServerEvent);
      } else {
        this.overflowed = true;
      }
      return;
    }
    const room = this.state.room;
    if (!room) return;
    const { state, needResync } = applyEvent(room, event, payload);
    if (needResync) {
      this.requestSnapshot(CLIENT_EVENTS.ROOM_SYNC);
      // Kept so it applies after the snapshot if the snapshot turns out to be older.
      this.buffer.push({ event, payload } as AnyServerEvent);
      return;
    }
    if (state !== room) {
      this.set({ room: state });
      this.followUp(state);
    }
  }

  /** Fetches a snapshot the state wants without a gap (see snapshotWanted), once per reason. */
  private followUp(room: RoomState): void {
    const key = snapshotWanted(room);
    if (key === null || key === this.followUpKey) return;
    this.followUpKey = key;
    const seq = this.requestSeq;
    setTimeout(() => {
      // Any snapshot asked for since then is newer than the reason and brings the same.
      if (seq === this.requestSeq && this.socket?.connected) {
        this.requestSnapshot(CLIENT_EVENTS.ROOM_SYNC);
      }
    }, Math.random() * this.followUpJitterMs);
  }

  private async syncClock(): Promise<void> {
    this.clock.reset();
    for (let i = 0; i < this.pings; i++) {
      const t0 = Date.now();
      try {
        const pong = await this.call(CLIENT_EVENTS.TIME_PING, { client_time: t0 });
        if (pong && pong.ok === true && typeof pong.server_time === 'number') {
          this.clock.addSample({ t0, t1: Date.now(), serverTime: pong.server_time });
        }
      } catch {
        return;
      }
    }
    // Countdowns read the clock on their own timer; a nudge makes them use it at once.
    this.set({});
  }
}

function ackError(ack: { ok: boolean; error?: { code: string; message: string } } | undefined, fallback: string) {
  const error = ack && ack.ok === false ? ack.error : undefined;
  return new SocketError(error?.code ?? 'error', error?.message ?? fallback);
}
