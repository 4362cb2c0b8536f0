// Protocol-shaped objects for tests, with overridable fields.
import type { Image, Quota, Round, Snapshot, Tally } from '../src/generated/protocol';

export function tally(image_id: number, up = 0, down = 0, seq = 0): Tally {
  return { image_id, up, down, score: up - down, seq };
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
    ...overrides,
  };
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
    room: { slug: 'main', name: 'Main room' },
    version: 10,
    server_time: 1_700_000_000_000,
    round: round(),
    images: [],
    my_votes: {},
    me: { id: 1, nickname: 'Me', room: 'main' },
    quota: null,
    entry_selection: false,
    generator: { provider: 'offline', model: null, offline: true },
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
