// The generate-phase form: mask editor, prompt, the viewer's quota and submit.
import { ApiError, api } from '../api';
import { MaskEditor } from '../canvas';
import { el, setText } from '../dom';
import { type Image, LIMITS, type Quota, type Round } from '../generated/protocol';
import type { Generator } from '../state';
import { PromptBox } from './prompt';

const FRIENDLY: Record<string, string> = {
  invalid_prompt: `Write a prompt of 1 to ${LIMITS.prompt_max_chars} characters.`,
  wrong_phase: 'Submissions are closed: the round is no longer in the generate phase.',
  not_joined: 'Your session has expired. Reload the page to join again.',
  too_large: 'The mask is too large to send. Try a simpler mask.',
};
const EMPTY_MASK = 'Paint the area to repaint on the image first.';

export interface ComposerLimits {
  quota: Quota | null;
  generator: Generator | null;
  entrySelection: boolean;
}

export class Composer {
  readonly element: HTMLElement;
  private readonly editor: MaskEditor;
  private readonly prompt: PromptBox;
  private readonly submit: HTMLButtonElement;
  private readonly quotaCount = el('span', { 'data-testid': 'quota-count' });
  private readonly roomCap = el('span', { class: 'muted', 'data-testid': 'room-cap' });
  private readonly quotaLine: HTMLParagraphElement;
  private readonly quotaNote = el('p', {
    class: 'hint',
    'data-testid': 'quota-note',
    hidden: true,
  });
  private readonly offline: HTMLParagraphElement;
  private readonly error: HTMLParagraphElement;
  private readonly notice: HTMLParagraphElement;
  private limits: ComposerLimits = { quota: null, generator: null, entrySelection: false };
  private open = false;
  private reason = '';
  private busy = false;
  /** A seed_changed message outlives the new round that caused it. */
  private errorCode: string | null = null;

  constructor(
    private readonly slug: string,
    private readonly onSubmitted: (image: Image) => void,
    private readonly onSeedChanged: () => void = () => {},
  ) {
    this.editor = new MaskEditor(() => this.clearMessages());
    this.prompt = new PromptBox(() => this.clearMessages());
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
    this.offline = el(
      'p',
      { class: 'offline-notice', 'data-testid': 'offline-notice', hidden: true },
      "Offline renderer: results are generated patterns, not an AI model's images",
    );
    this.quotaLine = el(
      'p',
      { class: 'quota', hidden: true },
      el('span', {}, 'Generations: ', this.quotaCount),
      this.roomCap,
    );
    const form = el(
      'form',
      { class: 'prompt-form', novalidate: true },
      this.prompt.element,
      el('div', { class: 'form-row' }, this.prompt.counterElement, this.submit),
      this.quotaLine,
      this.quotaNote,
      this.offline,
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
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send();
    });
  }

  /** A new round gets a fresh mask, even when the seed stayed the same (no winner). */
  setRound(round: Round, isNewRound: boolean): void {
    this.editor.setSeed(round.seed, `Seed image of round ${round.number}`);
    if (isNewRound) {
      this.editor.reset();
      if (this.errorCode !== 'seed_changed') this.clearMessages();
    }
  }

  setOpen(open: boolean, reason: string): void {
    if (this.open && !open) this.clearMessages();
    this.open = open;
    this.reason = reason;
    this.editor.setEnabled(open);
    this.prompt.setDisabled(!open);
    this.syncSubmit();
  }

  setLimits(limits: ComposerLimits): void {
    this.limits = limits;
    const { quota, generator } = limits;
    this.offline.hidden = !generator?.offline;
    this.quotaLine.hidden = quota === null;
    if (quota) {
      setText(this.quotaCount, `${quota.generations_used} / ${quota.generations_per_round}`);
      setText(this.roomCap, `The room can make ${quota.room_generations_per_minute} per minute`);
    }
    this.syncSubmit();
  }

  private exhausted(): boolean {
    const q = this.limits.quota;
    return q !== null && q.generations_used >= q.generations_per_round;
  }

  private syncSubmit(): void {
    const exhausted = this.exhausted();
    this.submit.disabled = !this.open || this.busy || exhausted;
    this.quotaNote.hidden = !exhausted;
    if (exhausted) {
      const tail = this.limits.entrySelection ? ' Enter your best attempt into the vote.' : '';
      setText(this.quotaNote, `You have used all your generations for this round.${tail}`);
    }
    this.submit.title = !this.open ? this.reason : exhausted ? 'No generations left' : '';
  }

  private clearMessages(): void {
    this.errorCode = null;
    this.error.hidden = true;
    this.notice.hidden = true;
  }

  private fail(message: string, code: string | null = null): void {
    this.notice.hidden = true;
    this.errorCode = code;
    this.error.textContent = message;
    this.error.hidden = false;
  }

  private async send(): Promise<void> {
    if (!this.open || this.busy || this.exhausted()) return;
    const prompt = this.prompt.value.trim();
    if (!prompt) return this.fail('Write a prompt describing what to paint.');
    const seedId = this.editor.seedId;
    if (seedId === null || !this.editor.hasPaint()) return this.fail(EMPTY_MASK);
    let mask: string;
    try {
      mask = this.editor.exportPNG();
    } catch (err) {
      return this.fail(err instanceof Error ? err.message : 'Could not read the mask.');
    }
    if (mask.length > LIMITS.mask_max_bytes) return this.fail(FRIENDLY['too_large']!);
    const feather = Math.min(LIMITS.feather_max_px, Math.max(0, Math.round(this.editor.featherPx)));
    this.busy = true;
    this.syncSubmit();
    this.clearMessages();
    try {
      const { image } = await api.submit(this.slug, {
        prompt,
        mask,
        seed_id: seedId,
        feather_px: feather,
      });
      this.onSubmitted(image);
      this.notice.textContent = this.limits.entrySelection
        ? 'Submitted! When it is done, enter it into the vote from My submissions.'
        : 'Submitted! Watch it appear in your submissions.';
      this.notice.hidden = false;
    } catch (err) {
      this.failWith(err);
    } finally {
      this.busy = false;
      this.syncSubmit();
    }
  }

  private failWith(err: unknown): void {
    if (!(err instanceof ApiError)) {
      this.fail('Something went wrong while submitting. Please try again.');
      return;
    }
    if (err.code === 'seed_changed') {
      // The mask was painted on a seed that is gone: it means nothing on the new one.
      this.editor.reset();
      this.fail(`${err.message} Your mask was cleared: paint on the new image.`, err.code);
      this.onSeedChanged();
      return;
    }
    const friendly = FRIENDLY[err.code];
    this.fail(
      friendly && friendly !== err.message ? `${friendly} (${err.message})` : err.message,
      err.code,
    );
  }
}
