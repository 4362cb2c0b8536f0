// Projector display: a spectator screen for the wall, readable from the back of the room.
// The seed, the phase and a big countdown, how to join (QR, code, short link), the entries
// with live tallies (or only the votes cast while sealed), the reveal of each round's winner
// and a strip of past winners. No controls; it reconnects and resyncs by itself (socket.ts).
import './projector.css';
import { type LineageStep, api } from '../api';
import { type Countdown, countdownLine, roundCountdown } from '../clock';
import { el, setAttr, setText } from '../dom';
import type { Phase } from '../generated/protocol';
import { t, tNodes } from '../i18n';
import { editView, pastWinners, stepOfRound } from '../lineage-data';
import { RoomConnection, type StoreState } from '../socket';
import type { RoomState } from '../state';
import { phaseHint, phaseName } from './format';
import { JoinPanel } from './projector-join';
import { ProjectorGallery } from './projector-gallery';
import { PastWinnersStrip } from './projector-strip';
import { ProjectorGame } from './projector-game';
import { type RevealData, RevealView } from './reveal';
import { SketchBoard } from './sketch-board';

const DECIDED: ReadonlySet<Phase> = new Set<Phase>(['reveal', 'closed']);

/** How long a closed round's reveal stays up once the next round runs: ?reveal=SECONDS. */
export function revealHoldMs(search: string, fallbackS = 20): number {
  const raw = new URLSearchParams(search).get('reveal');
  const s = raw === null ? fallbackS : Number(raw);
  return Number.isFinite(s) && s >= 0 ? Math.min(s, 600) * 1000 : fallbackS * 1000;
}

export function mountProjector(root: HTMLElement, slug: string): void {
  new ProjectorView(root, slug, revealHoldMs(window.location.search)).start();
}

class ProjectorView {
  private readonly connection: RoomConnection;
  private readonly screen = el('div', { class: 'projector', 'data-mode': 'live' });
  private readonly roomName = el('h1', { class: 'pj-room' });
  private readonly roundLabel = el('p', { class: 'pj-round' });
  private readonly phase = el('p', { class: 'pj-phase', 'data-testid': 'projector-phase' });
  private readonly hint = el('p', { class: 'pj-hint' });
  private readonly countdown = el('p', {
    class: 'pj-countdown',
    'data-testid': 'projector-countdown',
    'aria-live': 'off',
    hidden: true,
  });
  private readonly conn = el('p', { class: 'pj-conn', role: 'status', hidden: true });
  private readonly seed = el('img', {
    class: 'pj-seed-img',
    'data-testid': 'projector-seed',
    alt: '',
  });
  private readonly seedCaption = el('figcaption', { class: 'pj-seed-caption' });
  private readonly join = new JoinPanel();
  private readonly gallery = new ProjectorGallery();
  private readonly reveal = new RevealView();
  private readonly strip = new PastWinnersStrip();
  private readonly game = new ProjectorGame();
  private readonly sketch: SketchBoard;
  private state: RoomState | null = null;
  private countdownShown: string | null = null;
  /** A closed round's reveal, kept up until holdUntil while the next round runs. */
  private held: RevealData | null = null;
  private heldRound: number | null = null;
  private holdUntil = 0;
  private lineageKey = '';
  private lineageSeq = 0;
  private wasLive = false;

  constructor(
    private readonly root: HTMLElement,
    slug: string,
    private readonly holdMs: number,
  ) {
    this.connection = new RoomConnection(slug);
    this.sketch = new SketchBoard(this.connection, { readOnly: true });
  }

  start(): void {
    document.body.classList.add('projector-page');
    const header = el(
      'header',
      { class: 'pj-top' },
      el('div', { class: 'pj-title' }, this.roomName, this.roundLabel),
      el('div', { class: 'pj-phase-box' }, this.phase, this.hint),
      el('div', { class: 'pj-clock' }, this.countdown, this.conn, this.join.chip),
    );
    const seedFigure = el('figure', { class: 'pj-seed' }, this.seed, this.seedCaption);
    this.screen.replaceChildren(
      header,
      el(
        'main',
        { class: 'pj-main' },
        seedFigure,
        this.sketch.element,
        this.join.element,
        this.gallery.element,
        this.reveal.element,
        this.game.element,
      ),
      this.strip.element,
    );
    this.root.replaceChildren(this.screen);
    this.connection.subscribe((store) => this.render(store));
    this.connection.start();
    window.setInterval(() => this.tick(), 250);
  }

  private render(store: StoreState): void {
    const live = store.status === 'live';
    const reconnected = live && !this.wasLive;
    this.wasLive = live;
    // Offline: "Reconnecting…" over the last picture; an unknown room: the server's words.
    const failed = store.status === 'error';
    this.conn.hidden = live || (store.room === null && !failed);
    setText(this.conn, failed ? (store.error?.message ?? t('conn.error')) : t('projector.offline'));
    if (!store.room) return;
    const state = store.room;
    const prev = this.state;
    this.state = state;
    const round = state.round;
    document.title = t('app.pageTitle', { name: state.room.name });
    setText(this.roomName, state.room.name);
    setText(this.roundLabel, t('projector.round', { n: round.number }));
    setText(this.phase, phaseName(round.phase));
    setText(this.hint, round.kind === 'sketch' && round.phase === 'generate' ? t('projector.sketch') : phaseHint(round.phase));
    this.screen.dataset['phase'] = round.phase;
    this.phase.dataset['phase'] = round.phase;
    if (reconnected) this.sketch.resync();
    this.sketch.setRound(round, false);
    // A sketch round shows the room's sketch where the seed would be.
    seedFigureHidden(this.seed, round.kind === 'sketch');
    setAttr(this.seed, 'src', round.seed.url);
    setAttr(this.seed, 'alt', t('projector.seedAlt'));
    setText(this.seedCaption, t('projector.seedOfRound', { n: round.number }));
    this.join.update(state.room);
    this.gallery.update(state);
    if (prev && prev.round.id !== round.id) this.roundMovedOn(prev, state);
    // A reconnect may have missed a round's close: the lineage is fetched again then.
    const key = `${round.id}:${DECIDED.has(round.phase)}`;
    if (key !== this.lineageKey || reconnected) this.refreshLineage(key);
    this.tick();
  }

  /** The round that just closed is revealed for a while, from what we saw or the lineage. */
  private roundMovedOn(prev: RoomState, state: RoomState): void {
    // A round that was in its reveal phase has been revealed already.
    if (prev.round.phase === 'reveal') {
      this.held = null;
      this.heldRound = null;
      return;
    }
    const note = state.lastWinner;
    const ours = note?.roundNumber === prev.round.number ? note : null;
    const image = ours ? prev.images.find((i) => i.id === ours.imageId) : undefined;
    this.heldRound = prev.round.number;
    this.holdUntil = Date.now() + this.holdMs;
    // Without the winner's image at hand, the lineage (on its way) fills it in.
    this.held =
      ours && !image
        ? null
        : { round: prev.round.number, seed: prev.round.seed, winner: editView(image) };
  }

  private refreshLineage(key: string): void {
    this.lineageKey = key;
    const seq = ++this.lineageSeq;
    api.lineage(this.connection.slug).then(
      ({ steps }) => {
        if (seq === this.lineageSeq) this.applyLineage(steps);
      },
      () => {
        // Tried again on the next change; the strip keeps what it showed.
        if (seq === this.lineageSeq) this.lineageKey = '';
      },
    );
  }

  private applyLineage(steps: LineageStep[]): void {
    this.strip.update(pastWinners(steps));
    if (this.heldRound === null) return;
    const step = stepOfRound(steps, this.heldRound);
    if (step && step.outcome !== 'open') {
      this.held = { round: step.round, seed: step.seed, winner: step.winner };
    }
    this.tick();
  }

  /** The reveal on screen now: the round's own in reveal/closed, else a held one. */
  private currentReveal(state: RoomState): RevealData | null {
    const round = state.round;
    if (DECIDED.has(round.phase)) {
      const winner = state.images.find((i) => i.id === round.winner_id);
      return { round: round.number, seed: round.seed, winner: editView(winner) };
    }
    return this.held && Date.now() < this.holdUntil ? this.held : null;
  }

  private tick(): void {
    const state = this.state;
    if (!state) return;
    this.renderCountdown(roundCountdown(state.round, this.connection.clock.now()));
    const reveal = this.currentReveal(state);
    this.screen.dataset['mode'] = reveal ? 'reveal' : 'live';
    this.reveal.element.hidden = reveal === null;
    if (reveal) this.reveal.show(reveal);
    // A game picture takes the screen while it is up; the round carries on underneath.
    const now = this.connection.clock.now();
    this.screen.dataset['game'] = state.game ? 'on' : 'off';
    this.game.update(state.game, now);
  }

  private renderCountdown(countdown: Countdown): void {
    const line = countdownLine(countdown);
    this.countdown.hidden = line === null;
    if (line === this.countdownShown) return;
    this.countdownShown = line;
    this.countdown.dataset['kind'] = countdown.kind;
    if (countdown.kind === 'running' || (countdown.kind === 'paused' && countdown.time)) {
      const time = el('span', { class: 'pj-time' }, countdown.time ?? '');
      const key = countdown.kind === 'running' ? 'clock.left' : 'clock.pausedLeft';
      this.countdown.replaceChildren(...tNodes(key, { time }));
    } else {
      this.countdown.replaceChildren(line ?? '');
    }
  }
}

function seedFigureHidden(seed: HTMLElement, hidden: boolean): void {
  const figure = seed.closest('figure');
  if (figure) figure.hidden = hidden;
}
