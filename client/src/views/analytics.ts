// Analytics page (/analytics/<room>, facilitators): winners and lineage, vote distributions,
// how individual voters agree with the crowd, participation per round and prompts. Every
// chart can be downloaded as PNG or SVG and its data as CSV; the whole room as a dataset.
// Loaded on demand (main.ts), so the charting library stays out of the participants' bundle.
import './analytics.css';
import { ApiError, hostApi } from '../api';
import {
  type Analytics,
  type ChartId,
  type DataTable,
  type LineageRow,
  binLabel,
  chartTables,
  dataUrlBlob,
  downloadName,
  percent,
  toCsv,
} from '../analytics-data';
import { el } from '../dom';
import type { Phase } from '../generated/protocol';
import { type MessageKey, getLanguage, t } from '../i18n';
import type { Chart } from './analytics-charts';
import { phaseName } from './format';
import { langSwitch } from './lang-switch';
import { showSignIn } from './signin';

const NOTE_KEYS: Record<string, MessageKey> = {
  no_rounds: 'analytics.note.noRounds',
  no_submissions: 'analytics.note.noSubmissions',
  no_votes: 'analytics.note.noVotes',
  no_final_rounds: 'analytics.note.noFinalRounds',
};
const TABLE_ROWS_SHOWN = 200;
// The charting library and chart builders, loaded once, only on this page.
let chartsModule: Promise<typeof import('./analytics-charts')> | null = null;
function loadCharts(): Promise<typeof import('./analytics-charts')> {
  chartsModule ??= import('./analytics-charts');
  return chartsModule;
}
const NUMERIC_COLUMNS: ReadonlySet<MessageKey> = new Set([
  'analytics.col.votes',
  'analytics.col.entries',
  'analytics.col.counted',
  'analytics.col.agreement',
  'analytics.col.agreementOthers',
]);

function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: name, hidden: true });
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A scrolling table's box: focusable and named, so keyboard users can scroll it too. */
function wrapAttrs(label: string) {
  return { class: 'an-table-wrap', tabindex: 0, role: 'region', 'aria-label': label };
}

function dataTable(table: DataTable, caption: string): HTMLElement {
  const shown = table.rows.slice(0, TABLE_ROWS_SHOWN);
  return el(
    'details',
    { class: 'an-data' },
    el('summary', {}, t('analytics.showData', { n: table.rows.length })),
    el(
      'div',
      wrapAttrs(caption),
      el(
        'table',
        { class: 'an-table' },
        el('caption', { class: 'sr-only' }, caption),
        el('thead', {}, el('tr', {}, ...table.header.map((h) => el('th', { scope: 'col' }, h)))),
        el(
          'tbody',
          {},
          ...shown.map((row) =>
            el('tr', {}, ...row.map((cell) => el('td', {}, cell === null ? '' : String(cell)))),
          ),
        ),
      ),
    ),
    table.rows.length > shown.length
      ? el(
          'p',
          { class: 'muted' },
          t('analytics.moreRows', { n: table.rows.length - shown.length }),
        )
      : null,
  );
}

class ChartCard {
  readonly element: HTMLElement;
  private chart: Chart | null = null;
  private readonly canvas: HTMLElement;

  constructor(
    private readonly id: ChartId,
    private readonly title: string,
    explanation: string,
    private readonly analytics: Analytics,
    private readonly table: DataTable,
  ) {
    const empty = table.rows.length === 0 || !hasData(id, analytics);
    this.canvas = el('div', {
      class: 'an-canvas',
      role: 'img',
      'aria-label': t('analytics.chartLabel', { title, n: table.rows.length }),
      'data-testid': 'chart-canvas',
      hidden: empty,
    });
    const button = (label: string, kind: 'png' | 'svg' | 'csv', disabled: boolean) => {
      const b = el(
        'button',
        {
          type: 'button',
          class: 'small',
          'data-testid': `download-${kind}`,
          'aria-label': t('analytics.downloadAs', { title, format: label }),
          disabled,
        },
        label,
      );
      b.addEventListener('click', () => this.download(kind));
      return b;
    };
    const headingId = `an-chart-${id}`;
    this.element = el(
      'figure',
      {
        class: 'an-chart panel',
        'data-testid': 'chart',
        'data-chart': id,
        'aria-labelledby': headingId,
      },
      el(
        'figcaption',
        {},
        el('h3', { id: headingId }, title),
        el('p', { class: 'muted an-explain' }, explanation),
      ),
      this.canvas,
      empty
        ? el('p', { class: 'an-empty', 'data-testid': 'chart-empty' }, t('analytics.noData'))
        : null,
      el(
        'div',
        { class: 'an-downloads' },
        button('PNG', 'png', empty),
        button('SVG', 'svg', empty),
        button('CSV', 'csv', false),
      ),
      dataTable(table, title),
    );
  }

  /** Let go of the drawn chart (the page is drawn again). */
  dispose(): void {
    this.chart?.dispose();
    this.chart = null;
  }

  /** Draw once the card is in the document (ECharts measures its container). */
  async draw(): Promise<void> {
    if (this.canvas.hidden || this.chart) return;
    let charts: typeof import('./analytics-charts');
    try {
      charts = await loadCharts();
    } catch {
      chartsModule = null; // a later page load may try again
      this.canvas.replaceWith(
        el('p', { class: 'error-text', role: 'alert' }, t('analytics.chartsFailed')),
      );
      return;
    }
    if (!this.element.isConnected || this.chart) return;
    this.chart = new charts.Chart(
      this.canvas,
      charts.chartSpec(this.id, this.analytics, { t, binLabel }),
    );
    this.element.dataset['drawn'] = 'true';
  }

  private download(kind: 'png' | 'svg' | 'csv'): void {
    const name = downloadName(this.analytics.room.slug, this.id, kind);
    if (kind === 'csv') {
      download(name, new Blob([toCsv(this.table)], { type: 'text/csv;charset=utf-8' }));
    } else if (this.chart && kind === 'svg') {
      download(name, new Blob([this.chart.svg(this.title)], { type: 'image/svg+xml' }));
    } else if (this.chart) {
      download(name, dataUrlBlob(this.chart.png(this.title)));
    }
  }
}

function hasData(id: ChartId, a: Analytics): boolean {
  switch (id) {
    case 'votes-per-participant':
    case 'vote-counts':
    case 'net-scores':
      return a.votes.entries > 0 || a.votes.votes > 0;
    case 'agreement':
      return a.agreement.voters.length > 0;
    case 'length-score':
      return a.prompts.entries.length > 0;
    case 'area-score':
      return a.prompts.entries.some((e) => e.mask_area !== null);
    case 'detector-score':
      return (a.detector?.images.length ?? 0) > 0;
    default:
      return true;
  }
}

function stat(label: string, value: string, testId: string): HTMLElement {
  return el(
    'div',
    { class: 'an-stat', 'data-testid': testId },
    el('span', { class: 'an-stat-value' }, value),
    el('span', { class: 'an-stat-label' }, label),
  );
}

function thumb(url: string | null, alt: string): HTMLElement | null {
  return url ? el('img', { src: url, alt, loading: 'lazy', class: 'an-thumb' }) : null;
}

function outcomeText(row: LineageRow): string {
  if (row.outcome === 'winner') return t('analytics.outcome.winner');
  if (row.outcome === 'no_winner') return t('analytics.outcome.noWinner');
  return t('analytics.outcome.open', { phase: phaseName(row.phase as Phase) });
}

function lineageTable(a: Analytics): HTMLElement {
  if (a.lineage.length === 0) return el('p', { class: 'muted' }, t('analytics.noRounds'));
  return el(
    'div',
    wrapAttrs(t('analytics.lineage.table')),
    el(
      'table',
      { class: 'an-table an-lineage', 'data-testid': 'lineage-table' },
      el('caption', { class: 'sr-only' }, t('analytics.lineage.title')),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...(
            [
              'analytics.col.round',
              'analytics.col.seed',
              'analytics.col.winner',
              'analytics.col.votes',
              'analytics.col.entries',
              'analytics.col.outcome',
            ] as const
          ).map((key) =>
            el('th', { scope: 'col', class: NUMERIC_COLUMNS.has(key) ? 'an-num' : null }, t(key)),
          ),
        ),
      ),
      el(
        'tbody',
        {},
        ...a.lineage.map((row) => {
          const w = row.winner;
          return el(
            'tr',
            { 'data-round': row.round },
            el('th', { scope: 'row' }, String(row.round)),
            el('td', {}, thumb(row.seed_thumb_url, t('lineage.seedAlt', { n: row.round }))),
            el(
              'td',
              {},
              el(
                'div',
                { class: 'an-winner' },
                w
                  ? thumb(w.thumb_url, t('lineage.winnerAlt', { n: row.round, prompt: w.prompt }))
                  : null,
                w
                  ? el(
                      'span',
                      {},
                      el('span', { class: 'an-prompt' }, `“${w.prompt}”`),
                      w.author
                        ? el('span', { class: 'muted' }, ` ${t('lineage.by', { name: w.author })}`)
                        : null,
                    )
                  : el('span', { class: 'muted' }, '–'),
              ),
            ),
            el(
              'td',
              { class: 'an-num' },
              w
                ? t('analytics.votesCell', {
                    up: w.up,
                    down: w.down,
                    score: w.score > 0 ? `+${w.score}` : String(w.score),
                  })
                : '–',
            ),
            el('td', { class: 'an-num' }, String(row.entries)),
            el('td', {}, outcomeText(row)),
          );
        }),
      ),
    ),
  );
}

function voterTable(a: Analytics): HTMLElement {
  const voters = [...a.agreement.voters].sort(
    (x, y) => (y.agreement ?? -1) - (x.agreement ?? -1) || x.nickname.localeCompare(y.nickname),
  );
  if (voters.length === 0) return el('p', { class: 'muted' }, t('analytics.agreement.none'));
  const head = [
    'analytics.col.voter',
    'analytics.col.votes',
    'analytics.col.counted',
    'analytics.col.agreement',
    'analytics.col.agreementOthers',
  ] as const;
  return el(
    'details',
    { class: 'an-data' },
    el('summary', {}, t('analytics.agreement.perVoter', { n: voters.length })),
    el(
      'div',
      wrapAttrs(t('analytics.agreement.perVoter', { n: voters.length })),
      el(
        'table',
        { class: 'an-table', 'data-testid': 'voter-table' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...head.map((key) =>
              el('th', { scope: 'col', class: NUMERIC_COLUMNS.has(key) ? 'an-num' : null }, t(key)),
            ),
          ),
        ),
        el(
          'tbody',
          {},
          ...voters.map((v) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row' }, v.nickname),
              el('td', { class: 'an-num' }, String(v.votes)),
              el('td', { class: 'an-num' }, String(v.counted)),
              el('td', { class: 'an-num' }, percent(v.agreement)),
              el('td', { class: 'an-num' }, percent(v.agreement_others)),
            ),
          ),
        ),
      ),
    ),
  );
}

function majorityList(a: Analytics): HTMLElement | null {
  const rounds = a.agreement.winner_majority.rounds;
  if (rounds.length === 0) return null;
  return el(
    'ul',
    { class: 'an-majority', 'data-testid': 'majority-list' },
    ...rounds.map((r) =>
      el(
        'li',
        {},
        t(
          r.majority === null
            ? 'analytics.majority.noVoters'
            : r.majority
              ? 'analytics.majority.yes'
              : 'analytics.majority.no',
          {
            n: r.round,
            up: r.up_voters,
            voters: r.voters,
            share: percent(r.share),
          },
        ),
      ),
    ),
  );
}

/** The "AI or human?" game: the room's accuracy against the detector's, and each picture. */
function gameSection(a: Analytics): HTMLElement {
  const g = a.game;
  if (!g) {
    return section(
      'an-game',
      t('analytics.game.title'),
      el('p', { class: 'muted', 'data-testid': 'game-none' }, t('analytics.game.none')),
    );
  }
  const word = (v: 'ai' | 'human' | null) => (v === null ? '–' : v === 'ai' ? t('game.ai') : t('game.human'));
  const totals = g.totals;
  const header = [
    t('game.colNumber'),
    t('game.colTruth'),
    t('analytics.game.source'),
    t('game.colGuesses'),
    t('game.colRoom'),
    t('game.colMajority'),
    t('game.colDetector'),
  ];
  const caption = t('analytics.game.tableCaption');
  return section(
    'an-game',
    t('analytics.game.title'),
    el('p', { class: 'muted' }, t('analytics.game.intro')),
    el(
      'div',
      { class: 'an-stats', 'data-testid': 'game-stats' },
      stat(
        t('analytics.game.roomAccuracy', { k: totals.right, n: totals.guesses }),
        percent(totals.room_accuracy),
        'stat-game-room',
      ),
      stat(
        t('analytics.game.majorityAccuracy', { k: totals.majority_right, n: totals.majority_items }),
        percent(totals.majority_accuracy),
        'stat-game-majority',
      ),
      stat(
        t('analytics.game.detectorAccuracy', { k: totals.detector_right, n: totals.detector_items }),
        percent(totals.detector_accuracy),
        'stat-game-detector',
      ),
    ),
    el(
      'div',
      wrapAttrs(caption),
      el(
        'table',
        { class: 'an-table', 'data-testid': 'game-table' },
        el('caption', { class: 'sr-only' }, caption),
        el('thead', {}, el('tr', {}, ...header.map((h) => el('th', { scope: 'col' }, h)))),
        el(
          'tbody',
          {},
          ...g.items.map((item) =>
            el(
              'tr',
              {},
              el('td', {}, String(item.number)),
              el('td', {}, word(item.truth)),
              el('td', {}, item.source),
              el('td', {}, String(item.guesses)),
              el('td', {}, percent(item.share_right)),
              el('td', {}, word(item.room_guess)),
              el(
                'td',
                {},
                item.detector_guess === null
                  ? '–'
                  : `${word(item.detector_guess)} (${percent(item.detector_p_ai)})`,
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function section(id: string, title: string, ...children: (HTMLElement | null)[]): HTMLElement {
  return el(
    'section',
    { class: 'an-section', 'aria-labelledby': id, 'data-testid': `section-${id}` },
    el('h2', { id }, title),
    ...children,
  );
}

function correlationText(value: number | null): string {
  return value === null
    ? t('analytics.prompts.noCorrelation')
    : t('analytics.prompts.correlation', { rho: value.toFixed(2) });
}

function shortTime(ms: number | null): string {
  return ms === null ? '–' : new Date(ms).toLocaleString(getLanguage());
}

/** Score the room's images (POST), then draw the page again with the scores. */
async function scoreRoom(
  root: HTMLElement,
  slug: string,
  button: HTMLButtonElement,
  status: HTMLElement,
): Promise<void> {
  button.disabled = true;
  status.classList.remove('error-text');
  status.setAttribute('role', 'status');
  status.setAttribute('aria-busy', 'true');
  status.textContent = t('analytics.detector.scoring');
  try {
    const result = await hostApi.scoreDetector(slug);
    const data = await hostApi.analytics(slug);
    renderAnalytics(root, data);
    const next = root.querySelector<HTMLElement>('[data-testid=detector-status]');
    if (next) {
      next.textContent = t('analytics.detector.done', {
        n: result.scored,
        skipped: result.skipped.length,
      });
    }
  } catch (err) {
    button.disabled = false;
    status.removeAttribute('aria-busy');
    status.classList.add('error-text');
    status.setAttribute('role', 'alert');
    status.textContent = err instanceof ApiError ? err.message : t('analytics.detector.failed');
  }
}

function detectorSection(root: HTMLElement, a: Analytics, chart: ChartCard | null): HTMLElement {
  const d = a.detector;
  const status = el('p', { class: 'muted an-meta', role: 'status', 'data-testid': 'detector-status' });
  let action: HTMLElement;
  if (a.detector_configured) {
    const button = el(
      'button',
      { type: 'button', 'data-testid': 'detector-score' },
      t(d ? 'analytics.detector.rescore' : 'analytics.detector.score'),
    );
    button.addEventListener('click', () => void scoreRoom(root, a.room.slug, button, status));
    action = el('div', { class: 'an-actions' }, button, status);
  } else {
    action = el(
      'p',
      { class: 'an-notes', role: 'note', 'data-testid': 'detector-setup' },
      t('analytics.detector.setup', { room: a.room.slug }),
    );
  }
  return section(
    'an-detector',
    t('analytics.detector.title'),
    el('p', { class: 'muted' }, t('analytics.detector.intro')),
    action,
    d
      ? el(
          'p',
          { class: 'muted an-meta', 'data-testid': 'detector-meta' },
          t('analytics.detector.scored', {
            time: shortTime(d.scored_at),
            name: d.checkpoint.name ?? '?',
            sha: (d.checkpoint.sha256 ?? '').slice(0, 12),
            ablations: d.checkpoint.ablations ?? '?',
            n: d.images.length,
          }),
          d.skipped.length ? ` ${t('analytics.detector.skipped', { n: d.skipped.length })}` : '',
        )
      : el('p', { class: 'muted', 'data-testid': 'detector-none' }, t('analytics.detector.none')),
    chart ? el('div', { class: 'an-grid an-grid-wide' }, chart.element) : null,
  );
}

// The cards drawn last, let go of when the page is drawn again.
let drawn: ChartCard[] = [];

export function renderAnalytics(root: HTMLElement, a: Analytics): ChartCard[] {
  const tables = chartTables(a);
  const card = (id: ChartId, title: MessageKey, explanation: string) =>
    new ChartCard(id, t(title), explanation, a, tables[id]);
  const cards = {
    net: card('net-scores', 'analytics.chart.netScores', t('analytics.explain.netScores')),
    counts: card('vote-counts', 'analytics.chart.voteCounts', t('analytics.explain.voteCounts')),
    people: card(
      'votes-per-participant',
      'analytics.chart.perParticipant',
      t('analytics.explain.perParticipant'),
    ),
    time: card(
      'votes-over-time',
      'analytics.chart.overTime',
      t('analytics.explain.overTime', { bin: a.votes.over_time.bin_s }),
    ),
    agreement: card(
      'agreement',
      'analytics.chart.agreement',
      t('analytics.explain.agreementChart'),
    ),
    participation: card(
      'participation',
      'analytics.chart.participation',
      t('analytics.explain.participation'),
    ),
    words: card(
      'words',
      'analytics.chart.words',
      t('analytics.explain.words', { all: a.prompts.prompts, winners: a.prompts.winning_prompts }),
    ),
    length: card(
      'length-score',
      'analytics.chart.lengthScore',
      `${t('analytics.explain.lengthScore')} ${correlationText(a.prompts.correlations.words_score)}`,
    ),
    area: card(
      'area-score',
      'analytics.chart.areaScore',
      `${t('analytics.explain.areaScore')} ${correlationText(a.prompts.correlations.mask_area_score)}`,
    ),
  };
  const detectorCard = a.detector
    ? card(
        'detector-score',
        'analytics.chart.detectorScore',
        `${t('analytics.explain.detectorScore')} ${correlationText(a.detector.correlation_score)}`,
      )
    : null;
  const summary = a.agreement.summary;
  const majority = a.agreement.winner_majority;
  const people = new Set(a.votes.per_participant.map((p) => p.user_id)).size;
  const notes = a.notes.map((note) => {
    const key = NOTE_KEYS[note.code];
    return el('li', { 'data-code': note.code }, key ? t(key) : note.message);
  });
  const generated = new Date(a.generated_at).toLocaleString(getLanguage());
  const parts: (HTMLElement | null)[] = [
    el(
      'div',
      { class: 'an-intro' },
      el('p', { class: 'lead' }, t('analytics.intro')),
      el(
        'div',
        { class: 'an-actions' },
        el(
          'a',
          {
            class: 'button-link',
            href: hostApi.exportPath(a.room.slug),
            download: '',
            'data-testid': 'download-dataset',
          },
          t('analytics.downloadDataset'),
        ),
        el(
          'p',
          { class: 'muted an-meta' },
          t('analytics.generated', {
            time: generated,
            rule: t(a.winner_rule === 'wilson' ? 'analytics.rule.wilson' : 'analytics.rule.net'),
          }),
        ),
      ),
      el('p', { class: 'muted an-meta' }, t('analytics.datasetHint')),
    ),
    notes.length
      ? el(
          'div',
          { class: 'an-notes', role: 'note', 'data-testid': 'analytics-notes' },
          el('h2', {}, t('analytics.notesTitle')),
          el('ul', {}, ...notes),
        )
      : null,
    el(
      'div',
      { class: 'an-stats', 'data-testid': 'analytics-stats' },
      stat(t('analytics.stat.rounds'), String(a.lineage.length), 'stat-rounds'),
      stat(t('analytics.stat.entries'), String(a.votes.entries), 'stat-entries'),
      stat(t('analytics.stat.votes'), String(a.votes.votes), 'stat-votes'),
      stat(t('analytics.stat.voters'), String(people), 'stat-voters'),
      stat(
        t('analytics.stat.agreement'),
        percent(summary.agreement_others.median),
        'stat-agreement',
      ),
      stat(t('analytics.stat.majority'), percent(majority.share), 'stat-majority'),
    ),
    section(
      'an-lineage',
      t('analytics.lineage.title'),
      el(
        'p',
        { class: 'muted' },
        t('analytics.lineage.intro'),
        ' ',
        el(
          'a',
          { href: `/lineage/${encodeURIComponent(a.room.slug)}` },
          t('analytics.lineage.link'),
        ),
      ),
      lineageTable(a),
    ),
    section(
      'an-votes',
      t('analytics.votes.title'),
      el(
        'div',
        { class: 'an-grid' },
        cards.net.element,
        cards.counts.element,
        cards.people.element,
        cards.time.element,
      ),
    ),
    section(
      'an-agreement',
      t('analytics.agreement.title'),
      el(
        'div',
        { class: 'an-explainer', 'data-testid': 'measures' },
        el('h3', {}, t('analytics.measures.title')),
        el('p', {}, t('analytics.measures.agreement')),
        el('p', {}, t('analytics.measures.others')),
        el('p', {}, t('analytics.measures.majority')),
        el(
          'p',
          {},
          t(
            a.winner_rule === 'wilson'
              ? 'analytics.measures.ruleWilson'
              : 'analytics.measures.ruleNet',
          ),
        ),
      ),
      el(
        'p',
        { 'data-testid': 'agreement-summary' },
        t('analytics.agreement.summary', {
          rounds: a.agreement.rounds,
          voters: summary.agreement.voters,
          median: percent(summary.agreement.median),
          medianOthers: percent(summary.agreement_others.median),
        }),
      ),
      el(
        'div',
        { class: 'an-grid' },
        cards.agreement.element,
        el(
          'div',
          { class: 'panel an-side' },
          el('h3', {}, t('analytics.majority.title')),
          el(
            'p',
            { 'data-testid': 'majority-summary' },
            majority.decided
              ? t('analytics.majority.summary', {
                  k: majority.majority,
                  n: majority.decided,
                  share: percent(majority.share),
                })
              : t('analytics.majority.none'),
          ),
          majorityList(a),
          voterTable(a),
        ),
      ),
    ),
    section(
      'an-participation',
      t('analytics.participation.title'),
      el('div', { class: 'an-grid an-grid-wide' }, cards.participation.element),
    ),
    section(
      'an-prompts',
      t('analytics.prompts.title'),
      el(
        'div',
        { class: 'an-grid' },
        cards.words.element,
        el('div', { class: 'an-stack' }, cards.length.element, cards.area.element),
      ),
    ),
    detectorSection(root, a, detectorCard),
    gameSection(a),
  ];
  root
    .querySelector('main')
    ?.replaceChildren(...parts.filter((part): part is HTMLElement => part !== null));
  const all = [...Object.values(cards), ...(detectorCard ? [detectorCard] : [])];
  for (const c of drawn) c.dispose();
  drawn = all;
  for (const c of all) void c.draw();
  return all;
}

export async function mountAnalytics(root: HTMLElement, slug: string): Promise<void> {
  const title = el('h1', {}, t('analytics.title'));
  const status = el(
    'p',
    { class: 'muted', role: 'status', 'data-testid': 'analytics-status' },
    t('analytics.loading'),
  );
  root.replaceChildren(
    el(
      'header',
      { class: 'room-header an-header' },
      title,
      el(
        'div',
        { class: 'header-tools' },
        el(
          'a',
          { href: `/host?room=${encodeURIComponent(slug)}`, 'data-testid': 'analytics-console' },
          t('analytics.console'),
        ),
        el('a', { href: `/lineage/${encodeURIComponent(slug)}` }, t('analytics.lineage.link')),
        langSwitch(getLanguage()),
      ),
    ),
    el('main', { class: 'analytics', 'data-testid': 'analytics' }, status),
  );
  let data: Analytics;
  try {
    data = await hostApi.analytics(slug);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'not_facilitator') {
      showSignIn(root, () => void mountAnalytics(root, slug));
      return;
    }
    status.classList.add('error-text');
    status.setAttribute('role', 'alert');
    status.textContent = err instanceof ApiError ? err.message : t('analytics.loadFailed');
    return;
  }
  title.textContent = t('analytics.titleRoom', { name: data.room.name });
  document.title = t('app.pageTitle', { name: t('analytics.titleRoom', { name: data.room.name }) });
  renderAnalytics(root, data);
}
