// The console's "This round" panel: the seed, the image counts by status, votes cast, the
// seal (the console gets the same sealed tallies as everyone) and the winner rule.
import { el, setText } from '../dom';
import { t } from '../i18n';
import { type RoomState, statusCounts } from '../state';
import { winnerRuleText } from './format';

export class RoundStatusPanel {
  readonly element: HTMLElement;
  private readonly seed = el('img', { class: 'host-seed', alt: t('host.seedAlt') });
  private readonly counts = el('dl', { class: 'counts' });
  private readonly sealed = el(
    'p',
    { class: 'sealed-note', 'data-testid': 'host-sealed', hidden: true },
    t('host.sealed'),
  );
  private readonly winnerRule = el('p', { class: 'muted', 'data-testid': 'host-winner-rule' });

  constructor() {
    this.element = el(
      'section',
      { class: 'panel', 'aria-labelledby': 'status-title' },
      el('h2', { id: 'status-title' }, t('host.thisRound')),
      this.seed,
      this.counts,
      this.sealed,
      this.winnerRule,
    );
  }

  update(state: RoomState): void {
    const round = state.round;
    if (this.seed.getAttribute('src') !== round.seed.thumb_url) {
      this.seed.src = round.seed.thumb_url;
    }
    const counts = statusCounts(state);
    type Row = [label: string, value: number, testid: string];
    const rows: Row[] = [
      [t('host.images'), state.images.length, 'count-images'],
      ...(Object.keys(counts) as (keyof typeof counts)[]).map((status): Row => [
        t(`host.count.${status}`),
        counts[status],
        `count-${status}`,
      ]),
      [t('host.votesCast'), state.votesCast, 'host-votes-cast'],
    ];
    this.counts.replaceChildren(
      ...rows.flatMap(([k, v, testid]) => [
        el('dt', {}, k),
        el('dd', { 'data-testid': testid }, String(v)),
      ]),
    );
    this.sealed.hidden = !state.sealed;
    setText(this.winnerRule, winnerRuleText(state.winnerRule));
  }
}
