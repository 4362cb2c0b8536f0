// "My submissions": the live status of the viewer's own edits in this round.
import { el, setAttr, setText } from '../dom';
import { type RoomState, isOwnImage } from '../state';
import { progressValue, statusText } from './format';

interface Row {
  root: HTMLLIElement;
  thumb: HTMLImageElement;
  prompt: HTMLSpanElement;
  status: HTMLSpanElement;
  bar: HTMLProgressElement;
}

export class MySubmissions {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLParagraphElement;
  private readonly rows = new Map<number, Row>();

  constructor() {
    this.list = el('ul', { class: 'my-list' });
    this.empty = el('p', { class: 'muted' }, 'Nothing submitted in this round yet.');
    this.element = el(
      'section',
      { class: 'panel', 'data-testid': 'my-submissions', 'aria-labelledby': 'mine-title' },
      el('h2', { id: 'mine-title' }, 'My submissions'),
      this.empty,
      this.list,
    );
  }

  update(state: RoomState): void {
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
      const progress = state.progress[image.id];
      setAttr(row.root, 'data-status', image.status);
      setText(row.prompt, image.prompt);
      setText(row.status, statusText(image, progress));
      row.status.classList.toggle('error-text', image.status === 'failed');
      const src =
        image.status === 'done' ? (image.thumb_url ?? image.url) : (progress?.preview_url ?? null);
      row.thumb.hidden = src === null;
      if (src !== null) setAttr(row.thumb, 'src', src);
      const value = progressValue(image, progress);
      row.bar.hidden = value === null;
      if (value !== null) row.bar.value = value;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.root.remove();
        this.rows.delete(id);
      }
    }
    this.empty.hidden = mine.length > 0;
  }

  private createRow(imageId: number): Row {
    const thumb = el('img', { class: 'mini-thumb', alt: '' });
    const prompt = el('span', { class: 'my-prompt' });
    const status = el('span', { class: 'my-status', 'data-testid': 'submission-status' });
    const bar = el('progress', { max: 100, class: 'bar', 'aria-label': 'Generation progress' });
    const root = el(
      'li',
      { class: 'my-item', 'data-image-id': imageId },
      thumb,
      el('div', { class: 'my-text' }, prompt, status, bar),
    );
    return { root, thumb, prompt, status, bar };
  }
}
