// The prompt box: textarea, "n / 500" counter and an example prompt to start from.
import { el, setText } from '../dom';
import { EXAMPLE_PROMPTS, LIMITS } from '../generated/protocol';
import { t } from '../i18n';

/** A random example, different from `current` when there is a choice. */
export function pickExample(
  examples: readonly string[],
  current: string,
  random: () => number = Math.random,
): string | null {
  const pool = examples.length > 1 ? examples.filter((e) => e !== current) : examples;
  if (pool.length === 0) return null;
  return pool[Math.min(pool.length - 1, Math.floor(random() * pool.length))]!;
}

export class PromptBox {
  readonly element: HTMLDivElement;
  readonly textarea: HTMLTextAreaElement;
  private readonly counter: HTMLSpanElement;
  private readonly example: HTMLButtonElement;

  constructor(onInput: () => void) {
    const placeholder = pickExample(EXAMPLE_PROMPTS, '') ?? t('prompt.fallbackExample');
    this.textarea = el('textarea', {
      id: 'prompt',
      'data-testid': 'prompt-input',
      maxlength: LIMITS.prompt_max_chars,
      rows: 3,
      placeholder: t('prompt.placeholder', { example: placeholder }),
      'aria-describedby': 'prompt-counter',
    });
    this.counter = el('span', {
      id: 'prompt-counter',
      class: 'counter',
      'data-testid': 'prompt-counter',
      'aria-live': 'polite',
    });
    this.example = el(
      'button',
      { type: 'button', class: 'link-button', 'data-testid': 'example-button' },
      t('prompt.example'),
    );
    this.example.hidden = EXAMPLE_PROMPTS.length === 0;
    this.element = el(
      'div',
      { class: 'prompt-box' },
      el(
        'div',
        { class: 'prompt-head' },
        el('label', { for: 'prompt' }, t('prompt.label')),
        this.example,
      ),
      this.textarea,
    );
    this.textarea.addEventListener('input', () => {
      this.updateCounter();
      onInput();
    });
    this.example.addEventListener('click', () => {
      const text = pickExample(EXAMPLE_PROMPTS, this.textarea.value);
      if (text === null) return;
      this.textarea.value = text;
      this.updateCounter();
      onInput();
      this.textarea.focus();
    });
    this.updateCounter();
  }

  /** The counter lives in the form row beside Submit; the composer places it. */
  get counterElement(): HTMLSpanElement {
    return this.counter;
  }

  get value(): string {
    return this.textarea.value;
  }

  setDisabled(disabled: boolean): void {
    this.textarea.disabled = disabled;
    this.example.disabled = disabled;
  }

  private updateCounter(): void {
    setText(this.counter, `${this.textarea.value.length} / ${LIMITS.prompt_max_chars}`);
  }
}
