// The "AI or human?" game on the facilitator console: upload human-made artworks with their
// credits, show a picture (random or chosen) for a set time, reveal it, take it off the
// screens, and read the results (the room's accuracy against the detector's).
import { ApiError } from '../api';
import { el, setText } from '../dom';
import { type Artwork, type GameResults, gameApi } from '../game-api';
import { type Game, percent, secondsLeft } from '../game';
import type { GameStartRequest } from '../generated/protocol';
import { t } from '../i18n';
import { guessWord } from './game-reveal';
import { type PanelHooks, SEED_TYPES, readDataUrl } from './host-rooms';

const DETECTOR_ERRORS = new Set(['detector_checkpoint_invalid', 'detector_unavailable']);

function pct(share: number | null | undefined): string {
  const p = percent(share);
  return p === null ? t('game.na') : `${p} %`;
}

export class GamePanel {
  readonly element: HTMLElement;
  private readonly current = el('p', { class: 'game-current', 'data-testid': 'host-game-current', role: 'status' });
  private readonly duration = el('input', {
    id: 'game-duration',
    type: 'number',
    min: 5,
    max: 600,
    step: 1,
    value: 20,
    inputmode: 'numeric',
    'data-testid': 'game-duration',
  });
  private readonly useDetector = el('input', { id: 'game-detector', type: 'checkbox', checked: true, 'data-testid': 'game-detector-box' });
  private readonly detectorNote = el('p', { class: 'muted', 'data-testid': 'game-detector-note', hidden: true }, t('game.detectorMissing'));
  private readonly startButton = el('button', { type: 'button', class: 'primary', 'data-testid': 'game-start' }, t('game.start'));
  private readonly withoutButton = el('button', { type: 'button', 'data-testid': 'game-start-without', hidden: true }, t('game.startWithout'));
  private readonly revealButton = el('button', { type: 'button', class: 'primary', 'data-testid': 'game-reveal-button' }, t('game.reveal'));
  private readonly closeButton = el('button', { type: 'button', 'data-testid': 'game-close' }, t('game.close'));
  private readonly file = el('input', { id: 'game-artwork-file', type: 'file', accept: SEED_TYPES.join(','), 'data-testid': 'game-artwork-file' });
  private readonly titleInput = el('input', { id: 'game-artwork-title', type: 'text', maxlength: 200, 'data-testid': 'game-artwork-title' });
  private readonly artistInput = el('input', { id: 'game-artwork-artist', type: 'text', maxlength: 200, 'data-testid': 'game-artwork-artist' });
  private readonly sourceInput = el('input', { id: 'game-artwork-source', type: 'url', maxlength: 500, 'data-testid': 'game-artwork-source' });
  private readonly uploadButton = el('button', { type: 'submit', 'data-testid': 'game-artwork-upload' }, t('game.upload'));
  private readonly artworkList = el('ul', { class: 'artwork-list', 'data-testid': 'game-artworks' });
  private readonly editList = el('ul', { class: 'artwork-list', 'data-testid': 'game-edits' });
  private readonly pool = el('p', { class: 'muted', 'data-testid': 'game-pool' });
  private readonly totals = el('p', { class: 'game-totals', 'data-testid': 'game-totals' });
  private readonly table = el('tbody', {});
  private readonly resultsTable = el(
    'table',
    { 'data-testid': 'game-results', hidden: true },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...(['game.colNumber', 'game.colTruth', 'game.colGuesses', 'game.colRoom', 'game.colMajority', 'game.colDetector'] as const).map(
          (key) => el('th', { scope: 'col' }, t(key)),
        ),
      ),
    ),
    this.table,
  );
  private game: Game = null;
  private seenKey = '';
  private seenVersion = -1;
  private refreshTimer = 0;
  private busy = false;
  private now: () => number = () => Date.now();

  constructor(
    private readonly slug: string,
    private readonly hooks: PanelHooks,
  ) {
    const form = el(
      'form',
      { class: 'artwork-form', novalidate: true, 'data-testid': 'game-artwork-form' },
      el('label', { for: 'game-artwork-file' }, t('game.fileLabel')),
      this.file,
      el('label', { for: 'game-artwork-title' }, t('game.titleLabel')),
      this.titleInput,
      el('label', { for: 'game-artwork-artist' }, t('game.artistLabel')),
      this.artistInput,
      el('label', { for: 'game-artwork-source' }, t('game.sourceLabel')),
      this.sourceInput,
      this.uploadButton,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.upload();
    });
    this.startButton.addEventListener('click', () => void this.start({}));
    this.withoutButton.addEventListener('click', () => void this.start({ detector: false }));
    this.revealButton.addEventListener('click', () => void this.act(() => gameApi.reveal(this.slug), 'game.revealed'));
    this.closeButton.addEventListener('click', () => void this.act(() => gameApi.close(this.slug), 'game.closed'));
    this.element = el(
      'section',
      { class: 'panel host-game', 'aria-labelledby': 'host-game-title', 'data-testid': 'host-game' },
      el('h2', { id: 'host-game-title' }, t('game.hostTitle')),
      el('p', { class: 'muted' }, t('game.hostHint')),
      this.current,
      el('label', { for: 'game-duration' }, t('game.durationLabel')),
      this.duration,
      el('label', { class: 'check-row', for: 'game-detector' }, this.useDetector, ' ', t('game.useDetector')),
      this.detectorNote,
      el('div', { class: 'game-buttons' }, this.startButton, this.withoutButton, this.revealButton, this.closeButton),
      this.pool,
      el('h3', { class: 'subhead' }, t('game.artworks')),
      this.artworkList,
      form,
      el('h3', { class: 'subhead' }, t('game.edits')),
      this.editList,
      el('h3', { class: 'subhead' }, t('game.results')),
      this.totals,
      this.resultsTable,
    );
    this.renderCurrent();
  }

  /** Loads the artworks and results; call once the console is signed in. */
  load(now: () => number): void {
    this.now = now;
    void this.refresh();
  }

  /**
   * The room's state from the console's connection: the picture on the screens, and the
   * room's version (new or entered edits change what can be shown).
   */
  update(game: Game, version: number): void {
    this.game = game;
    const key = game ? `${game.id}:${game.phase}:${game.guesses}` : '';
    if (key !== this.seenKey) {
      this.seenKey = key;
      this.refreshSoon(300);
    } else if (version !== this.seenVersion && this.seenVersion >= 0) {
      this.refreshSoon(1000);
    }
    this.seenVersion = version;
    this.renderCurrent();
  }

  private refreshSoon(ms: number): void {
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(() => void this.refresh(), ms);
  }

  tick(): void {
    this.renderCurrent();
  }

  private renderCurrent(): void {
    const game = this.game;
    let text = t('game.noneOnScreen');
    if (game) {
      const phase = game.phase === 'guess' ? t('game.phaseGuess') : t('game.phaseReveal');
      text = t('game.current', { n: game.number, phase, guesses: game.guesses });
      if (game.phase === 'guess') text += ` ${t('game.timeLeft', { s: secondsLeft(game, this.now()) })}`;
    }
    setText(this.current, text);
    const guessing = game?.phase === 'guess';
    this.startButton.disabled = this.busy || guessing;
    this.withoutButton.disabled = this.busy || guessing;
    this.revealButton.disabled = this.busy || !guessing;
    this.closeButton.disabled = this.busy || game?.phase !== 'reveal';
  }

  async refresh(): Promise<void> {
    try {
      const [{ artworks }, results] = await Promise.all([gameApi.artworks(this.slug), gameApi.results(this.slug)]);
      this.renderArtworks(artworks);
      this.renderResults(results);
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : t('game.loadFailed'));
    }
  }

  private durationValue(): number | null {
    const n = Number(this.duration.value);
    return Number.isInteger(n) && n >= 5 && n <= 600 ? n : null;
  }

  private async start(extra: GameStartRequest): Promise<void> {
    const duration = this.durationValue();
    if (duration === null) return this.hooks.onError(t('game.durationInvalid'));
    const body: GameStartRequest = { duration_s: duration, ...extra };
    if (!this.useDetector.checked) body.detector = false;
    this.withoutButton.hidden = true;
    await this.act(async () => {
      try {
        return await gameApi.start(this.slug, body);
      } catch (err) {
        // A broken detector need not stop the game: offer to go on without it.
        if (err instanceof ApiError && DETECTOR_ERRORS.has(err.code)) this.withoutButton.hidden = false;
        throw err;
      }
    }, 'game.started');
  }

  private async act(call: () => Promise<{ item: { number: number } }>, done: 'game.started' | 'game.revealed' | 'game.closed'): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.renderCurrent();
    try {
      const { item } = await call();
      this.hooks.say(t(done, { n: item.number }));
      await this.refresh();
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : t('game.actionFailed'));
      void this.refresh();
    } finally {
      this.busy = false;
      this.renderCurrent();
    }
  }

  private async upload(): Promise<void> {
    const file = this.file.files?.[0];
    if (!file) return this.hooks.onError(t('game.fileMissing'));
    if (!this.titleInput.value.trim() || !this.artistInput.value.trim()) return this.hooks.onError(t('game.creditMissing'));
    this.uploadButton.disabled = true;
    try {
      const image = await readDataUrl(file);
      const source = this.sourceInput.value.trim();
      await gameApi.upload(this.slug, {
        image,
        title: this.titleInput.value.trim(),
        artist: this.artistInput.value.trim(),
        ...(source ? { source_url: source } : {}),
      });
      this.hooks.say(t('game.uploaded'));
      this.file.value = '';
      this.titleInput.value = '';
      this.artistInput.value = '';
      this.sourceInput.value = '';
      await this.refresh();
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : err instanceof Error ? err.message : t('game.uploadFailed'));
    } finally {
      this.uploadButton.disabled = false;
    }
  }

  private renderArtworks(artworks: Artwork[]): void {
    if (artworks.length === 0) {
      this.artworkList.replaceChildren(el('li', { class: 'muted' }, t('game.noArtworks')));
      return;
    }
    this.artworkList.replaceChildren(
      ...artworks.map((artwork) => {
        const credit = el('span', {}, t('game.creditShort', { title: artwork.title, artist: artwork.artist }));
        const actions = el('span', { class: 'game-buttons' });
        if (artwork.shown_in === null) {
          const show = el('button', { type: 'button', 'data-testid': `game-show-${artwork.id}` }, t('game.showThis'));
          show.addEventListener('click', () => void this.start({ artwork_id: artwork.id }));
          const remove = el('button', { type: 'button', 'data-testid': `game-remove-${artwork.id}` }, t('game.remove'));
          remove.addEventListener('click', () => void this.remove(artwork));
          actions.append(show, remove);
        } else {
          actions.append(el('span', { class: 'muted' }, t('game.shownIn', { n: artwork.shown_in })));
        }
        return el(
          'li',
          { class: 'artwork-row', 'data-testid': 'game-artwork' },
          el('img', { src: artwork.thumb_url, alt: '' }),
          credit,
          actions,
        );
      }),
    );
  }

  private async remove(artwork: Artwork): Promise<void> {
    try {
      await gameApi.remove(this.slug, artwork.id);
      this.hooks.say(t('game.removed'));
      await this.refresh();
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : t('game.actionFailed'));
    }
  }

  private renderEdits(results: GameResults): void {
    const edits = results.unshown_edits ?? [];
    if (edits.length === 0) {
      this.editList.replaceChildren(el('li', { class: 'muted' }, t('game.noEdits')));
      return;
    }
    this.editList.replaceChildren(
      ...edits.map((edit) => {
        const show = el('button', { type: 'button', 'data-testid': `game-show-edit-${edit.id}` }, t('game.showThis'));
        show.addEventListener('click', () => void this.start({ image_id: edit.id }));
        const label = edit.author
          ? t('game.editShort', { prompt: edit.prompt, author: edit.author })
          : t('game.editAnonShort', { prompt: edit.prompt });
        return el(
          'li',
          { class: 'artwork-row', 'data-testid': 'game-edit' },
          el('img', { src: edit.thumb_url, alt: '' }),
          el('span', {}, label),
          el('span', { class: 'game-buttons' }, show),
        );
      }),
    );
  }

  private renderResults(results: GameResults): void {
    this.renderEdits(results);
    this.detectorNote.hidden = results.detector_configured;
    this.useDetector.disabled = !results.detector_configured;
    setText(this.pool, t('game.pool', { artworks: results.pool.artworks, edits: results.pool.edits }));
    const totals = results.totals;
    setText(
      this.totals,
      totals.items === 0
        ? t('game.noResults')
        : t('game.totals', {
            items: totals.items,
            room: pct(totals.room_accuracy),
            majority: pct(totals.majority_accuracy),
            detector: pct(totals.detector_accuracy),
          }),
    );
    this.resultsTable.hidden = results.items.length === 0;
    this.table.replaceChildren(
      ...results.items.map((item) => {
        const reveal = item.reveal;
        const detector = reveal?.detector;
        const cells = reveal
          ? [
              guessWord(reveal.truth),
              String(reveal.human_guesses + reveal.ai_guesses),
              pct(reveal.share_right),
              item.room_guess ? guessWord(item.room_guess) : t('game.na'),
              detector?.status === 'ok'
                ? `${guessWord(detector.guess ?? 'ai')} (${pct(detector.p_ai)})`
                : detector?.status === 'off'
                  ? t('game.detectorOffShort')
                  : t('game.na'),
            ]
          : [t('game.hidden'), String(item.guesses), t('game.na'), t('game.na'), t('game.na')];
        return el(
          'tr',
          { 'data-testid': 'game-result-row', 'data-phase': item.phase },
          el('td', {}, String(item.number)),
          ...cells.map((cell) => el('td', {}, cell)),
        );
      }),
    );
  }
}
