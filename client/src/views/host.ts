// Facilitator console: sign in with the token, watch the room live as a spectator, and
// move the round through the phases the protocol allows.
import { ApiError, api } from '../api';
import { type RoundClock, roundCountdownText } from '../clock';
import { el, setText } from '../dom';
import { LIMITS, PHASE_TRANSITIONS, type Phase, type Round } from '../generated/protocol';
import { RoomConnection, type StoreState } from '../socket';
import { getLanguage, t, tNodes } from '../i18n';
import { statusCounts } from '../state';
import { parseDuration, phaseName, sentence, transitionLabel, winnerRuleText } from './format';
import { showSignIn } from './signin';
import { Gallery } from './gallery';
import { type ClockAction, ClockControls } from './host-clock';
import { type SharePanel, sharePanel } from './invite';
import { langSwitch } from './lang-switch';

const CLOCK_DONE = {
  pause: 'host.clockPaused',
  resume: 'host.clockResumed',
  extend: 'host.clockExtended',
} as const satisfies Record<ClockAction, string>;

function signIn(root: HTMLElement, slug: string): void {
  showSignIn(root, () => new HostConsole(root, slug).start());
}

export async function mountHost(root: HTMLElement, slug: string): Promise<void> {
  let facilitator = false;
  try {
    facilitator = (await api.getHostSession()).facilitator;
  } catch (err) {
    const message = err instanceof ApiError ? err.message : t('host.unreachable');
    root.replaceChildren(el('p', { class: 'error-text', role: 'alert' }, message));
    return;
  }
  if (facilitator) new HostConsole(root, slug).start();
  else signIn(root, slug);
}

class HostConsole {
  private readonly connection: RoomConnection;
  private readonly gallery = new Gallery({ readOnly: true });
  private readonly title = el('h1', {}, t('host.title'));
  private readonly roundNumber = el('span', { 'data-testid': 'host-round-number' });
  private readonly phase = el('span', { class: 'phase-badge', 'data-testid': 'host-phase' });
  private readonly countdown = el('span', {
    class: 'countdown',
    'data-testid': 'host-countdown',
    hidden: true,
  });
  private readonly connStatus = el('span', { class: 'conn-status', role: 'status' });
  private readonly seed = el('img', { class: 'host-seed', alt: t('host.seedAlt') });
  private readonly counts = el('dl', { class: 'counts' });
  // The console gets the same sealed tallies as everyone: it says so instead of counts.
  private readonly sealed = el(
    'p',
    { class: 'sealed-note', 'data-testid': 'host-sealed', hidden: true },
    t('host.sealed'),
  );
  private readonly winnerRule = el('p', { class: 'muted', 'data-testid': 'host-winner-rule' });
  private readonly clock: ClockControls;
  private readonly duration = el('input', {
    id: 'duration',
    type: 'number',
    min: 1,
    max: LIMITS.phase_duration_max_s,
    step: 1,
    inputmode: 'numeric',
    placeholder: t('host.noDeadline'),
    'data-testid': 'duration-input',
  });
  private readonly actions = el('div', { class: 'actions' });
  private readonly error = el('p', {
    class: 'error-text',
    'data-testid': 'host-error',
    role: 'alert',
    hidden: true,
  });
  private readonly notice = el('p', { class: 'notice', role: 'status', hidden: true });
  private readonly share: SharePanel;
  private currentPhase: Phase | null = null;
  private clockRound: RoundClock | null = null;
  private busy = false;
  private timer = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly slug: string,
  ) {
    this.connection = new RoomConnection(slug);
    this.share = sharePanel(slug);
    this.clock = new ClockControls(slug, {
      onDone: (round, action) => {
        this.error.hidden = true;
        this.say(t(CLOCK_DONE[action]));
        this.resyncUnlessShown(round);
      },
      onError: (err) => this.handleError(err),
    });
  }

  start(): void {
    const signOut = el(
      'button',
      { type: 'button', 'data-testid': 'signout-button' },
      t('host.signOut'),
    );
    signOut.addEventListener('click', () => void this.signOut());
    this.root.replaceChildren(
      el(
        'header',
        { class: 'room-header' },
        this.title,
        el(
          'div',
          { class: 'round-meta' },
          el('span', { class: 'round-label' }, ...tNodes('room.round', { n: this.roundNumber })),
          this.phase,
          this.countdown,
          this.connStatus,
        ),
        el('div', { class: 'header-tools' }, langSwitch(getLanguage()), signOut),
      ),
      el(
        'main',
        { class: 'host-layout' },
        el(
          'section',
          { class: 'panel', 'aria-labelledby': 'controls-title' },
          el('h2', { id: 'controls-title' }, t('host.controls')),
          el('label', { for: 'duration' }, t('host.duration')),
          this.duration,
          this.actions,
          el('h3', { class: 'subhead' }, t('host.clock')),
          this.clock.element,
          this.error,
          this.notice,
        ),
        el(
          'section',
          { class: 'panel', 'aria-labelledby': 'status-title' },
          el('h2', { id: 'status-title' }, t('host.thisRound')),
          this.seed,
          this.counts,
          this.sealed,
          this.winnerRule,
        ),
        this.share.element,
        this.gallery.element,
      ),
    );
    this.connection.subscribe((store) => this.render(store));
    this.connection.start();
    this.timer = window.setInterval(() => this.tick(), 250);
  }

  private render(store: StoreState): void {
    setText(
      this.connStatus,
      store.status === 'live'
        ? t('conn.live')
        : store.status === 'error'
          ? (store.error?.message ?? t('host.error'))
          : t('conn.connecting'),
    );
    const state = store.room;
    if (!state) return;
    const round = state.round;
    setText(this.title, t('host.titleRoom', { name: state.room.name }));
    this.share.invite.update(state.room);
    setText(this.roundNumber, String(round.number));
    setText(this.phase, phaseName(round.phase));
    this.phase.dataset['phase'] = round.phase;
    if (this.seed.getAttribute('src') !== round.seed.thumb_url)
      this.seed.src = round.seed.thumb_url;
    this.clockRound = round;
    this.clock.update(round);
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
    if (round.phase !== this.currentPhase) {
      this.currentPhase = round.phase;
      this.renderActions(round.phase);
    }
    this.gallery.update(state);
    this.tick();
  }

  private renderActions(phase: Phase): void {
    const targets = PHASE_TRANSITIONS[phase] ?? [];
    const buttons = targets.map((to) => {
      const button = el(
        'button',
        { type: 'button', class: 'primary', 'data-testid': `transition-${to}`, 'data-to': to },
        transitionLabel(to),
      );
      button.disabled = this.busy;
      button.addEventListener('click', () => void this.transition(phase, to));
      return button;
    });
    this.actions.replaceChildren(
      ...(buttons.length > 0 ? buttons : [el('p', { class: 'muted' }, t('host.noMoves'))]),
    );
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    for (const b of this.actions.querySelectorAll('button')) b.disabled = busy;
  }

  private async transition(from: Phase, to: Phase): Promise<void> {
    const duration = parseDuration(this.duration.value);
    this.notice.hidden = true;
    if (!duration.ok) return this.showError(duration.message);
    this.error.hidden = true;
    this.setBusy(true);
    try {
      const { round } = await api.setPhase(this.slug, { from, to, duration_s: duration.value });
      this.resyncUnlessShown(round);
      this.say(t('host.moved', { from: phaseName(from), to: phaseName(to) }));
    } catch (err) {
      this.handleError(err instanceof ApiError ? err : t('host.phaseFailed'));
    } finally {
      this.setBusy(false);
    }
  }

  /** The socket normally brings the change first; if it has not shortly, fetch it. */
  private resyncUnlessShown(round: Round): void {
    window.setTimeout(() => {
      const shown = this.connection.getState().room?.round;
      const same =
        shown?.id === round.id &&
        shown.phase === round.phase &&
        shown.paused === round.paused &&
        shown.deadline === round.deadline;
      if (!same) this.connection.resync();
    }, 2000);
  }

  private say(message: string): void {
    this.notice.textContent = message;
    this.notice.hidden = false;
  }

  private handleError(err: ApiError | string): void {
    this.notice.hidden = true;
    if (typeof err === 'string') return this.showError(err);
    if (err.code === 'not_facilitator') {
      this.teardown();
      signIn(this.root, this.slug);
      return;
    }
    if (err.code === 'phase_changed') {
      // The server's words say what changed; the console then shows the current state.
      this.showError(t('host.phaseChanged', { message: sentence(err.message) }));
      this.connection.resync();
      return;
    }
    this.showError(sentence(err.message));
  }

  private showError(message: string): void {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  private tick(): void {
    const round = this.clockRound;
    const text = round ? roundCountdownText(round, this.connection.clock.now()) : null;
    this.countdown.hidden = text === null;
    this.countdown.dataset['paused'] = String(round?.paused === true);
    if (text !== null) setText(this.countdown, text);
  }

  private teardown(): void {
    window.clearInterval(this.timer);
    this.connection.stop();
  }

  private async signOut(): Promise<void> {
    try {
      await api.hostSignOut();
    } catch (err) {
      return this.showError(err instanceof ApiError ? err.message : t('host.signOutFailed'));
    }
    this.teardown();
    signIn(this.root, this.slug);
  }
}
