// REST wrapper: JSON in and out, same-origin cookies, and one error type carrying the
// server's {"error": {code, message}} so views can react to codes like nickname_taken.
import type {
  EntryRequest,
  ExtendRequest,
  FacilitatorSignIn,
  Image,
  JoinRequest,
  Me,
  ModerationRequest,
  PaintRequest,
  PaletteRequest,
  PhaseRequest,
  RoomSettingsRequest,
  Round,
  RoundKindRequest,
  Seed,
  SketchLockRequest,
  Snapshot,
  SubmissionRequest,
} from './generated/protocol';
import type { Analytics } from './analytics-data';
import { t } from './i18n';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function errorFromBody(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const message =
    typeof error?.message === 'string' && error.message
      ? error.message
      : t('error.httpStatus', { status });
  return new ApiError(status, code, message);
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  };
  if (method !== 'GET' && method !== 'HEAD') {
    // The server's CSRF guard accepts state changes (DELETE included) only with a JSON
    // content type, so even a bodiless request sends one, with an empty object.
    init.headers = { ...init.headers, 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body ?? {});
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network_error', t('error.network'));
  }
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) throw errorFromBody(response.status, parsed);
  return parsed as T;
}

const room = (slug: string) => `/api/rooms/${encodeURIComponent(slug)}`;
const hostRoom = (slug: string) => `/api/host/rooms/${encodeURIComponent(slug)}`;

export interface LineageStep {
  round: Pick<Round, 'id' | 'number' | 'phase' | 'kind'>;
  seed: Seed;
  winner: Image | null;
  /** The next entries by the winner rule (empty while sealed; absent on older servers). */
  runners_up?: Image[];
}

/** The room a join code names (GET /api/join/<code>). */
export interface CodeRoom {
  slug: string;
  name: string;
}

/** The QR code (SVG) of the room's absolute join link. */
export function joinQrPath(slug: string): string {
  return `${room(slug)}/join-qr.svg`;
}

/** A room as the facilitator's room list and settings routes describe it. */
export interface HostRoom {
  slug: string;
  name: string;
  mode: 'facilitated' | 'daily';
  join_code: string | null;
  join_locked: boolean;
  research: boolean;
  requires_approval: boolean;
  generate_s: number | null;
  vote_s: number | null;
  round?: { number: number; phase: string } | null;
  participants?: number;
}

export interface HostParticipant {
  id: number;
  nickname: string;
  connected: boolean;
  removed: 'kicked' | 'banned' | null;
  participant_ref?: string | null;
  submissions: number;
  votes: number;
}

export const COUNTER_NAMES = [
  'connected',
  'participants',
  'submitted',
  'entered',
  'voters',
  'votes',
  'queued',
  'generating',
  'failed',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Partial<Record<CounterName, number>>;

export const hostApi = {
  /** A link that signs a co-facilitator in for 24 hours. */
  invite: () => request<{ link: string; expires_in_s: number }>('POST', '/api/host/invites', {}),
  rooms: () => request<{ rooms: HostRoom[] }>('GET', '/api/host/rooms'),
  createRoom: (body: { name: string; mode: 'facilitated' | 'daily'; seed?: string }) =>
    request<{ room: HostRoom }>('POST', '/api/host/rooms', body),
  updateRoom: (slug: string, body: RoomSettingsRequest) =>
    request<{ room: HostRoom }>('PATCH', hostRoom(slug), body),
  uploadSeed: (slug: string, image: string) =>
    request<{ round: Round }>('POST', `${hostRoom(slug)}/seed`, { image }),
  images: (slug: string) => request<{ images: Image[] }>('GET', `${hostRoom(slug)}/images`),
  moderate: (slug: string, imageId: number, action: ModerationRequest['action']) =>
    request<{ image: Image }>('POST', `${hostRoom(slug)}/images/${imageId}/moderation`, {
      action,
    } satisfies ModerationRequest),
  participants: (slug: string) =>
    request<{ participants: HostParticipant[] }>('GET', `${hostRoom(slug)}/participants`),
  counters: (slug: string) => request<Counters>('GET', `${hostRoom(slug)}/counters`),
  removeParticipant: (slug: string, userId: number, how: 'kick' | 'ban') =>
    request<unknown>('POST', `${hostRoom(slug)}/participants/${userId}/${how}`, {}),
  /** The analytics page's figures (401 not_facilitator, 404 room_not_found). */
  analytics: (slug: string) => request<Analytics>('GET', `${hostRoom(slug)}/analytics`),
  /** Score the room's images with the configured detector (409 detector_not_configured,
   * 422 detector_checkpoint_invalid, 503 detector_unavailable). */
  scoreDetector: (slug: string) =>
    request<{ scored: number; skipped: { id: number; reason: string }[] }>(
      'POST',
      `${hostRoom(slug)}/detector-scores`,
      {},
    ),
  /** Where the room's dataset zip downloads from (a streamed GET with the facilitator cookie). */
  exportPath: (slug: string) => `${hostRoom(slug)}/export.zip`,
  /** Make the current round a sketch round or an edit round (409 round_started, wrong_phase). */
  setRoundKind: (slug: string, kind: RoundKindRequest['kind']) =>
    request<{ round: Round }>('POST', `${hostRoom(slug)}/round-kind`, { kind } satisfies RoundKindRequest),
  palettes: (slug: string) =>
    request<{ palettes: { name: string; title: string; labels: string[] }[]; current: string }>(
      'GET',
      `${hostRoom(slug)}/palettes`,
    ),
  setPalette: (slug: string, palette: string) =>
    request<{ round: Round }>('POST', `${hostRoom(slug)}/sketch/palette`, { palette } satisfies PaletteRequest),
  lockSketch: (slug: string, locked: boolean) =>
    request<{ round: Round }>('POST', `${hostRoom(slug)}/sketch/lock`, { locked } satisfies SketchLockRequest),
  clearSketch: (slug: string) =>
    request<{ seq: number; removed: number }>('POST', `${hostRoom(slug)}/sketch/clear`, {}),
  /** A sketch round as a COCO dataset zip (a GET with the facilitator cookie). */
  sketchCocoPath: (slug: string, roundNumber: number) =>
    `${hostRoom(slug)}/rounds/${roundNumber}/sketch-coco.zip`,
};

export const api = {
  getSession: () => request<{ me: Me | null }>('GET', '/api/session'),
  join: (body: JoinRequest) => request<{ me: Me }>('POST', '/api/session', body),
  /** A friendly random nickname (never offensive). */
  suggestNickname: () => request<{ nickname: string }>('GET', '/api/nickname'),
  leave: () => request<void>('DELETE', '/api/session'),
  getRoom: (slug: string) => request<Snapshot>('GET', room(slug)),
  submit: (slug: string, body: SubmissionRequest) =>
    request<{ image: Image; job_id: number }>('POST', `${room(slug)}/submissions`, body),
  /** Enter a finished attempt into the vote, or withdraw it (generate phase only). */
  setEntry: (slug: string, imageId: number, entered: boolean) =>
    request<{ image: Image }>('POST', `${room(slug)}/images/${imageId}/entry`, {
      entered,
    } satisfies EntryRequest),
  /** 404 join_code_unknown for a code no room has (case and spaces do not matter). */
  findRoomByCode: (code: string) =>
    request<{ room: CodeRoom }>('GET', `/api/join/${encodeURIComponent(code)}`),
  /** "Paint it": a rendering of the sketch as it is now (422 sketch_empty, 429 quota_exceeded). */
  paintSketch: (slug: string, body: PaintRequest) =>
    request<{ image: Image; job_id: number }>('POST', `${room(slug)}/sketch/paint`, body),
  /** A finished picture as a PNG download at a chosen size (cropped to fill). */
  downloadPath: (slug: string, imageId: number, width: number, height: number) =>
    `${room(slug)}/images/${imageId}/download?width=${width}&height=${height}`,
  lineage: (slug: string) => request<{ steps: LineageStep[] }>('GET', `${room(slug)}/lineage`),
  getHostSession: () => request<{ facilitator: boolean }>('GET', '/api/host/session'),
  hostSignIn: (body: FacilitatorSignIn) => request<void>('POST', '/api/host/session', body),
  hostSignOut: () => request<void>('DELETE', '/api/host/session'),
  setPhase: (slug: string, body: PhaseRequest) =>
    request<{ round: Round }>('POST', `${hostRoom(slug)}/phase`, body),
  /** Stops the phase's clock (409 already_paused, no_deadline, phase_changed). */
  pauseClock: (slug: string) => request<{ round: Round }>('POST', `${hostRoom(slug)}/pause`, {}),
  /** Starts it again with what was left (409 not_paused, phase_changed). */
  resumeClock: (slug: string) => request<{ round: Round }>('POST', `${hostRoom(slug)}/resume`, {}),
  /** More time for the phase; a phase without deadline gets one (409 phase_changed). */
  extendClock: (slug: string, seconds: number) =>
    request<{ round: Round }>('POST', `${hostRoom(slug)}/extend`, {
      seconds,
    } satisfies ExtendRequest),
};
