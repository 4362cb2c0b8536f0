// Facilitator console: sign in with the token, watch the room live as a spectator, and
// move the round through the phases the protocol allows.
import { ApiError, api } from '../api';
import { type RoundClock, roundCountdownText } from '../clock';
import { el, setText } from '../dom';
import { LIMITS, PHASE_TRANSITIONS, type Phase, type Round } from '../generated/protocol';
import { RoomConnection, type StoreState } from '../socket';
import { getLanguage, t, tNodes } from '../i18n';
import { parseDuration, phaseName, sentence, transitionLabel } from './format';
import { showSignIn } from './signin';
import { Gallery } from './gallery';
import { type ClockAction, ClockControls } from './host-clock';
import { GamePanel } from './host-game';
import { ModerationPanel } from './host-moderation';
import { PeoplePanel } from './host-people';
import { type PanelHooks, RoomsPanel, consoleRoom } from './host-rooms';
import { SettingsPanel } from './host-settings';
import { SketchPanel } from './host-sketch';
import { RoundStatusPanel } from './host-status';
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

export async function mountHost(root: HTMLElement, defaultSlug: string): Promise<void> {
  const slug = consoleRoom(window.location.search, defaultSlug);
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
  private readonly status = new RoundStatusPanel();
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
  private readonly rooms: RoomsPanel;
  private readonly settings: SettingsPanel;
  private readonly moderation: ModerationPanel;
  private readonly people: PeoplePanel;
  private readonly game: GamePanel;
  private readonly sketch: SketchPanel;
  private seenVersion = -1;
  private currentPhase: Phase | null = null;
  private clockRound: RoundClock | null = null;
  private busy = false;
  /** A phase button pressed from the keyboard: focus returns to the phase buttons. */
  private keepFocus = false;
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
    const hooks: PanelHooks = {
      onError: (err) => this.handleError(err),
      say: (message) => {
        this.error.hidden = true;
        this.say(message);
      },
    };
    this.rooms = new RoomsPanel(slug, hooks);
    this.settings = new SettingsPanel(slug, hooks);
    this.moderation = new ModerationPanel(slug, hooks);
    this.people = new PeoplePanel(slug, hooks);
    this.game = new GamePanel(slug, hooks);
    this.sketch = new SketchPanel(slug, hooks);
    this.rooms.onRoom = (room) => {
      this.settings.show(room);
      this.moderation.setRequiresApproval(room.requires_approval);
    };
    this.settings.onRoom = (room) => {
      this.moderation.setRequiresApproval(room.requires_approval);
      void this.people.refresh();
    };
    this.settings.onSeed = (round) => this.resyncUnlessShown(round);
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
        el(
          'div',
          { class: 'header-tools' },
          el(
            'a',
            {
              href: `/analytics/${encodeURIComponent(this.slug)}`,
              'data-testid': 'host-analytics',
            },
            t('host.analytics'),
          ),
          langSwitch(getLanguage()),
          signOut,
        ),
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
        this.status.element,
        this.sketch.element,
        this.game.element,
        this.moderation.element,
        this.people.element,
        this.settings.element,
        this.rooms.element,
        this.share.element,
        this.gallery.element,
      ),
    );
    this.connection.subscribe((store) => this.render(store));
    this.connection.start();
    this.timer = window.setInterval(() => this.tick(), 250);
    void this.rooms.load();
    this.people.start();
    this.game.load(() => this.connection.clock.now());
    void this.sketch.start();
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
    document.title = t('app.pageTitle', { name: t('host.titleRoom', { name: state.room.name }) });
    this.share.invite.update(state.room);
    setText(this.roundNumber, String(round.number));
    setText(this.phase, phaseName(round.phase));
    this.phase.dataset['phase'] = round.phase;
    this.clockRound = round;
    this.clock.update(round);
    this.status.update(state);
    this.sketch.update(round);
    if (round.phase !== this.currentPhase) {
      this.currentPhase = round.phase;
      this.renderActions(round.phase);
    }
    this.gallery.update(state);
    this.game.update(state.game, state.version);
    // The room list and PATCH answers keep it current; the first snapshot gives a start.
    if (this.seenVersion < 0) this.moderation.setRequiresApproval(state.room.requires_approval);
    // Every image:added / image:updated (and new round) advances the version.
    if (state.version !== this.seenVersion) {
      this.moderation.refreshSoon(this.seenVersion < 0 ? 0 : 300);
      this.seenVersion = state.version;
    }
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
    // A pressed button goes away with its phase: the keyboard stays with the new buttons.
    const hadFocus = this.actions.contains(document.activeElement);
    this.actions.replaceChildren(
      ...(buttons.length > 0 ? buttons : [el('p', { class: 'muted' }, t('host.noMoves'))]),
    );
    if (hadFocus) (buttons[0] ?? this.duration).focus();
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    for (const b of this.actions.querySelectorAll('button')) b.disabled = busy;
    // Disabling blurred the pressed button; give the keyboard the buttons back.
    if (!busy && this.keepFocus) {
      this.keepFocus = false;
      (this.actions.querySelector('button') ?? this.duration).focus();
    }
  }

  private async transition(from: Phase, to: Phase): Promise<void> {
    const duration = parseDuration(this.duration.value);
    this.notice.hidden = true;
    if (!duration.ok) return this.showError(duration.message);
    this.error.hidden = true;
    this.keepFocus = this.actions.contains(document.activeElement);
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
    this.game.tick();
  }

  private teardown(): void {
    window.clearInterval(this.timer);
    this.people.stop();
    this.moderation.stop();
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
