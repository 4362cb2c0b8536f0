import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServerClock } from '../src/clock';
import { RoomConnection, SocketError, type SocketLike, type StoreState } from '../src/socket';
import { done, image, round, sealedTally, snapshot, tally, tallyEvent } from './fixtures';

interface Emitted {
  event: string;
  payload: any;
  ack: (response: unknown) => void;
}

class FakeSocket implements SocketLike {
  connected = false;
  emitted: Emitted[] = [];
  private handlers = new Map<string, ((...args: any[]) => void)[]>();

  on(event: string, listener: (...args: any[]) => void) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), listener]);
    return this;
  }
  emit(event: string, payload: unknown, ack: (response: any) => void) {
    this.emitted.push({ event, payload, ack });
    return this;
  }
  connect() {
    this.connected = true;
    this.fire('connect');
    return this;
  }
  disconnect() {
    this.connected = false;
    this.fire('disconnect', 'io client disconnect');
    return this;
  }
  drop() {
    this.connected = false;
    this.fire('disconnect', 'transport close');
  }
  fire(event: string, ...args: unknown[]) {
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }
  last(event: string): Emitted {
    const found = this.emitted.filter((e) => e.event === event).at(-1);
    if (!found) throw new Error(`nothing emitted as ${event}`);
    return found;
  }
  count(event: string): number {
    return this.emitted.filter((e) => e.event === event).length;
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(options: { pings?: number } = {}) {
  const socket = new FakeSocket();
  const conn = new RoomConnection('main', {
    createSocket: () => socket,
    pings: options.pings ?? 0,
  });
  const seen: StoreState[] = [];
  conn.subscribe((s) => seen.push(s));
  conn.start();
  return { socket, conn, seen };
}

async function joined(images = [done(1), image(2)]) {
  const ctx = setup();
  ctx.socket.connect();
  ctx.socket.last('room:join').ack({ ok: true, snapshot: snapshot({ images }) });
  await flush();
  return ctx;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RoomConnection', () => {
  it('joins on connect and buffers events until the snapshot, replaying newer ones', async () => {
    const { socket, conn } = setup();
    socket.connect();
    expect(socket.last('room:join').payload).toEqual({ room: 'main' });
    socket.fire('image:added', { room: 'main', version: 10, image: image(5) });
    socket.fire('image:added', { room: 'main', version: 11, image: image(6) });
    socket.fire('tally', tallyEvent(11, [tally(1, 2, 0, 1)]));
    expect(conn.getState().room).toBeNull();

    socket.last('room:join').ack({ ok: true, snapshot: snapshot({ images: [done(1)] }) });
    await flush();
    const state = conn.getState();
    expect(state.status).toBe('live');
    expect(state.room!.version).toBe(11);
    expect(state.room!.images.map((i) => i.id)).toEqual([1, 6]);
    expect(state.room!.images[0]!.tally.up).toBe(2);
  });

  it('applies live events in order and resyncs on a version gap', async () => {
    const { socket, conn } = await joined();
    socket.fire('image:updated', { room: 'main', version: 11, image: done(2) });
    expect(conn.getState().room!.version).toBe(11);
    expect(socket.count('room:sync')).toBe(0);

    socket.fire('image:added', { room: 'main', version: 13, image: image(4) });
    expect(socket.count('room:sync')).toBe(1);
    expect(conn.getState().room!.version).toBe(11);
    socket.fire('image:added', { room: 'main', version: 14, image: image(5) });
    expect(socket.count('room:sync')).toBe(1);

    socket.last('room:sync').ack({
      ok: true,
      snapshot: snapshot({ version: 12, images: [done(1), done(2), image(3)] }),
    });
    await flush();
    const room = conn.getState().room!;
    expect(room.version).toBe(14);
    expect(room.images.map((i) => i.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('re-joins with a fresh snapshot after a reconnect and keeps showing the old state meanwhile', async () => {
    const { socket, conn } = await joined();
    socket.drop();
    expect(conn.getState().status).toBe('offline');
    expect(conn.getState().room!.version).toBe(10);
    socket.connect();
    expect(socket.count('room:join')).toBe(2);
    socket
      .last('room:join')
      .ack({ ok: true, snapshot: snapshot({ version: 30, round: round({ phase: 'vote' }) }) });
    await flush();
    expect(conn.getState().room!.version).toBe(30);
    expect(conn.getState().room!.round.phase).toBe('vote');
  });

  it('ignores an ack that belongs to a connection that has gone', async () => {
    const { socket, conn } = setup();
    socket.connect();
    const stale = socket.last('room:join');
    socket.drop();
    socket.connect();
    stale.ack({ ok: true, snapshot: snapshot({ version: 5 }) });
    await flush();
    expect(conn.getState().room).toBeNull();
    socket.last('room:join').ack({ ok: true, snapshot: snapshot({ version: 6 }) });
    await flush();
    expect(conn.getState().room!.version).toBe(6);
  });

  it('asks for another snapshot when the buffered events still have a gap', async () => {
    const { socket, conn } = setup();
    socket.connect();
    socket.fire('image:added', { room: 'main', version: 11, image: image(3) });
    socket.fire('image:added', { room: 'main', version: 13, image: image(5) });
    socket.last('room:join').ack({ ok: true, snapshot: snapshot() });
    await flush();
    await flush();
    expect(conn.getState().room!.version).toBe(11);
    expect(socket.count('room:sync')).toBe(1);
    socket.last('room:sync').ack({
      ok: true,
      snapshot: snapshot({ version: 13, images: [image(3), image(4), image(5)] }),
    });
    await flush();
    expect(conn.getState().room!.version).toBe(13);
    expect(conn.getState().room!.images.map((i) => i.id)).toEqual([3, 4, 5]);
    expect(socket.count('room:sync')).toBe(1);
  });

  it('falls back to room:join when room:sync is refused', async () => {
    const { socket, conn } = await joined();
    socket.fire('tally', tallyEvent(12, []));
    socket
      .last('room:sync')
      .ack({ ok: false, error: { code: 'not_in_room', message: 'join first' } });
    await flush();
    expect(socket.count('room:join')).toBe(2);
    socket.last('room:join').ack({ ok: true, snapshot: snapshot({ version: 12 }) });
    await flush();
    expect(conn.getState().room!.version).toBe(12);
  });

  it('reports a refused join as an error', async () => {
    const { socket, conn } = setup();
    socket.connect();
    socket
      .last('room:join')
      .ack({ ok: false, error: { code: 'room_not_found', message: 'No such room' } });
    await flush();
    expect(conn.getState().status).toBe('error');
    expect(conn.getState().error).toEqual({ code: 'room_not_found', message: 'No such room' });
  });

  it('casts votes with the room and applies the ack tally at once', async () => {
    const { socket, conn } = await joined();
    const pending = conn.castVote(1, 'up');
    const sent = socket.last('vote:cast');
    expect(sent.payload).toEqual({ room: 'main', image_id: 1, value: 'up' });
    sent.ack({ ok: true, image_id: 1, value: 'up', tally: tally(1, 1, 0, 1) });
    await expect(pending).resolves.toEqual(tally(1, 1, 0, 1));
    const room = conn.getState().room!;
    expect(room.myVotes).toEqual({ '1': 'up' });
    expect(room.images[0]!.tally.score).toBe(1);
  });

  it('rejects a refused vote with the server code and message', async () => {
    const { socket, conn } = await joined();
    const pending = conn.castVote(1, 'down');
    socket
      .last('vote:cast')
      .ack({ ok: false, error: { code: 'own_image', message: 'Not your own' } });
    await expect(pending).rejects.toMatchObject({ code: 'own_image', message: 'Not your own' });
    expect(conn.getState().room!.myVotes).toEqual({});
  });

  it('refuses to vote while offline', async () => {
    const { socket, conn } = await joined();
    socket.drop();
    await expect(conn.castVote(1, 'up')).rejects.toBeInstanceOf(SocketError);
  });

  it('times out an unanswered join and retries it', async () => {
    vi.useFakeTimers();
    const socket = new FakeSocket();
    const conn = new RoomConnection('main', {
      createSocket: () => socket,
      pings: 0,
      ackTimeoutMs: 500,
    });
    conn.start();
    socket.connect();
    await vi.advanceTimersByTimeAsync(600);
    expect(conn.getState().status).toBe('offline');
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.count('room:join')).toBe(2);
  });

  it('estimates the clock offset from pings', async () => {
    const clock = new ServerClock();
    const socket = new FakeSocket();
    const conn = new RoomConnection('main', { createSocket: () => socket, pings: 2, clock });
    conn.start();
    socket.connect();
    for (let i = 0; i < 2; i++) {
      await flush();
      const ping = socket.last('time:ping');
      ping.ack({
        ok: true,
        client_time: ping.payload.client_time,
        server_time: ping.payload.client_time + 60_000,
      });
    }
    await flush();
    expect(socket.count('time:ping')).toBe(2);
    expect(clock.offsetMs).toBeGreaterThan(59_000);
    expect(clock.offsetMs).toBeLessThanOrEqual(60_000);
  });

  it('shows an own submission before its event and does not duplicate it after', async () => {
    const { socket, conn } = await joined();
    conn.noteSubmission(image(3));
    expect(conn.getState().room!.images.map((i) => i.id)).toEqual([1, 2, 3]);
    socket.fire('image:added', { room: 'main', version: 11, image: image(3) });
    expect(conn.getState().room!.images.map((i) => i.id)).toEqual([1, 2, 3]);
    expect(conn.getState().room!.version).toBe(11);
  });

  it("fetches the new round's snapshot (its gallery salt) once, after a jitter", async () => {
    vi.useFakeTimers();
    const socket = new FakeSocket();
    const conn = new RoomConnection('main', {
      createSocket: () => socket,
      pings: 0,
      followUpJitterMs: 1000,
    });
    conn.start();
    socket.connect();
    socket.last('room:join').ack({ ok: true, snapshot: snapshot({ gallery_salt: 'r1' }) });
    await vi.advanceTimersByTimeAsync(0);
    const next = round({ id: 2, number: 2 });
    socket.fire('round:updated', { room: 'main', version: 11, round: next, winner: null });
    socket.fire('image:added', { room: 'main', version: 12, image: image(5, { round_id: 2 }) });
    expect(socket.count('room:sync')).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.count('room:sync')).toBe(1);
    socket.last('room:sync').ack({
      ok: true,
      snapshot: snapshot({
        version: 12,
        round: next,
        images: [image(5, { round_id: 2 })],
        gallery_salt: 'r2',
      }),
    });
    await vi.advanceTimersByTimeAsync(2000);
    expect(conn.getState().room!.gallerySalt).toBe('r2');
    expect(socket.count('room:sync')).toBe(1);
  });

  it('shows a sealed vote ack as my vote without counts', async () => {
    const { socket, conn } = await joined();
    const pending = conn.castVote(1, 'up');
    socket.last('vote:cast').ack({ ok: true, image_id: 1, value: 'up', tally: sealedTally(1, 1) });
    await pending;
    const room = conn.getState().room!;
    expect(room.myVotes).toEqual({ '1': 'up' });
    expect(room.images[0]!.tally.up).toBeNull();
  });
});
