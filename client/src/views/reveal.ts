// The projector's reveal: the round's winner big, the seed before and the winner after side
// by side, both with the outline of the repainted area, and the winner's prompt, author and
// votes. Without a winner it says the seed stays.
import { el, setAttr, setText } from '../dom';
import { t } from '../i18n';
import type { EditView } from '../lineage-data';
import { outlineLayer } from './outline';

export interface SeedLike {
  url: string;
  width: number;
  height: number;
}

export interface RevealData {
  round: number;
  seed: SeedLike;
  winner: EditView | null;
}

/** A stable key: the view is rebuilt only when what it shows changes. */
export function revealKey(data: RevealData): string {
  const w = data.winner;
  const votes = w?.votes ? `${w.votes.up}/${w.votes.down}` : '-';
  return `${data.round}|${data.seed.url}|${w?.id ?? 'none'}|${w?.url ?? ''}|${w?.maskUrl ?? ''}|${votes}`;
}

/** The image and the outline fill the frame with object-fit: contain, so they line up. */
function framed(src: string, alt: string, maskUrl: string | null, size: SeedLike, testid?: string) {
  const img = el('img', { class: 'pj-reveal-img', src, alt, 'data-testid': testid });
  const frame = el('div', { class: 'pj-frame' }, img, maskUrl ? outlineLayer(maskUrl) : null);
  // The wall sizes the frame by its grid cell; a phone's scrolling column by this ratio.
  if (size.width > 0 && size.height > 0) {
    frame.style.setProperty('--frame-ratio', `${size.width} / ${size.height}`);
  }
  return frame;
}

export class RevealView {
  readonly element: HTMLElement;
  private readonly title = el('h2', { class: 'pj-reveal-title' });
  private readonly body = el('div', { class: 'pj-reveal-body' });
  private key: string | null = null;

  constructor() {
    this.element = el(
      'section',
      {
        class: 'pj-reveal',
        'data-testid': 'projector-reveal',
        'aria-labelledby': 'pj-reveal-title',
        hidden: true,
      },
      this.title,
      this.body,
    );
    setAttr(this.title, 'id', 'pj-reveal-title');
  }

  show(data: RevealData): void {
    const key = revealKey(data);
    if (key === this.key) return;
    this.key = key;
    this.element.dataset['round'] = String(data.round);
    const winner = data.winner;
    if (!winner) {
      setText(this.title, t('projector.noWinner', { n: data.round }));
      this.body.replaceChildren(
        el(
          'figure',
          { class: 'pj-side pj-side-only' },
          framed(data.seed.url, t('projector.seedOfRound', { n: data.round }), null, data.seed),
        ),
      );
      return;
    }
    setText(this.title, t('projector.winnerTitle', { n: data.round }));
    const before = el(
      'figure',
      { class: 'pj-side' },
      el('figcaption', { class: 'pj-side-label' }, t('projector.before')),
      framed(
        data.seed.url,
        t('projector.seedOfRound', { n: data.round }),
        winner.maskUrl,
        data.seed,
      ),
    );
    const after = el(
      'figure',
      { class: 'pj-side pj-side-after' },
      el('figcaption', { class: 'pj-side-label' }, t('projector.after')),
      framed(winner.url, winner.prompt, winner.maskUrl, data.seed, 'projector-winner-image'),
    );
    const votes = winner.votes;
    const caption = el(
      'div',
      { class: 'pj-winner-caption' },
      el('p', { class: 'pj-winner-prompt' }, `“${winner.prompt}”`),
      winner.nickname
        ? el('p', { class: 'pj-winner-author' }, t('projector.by', { name: winner.nickname }))
        : null,
      votes
        ? el(
            'p',
            { class: 'pj-winner-votes' },
            t('lineage.votes', { up: votes.up, down: votes.down, score: votes.score }),
          )
        : null,
      el('p', { class: 'pj-outline-note' }, t('projector.outlineNote')),
    );
    this.body.replaceChildren(
      el('div', { class: 'pj-pair' }, before, after),
      el(
        'div',
        { class: 'pj-winner', 'data-testid': 'projector-winner', 'data-image-id': winner.id },
        caption,
      ),
    );
  }
}
