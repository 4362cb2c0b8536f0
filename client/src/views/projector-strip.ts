// The projector's strip of past winners (newest first), from the lineage.
import { el } from '../dom';
import { t } from '../i18n';
import type { PastWinner } from '../lineage-data';

export class PastWinnersStrip {
  readonly element: HTMLElement;
  private readonly list = el('ol', { class: 'pj-strip-list' });
  private readonly empty = el('p', { class: 'pj-empty' }, t('projector.noPastWinners'));
  private key = '';

  constructor() {
    this.element = el(
      'section',
      {
        class: 'pj-strip',
        'data-testid': 'projector-past-winners',
        'aria-labelledby': 'pj-strip-title',
      },
      el('h2', { id: 'pj-strip-title', class: 'pj-strip-title' }, t('projector.pastWinners')),
      this.empty,
      this.list,
    );
  }

  update(winners: readonly PastWinner[]): void {
    const key = winners.map((w) => `${w.round}:${w.winner.id}`).join(',');
    if (key === this.key) return;
    this.key = key;
    this.empty.hidden = winners.length > 0;
    this.list.replaceChildren(
      ...winners.map(({ round, winner }) =>
        el(
          'li',
          {
            class: 'pj-past',
            'data-testid': 'projector-past-winner',
            'data-round': round,
            'data-image-id': winner.id,
          },
          el('img', { class: 'pj-past-thumb', src: winner.thumbUrl, alt: '' }),
          el(
            'div',
            { class: 'pj-past-text' },
            el('p', { class: 'pj-past-round' }, t('projector.round', { n: round })),
            el('p', { class: 'pj-past-prompt' }, winner.prompt),
            winner.nickname
              ? el('p', { class: 'pj-past-author' }, t('projector.by', { name: winner.nickname }))
              : null,
          ),
        ),
      ),
    );
  }
}
