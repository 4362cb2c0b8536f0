// Facilitator console: sign in with the token, watch the room live as a spectator, and
// move the round through the phases the protocol allows.
import { ApiError, api } from '../api';
import { countdownText } from '../clock';
import { el, setText } from '../dom';
import { LIMITS, PHASE_TRANSITIONS, type Phase } from '../generated/protocol';
import { RoomConnection, type StoreState } from '../socket';
import { statusCounts, totalVotes } from '../state';
import { TRANSITION_LABELS, parseDuration } from './format';
import { showSignIn } from './signin';
import { Gallery } from './gallery';

function signIn(root: HTMLElement, slug: string): void {
  showSignIn(root, () => new HostConsole(root, slug).start());
}

export async function mountHost(root: HTMLElement, slug: string): Promise<void> {
  let facilitator = false;
  try {
    facilitator = (await api.getHostSession()).facilitator;
  } catch (err) {
    const message = err instanceof ApiError ? err.message : 'Could not reach the server.';
    root.replaceChildren(el('p', { class: 'error-text', role: 'alert' }, message));
    return;
  }
  if (facilitator) new HostConsole(root, slug).start();
  else signIn(root, slug);
}

class HostConsole {
  private readonly connection: RoomConnection;
  private readonly gallery = new Gallery({ readOnly: true });
  private readonly title = el('h1', {}, 'Facilitator console');
  private readonly roundNumber = el('span', { 'data-testid': 'host-round-number' });
  private readonly phase = el('span', { class: 'phase-badge', 'data-testid': 'host-phase' });
  private readonly countdown = el('span', {
    class: 'countdown',
    'data-testid': 'host-countdown',
    hidden: true,
  });
  private readonly connStatus = el('span', { class: 'conn-status', role: 'status' });
  private readonly seed = el('img', { class: 'host-seed', alt: 'Current seed image' });
  private readonly counts = el('dl', { class: 'counts' });
  private readonly duration = el('input', {
    id: 'duration',
    type: 'number',
    min: 1,
    max: LIMITS.phase_duration_max_s,
    step: 1,
    inputmode: 'numeric',
    placeholder: 'no deadline',
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
  private currentPhase: Phase | null = null;
  private deadline: number | null = null;
  private busy = false;
  private timer = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly slug: string,
  ) {
    this.connection = new RoomConnection(slug);
  }

  start(): void {
    const signOut = el('button', { type: 'button', 'data-testid': 'signout-button' }, 'Sign out');
    signOut.addEventListener('click', () => void this.signOut());
    this.root.replaceChildren(
      el(
        'header',
        { class: 'room-header' },
        this.title,
        el(
          'div',
          { class: 'round-meta' },
          el('span', { class: 'round-label' }, 'Round ', this.roundNumber),
          this.phase,
          this.countdown,
          this.connStatus,
        ),
        signOut,
      ),
      el(
        'main',
        { class: 'host-layout' },
        el(
          'section',
          { class: 'panel', 'aria-labelledby': 'controls-title' },
          el('h2', { id: 'controls-title' }, 'Round controls'),
          el('label', { for: 'duration' }, 'Duration of the next phase (seconds, optional)'),
          this.duration,
          this.actions,
          this.error,
          this.notice,
        ),
        el(
          'section',
          { class: 'panel', 'aria-labelledby': 'status-title' },
          el('h2', { id: 'status-title' }, 'This round'),
          this.seed,
          this.counts,
        ),
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
        ? 'Live'
        : store.status === 'error'
          ? (store.error?.message ?? 'Error')
          : 'Connecting…',
    );
    const state = store.room;
    if (!state) return;
    const round = state.round;
    setText(this.title, `Facilitator console · ${state.room.name}`);
    setText(this.roundNumber, String(round.number));
    setText(this.phase, round.phase);
    this.phase.dataset['phase'] = round.phase;
    if (this.seed.getAttribute('src') !== round.seed.thumb_url)
      this.seed.src = round.seed.thumb_url;
    this.deadline = round.deadline;
    const counts = statusCounts(state);
    const rows: [string, number][] = [
      ['Images', state.images.length],
      ...Object.entries(counts).map(([status, n]) => [status, n] as [string, number]),
      ['Votes', totalVotes(state)],
    ];
    this.counts.replaceChildren(
      ...rows.flatMap(([k, v]) => [
        el('dt', {}, k),
        el('dd', { 'data-testid': `count-${k.toLowerCase()}` }, String(v)),
      ]),
    );
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
        TRANSITION_LABELS[to] ?? `Move to ${to}`,
      );
      button.disabled = this.busy;
      button.addEventListener('click', () => void this.transition(phase, to));
      return button;
    });
    this.actions.replaceChildren(
      ...(buttons.length > 0
        ? buttons
        : [el('p', { class: 'muted' }, 'No moves from this phase.')]),
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
      // The socket normally brings the change first; if it has not shortly, fetch it.
      window.setTimeout(() => {
        const shown = this.connection.getState().room?.round;
        if (!shown || shown.id !== round.id || shown.phase !== round.phase)
          this.connection.resync();
      }, 2000);
      this.notice.textContent = `Moved from ${from} to ${to}.`;
      this.notice.hidden = false;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'phase_changed') {
        this.showError(
          'Someone else already changed the phase. The console shows the current state.',
        );
        this.connection.resync();
      } else if (err instanceof ApiError && err.code === 'not_facilitator') {
        this.teardown();
        signIn(this.root, this.slug);
      } else {
        this.showError(err instanceof ApiError ? err.message : 'Could not change the phase.');
      }
    } finally {
      this.setBusy(false);
    }
  }

  private showError(message: string): void {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  private tick(): void {
    const text = countdownText(this.deadline, this.connection.clock.now());
    this.countdown.hidden = text === null;
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
      return this.showError(err instanceof ApiError ? err.message : 'Could not sign out.');
    }
    this.teardown();
    signIn(this.root, this.slug);
  }
}
