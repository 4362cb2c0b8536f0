// "Paint it": a participant asks the image model to paint the shared sketch as it is now,
// with an optional style line; the rendering then streams into the gallery like an edit.
import { ApiError, api } from '../api';
import { el, setText } from '../dom';
import type { Image, Round } from '../generated/protocol';
import { t } from '../i18n';

export class PaintForm {
  readonly element: HTMLElement;
  private readonly style = el('input', {
    type: 'text',
    maxlength: 200,
    placeholder: t('sketch.stylePlaceholder'),
    'aria-label': t('sketch.style'),
    'data-testid': 'sketch-style',
  });
  private readonly button = el('button', { type: 'submit', 'data-testid': 'sketch-paint' }, t('sketch.paint'));
  private readonly message = el('p', { class: 'hint', role: 'status', 'data-testid': 'sketch-paint-status' });
  private round: Round | null = null;
  private busy = false;

  constructor(
    private readonly slug: string,
    private readonly onPainting: (image: Image) => void,
  ) {
    const form = el(
      'form',
      { class: 'paint-form' },
      el('label', {}, t('sketch.style'), this.style),
      this.button,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.paint();
    });
    this.element = el('section', { class: 'panel paint-panel', 'data-testid': 'paint-panel', hidden: true },
      el('h2', {}, t('sketch.paintTitle')), el('p', { class: 'hint' }, t('sketch.paintHint')), form, this.message);
  }

  setRound(round: Round): void {
    this.round = round;
    this.element.hidden = round.kind !== 'sketch';
    this.button.disabled = this.busy || round.phase !== 'generate';
  }

  private async paint(): Promise<void> {
    if (!this.round || this.busy) return;
    this.busy = true;
    this.button.disabled = true;
    setText(this.message, t('sketch.painting'));
    try {
      const style = this.style.value.trim();
      const answer = await api.paintSketch(this.slug, { round_id: this.round.id, ...(style ? { style } : {}) });
      this.onPainting(answer.image);
      setText(this.message, t('sketch.queued'));
    } catch (err) {
      setText(this.message, err instanceof ApiError ? err.message : t('sketch.paintFailed'));
    } finally {
      this.busy = false;
      if (this.round) this.setRound(this.round);
    }
  }
}
