import { describe, expect, it } from 'vitest';
import {
  type Analytics,
  CHART_IDS,
  binLabel,
  chartTables,
  csvField,
  dataUrlBlob,
  downloadName,
  percent,
  toCsv,
} from '../src/analytics-data';

function analytics(overrides: Partial<Analytics> = {}): Analytics {
  return {
    room: { slug: 'study', name: 'Study', mode: 'facilitated' },
    generated_at: 0,
    winner_rule: 'net',
    notes: [],
    lineage: [],
    participation: [
      {
        round: 1,
        phase: 'closed',
        participants: 4,
        submitters: 4,
        submissions: 5,
        entries: 3,
        failures: 1,
        voters: 4,
        votes: 9,
        vote_events: 12,
        mean_generation_s: 2.88,
      },
    ],
    votes: {
      entries: 2,
      votes: 3,
      net_histogram: [
        { score: -1, images: 1 },
        { score: 0, images: 0 },
        { score: 1, images: 1 },
      ],
      count_histogram: [{ votes: 0, up: 1, down: 0 }],
      per_participant: [{ user_id: 3, nickname: 'Ada, "the first"', votes: 2, up: 1, down: 1 }],
      over_time: {
        bin_s: 5,
        rounds: [
          {
            round: 1,
            origin: 'vote_opened',
            events: 3,
            points: [
              { t_s: 0, events: 2, cumulative: 2 },
              { t_s: 5, events: 1, cumulative: 3 },
            ],
          },
          {
            round: 2,
            origin: 'first_vote',
            events: 1,
            points: [{ t_s: 0, events: 1, cumulative: 1 }],
          },
        ],
      },
    },
    agreement: {
      rule: 'net',
      rounds: 1,
      voters: [],
      histogram: [{ from: 0.9, to: 1, voters: 2, voters_others: 1 }],
      summary: {
        agreement: { voters: 2, mean: 1, median: 1 },
        agreement_others: { voters: 2, mean: 0.5, median: 0.5 },
      },
      winner_majority: { rounds: [], rounds_with_winner: 0, decided: 0, majority: 0, share: null },
    },
    prompts: {
      prompts: 2,
      winning_prompts: 1,
      words: [{ word: 'kite', all: 2, all_share: 1, winners: 1, winners_share: 1 }],
      entries: [
        { id: 7, round: 1, words: 3, chars: 12, mask_area: 0.25, score: 1, winner: true },
        { id: 8, round: 1, words: 1, chars: 4, mask_area: null, score: -1, winner: false },
      ],
      correlations: { words_score: null, mask_area_score: null },
    },
    detector_configured: false,
    detector: null,
    ...overrides,
  };
}

describe('CSV', () => {
  it('quotes fields with commas, quotes and line breaks, and writes null as an empty field', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(true)).toBe('true');
    expect(csvField(-1.5)).toBe('-1.5');
  });

  it('writes a header line and one CRLF line per row', () => {
    expect(
      toCsv({
        header: ['a', 'b'],
        rows: [
          [1, 'x,y'],
          [null, false],
        ],
      }),
    ).toBe('a,b\r\n1,"x,y"\r\n,false\r\n');
    expect(toCsv({ header: ['only'], rows: [] })).toBe('only\r\n');
  });
});

describe('chart tables', () => {
  it('has one table for every chart, each row as long as its header', () => {
    const tables = chartTables(analytics());
    expect(Object.keys(tables).sort()).toEqual([...CHART_IDS].sort());
    for (const id of CHART_IDS) {
      for (const row of tables[id].rows) expect(row.length, id).toBe(tables[id].header.length);
    }
  });

  it('holds exactly what the charts draw', () => {
    const tables = chartTables(analytics());
    expect(tables['net-scores'].rows).toEqual([
      [-1, 1],
      [0, 0],
      [1, 1],
    ]);
    // Votes over time in long form: one row per round and time bin.
    expect(tables['votes-over-time'].rows).toEqual([
      [1, 'vote_opened', 0, 2, 2],
      [1, 'vote_opened', 5, 1, 3],
      [2, 'first_vote', 0, 1, 1],
    ]);
    expect(tables['participation'].rows[0]).toEqual([1, 'closed', 4, 4, 5, 3, 1, 4, 9, 12, 2.88]);
    expect(tables['length-score'].rows).toEqual([
      [7, 1, 3, 12, 0.25, 1, true],
      [8, 1, 1, 4, null, -1, false],
    ]);
    expect(toCsv(tables['votes-per-participant'])).toBe(
      'user_id,nickname,votes,up,down\r\n3,"Ada, ""the first""",2,1,1\r\n',
    );
    // Not scored: the detector chart's table is empty.
    expect(tables['detector-score'].rows).toEqual([]);
  });

  it('lists every scored image in the detector table', () => {
    const tables = chartTables(
      analytics({
        detector_configured: true,
        detector: {
          scored_at: 0,
          checkpoint: { name: 'tiny.pt', sha256: 'ab', ablations: 'none', size: 32 },
          images: [
            { id: 1, kind: 'seed', round: 1, in_vote: false, winner: false, up: 0, down: 0, score: 0, p_ai: 0.125 },
            { id: 7, kind: 'edit', round: 1, in_vote: true, winner: true, up: 3, down: 1, score: 2, p_ai: 0.9 },
          ],
          skipped: [],
          correlation_score: null,
        },
      }),
    );
    expect(tables['detector-score'].header).toEqual([
      'image_id', 'kind', 'round', 'in_vote', 'winner', 'up', 'down', 'net_score', 'p_ai',
    ]);
    expect(toCsv(tables['detector-score'])).toBe(
      'image_id,kind,round,in_vote,winner,up,down,net_score,p_ai\r\n' +
        '1,seed,1,false,false,0,0,0,0.125\r\n7,edit,1,true,true,3,1,2,0.9\r\n',
    );
  });
});

describe('formatting', () => {
  it('labels agreement bins and shares', () => {
    expect(binLabel(0, 0.1)).toBe('0–10%');
    expect(binLabel(0.9, 1)).toBe('90–100%');
    expect(percent(2 / 3)).toBe('67%');
    expect(percent(null)).toBe('–');
    expect(downloadName('study', 'words', 'svg')).toBe('study-words.svg');
  });

  it('turns a PNG data URL into a Blob of its bytes', async () => {
    const blob = dataUrlBlob('data:image/png;base64,iVBORw0KGgo=');
    expect(blob.type).toBe('image/png');
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ]);
  });
});
