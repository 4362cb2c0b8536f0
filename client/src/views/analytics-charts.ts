// Charts of the analytics page, drawn by Apache ECharts with its SVG renderer (no eval, no
// inline <style>: it works under the site's Content-Security-Policy). Tooltips are drawn
// inside the chart (richText), not as HTML. Downloads: SVG from the SVG renderer, PNG from
// a canvas copy of the chart; both carry the chart's title.
//
// This module is a build entry of its own (vite.config.ts) that views/analytics.ts loads on
// demand. It imports nothing at run time but ECharts: importing the app's modules would pull
// app.js in a second time. Translations and labels come in as arguments.
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import { type ECharts, type EChartsCoreOption, init, use } from 'echarts/core';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import type { Analytics, ChartId } from '../analytics-data';
import type { MessageKey, Vars } from '../i18n';

use([
  BarChart,
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  CanvasRenderer,
  SVGRenderer,
]);

const TEXT = '#1b1f2a';
const MUTED = '#4c5566';
const GRID_LINE = '#e1e4ec';
const ACCENT = '#3d2fd6';
const ORANGE = '#b35900';
const UP = '#146c2e';
const DOWN = '#b00020';
// Distinct, dark enough for thin lines on white.
const PALETTE = [ACCENT, ORANGE, '#0b7285', '#862e9c', UP, DOWN, '#5c6b00', '#1864ab', '#a61e4d'];
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/** What the charts need from the app: translations and the agreement bins' labels. */
export interface ChartText {
  t: (key: MessageKey, vars?: Vars) => string;
  binLabel: (from: number, to: number) => string;
}

export interface ChartSpec {
  option: EChartsCoreOption;
  height: number;
}

function axis(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    nameLocation: 'middle',
    nameGap: 30,
    nameTextStyle: { color: MUTED, fontSize: 12 },
    axisLabel: { color: TEXT },
    axisLine: { lineStyle: { color: MUTED } },
    splitLine: { lineStyle: { color: GRID_LINE } },
    ...extra,
  };
}

function base(series: unknown[], extra: Record<string, unknown>): EChartsCoreOption {
  return {
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: FONT, color: TEXT },
    grid: { left: 56, right: 24, top: 40, bottom: 56, containLabel: true },
    legend: { top: 4, type: 'scroll', textStyle: { color: TEXT } },
    tooltip: { trigger: 'axis', renderMode: 'richText', axisPointer: { type: 'shadow' } },
    series,
    ...extra,
  };
}

/** The ECharts option and height of each chart. */
export function chartSpec(id: ChartId, a: Analytics, text: ChartText): ChartSpec {
  const { t, binLabel } = text;
  switch (id) {
    case 'net-scores':
      return {
        height: 300,
        option: base(
          [
            {
              type: 'bar',
              name: t('analytics.series.images'),
              data: a.votes.net_histogram.map((b) => b.images),
              color: ACCENT,
            },
          ],
          {
            legend: { show: false },
            grid: { left: 56, right: 24, top: 24, bottom: 56, containLabel: true },
            xAxis: axis(t('analytics.axis.netScore'), {
              type: 'category',
              data: a.votes.net_histogram.map((b) => String(b.score)),
            }),
            yAxis: axis(t('analytics.axis.images'), { type: 'value', minInterval: 1, nameGap: 40 }),
          },
        ),
      };
    case 'vote-counts':
      return {
        height: 300,
        option: base(
          [
            {
              type: 'bar',
              name: t('analytics.series.up'),
              data: a.votes.count_histogram.map((b) => b.up),
              color: UP,
            },
            {
              type: 'bar',
              name: t('analytics.series.down'),
              data: a.votes.count_histogram.map((b) => b.down),
              color: DOWN,
            },
          ],
          {
            xAxis: axis(t('analytics.axis.votesOnImage'), {
              type: 'category',
              data: a.votes.count_histogram.map((b) => String(b.votes)),
            }),
            yAxis: axis(t('analytics.axis.images'), { type: 'value', minInterval: 1, nameGap: 40 }),
          },
        ),
      };
    case 'votes-per-participant': {
      const people = a.votes.per_participant;
      return {
        height: 320,
        option: base(
          [
            {
              type: 'bar',
              stack: 'votes',
              name: t('analytics.series.up'),
              data: people.map((p) => p.up),
              color: UP,
            },
            {
              type: 'bar',
              stack: 'votes',
              name: t('analytics.series.down'),
              data: people.map((p) => p.down),
              color: DOWN,
            },
          ],
          {
            grid: { left: 56, right: 24, top: 40, bottom: 72, containLabel: true },
            xAxis: axis(t('analytics.axis.participant'), {
              type: 'category',
              data: people.map((p) => p.nickname),
              nameGap: people.length > 8 ? 56 : 30,
              axisLabel: { color: TEXT, rotate: people.length > 8 ? 40 : 0, interval: 0 },
            }),
            yAxis: axis(t('analytics.axis.votes'), { type: 'value', minInterval: 1, nameGap: 40 }),
          },
        ),
      };
    }
    case 'votes-over-time': {
      const rounds = a.votes.over_time.rounds;
      const many = rounds.length > 12;
      // Seconds for short vote phases, minutes for longer ones.
      const span = Math.max(0, ...rounds.flatMap((r) => r.points.map((p) => Math.abs(p.t_s))));
      const minutes = span > 300;
      const x = (seconds: number) => (minutes ? Math.round((seconds / 60) * 100) / 100 : seconds);
      return {
        height: 320,
        option: base(
          rounds.map((r) => {
            const first = r.points[0];
            // Each line starts at nothing cast yet, at the vote's opening (or just before its first bin).
            const start = first ? [x(Math.min(0, first.t_s)), 0] : null;
            return {
              type: 'line',
              name: t('analytics.series.round', { n: r.round }),
              step: 'end',
              showSymbol: !many && r.points.length <= 30,
              symbolSize: 5,
              lineStyle: { width: 2 },
              data: [...(start ? [start] : []), ...r.points.map((p) => [x(p.t_s), p.cumulative])],
            };
          }),
          {
            tooltip: { trigger: 'item', renderMode: 'richText' },
            xAxis: axis(
              minutes ? t('analytics.axis.minutesSinceVote') : t('analytics.axis.secondsSinceVote'),
              { type: 'value' },
            ),
            yAxis: axis(t('analytics.axis.cumulativeVotes'), {
              type: 'value',
              minInterval: 1,
              nameGap: 40,
            }),
          },
        ),
      };
    }
    case 'agreement':
      return {
        height: 300,
        option: base(
          [
            {
              type: 'bar',
              name: t('analytics.series.finalRanking'),
              data: a.agreement.histogram.map((b) => b.voters),
              color: ACCENT,
            },
            {
              type: 'bar',
              name: t('analytics.series.othersRanking'),
              data: a.agreement.histogram.map((b) => b.voters_others),
              color: ORANGE,
            },
          ],
          {
            xAxis: axis(t('analytics.axis.agreement'), {
              type: 'category',
              data: a.agreement.histogram.map((b) => binLabel(b.from, b.to)),
              axisLabel: { color: TEXT, interval: 0, rotate: 30 },
              nameGap: 48,
            }),
            grid: { left: 56, right: 24, top: 40, bottom: 72, containLabel: true },
            yAxis: axis(t('analytics.axis.voters'), { type: 'value', minInterval: 1, nameGap: 40 }),
          },
        ),
      };
    case 'participation':
      return {
        height: 320,
        option: base(
          [
            {
              type: 'bar',
              name: t('analytics.series.participants'),
              data: a.participation.map((r) => r.participants),
              color: ACCENT,
            },
            {
              type: 'bar',
              name: t('analytics.series.submissions'),
              data: a.participation.map((r) => r.submissions),
              color: '#0b7285',
            },
            {
              type: 'bar',
              name: t('analytics.series.votes'),
              data: a.participation.map((r) => r.votes),
              color: ORANGE,
            },
            {
              type: 'bar',
              name: t('analytics.series.failures'),
              data: a.participation.map((r) => r.failures),
              color: DOWN,
            },
          ],
          {
            xAxis: axis(t('analytics.axis.round'), {
              type: 'category',
              data: a.participation.map((r) => String(r.round)),
            }),
            yAxis: axis(t('analytics.axis.count'), { type: 'value', minInterval: 1, nameGap: 40 }),
          },
        ),
      };
    case 'words': {
      // Most frequent at the top: category axes run bottom-up, so reverse.
      const words = [...a.prompts.words].reverse();
      const pct = (share: number | null) => (share === null ? 0 : Math.round(share * 1000) / 10);
      return {
        height: Math.max(320, words.length * 26 + 110),
        option: base(
          [
            {
              type: 'bar',
              name: t('analytics.series.allPrompts'),
              data: words.map((w) => pct(w.all_share)),
              color: ACCENT,
            },
            {
              type: 'bar',
              name: t('analytics.series.winningPrompts'),
              data: words.map((w) => pct(w.winners_share)),
              color: ORANGE,
            },
          ],
          {
            grid: { left: 16, right: 32, top: 40, bottom: 48, containLabel: true },
            xAxis: axis(t('analytics.axis.shareOfPrompts'), {
              type: 'value',
              axisLabel: { color: TEXT, formatter: '{value}%' },
            }),
            yAxis: {
              type: 'category',
              data: words.map((w) => w.word),
              axisLabel: { color: TEXT },
              axisLine: { lineStyle: { color: MUTED } },
            },
          },
        ),
      };
    }
    case 'length-score':
    case 'area-score': {
      const x = (e: Analytics['prompts']['entries'][number]) =>
        id === 'length-score'
          ? e.words
          : e.mask_area === null
            ? null
            : Math.round(e.mask_area * 1000) / 10;
      const points = (winner: boolean) =>
        a.prompts.entries
          .filter((e) => e.winner === winner && x(e) !== null)
          .map((e) => [x(e), e.score, e.id]);
      return {
        height: 320,
        option: base(
          [
            {
              type: 'scatter',
              name: t('analytics.series.entries'),
              data: points(false),
              symbolSize: 9,
              color: ACCENT,
              itemStyle: { opacity: 0.7 },
            },
            {
              type: 'scatter',
              name: t('analytics.series.winners'),
              data: points(true),
              symbolSize: 12,
              symbol: 'diamond',
              color: ORANGE,
            },
          ],
          {
            tooltip: { trigger: 'item', renderMode: 'richText' },
            xAxis: axis(
              id === 'length-score'
                ? t('analytics.axis.promptWords')
                : t('analytics.axis.maskArea'),
              {
                type: 'value',
                scale: id === 'length-score',
                // Room around the outermost points, so none sits on the frame.
                boundaryGap: ['6%', '6%'],
                ...(id === 'area-score'
                  ? { axisLabel: { color: TEXT, formatter: '{value}%' } }
                  : {}),
              },
            ),
            yAxis: axis(t('analytics.axis.netScore'), {
              type: 'value',
              minInterval: 1,
              nameGap: 40,
              boundaryGap: ['6%', '6%'],
            }),
          },
        ),
      };
    }
    case 'detector-score': {
      const images = a.detector?.images ?? [];
      // P(ai) in percent, the net score, and the image id (shown in the tooltip).
      const points = (keep: (i: (typeof images)[number]) => boolean) =>
        images.filter(keep).map((i) => [Math.round(i.p_ai * 1000) / 10, i.score, i.id]);
      return {
        height: 340,
        option: base(
          [
            {
              type: 'scatter',
              name: t('analytics.series.entries'),
              data: points((i) => i.in_vote && !i.winner),
              symbolSize: 9,
              color: ACCENT,
              itemStyle: { opacity: 0.7 },
            },
            {
              type: 'scatter',
              name: t('analytics.series.winners'),
              data: points((i) => i.winner),
              symbolSize: 12,
              symbol: 'diamond',
              color: ORANGE,
            },
            {
              type: 'scatter',
              name: t('analytics.series.notInVote'),
              data: points((i) => !i.in_vote && !i.winner),
              symbolSize: 8,
              symbol: 'emptyCircle',
              color: MUTED,
            },
          ],
          {
            tooltip: { trigger: 'item', renderMode: 'richText' },
            xAxis: axis(t('analytics.axis.pAi'), {
              type: 'value',
              min: 0,
              max: 100,
              axisLabel: { color: TEXT, formatter: '{value}%' },
            }),
            yAxis: axis(t('analytics.axis.netScore'), {
              type: 'value',
              minInterval: 1,
              nameGap: 40,
              boundaryGap: ['6%', '6%'],
            }),
          },
        ),
      };
    }
  }
}

function withTitle(option: EChartsCoreOption, title: string): EChartsCoreOption {
  const grid = (option['grid'] as Record<string, unknown> | undefined) ?? {};
  return {
    ...option,
    backgroundColor: '#ffffff',
    title: {
      text: title,
      left: 8,
      top: 6,
      textStyle: { fontSize: 15, fontWeight: 'bold', color: TEXT, fontFamily: FONT },
    },
    legend: { ...((option['legend'] as Record<string, unknown>) ?? {}), top: 34 },
    grid: { ...grid, top: Number(grid['top'] ?? 40) + 36 },
  };
}

/** A chart drawn into `container` (SVG), kept at the container's width. */
export class Chart {
  private readonly chart: ECharts;
  private readonly observer: ResizeObserver;

  constructor(
    readonly container: HTMLElement,
    private readonly spec: ChartSpec,
  ) {
    container.style.height = `${spec.height}px`;
    this.chart = init(container, null, { renderer: 'svg' });
    this.chart.setOption(spec.option);
    this.observer = new ResizeObserver(() => this.chart.resize());
    this.observer.observe(container);
  }

  /** The chart as a standalone SVG document, with its title. */
  svg(title: string): string {
    return offscreen('svg', this.width(), this.spec, title, (chart) => chart.renderToSVGString());
  }

  /** The chart as a PNG data URL (twice the pixels, for print), with its title. */
  png(title: string): string {
    return offscreen('canvas', this.width(), this.spec, title, (chart) =>
      chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' }),
    );
  }

  dispose(): void {
    this.observer.disconnect();
    this.chart.dispose();
  }

  private width(): number {
    return Math.max(480, Math.round(this.container.getBoundingClientRect().width));
  }
}

function offscreen(
  renderer: 'svg' | 'canvas',
  width: number,
  spec: ChartSpec,
  title: string,
  take: (chart: ECharts) => string,
): string {
  const host = document.createElement('div');
  host.style.position = 'absolute';
  host.style.left = '-10000px';
  host.style.top = '0';
  document.body.appendChild(host);
  const chart = init(host, null, { renderer, width, height: spec.height + 36 });
  try {
    chart.setOption(withTitle(spec.option, title));
    return take(chart);
  } finally {
    chart.dispose();
    host.remove();
  }
}
