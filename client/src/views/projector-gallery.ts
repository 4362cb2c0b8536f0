// The projector's gallery: the round's entered, finished edits with big live tallies (a
// change pulses), or, while votes are sealed, no counts at all and "Votes cast: N" big.
// Tiles are sized to fit the space (grid-fit.ts): a projector cannot scroll.
import { el, setAttr, setText } from '../dom';
import { isEntered } from '../entries';
import type { Image } from '../generated/protocol';
import { fitGrid } from '../grid-fit';
import { t } from '../i18n';
import { orderGallery } from '../order';
import type { RoomState } from '../state';
import { votesOf } from '../lineage-data';

interface Tile {
  root: HTMLElement;
  thumb: HTMLImageElement;
  prompt: HTMLElement;
  author: HTMLElement;
  tally: HTMLElement;
  up: HTMLElement;
  down: HTMLElement;
  score: HTMLElement;
  shown: string | null;
}

/** What the projector shows of a round: finished edits that are in the vote. */
export function projectorEntries(state: RoomState): Image[] {
  const entries = state.images.filter(
    (i) => i.status === 'done' && i.url !== null && isEntered(i, state.entrySelection),
  );
  return orderGallery(entries, state.gallerySalt);
}

export class ProjectorGallery {
  readonly element: HTMLElement;
  private readonly list = el('div', { class: 'pj-grid', 'data-testid': 'projector-gallery' });
  private readonly count = el('span', { class: 'pj-count' });
  private readonly votesCast = el('p', {
    class: 'pj-votes-cast',
    'data-testid': 'projector-votes-cast',
    hidden: true,
  });
  private readonly sealedNote = el(
    'p',
    { class: 'pj-sealed-note', hidden: true },
    t('projector.sealedNote'),
  );
  private readonly empty = el('p', { class: 'pj-empty' }, t('projector.noEntries'));
  private readonly more = el('div', { class: 'pj-more', 'aria-hidden': 'true' });
  private readonly tiles = new Map<number, Tile>();
  private entries: Image[] = [];
  /** Height of a tile's text (it grows with the tile), as last measured. */
  private caption = 110;

  constructor() {
    this.element = el(
      'section',
      { class: 'pj-gallery', 'aria-labelledby': 'pj-gallery-title' },
      el(
        'div',
        { class: 'pj-gallery-head' },
        el('h2', { id: 'pj-gallery-title' }, t('projector.entries'), ' ', this.count),
        this.votesCast,
        this.sealedNote,
      ),
      this.empty,
      this.list,
    );
    if (typeof ResizeObserver !== 'undefined') {
      new ResizeObserver(() => this.layout()).observe(this.list);
    }
  }

  update(state: RoomState): void {
    const entries = projectorEntries(state);
    this.entries = entries;
    setText(this.count, `(${entries.length})`);
    const showVotes = state.sealed && (state.round.phase === 'vote' || state.votesCast > 0);
    this.votesCast.hidden = !showVotes;
    this.sealedNote.hidden = !state.sealed || state.round.phase !== 'vote';
    setText(this.votesCast, t('projector.votesCast', { n: state.votesCast }));
    this.element.dataset['sealed'] = String(state.sealed);
    const seen = new Set<number>();
    for (const image of entries) {
      seen.add(image.id);
      let tile = this.tiles.get(image.id);
      if (!tile) {
        tile = this.createTile(image.id);
        this.tiles.set(image.id, tile);
      }
      this.fill(tile, image, state);
    }
    for (const [id, tile] of this.tiles) {
      if (!seen.has(id)) {
        tile.root.remove();
        this.tiles.delete(id);
      }
    }
    this.empty.hidden = entries.length > 0;
    this.layout();
  }

  /** Places the tiles in order, as many as fit, with "+N more" for the rest. */
  private layout(): void {
    this.place();
    // The text under a picture grows with the tile: measured once placed, then fitted again.
    const first = this.list.querySelector<HTMLElement>('.pj-tile');
    if (!first || first.offsetWidth === 0) return;
    const measured = first.offsetHeight - (first.offsetWidth * 3) / 4;
    if (Math.abs(measured - this.caption) > 4) {
      this.caption = measured;
      this.place();
    }
  }

  private place(): void {
    const box = this.list.getBoundingClientRect();
    const fit = fitGrid(this.entries.length, {
      width: box.width,
      height: box.height,
      aspect: 4 / 3,
      gap: 16,
      caption: this.caption,
      minTile: 150,
      // A few entries in the big area may be big; in the side column they fill its width.
      maxTile: Math.max(420, box.width * 0.48),
    });
    // On a phone the page scrolls (projector.css sets --pj-all): every entry shows.
    const all = getComputedStyle(this.list).getPropertyValue('--pj-all').trim() === '1';
    const shown = box.width > 0 && !all ? fit.shown : this.entries.length;
    this.list.style.setProperty('--tile', `${fit.tile}px`);
    this.list.style.setProperty('--columns', String(fit.columns));
    const wanted: Element[] = this.entries.slice(0, shown).map((i) => this.tiles.get(i.id)!.root);
    const rest = this.entries.length - shown;
    if (rest > 0) {
      setText(this.more, t('projector.more', { n: rest }));
      wanted.push(this.more);
    }
    const current = Array.from(this.list.children);
    if (current.length !== wanted.length || current.some((node, i) => node !== wanted[i])) {
      this.list.replaceChildren(...wanted);
    }
  }

  private createTile(imageId: number): Tile {
    const thumb = el('img', { class: 'pj-thumb', alt: '' });
    const prompt = el('p', { class: 'pj-prompt' });
    const author = el('p', { class: 'pj-author' });
    const up = el('span', { class: 'pj-up', 'data-testid': 'projector-up' });
    const down = el('span', { class: 'pj-down', 'data-testid': 'projector-down' });
    const score = el('span', { class: 'pj-score', 'data-testid': 'projector-score' });
    const tally = el(
      'p',
      { class: 'pj-tally' },
      el('span', { class: 'pj-arrow-up', 'aria-hidden': 'true' }, '▲'),
      el('span', { class: 'sr-only' }, t('projector.up')),
      up,
      el('span', { class: 'pj-arrow-down', 'aria-hidden': 'true' }, '▼'),
      el('span', { class: 'sr-only' }, t('projector.down')),
      down,
      el('span', { class: 'pj-score-label' }, t('projector.score')),
      score,
    );
    const root = el(
      'article',
      { class: 'pj-tile', 'data-testid': 'projector-entry', 'data-image-id': imageId },
      thumb,
      prompt,
      author,
      tally,
    );
    return { root, thumb, prompt, author, tally, up, down, score, shown: null };
  }

  private fill(tile: Tile, image: Image, state: RoomState): void {
    setAttr(tile.thumb, 'src', image.thumb_url ?? image.url);
    setText(tile.prompt, image.prompt);
    const name = image.author?.nickname;
    setText(tile.author, name ? t('projector.by', { name }) : '');
    tile.root.classList.toggle('is-winner', state.round.winner_id === image.id);
    const votes = votesOf(image.tally);
    tile.tally.hidden = votes === null;
    const key = votes ? `${votes.up}/${votes.down}` : 'sealed';
    if (votes) {
      setText(tile.up, String(votes.up));
      setText(tile.down, String(votes.down));
      setText(tile.score, votes.score > 0 ? `+${votes.score}` : String(votes.score));
      if (tile.shown !== null && tile.shown !== key) pulse(tile.tally);
    } else {
      // No number may linger in the hidden counts while sealed.
      for (const node of [tile.up, tile.down, tile.score]) setText(node, '—');
    }
    tile.shown = key;
  }
}

/** Restarts the tally's highlight (CSS; none under prefers-reduced-motion). */
export function pulse(node: HTMLElement): void {
  node.classList.remove('pj-pulse');
  void node.offsetWidth;
  node.classList.add('pj-pulse');
}
