// The generate-phase form: mask editor, prompt, the viewer's quota and submit.
import { ApiError, api } from '../api';
import { MaskEditor } from '../canvas';
import { el, setText } from '../dom';
import { type Image, LIMITS, type Quota, type Round } from '../generated/protocol';
import type { Generator } from '../state';
import { t } from '../i18n';
import { PromptBox } from './prompt';

/** Our words for some refusals; the server's message follows in brackets. */
function friendly(code: string): string | undefined {
  switch (code) {
    case 'invalid_prompt':
      return t('composer.invalidPrompt', { max: LIMITS.prompt_max_chars });
    case 'wrong_phase':
      return t('composer.wrongPhase');
    case 'not_joined':
      return t('composer.notJoined');
    case 'too_large':
      return t('composer.tooLarge');
    default:
      return undefined;
  }
}

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
      t('composer.submit'),
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
      t('composer.offline'),
    );
    this.quotaLine = el(
      'p',
      { class: 'quota', hidden: true },
      el('span', {}, `${t('composer.generations')} `, this.quotaCount),
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
      el('h2', { id: 'composer-title' }, t('composer.title')),
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
    this.editor.setSeed(round.seed, t('composer.seedAlt', { n: round.number }));
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
      setText(this.roomCap, t('composer.roomCap', { n: quota.room_generations_per_minute }));
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
      const note = this.limits.entrySelection ? 'composer.exhaustedEnter' : 'composer.exhausted';
      setText(this.quotaNote, t(note));
    }
    this.submit.title = !this.open ? this.reason : exhausted ? t('composer.noneLeft') : '';
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
    if (!prompt) return this.fail(t('composer.emptyPrompt'));
    const seedId = this.editor.seedId;
    if (seedId === null || !this.editor.hasPaint()) return this.fail(t('composer.emptyMask'));
    let mask: string;
    try {
      mask = this.editor.exportPNG();
    } catch (err) {
      return this.fail(err instanceof Error ? err.message : t('composer.maskUnreadable'));
    }
    if (mask.length > LIMITS.mask_max_bytes) return this.fail(t('composer.tooLarge'));
    const hadFocus = document.activeElement === this.submit;
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
        ? t('composer.submittedEnter')
        : t('composer.submitted');
      this.notice.hidden = false;
    } catch (err) {
      this.failWith(err);
    } finally {
      this.busy = false;
      this.syncSubmit();
      // Sending disabled (and so blurred) the button: the keyboard continues from it.
      if (hadFocus && !this.submit.disabled) this.submit.focus();
    }
  }

  private failWith(err: unknown): void {
    if (!(err instanceof ApiError)) {
      this.fail(t('composer.failed'));
      return;
    }
    if (err.code === 'seed_changed') {
      // The mask was painted on a seed that is gone: it means nothing on the new one.
      this.editor.reset();
      this.fail(t('composer.seedChanged', { message: err.message }), err.code);
      this.onSeedChanged();
      return;
    }
    const ours = friendly(err.code);
    this.fail(ours && ours !== err.message ? `${ours} (${err.message})` : err.message, err.code);
  }
}
