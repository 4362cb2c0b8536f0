// Protocol-shaped objects for tests, with overridable fields.
import type { Image, Quota, Round, Snapshot, Tally, TallyEvent } from '../src/generated/protocol';

/** The server's formula (domain/views.py), rounded to 4 places as it sends it. */
export function wilson(up: number, down: number, z = 1.96): number {
  const n = up + down;
  if (n === 0) return 0;
  const p = up / n;
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return Math.round(((centre - spread) / (1 + (z * z) / n)) * 10_000) / 10_000;
}

export function tally(image_id: number, up = 0, down = 0, seq = 0): Tally {
  return { image_id, up, down, score: up - down, wilson: wilson(up, down), seq };
}

/** A tally as a sealed room sends it: only the seq. */
export function sealedTally(image_id: number, seq = 0): Tally {
  return { image_id, up: null, down: null, score: null, wilson: null, seq };
}

export function tallyEvent(
  version: number,
  tallies: Tally[],
  extra: Partial<TallyEvent> = {},
): TallyEvent {
  return { room: 'main', version, tallies, votes_cast: 0, sealed: false, ...extra };
}

export function round(overrides: Partial<Round> = {}): Round {
  return {
    id: 1,
    number: 1,
    phase: 'generate',
    seed: {
      id: 100,
      url: '/media/seed-1.png',
      thumb_url: '/media/seed-1-t.png',
      width: 64,
      height: 48,
    },
    deadline: null,
    phase_started_at: 1_700_000_000_000,
    winner_id: null,
    kind: 'edit',
    sketch: null,
    paused: false,
    remaining_s: null,
    ...overrides,
  };
}

export function image(id: number, overrides: Partial<Image> = {}): Image {
  return {
    id,
    round_id: 1,
    parent_id: 100,
    author: { id: 7, nickname: 'Ada' },
    prompt: `prompt ${id}`,
    status: 'queued',
    error: null,
    provider: 'offline',
    model: null,
    offline: true,
    url: null,
    thumb_url: null,
    mask_url: null,
    width: 64,
    height: 48,
    tally: tally(id),
    created_at: 1_700_000_000_000 + id,
    entered: false,
    feather_px: 0,
    quality: null,
    generation_ms: null,
    approved: true,
    hidden: false,
    ...overrides,
    // Cast: optional moderation flags come and go with the protocol.
  } as Image;
}

export function done(id: number, overrides: Partial<Image> = {}): Image {
  return image(id, {
    status: 'done',
    url: `/media/${id}.png`,
    thumb_url: `/media/${id}-t.png`,
    mask_url: `/media/${id}-m.png`,
    ...overrides,
  });
}

export function snapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    // Cast: the room's other flags (join lock, research, ...) grow with the protocol.
    room: {
      slug: 'main',
      name: 'Main room',
      mode: 'facilitated',
      join_code: 'K7MZ3Q',
      join_path: '/j/K7MZ3Q',
      join_locked: false,
      research: false,
    } as Snapshot['room'],
    version: 10,
    server_time: 1_700_000_000_000,
    round: round(),
    images: [],
    my_votes: {},
    me: { id: 1, nickname: 'Me', room: 'main' },
    quota: null,
    entry_selection: false,
    generator: { provider: 'offline', model: null, offline: true },
    voting: { phases: ['vote'], self_votes: false },
    sealed: false,
    votes_cast: 0,
    gallery_salt: 'salt-1',
    winner_rule: 'net',
    ...overrides,
  };
}

export function quota(overrides: Partial<Quota> = {}): Quota {
  return {
    generations_per_round: 5,
    generations_used: 0,
    entries_per_round: 2,
    entries_used: 0,
    room_generations_per_minute: 30,
    ...overrides,
  };
}
