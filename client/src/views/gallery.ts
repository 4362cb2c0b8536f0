// The round's gallery, shared by the participant page (with votes) and the host console
// (read-only). Cards are updated in place so live tallies never steal keyboard focus, and
// in the viewer's own order (order.ts), in which a new image never moves the others.
import { el, setAttr, setText } from '../dom';
import { isEntered } from '../entries';
import type { Image, VoteValue } from '../generated/protocol';
import { t } from '../i18n';
import { orderGallery } from '../order';
import { type RoomState, canVote, isOwnImage, myVote, visibleImages } from '../state';
import { progressValue, statusText } from './format';
import { TallyLine } from './tally-line';

interface Card {
  root: HTMLElement;
  media: HTMLDivElement;
  link: HTMLAnchorElement;
  thumb: HTMLImageElement;
  preview: HTMLImageElement;
  status: HTMLParagraphElement;
  bar: HTMLProgressElement;
  badges: HTMLDivElement;
  offline: HTMLSpanElement;
  winner: HTMLSpanElement;
  entered: HTMLSpanElement;
  private: HTMLSpanElement;
  prompt: HTMLParagraphElement;
  author: HTMLParagraphElement;
  tally: TallyLine;
  voteUp: HTMLButtonElement | null;
  voteDown: HTMLButtonElement | null;
}

export interface GalleryOptions {
  readOnly: boolean;
  onVote?: (image: Image, value: VoteValue) => void;
}

export class Gallery {
  readonly element: HTMLElement;
  private readonly list: HTMLDivElement;
  private readonly empty: HTMLParagraphElement;
  private readonly cards = new Map<number, Card>();
  private state: RoomState | null = null;

  constructor(private readonly options: GalleryOptions) {
    this.list = el('div', { class: 'gallery', 'data-testid': 'gallery' });
    this.empty = el('p', { class: 'muted' }, t('gallery.empty'));
    this.element = el(
      'section',
      { class: 'panel gallery-panel', 'aria-labelledby': 'gallery-title' },
      el('h2', { id: 'gallery-title' }, t('gallery.title')),
      this.empty,
      this.list,
    );
  }

  update(state: RoomState): void {
    this.state = state;
    const seen = new Set<number>();
    let previous: Element | null = null;
    const images = orderGallery(visibleImages(state), state.gallerySalt);
    for (const image of images) {
      seen.add(image.id);
      let card = this.cards.get(image.id);
      if (!card) {
        card = this.createCard(image.id);
        this.cards.set(image.id, card);
      }
      const expected: Element | null = previous
        ? previous.nextElementSibling
        : this.list.firstElementChild;
      if (expected !== card.root) {
        if (previous) previous.after(card.root);
        else this.list.prepend(card.root);
      }
      this.fill(card, image, state);
      previous = card.root;
    }
    for (const [id, card] of this.cards) {
      if (!seen.has(id)) {
        card.root.remove();
        this.cards.delete(id);
      }
    }
    this.empty.hidden = images.length > 0;
  }

  private createCard(imageId: number): Card {
    const thumb = el('img', { class: 'thumb', loading: 'lazy', alt: '' });
    const link = el('a', { class: 'thumb-link', target: '_blank', rel: 'noopener' }, thumb);
    const preview = el('img', { class: 'thumb preview', alt: t('gallery.previewAlt') });
    const status = el('p', { class: 'card-status' });
    const bar = el('progress', { max: 100, class: 'bar' });
    const media = el('div', { class: 'card-media' }, link, preview, status, bar);
    const offline = el(
      'span',
      {
        class: 'badge badge-offline',
        'data-testid': 'offline-badge',
        title: t('gallery.offlineTitle'),
      },
      t('gallery.offline'),
    );
    const winner = el(
      'span',
      { class: 'badge badge-winner', 'data-testid': 'winner-badge' },
      t('gallery.winner'),
    );
    const entered = el(
      'span',
      {
        class: 'badge badge-entered',
        'data-testid': 'entered-badge',
        title: t('gallery.enteredTitle'),
      },
      t('gallery.entered'),
    );
    const privateBadge = el(
      'span',
      {
        class: 'badge badge-private',
        'data-testid': 'private-badge',
        title: t('gallery.privateTitle'),
      },
      t('gallery.private'),
    );
    const prompt = el('p', { class: 'card-prompt' });
    const author = el('p', { class: 'card-author muted' });
    const tally = new TallyLine();
    let voteUp: HTMLButtonElement | null = null;
    let voteDown: HTMLButtonElement | null = null;
    const badges = el('div', { class: 'badges' });
    const root = el(
      'article',
      { class: 'card', 'data-testid': 'image-card', 'data-image-id': imageId },
      media,
      badges,
      prompt,
      author,
      tally.element,
    );
    if (!this.options.readOnly) {
      voteUp = el(
        'button',
        {
          type: 'button',
          class: 'vote vote-up',
          'data-testid': 'vote-up',
          'aria-pressed': 'false',
        },
        t('gallery.up'),
      );
      voteDown = el(
        'button',
        {
          type: 'button',
          class: 'vote vote-down',
          'data-testid': 'vote-down',
          'aria-pressed': 'false',
        },
        t('gallery.down'),
      );
      voteUp.addEventListener('click', () => this.vote(imageId, 'up'));
      voteDown.addEventListener('click', () => this.vote(imageId, 'down'));
      root.append(
        el(
          'div',
          { class: 'votes', role: 'group', 'aria-label': t('gallery.yourVote') },
          voteUp,
          voteDown,
        ),
      );
    }
    return {
      root,
      media,
      link,
      thumb,
      preview,
      status,
      bar,
      badges,
      offline,
      winner,
      entered,
      private: privateBadge,
      prompt,
      author,
      tally,
      voteUp,
      voteDown,
    };
  }

  /** Clicking the vote I already gave takes it back ("none"). */
  private vote(imageId: number, pressed: 'up' | 'down'): void {
    const state = this.state;
    const image = state?.images.find((i) => i.id === imageId);
    if (!state || !image || !canVote(state, image)) return;
    const value: VoteValue = myVote(state, imageId) === pressed ? 'none' : pressed;
    this.options.onVote?.(image, value);
  }

  private fill(card: Card, image: Image, state: RoomState): void {
    const progress = state.progress[image.id];
    const done = image.status === 'done' && image.url !== null;
    setAttr(card.root, 'data-status', image.status);
    card.root.classList.toggle('is-mine', isOwnImage(state, image));
    const isWinner = state.round.winner_id === image.id;
    card.root.classList.toggle('is-winner', isWinner);
    // Badges leave the DOM rather than hide, so "no badge" means no element at all.
    toggleChild(card.badges, card.offline, image.offline, card.badges.firstChild);
    toggleChild(card.badges, card.winner, isWinner, null);
    // Only worth saying when finished edits can be private attempts.
    const attempt = state.entrySelection && image.status === 'done' && isOwnImage(state, image);
    toggleChild(card.badges, card.entered, attempt && image.entered === true, null);
    toggleChild(card.badges, card.private, attempt && image.entered !== true, null);

    card.link.hidden = !done;
    if (done) {
      setAttr(card.link, 'href', image.url);
      setAttr(card.thumb, 'src', image.thumb_url ?? image.url);
      if (image.width > 0 && image.height > 0) {
        card.thumb.style.aspectRatio = `${image.width} / ${image.height}`;
      }
      setAttr(card.link, 'aria-label', t('gallery.openFull', { prompt: image.prompt }));
    }
    const preview = !done ? (progress?.preview_url ?? null) : null;
    card.preview.hidden = preview === null;
    if (preview !== null) setAttr(card.preview, 'src', preview);
    card.status.hidden = done;
    setText(card.status, statusText(image, progress));
    const value = progressValue(image, progress);
    card.bar.hidden = value === null;
    if (value !== null) card.bar.value = value;
    card.bar.setAttribute('aria-label', t('gallery.progressOf', { prompt: image.prompt }));

    setText(card.prompt, image.prompt);
    const nickname = image.author?.nickname ?? t('gallery.someone');
    setText(
      card.author,
      isOwnImage(state, image)
        ? t('gallery.byYou', { name: nickname })
        : t('gallery.by', { name: nickname }),
    );
    // Votes only concern finished, entered edits; a private attempt or one still being
    // made has nothing to count.
    const counted = image.status === 'done' && isEntered(image, state.entrySelection);
    card.tally.element.hidden = !counted;
    if (counted) card.tally.update(image.tally, state.winnerRule);

    if (card.voteUp && card.voteDown) {
      const mine = myVote(state, image.id);
      const allowed = canVote(state, image);
      const own = isOwnImage(state, image);
      for (const [button, value] of [
        [card.voteUp, 'up'],
        [card.voteDown, 'down'],
      ] as const) {
        button.disabled = !allowed;
        setAttr(button, 'aria-pressed', String(mine === value));
        setAttr(button, 'title', own ? t('gallery.ownImage') : null);
      }
    }
  }
}

function toggleChild(parent: Element, child: Element, present: boolean, before: Node | null) {
  if (!present) child.remove();
  else if (child.parentNode !== parent) parent.insertBefore(child, before);
}
