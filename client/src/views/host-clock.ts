// The facilitator's clock buttons: pause, resume and extend the current phase's deadline.
// Each button shows only when it applies to the round as the console last saw it; the
// server has the last word (409 already_paused, not_paused, no_deadline, phase_changed).
import { ApiError, api } from '../api';
import { el } from '../dom';
import { LIMITS, type Round } from '../generated/protocol';
import { formatDuration } from '../clock';
import { t } from '../i18n';

export type ClockAction = 'pause' | 'resume' | 'extend';

/** Which clock buttons apply to a round (pure, for tests). */
export function clockActions(round: Pick<Round, 'phase' | 'deadline' | 'paused'>): ClockAction[] {
  if (round.phase === 'closed') return [];
  const actions: ClockAction[] = [];
  if (round.paused === true) actions.push('resume');
  else if (round.deadline !== null) actions.push('pause');
  actions.push('extend');
  return actions;
}

/** "+1 min", "+90 s", "+2 min"; null for a value the server would refuse. */
export function extendLabel(raw: string): string | null {
  const seconds = Number(raw.trim());
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > LIMITS.phase_duration_max_s) {
    return null;
  }
  if (seconds % 60 === 0 && seconds < 3600) return t('clock.extendMin', { n: seconds / 60 });
  return seconds < 60 ? t('clock.extendSec', { n: seconds }) : `+${formatDuration(seconds * 1000)}`;
}

export interface ClockHooks {
  /** The server took it; its round:updated event follows on the socket. */
  onDone: (round: Round, action: ClockAction) => void;
  /** An ApiError (e.g. 409 not_paused) or a message of our own. */
  onError: (error: ApiError | string) => void;
}

export class ClockControls {
  readonly element: HTMLElement;
  private readonly pause = el(
    'button',
    { type: 'button', 'data-testid': 'host-pause' },
    t('host.pause'),
  );
  private readonly resume = el(
    'button',
    { type: 'button', 'data-testid': 'host-resume' },
    t('host.resume'),
  );
  private readonly extend = el(
    'button',
    { type: 'button', 'data-testid': 'host-extend' },
    t('clock.extendMin', { n: 1 }),
  );
  private readonly seconds = el('input', {
    id: 'extend-seconds',
    type: 'number',
    min: 1,
    max: LIMITS.phase_duration_max_s,
    step: 1,
    value: 60,
    inputmode: 'numeric',
    'data-testid': 'host-extend-seconds',
  });
  private busy = false;
  /** The clock button pressed from the keyboard: focus returns to the clock buttons. */
  private pressed: HTMLButtonElement | null = null;

  constructor(
    private readonly slug: string,
    private readonly hooks: ClockHooks,
  ) {
    this.pause.addEventListener('click', () => void this.run('pause'));
    this.resume.addEventListener('click', () => void this.run('resume'));
    this.extend.addEventListener('click', () => void this.run('extend'));
    this.seconds.addEventListener('input', () => {
      const label = extendLabel(this.seconds.value);
      this.extend.textContent = label ?? t('host.extend');
      this.extend.disabled = this.busy || label === null;
    });
    this.element = el(
      'div',
      // Hidden until the first round arrives: no button may show before we know it applies.
      { class: 'clock-controls', role: 'group', 'aria-label': t('host.clockGroup'), hidden: true },
      this.pause,
      this.resume,
      el(
        'span',
        { class: 'extend-group' },
        this.extend,
        el('label', { for: 'extend-seconds', class: 'sr-only' }, t('host.extendBy')),
        this.seconds,
        el('span', { class: 'muted', 'aria-hidden': 'true' }, t('host.seconds')),
      ),
    );
  }

  update(round: Round): void {
    const actions = clockActions(round);
    const focused = document.activeElement;
    const hadFocus = focused === this.pause || focused === this.resume;
    this.element.hidden = actions.length === 0;
    this.pause.hidden = !actions.includes('pause');
    this.resume.hidden = !actions.includes('resume');
    // Pause and resume take turns: the keyboard moves to the one that shows.
    if (hadFocus) this.focusShown();
  }

  private focusShown(): void {
    if (this.element.hidden) return;
    const shown = [this.pause, this.resume, this.extend].find((b) => !b.hidden && !b.disabled);
    shown?.focus();
  }

  private async run(action: ClockAction): Promise<void> {
    if (this.busy) return;
    const seconds = Number(this.seconds.value.trim());
    if (action === 'extend' && extendLabel(this.seconds.value) === null) {
      return this.hooks.onError(t('host.extendInvalid', { max: LIMITS.phase_duration_max_s }));
    }
    const focused = document.activeElement;
    this.pressed = [this.pause, this.resume, this.extend].find((b) => b === focused) ?? null;
    this.setBusy(true);
    try {
      const { round } =
        action === 'pause'
          ? await api.pauseClock(this.slug)
          : action === 'resume'
            ? await api.resumeClock(this.slug)
            : await api.extendClock(this.slug, seconds);
      this.hooks.onDone(round, action);
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : t('host.clockFailed'));
    } finally {
      this.setBusy(false);
    }
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    for (const button of [this.pause, this.resume, this.extend]) button.disabled = busy;
    if (!busy) this.extend.disabled = extendLabel(this.seconds.value) === null;
    // Disabling blurred the pressed button: the keyboard gets the clock buttons back.
    const pressed = this.pressed;
    if (!busy && pressed) {
      this.pressed = null;
      if (pressed.hidden || pressed.disabled) this.focusShown();
      else pressed.focus();
    }
  }
}
