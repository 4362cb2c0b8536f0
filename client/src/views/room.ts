// Participant page: seed + mask + prompt in the generate phase, live gallery and votes.
import { ApiError, api } from '../api';
import { roundCountdownText } from '../clock';
import { Toast, el, setText } from '../dom';
import type { GuessValue, Image, Me, VoteValue } from '../generated/protocol';
import { getLanguage, t, tNodes } from '../i18n';
import { RoomConnection, type StoreState } from '../socket';
import type { RoomState } from '../state';
import { BackgroundDownload } from './background-download';
import { Composer } from './composer';
import { phaseHint, phaseName, sentence, votesCastText, winnerRuleText } from './format';
import { Gallery } from './gallery';
import { GamePlay } from './game-play';
import { InviteBox, lineagePath } from './invite';
import { langSwitch } from './lang-switch';
import { PaintForm } from './paint-form';
import { SketchBoard } from './sketch-board';
import { MySubmissions } from './submissions';

export async function mountRoom(root: HTMLElement, slug: string): Promise<void> {
  let me: Me | null;
  try {
    me = (await api.getSession()).me;
  } catch (err) {
    const message = err instanceof ApiError ? err.message : t('room.sessionFailed');
    root.replaceChildren(el('p', { class: 'error-text', role: 'alert' }, message));
    return;
  }
  if (!me || me.room !== slug) {
    window.location.replace(`/?room=${encodeURIComponent(slug)}`);
    return;
  }
  new RoomView(root, slug, me).start();
}

class RoomView {
  private readonly connection: RoomConnection;
  private readonly toast = new Toast();
  private readonly title = el('h1', {}, t('app.name'));
  private readonly roundNumber = el('span', { 'data-testid': 'round-number' });
  private readonly phaseBadge = el('span', { class: 'phase-badge', 'data-testid': 'phase-badge' });
  private readonly countdown = el('span', {
    class: 'countdown',
    'data-testid': 'countdown',
    'aria-live': 'off',
    hidden: true,
  });
  private readonly connStatus = el('span', { class: 'conn-status', role: 'status' });
  private readonly hint = el('p', { class: 'phase-hint' });
  private readonly votesCast = el('span', { class: 'votes-cast', 'data-testid': 'votes-cast' });
  private readonly sealedNote = el(
    'span',
    { class: 'sealed-note', 'data-testid': 'sealed-note' },
    t('tally.sealedTitle'),
  );
  private readonly winnerRule = el('span', { class: 'muted', 'data-testid': 'winner-rule' });
  private readonly voteStatus = el(
    'p',
    { class: 'vote-status', 'data-testid': 'vote-status', role: 'status', hidden: true },
    this.votesCast,
    this.sealedNote,
    this.winnerRule,
  );
  private readonly banner = el('div', {
    class: 'winner-banner',
    'data-testid': 'winner-banner',
    role: 'status',
    hidden: true,
  });
  private readonly fatal = el('p', { class: 'error-text', role: 'alert', hidden: true });
  private readonly composer: Composer;
  private readonly sketch: SketchBoard;
  private readonly paintForm: PaintForm;
  private readonly download: BackgroundDownload;
  private lastStatus: StoreState['status'] | null = null;
  private readonly mine: MySubmissions;
  private readonly gallery: Gallery;
  private readonly invite = new InviteBox('room');
  private readonly game = new GamePlay((itemId, guess) => this.guess(itemId, guess));
  private gameId: number | null = null;
  private state: RoomState | null = null;
  private roundId: number | null = null;
  /** The round whose winner the reveal already announced. */
  private revealedRoundId: number | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly slug: string,
    private readonly me: Me,
  ) {
    this.connection = new RoomConnection(slug);
    this.composer = new Composer(
      slug,
      (image) => this.connection.noteSubmission(image),
      // The new seed comes with a fresh snapshot; the composer already cleared the mask.
      () => this.connection.resync(),
    );
    this.sketch = new SketchBoard(this.connection, {
      readOnly: false,
      onError: (message) => this.toast.show(sentence(message)),
    });
    this.paintForm = new PaintForm(slug, (image) => this.connection.noteSubmission(image));
    this.download = new BackgroundDownload(slug);
    this.mine = new MySubmissions(async (image, entered) => {
      const answer = await api.setEntry(this.slug, image.id, entered);
      this.connection.noteEntry(answer.image);
    });
    this.gallery = new Gallery({
      readOnly: false,
      onVote: (image, value) => void this.vote(image, value),
    });
  }

  start(): void {
    const header = el(
      'header',
      { class: 'room-header' },
      this.title,
      el(
        'div',
        { class: 'round-meta' },
        el('span', { class: 'round-label' }, ...tNodes('room.round', { n: this.roundNumber })),
        this.phaseBadge,
        this.countdown,
        this.connStatus,
      ),
      el(
        'div',
        { class: 'header-tools' },
        el('p', { class: 'muted whoami' }, t('room.whoami', { name: this.me.nickname })),
        el(
          'a',
          { href: lineagePath(this.slug), 'data-testid': 'lineage-link' },
          t('room.lineageLink'),
        ),
        this.invite.element,
        langSwitch(getLanguage()),
      ),
    );
    // The round's messages belong to the main content (landmarks: header, main).
    const main = el(
      'main',
      {},
      this.fatal,
      this.game.element,
      this.banner,
      this.hint,
      this.voteStatus,
      el(
        'div',
        { class: 'room-layout' },
        this.composer.element,
        this.sketch.element,
        el('div', { class: 'side' }, this.paintForm.element, this.mine.element, this.download.element),
        this.gallery.element,
      ),
      this.toast.element,
    );
    this.root.replaceChildren(header, main);
    this.connection.subscribe((store) => this.render(store));
    this.connection.onSessionEnded((event) => {
      if (event.user_id === this.me.id) this.ended(event.reason);
    });
    this.connection.start();
    window.setInterval(() => this.tick(), 250);
  }

  /** The facilitator removed us: say so, leave the room, then go to the landing page. */
  private ended(reason: 'kicked' | 'banned'): void {
    this.connection.stop();
    const landing = `/?room=${encodeURIComponent(this.slug)}`;
    this.root.replaceChildren(
      el(
        'main',
        { class: 'landing' },
        el('h1', {}, t('app.name')),
        el(
          'section',
          { class: 'panel' },
          el(
            'p',
            {
              class: 'error-text',
              role: 'alert',
              'data-testid': 'session-ended',
              'data-reason': reason,
            },
            t(reason === 'banned' ? 'room.endedBanned' : 'room.endedKicked'),
          ),
          el('a', { href: landing, 'data-testid': 'back-to-landing' }, t('room.backToLanding')),
        ),
      ),
    );
    window.setTimeout(() => window.location.assign(landing), 5000);
  }

  private render(store: StoreState): void {
    setText(this.connStatus, t(`conn.${store.status}`));
    this.connStatus.dataset['status'] = store.status;
    this.fatal.hidden = store.status !== 'error';
    if (store.status === 'error' && store.error) setText(this.fatal, store.error.message);
    // Back from being offline: the sketch operations missed meanwhile come with a fresh copy.
    if (store.status === 'live' && this.lastStatus !== null && this.lastStatus !== 'live') this.sketch.resync();
    this.lastStatus = store.status;
    if (!store.room) return;
    // The REST session is the fallback identity if the socket handshake lacked the cookie.
    const state: RoomState = store.room.me ? store.room : { ...store.room, me: this.me };
    const previous = this.state;
    this.state = state;
    const round = state.round;
    const isNewRound = this.roundId !== null && this.roundId !== round.id;
    this.roundId = round.id;

    setText(this.title, state.room.name);
    document.title = t('app.pageTitle', { name: state.room.name });
    this.invite.update(state.room);
    setText(this.roundNumber, String(round.number));
    setText(this.phaseBadge, phaseName(round.phase));
    this.phaseBadge.dataset['phase'] = round.phase;
    setText(this.hint, round.kind === 'sketch' && round.phase === 'generate' ? t('sketch.phaseHint') : phaseHint(round.phase));
    this.composer.setRound(round, isNewRound);
    this.composer.setLimits({
      quota: state.quota,
      generator: state.generator,
      entrySelection: state.entrySelection,
    });
    this.composer.setOpen(round.phase === 'generate', t('room.submissionsClosed'));
    this.composer.element.hidden = round.kind === 'sketch';
    this.sketch.setRound(round, true);
    this.paintForm.setRound(round);
    this.download.setSeed(round.seed.id);
    this.mine.update(state);
    this.gallery.update(state);
    this.renderVoteStatus(state);
    if (isNewRound && previous) this.announceWinner(previous, state);
    else if (round.phase === 'reveal') this.announceReveal(state);
    this.game.update(state.game, this.connection.clock.now());
    // A new game picture comes into view (it is above the round's tools).
    if (state.game && state.game.id !== this.gameId && previous) {
      this.game.element.scrollIntoView({ block: 'start' });
    }
    this.gameId = state.game?.id ?? null;
    this.tick();
  }

  /** Votes cast (all that shows of the votes while sealed), the seal and the winner rule. */
  private renderVoteStatus(state: RoomState): void {
    const phase = state.round.phase;
    this.voteStatus.hidden = !(phase === 'vote' || phase === 'reveal' || state.votesCast > 0);
    setText(this.votesCast, votesCastText(state.votesCast));
    this.sealedNote.hidden = !state.sealed;
    this.winnerRule.hidden = phase !== 'vote';
    setText(this.winnerRule, winnerRuleText(state.winnerRule));
  }

  private tick(): void {
    const round = this.state?.round;
    const text = round ? roundCountdownText(round, this.connection.clock.now()) : null;
    this.countdown.hidden = text === null;
    this.countdown.dataset['paused'] = String(round?.paused === true);
    if (text !== null) setText(this.countdown, text);
    this.game.tick(this.connection.clock.now());
  }

  /** The reveal names the winner at once, before the next round makes it the seed. */
  private announceReveal(state: RoomState): void {
    const id = state.round.winner_id;
    if (id === null || this.revealedRoundId === state.round.id) return;
    const winner = state.images.find((i) => i.id === id);
    if (!winner) return;
    this.revealedRoundId = state.round.id;
    this.showBanner(state.round.number, winner.prompt, winner.author?.nickname ?? null);
  }

  private showBanner(roundNumber: number, prompt: string, nickname: string | null): void {
    const by = nickname ? ` ${t('room.bannerBy', { name: nickname })}` : '';
    const close = el(
      'button',
      { type: 'button', class: 'banner-close', 'aria-label': t('room.dismiss') },
      '×',
    );
    close.addEventListener('click', () => (this.banner.hidden = true));
    const strong = el('strong', {}, prompt);
    this.banner.replaceChildren(
      el('span', {}, ...tNodes('room.bannerWinner', { n: roundNumber, prompt: strong }), by),
      close,
    );
    this.banner.hidden = false;
  }

  /** The winner comes from our own state when we saw it; otherwise from the lineage. */
  private announceWinner(previous: RoomState, state: RoomState): void {
    this.banner.hidden = true;
    const note = state.lastWinner;
    if (note && note.roundNumber === previous.round.number) {
      this.showBanner(note.roundNumber, note.prompt, note.nickname);
      return;
    }
    if (state.round.seed.id === previous.round.seed.id) return;
    const wanted = previous.round.number;
    api.lineage(this.slug).then(
      ({ steps }) => {
        const step = steps.find((s) => s.round.number === wanted);
        if (step?.winner && this.state?.round.id === state.round.id) {
          this.showBanner(wanted, step.winner.prompt, step.winner.author?.nickname ?? null);
        }
      },
      () => undefined,
    );
  }

  private async guess(itemId: number, guess: GuessValue): Promise<void> {
    try {
      await this.connection.castGuess(itemId, guess);
    } catch (err) {
      // The server's words (the time is up, a guess cannot be changed, ...).
      this.toast.show(err instanceof Error ? sentence(err.message) : t('game.guessRefused'));
    }
  }

  private async vote(image: Image, value: VoteValue): Promise<void> {
    try {
      await this.connection.castVote(image.id, value);
    } catch (err) {
      // The server's words (e.g. 429 rate_limited: "you are sending votes too fast…").
      this.toast.show(err instanceof Error ? sentence(err.message) : t('room.voteFailed'));
    }
  }
}
