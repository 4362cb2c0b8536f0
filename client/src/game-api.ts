// The facilitator's REST calls for the "AI or human?" game (docs/api.md, "The game").
import { request } from './api';
import type { ArtworkRequest, GameItem, GameStartRequest } from './generated/protocol';

const game = (slug: string) => `/api/host/rooms/${encodeURIComponent(slug)}`;

export interface Artwork {
  id: number;
  title: string;
  artist: string;
  source_url: string | null;
  url: string;
  thumb_url: string;
  width: number;
  height: number;
  created_at: number;
  /** The number of the picture that showed it, or null. */
  shown_in: number | null;
}

export interface GameTotals {
  items: number;
  guesses: number;
  right: number;
  room_accuracy: number | null;
  majority_items: number;
  majority_right: number;
  majority_accuracy: number | null;
  detector_items: number;
  detector_right: number;
  detector_accuracy: number | null;
}

export interface GameResults {
  items: (GameItem & { room_guess: 'ai' | 'human' | null })[];
  current_id: number | null;
  totals: GameTotals;
  pool: { artworks: number; edits: number };
  /** The newest edits not shown yet, newest first, to choose from. */
  unshown_edits?: { id: number; prompt: string; author: string | null; thumb_url: string }[];
  detector_configured: boolean;
}

export const gameApi = {
  artworks: (slug: string) => request<{ artworks: Artwork[] }>('GET', `${game(slug)}/artworks`),
  /** 422 invalid_image (not a picture), 422 invalid_credit (title, artist or source). */
  upload: (slug: string, body: ArtworkRequest) =>
    request<{ artwork: Artwork }>('POST', `${game(slug)}/artworks`, body),
  /** 409 artwork_shown once a picture showed it. */
  remove: (slug: string, id: number) => request<void>('DELETE', `${game(slug)}/artworks/${id}`),
  /** 409 game_in_progress, game_pool_empty; 422 detector_checkpoint_invalid; 503 detector_unavailable. */
  start: (slug: string, body: GameStartRequest) =>
    request<{ item: GameItem }>('POST', `${game(slug)}/game/items`, body),
  reveal: (slug: string) => request<{ item: GameItem }>('POST', `${game(slug)}/game/reveal`, {}),
  close: (slug: string) => request<{ item: GameItem }>('POST', `${game(slug)}/game/close`, {}),
  results: (slug: string) => request<GameResults>('GET', `${game(slug)}/game`),
};
