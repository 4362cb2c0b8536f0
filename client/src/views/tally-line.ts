// One card's tally: ▲ up ▼ down, the net score and the Wilson bound, or only "Votes
// sealed" while the room hides its counts. Updated in place; a change of the counts (and
// the reveal above all) plays a short highlight that prefers-reduced-motion turns off (CSS).
import { el, setAttr, setText } from '../dom';
import type { Tally } from '../generated/protocol';
import { t } from '../i18n';
import type { WinnerRule } from '../tallies';
import { tallyDisplay } from './format';

export class TallyLine {
  readonly element: HTMLParagraphElement;
  private readonly up = el('span', { 'data-testid': 'tally-up' });
  private readonly down = el('span', { 'data-testid': 'tally-down' });
  private readonly score = el('span', { 'data-testid': 'tally-score' });
  private readonly wilson = el('span', { 'data-testid': 'tally-wilson' });
  /** What the Wilson figure means, for screen readers (the mouse gets it as a tooltip). */
  private readonly wilsonSr = el('span', { class: 'sr-only' });
  private readonly wilsonItem: HTMLSpanElement;
  private readonly scoreItem: HTMLSpanElement;
  private readonly counts: HTMLSpanElement[];
  private readonly sealedNote = el(
    'span',
    {
      class: 'tally-item tally-sealed',
      'data-testid': 'tally-sealed',
      title: t('tally.sealedTitle'),
    },
    t('tally.sealed'),
  );
  /** What was shown last ("sealed" or the counts), to notice a change worth a highlight. */
  private shown: string | null = null;

  constructor() {
    this.scoreItem = el(
      'span',
      { class: 'tally-item tally-score' },
      `${t('tally.score')} `,
      this.score,
    );
    this.wilsonItem = el(
      'span',
      { class: 'tally-item tally-wilson' },
      el('span', { 'aria-hidden': 'true' }, `${t('tally.wilson')} `, this.wilson),
      this.wilsonSr,
    );
    this.counts = [
      el(
        'span',
        { class: 'tally-item' },
        el('span', { 'aria-hidden': 'true' }, '▲ '),
        el('span', { class: 'sr-only' }, `${t('tally.upSr')} `),
        this.up,
      ),
      el(
        'span',
        { class: 'tally-item' },
        el('span', { 'aria-hidden': 'true' }, '▼ '),
        el('span', { class: 'sr-only' }, `${t('tally.downSr')} `),
        this.down,
      ),
      this.scoreItem,
      this.wilsonItem,
    ];
    this.element = el('p', { class: 'tally' }, ...this.counts, this.sealedNote);
  }

  update(tally: Tally, rule: WinnerRule): void {
    const view = tallyDisplay(tally);
    const key = view.sealed ? 'sealed' : `${view.up}/${view.down}`;
    for (const item of this.counts) item.hidden = view.sealed;
    this.sealedNote.hidden = !view.sealed;
    if (view.sealed) {
      // No number may linger in the hidden counts: they read "—" until revealed.
      for (const node of [this.up, this.down, this.score, this.wilson]) setText(node, '—');
      setText(this.wilsonSr, '');
    } else {
      setText(this.up, String(view.up));
      setText(this.down, String(view.down));
      setText(this.score, String(view.score));
      setText(this.wilson, `${view.wilson}%`);
      setAttr(this.wilsonItem, 'title', view.wilsonText);
      setText(this.wilsonSr, view.wilsonText);
    }
    // The measure that picks the winner is the one in bold.
    this.scoreItem.classList.toggle('is-rule', rule === 'net');
    this.wilsonItem.classList.toggle('is-rule', rule === 'wilson');
    if (this.shown !== null && this.shown !== key && !view.sealed) {
      this.flash(this.shown === 'sealed' ? 'tally-revealed' : 'tally-changed');
    }
    this.shown = key;
  }

  private flash(name: string): void {
    this.element.classList.remove('tally-revealed', 'tally-changed');
    // Reading the layout restarts the CSS animation when the same class comes back.
    void this.element.offsetWidth;
    this.element.classList.add(name);
  }
}
