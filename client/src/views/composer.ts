// The generate-phase form: mask editor, prompt and submit.
import { ApiError, api } from '../api';
import { MaskEditor } from '../canvas';
import { el, setText } from '../dom';
import { type Image, LIMITS, type Round } from '../generated/protocol';

const FRIENDLY: Record<string, string> = {
  invalid_mask: 'Paint the area to repaint on the image first.',
  invalid_prompt: `Write a prompt of 1 to ${LIMITS.prompt_max_chars} characters.`,
  wrong_phase: 'Submissions are closed: the round is no longer in the generate phase.',
  not_joined: 'Your session has expired. Reload the page to join again.',
  too_large: 'The mask is too large to send. Try a simpler mask.',
};

export class Composer {
  readonly element: HTMLElement;
  private readonly editor: MaskEditor;
  private readonly prompt: HTMLTextAreaElement;
  private readonly counter: HTMLSpanElement;
  private readonly submit: HTMLButtonElement;
  private readonly error: HTMLParagraphElement;
  private readonly notice: HTMLParagraphElement;
  private open = false;
  private busy = false;

  constructor(
    private readonly slug: string,
    private readonly onSubmitted: (image: Image) => void,
  ) {
    this.editor = new MaskEditor(() => this.clearMessages());
    this.prompt = el('textarea', {
      id: 'prompt',
      'data-testid': 'prompt-input',
      maxlength: LIMITS.prompt_max_chars,
      rows: 3,
      placeholder: 'e.g. a red kite in the sky',
      'aria-describedby': 'prompt-counter',
    });
    this.counter = el('span', {
      id: 'prompt-counter',
      class: 'counter',
      'data-testid': 'prompt-counter',
      'aria-live': 'polite',
    });
    this.submit = el(
      'button',
      { type: 'submit', class: 'primary', 'data-testid': 'submit-button' },
      'Submit',
    );
    this.error = el('p', {
      class: 'error-text',
      'data-testid': 'submit-error',
      role: 'alert',
      hidden: true,
    });
    this.notice = el('p', { class: 'notice', role: 'status', hidden: true });
    const form = el(
      'form',
      { class: 'prompt-form', novalidate: true },
      el('label', { for: 'prompt' }, 'What should appear in the painted area?'),
      this.prompt,
      el('div', { class: 'form-row' }, this.counter, this.submit),
      this.error,
      this.notice,
    );
    this.element = el(
      'section',
      { class: 'panel composer', 'aria-labelledby': 'composer-title' },
      el('h2', { id: 'composer-title' }, 'Your edit'),
      this.editor.root,
      form,
    );
    this.prompt.addEventListener('input', () => {
      this.updateCounter();
      this.clearMessages();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send();
    });
    this.updateCounter();
  }

  /** A new round gets a fresh mask, even when the seed stayed the same (no winner). */
  setRound(round: Round, isNewRound: boolean): void {
    this.editor.setSeed(round.seed, `Seed image of round ${round.number}`);
    if (isNewRound) {
      this.editor.reset();
      this.clearMessages();
    }
  }

  setOpen(open: boolean, reason: string): void {
    if (this.open && !open) this.clearMessages();
    this.open = open;
    this.editor.setEnabled(open);
    this.prompt.disabled = !open;
    this.submit.disabled = !open || this.busy;
    this.submit.title = open ? '' : reason;
  }

  private updateCounter(): void {
    setText(this.counter, `${this.prompt.value.length} / ${LIMITS.prompt_max_chars}`);
  }

  private clearMessages(): void {
    this.error.hidden = true;
    this.notice.hidden = true;
  }

  private fail(message: string): void {
    this.notice.hidden = true;
    this.error.textContent = message;
    this.error.hidden = false;
  }

  private async send(): Promise<void> {
    if (!this.open || this.busy) return;
    const prompt = this.prompt.value.trim();
    if (!prompt) return this.fail('Write a prompt describing what to paint.');
    if (!this.editor.hasPaint()) return this.fail(FRIENDLY['invalid_mask']!);
    let mask: string;
    try {
      mask = this.editor.exportPNG();
    } catch (err) {
      return this.fail(err instanceof Error ? err.message : 'Could not read the mask.');
    }
    if (mask.length > LIMITS.mask_max_bytes) return this.fail(FRIENDLY['too_large']!);
    this.busy = true;
    this.submit.disabled = true;
    this.clearMessages();
    try {
      const { image } = await api.submit(this.slug, { prompt, mask });
      this.onSubmitted(image);
      this.notice.textContent = 'Submitted! Watch it appear in your submissions.';
      this.notice.hidden = false;
    } catch (err) {
      if (err instanceof ApiError) {
        const friendly = FRIENDLY[err.code];
        this.fail(
          friendly && friendly !== err.message ? `${friendly} (${err.message})` : err.message,
        );
      } else {
        this.fail('Something went wrong while submitting. Please try again.');
      }
    } finally {
      this.busy = false;
      this.submit.disabled = !this.open;
    }
  }
}
