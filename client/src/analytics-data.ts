// The analytics page's data (GET /api/host/rooms/<slug>/analytics) and the tables every
// chart is drawn from: the same table is the chart's CSV download, so what a researcher
// downloads is exactly what the chart shows. Pure functions, unit-tested.
import type { GameTotals } from './game-api';

export type Cell = string | number | boolean | null;

export interface DataTable {
  header: string[];
  rows: Cell[][];
}

export interface AnalyticsNote {
  code: string;
  message: string;
}

export interface LineageRow {
  round: number;
  phase: string;
  seed_id: number;
  seed_thumb_url: string | null;
  entries: number;
  outcome: 'winner' | 'no_winner' | 'open';
  vote_started_at: number | null;
  closed_at: number | null;
  winner: {
    id: number;
    prompt: string;
    author: string | null;
    up: number;
    down: number;
    score: number;
    wilson: number;
    mask_area: number | null;
    thumb_url: string | null;
  } | null;
}

export interface ParticipationRow {
  round: number;
  phase: string;
  participants: number;
  submitters: number;
  submissions: number;
  entries: number;
  failures: number;
  voters: number;
  votes: number;
  vote_events: number;
  mean_generation_s: number | null;
}

export interface VoterAgreement {
  user_id: number;
  nickname: string;
  rounds: number;
  votes: number;
  counted: number;
  agree: number;
  agreement: number | null;
  counted_others: number;
  agree_others: number;
  agreement_others: number | null;
}

export interface MajorityRound {
  round: number;
  winner_id: number;
  up_voters: number;
  voters: number;
  share: number | null;
  majority: boolean | null;
}

export interface DetectorImage {
  id: number;
  kind: 'seed' | 'edit';
  round: number | null;
  in_vote: boolean;
  winner: boolean;
  up: number;
  down: number;
  score: number;
  p_ai: number;
}

/** Detector scores stored by POST .../detector-scores or `pixelpatchwork detector score`. */
export interface DetectorScores {
  scored_at: number | null;
  checkpoint: {
    name?: string;
    sha256?: string;
    created?: string | null;
    ablations?: string;
    size?: number;
  };
  images: DetectorImage[];
  skipped: { id: number; reason: string }[];
  correlation_score: number | null;
}

export interface Analytics {
  room: { slug: string; name: string; mode: string };
  generated_at: number;
  winner_rule: 'net' | 'wilson';
  notes: AnalyticsNote[];
  lineage: LineageRow[];
  participation: ParticipationRow[];
  votes: {
    entries: number;
    votes: number;
    net_histogram: { score: number; images: number }[];
    count_histogram: { votes: number; up: number; down: number }[];
    per_participant: {
      user_id: number;
      nickname: string;
      votes: number;
      up: number;
      down: number;
    }[];
    over_time: {
      bin_s: number;
      rounds: {
        round: number;
        origin: 'vote_opened' | 'first_vote';
        events: number;
        points: { t_s: number; events: number; cumulative: number }[];
      }[];
    };
  };
  agreement: {
    rule: string;
    rounds: number;
    voters: VoterAgreement[];
    histogram: { from: number; to: number; voters: number; voters_others: number }[];
    summary: Record<
      'agreement' | 'agreement_others',
      { voters: number; mean: number | null; median: number | null }
    >;
    winner_majority: {
      rounds: MajorityRound[];
      rounds_with_winner: number;
      decided: number;
      majority: number;
      share: number | null;
    };
  };
  prompts: {
    prompts: number;
    winning_prompts: number;
    words: {
      word: string;
      all: number;
      all_share: number | null;
      winners: number;
      winners_share: number | null;
    }[];
    entries: {
      id: number;
      round: number;
      words: number;
      chars: number;
      mask_area: number | null;
      score: number;
      winner: boolean;
    }[];
    correlations: { words_score: number | null; mask_area_score: number | null };
  };
  /** Whether DETECTOR_CHECKPOINT is set (the page offers to score the room). */
  detector_configured: boolean;
  /** null until the room's images are scored. */
  detector: DetectorScores | null;
  /** The "AI or human?" game's revealed pictures; null (or absent) when none was revealed. */
  game?: GameAnalytics | null;
}

export interface GameAnalytics {
  items: {
    number: number;
    truth: 'ai' | 'human';
    /** The artwork's title, or the edit's prompt. */
    source: string;
    guesses: number;
    right: number;
    share_right: number | null;
    room_guess: 'ai' | 'human' | null;
    detector_p_ai: number | null;
    detector_guess: 'ai' | 'human' | null;
  }[];
  totals: GameTotals;
}

export const CHART_IDS = [
  'net-scores',
  'vote-counts',
  'votes-per-participant',
  'votes-over-time',
  'agreement',
  'participation',
  'words',
  'length-score',
  'area-score',
  'detector-score',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvField(value: Cell): string {
  if (value === null) return '';
  const text = typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A table as CSV text: a header line, then one line per row, CRLF line ends. */
export function toCsv(table: DataTable): string {
  return (
    [table.header, ...table.rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n'
  );
}

/** The agreement bins' labels: "0–10%", ..., "90–100%". */
export function binLabel(from: number, to: number): string {
  return `${Math.round(from * 100)}–${Math.round(to * 100)}%`;
}

/** The data of each chart, as the table its CSV holds. */
export function chartTables(a: Analytics): Record<ChartId, DataTable> {
  const entries = a.prompts.entries.map((e): Cell[] => [
    e.id,
    e.round,
    e.words,
    e.chars,
    e.mask_area,
    e.score,
    e.winner,
  ]);
  const entryHeader = [
    'image_id',
    'round',
    'prompt_words',
    'prompt_chars',
    'mask_area',
    'net_score',
    'winner',
  ];
  return {
    'net-scores': {
      header: ['net_score', 'images'],
      rows: a.votes.net_histogram.map((b) => [b.score, b.images]),
    },
    'vote-counts': {
      header: ['votes_on_image', 'images_with_that_many_up', 'images_with_that_many_down'],
      rows: a.votes.count_histogram.map((b) => [b.votes, b.up, b.down]),
    },
    'votes-per-participant': {
      header: ['user_id', 'nickname', 'votes', 'up', 'down'],
      rows: a.votes.per_participant.map((p) => [p.user_id, p.nickname, p.votes, p.up, p.down]),
    },
    'votes-over-time': {
      header: ['round', 'origin', 'bin_start_s', 'vote_changes', 'cumulative_vote_changes'],
      rows: a.votes.over_time.rounds.flatMap((r) =>
        r.points.map((p): Cell[] => [r.round, r.origin, p.t_s, p.events, p.cumulative]),
      ),
    },
    agreement: {
      header: [
        'agreement_from',
        'agreement_to',
        'voters_final_ranking',
        'voters_ranking_without_own_votes',
      ],
      rows: a.agreement.histogram.map((b) => [b.from, b.to, b.voters, b.voters_others]),
    },
    participation: {
      header: [
        'round',
        'phase',
        'participants',
        'submitters',
        'submissions',
        'entries',
        'generation_failures',
        'voters',
        'votes',
        'vote_changes',
        'mean_generation_s',
      ],
      rows: a.participation.map((r) => [
        r.round,
        r.phase,
        r.participants,
        r.submitters,
        r.submissions,
        r.entries,
        r.failures,
        r.voters,
        r.votes,
        r.vote_events,
        r.mean_generation_s,
      ]),
    },
    words: {
      header: [
        'word',
        'prompts',
        'share_of_prompts',
        'winning_prompts',
        'share_of_winning_prompts',
      ],
      rows: a.prompts.words.map((w) => [w.word, w.all, w.all_share, w.winners, w.winners_share]),
    },
    'length-score': { header: entryHeader, rows: entries },
    'area-score': { header: entryHeader, rows: entries },
    'detector-score': {
      header: ['image_id', 'kind', 'round', 'in_vote', 'winner', 'up', 'down', 'net_score', 'p_ai'],
      rows: (a.detector?.images ?? []).map((i) => [
        i.id,
        i.kind,
        i.round,
        i.in_vote,
        i.winner,
        i.up,
        i.down,
        i.score,
        i.p_ai,
      ]),
    },
  };
}

/** A share (0..1) as a whole percentage, or a dash without one. */
export function percent(share: number | null | undefined): string {
  return share === null || share === undefined ? '–' : `${Math.round(share * 100)}%`;
}

/** A file name for a chart's download: room slug, chart id, extension. */
export function downloadName(slug: string, chart: ChartId, ext: 'csv' | 'png' | 'svg'): string {
  return `${slug}-${chart}.${ext}`;
}

/** A base64 data URL as a Blob (fetch() of a data: URL is refused by the site's CSP). */
export function dataUrlBlob(url: string): Blob {
  const [head, body = ''] = url.split(',', 2);
  const type = /^data:([^;,]+)/.exec(head ?? '')?.[1] ?? 'application/octet-stream';
  const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type });
}
