// "My submissions": the live status of the viewer's own edits in this round and, with
// entry selection, the buttons that enter a finished attempt into the vote or withdraw it.
import { ApiError } from '../api';
import { el, setAttr, setText } from '../dom';
import type { Image } from '../generated/protocol';
import { t } from '../i18n';
import { type RoomState, canChangeEntry, isOwnImage } from '../state';
import { progressValue, statusText } from './format';

interface Row {
  root: HTMLLIElement;
  thumb: HTMLImageElement;
  prompt: HTMLSpanElement;
  status: HTMLSpanElement;
  bar: HTMLProgressElement;
  enter: HTMLButtonElement;
  withdraw: HTMLButtonElement;
}

/** Sends an entry change; throws ApiError with the server's message when refused. */
export type EntryHandler = (image: Image, entered: boolean) => Promise<void>;

export class MySubmissions {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLParagraphElement;
  private readonly entries = el('p', { class: 'entries', 'data-testid': 'entries-count' });
  private readonly explain = el('p', { class: 'muted hint' }, t('mine.explain'));
  private readonly error = el('p', {
    class: 'error-text',
    'data-testid': 'entry-error',
    role: 'alert',
    hidden: true,
  });
  private readonly rows = new Map<number, Row>();
  private readonly pending = new Set<number>();
  private state: RoomState | null = null;

  constructor(private readonly onEntry: EntryHandler = async () => {}) {
    this.list = el('ul', { class: 'my-list' });
    this.empty = el('p', { class: 'muted' }, t('mine.empty'));
    this.element = el(
      'section',
      { class: 'panel', 'data-testid': 'my-submissions', 'aria-labelledby': 'mine-title' },
      el('h2', { id: 'mine-title' }, t('mine.title')),
      this.entries,
      this.explain,
      this.error,
      this.empty,
      this.list,
    );
  }

  update(state: RoomState): void {
    if (this.state && this.state.round.id !== state.round.id) this.error.hidden = true;
    this.state = state;
    const selection = state.entrySelection;
    const quota = state.quota;
    this.entries.hidden = this.explain.hidden = !selection || quota === null;
    if (selection && quota) {
      setText(
        this.entries,
        t('mine.entries', { used: quota.entries_used, max: quota.entries_per_round }),
      );
    }
    const mine = state.images.filter((i) => isOwnImage(state, i));
    const seen = new Set<number>();
    for (const image of mine) {
      seen.add(image.id);
      let row = this.rows.get(image.id);
      if (!row) {
        row = this.createRow(image.id);
        this.rows.set(image.id, row);
        this.list.append(row.root);
      }
      this.fill(row, image, state);
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.root.remove();
        this.rows.delete(id);
      }
    }
    this.empty.hidden = mine.length > 0;
  }

  private fill(row: Row, image: Image, state: RoomState): void {
    const progress = state.progress[image.id];
    setAttr(row.root, 'data-status', image.status);
    setText(row.prompt, image.prompt);
    let status = statusText(image, progress);
    if (state.entrySelection && image.status === 'done') {
      status = image.entered ? t('mine.doneEntered') : t('mine.donePrivate');
    }
    setText(row.status, status);
    row.status.classList.toggle('error-text', image.status === 'failed');
    const src =
      image.status === 'done' ? (image.thumb_url ?? image.url) : (progress?.preview_url ?? null);
    row.thumb.hidden = src === null;
    if (src !== null) setAttr(row.thumb, 'src', src);
    const value = progressValue(image, progress);
    row.bar.hidden = value === null;
    if (value !== null) row.bar.value = value;

    // Both buttons exist for every done attempt when entries are chosen; only one shows.
    const offered = state.entrySelection && image.status === 'done';
    const entered = image.entered === true;
    const usable = canChangeEntry(state, image) && !this.pending.has(image.id);
    const why = state.round.phase === 'generate' ? null : t('mine.onlyGenerate');
    row.enter.hidden = !offered || entered;
    row.withdraw.hidden = !offered || !entered;
    for (const button of [row.enter, row.withdraw]) {
      button.disabled = !usable;
      setAttr(button, 'title', why);
    }
  }

  private async change(imageId: number, entered: boolean): Promise<void> {
    const image = this.state?.images.find((i) => i.id === imageId);
    if (!image || this.pending.has(imageId)) return;
    const row = this.rows.get(imageId);
    const focused = document.activeElement;
    const hadFocus = row !== undefined && (focused === row.enter || focused === row.withdraw);
    this.pending.add(imageId);
    this.error.hidden = true;
    this.refresh();
    try {
      await this.onEntry(image, entered);
    } catch (err) {
      const message =
        err instanceof ApiError || err instanceof Error ? err.message : t('mine.entryFailed');
      this.error.textContent = message;
      this.error.hidden = false;
    } finally {
      this.pending.delete(imageId);
      this.refresh();
      // Enter and Withdraw take turns (and were disabled meanwhile): the keyboard stays.
      if (hadFocus) [row.enter, row.withdraw].find((b) => !b.hidden && !b.disabled)?.focus();
    }
  }

  private refresh(): void {
    if (this.state) this.update(this.state);
  }

  private createRow(imageId: number): Row {
    const thumb = el('img', { class: 'mini-thumb', alt: '' });
    const prompt = el('span', { class: 'my-prompt' });
    const status = el('span', { class: 'my-status', 'data-testid': 'submission-status' });
    const bar = el('progress', { max: 100, class: 'bar', 'aria-label': t('mine.progress') });
    const enter = el(
      'button',
      { type: 'button', class: 'primary small', 'data-testid': 'enter-button', hidden: true },
      t('mine.enter'),
    );
    const withdraw = el(
      'button',
      { type: 'button', class: 'small', 'data-testid': 'withdraw-button', hidden: true },
      t('mine.withdraw'),
    );
    enter.addEventListener('click', () => void this.change(imageId, true));
    withdraw.addEventListener('click', () => void this.change(imageId, false));
    const root = el(
      'li',
      { class: 'my-item', 'data-image-id': imageId },
      thumb,
      el('div', { class: 'my-text' }, prompt, status, bar),
      el('div', { class: 'my-actions' }, enter, withdraw),
    );
    return { root, thumb, prompt, status, bar, enter, withdraw };
  }
}
