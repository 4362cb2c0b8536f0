// Download the current seed (the last winner) as a picture at a chosen size, e.g. as the
// background of the next event.
import { api } from '../api';
import { el } from '../dom';
import { t } from '../i18n';

const SIZES: [number, number][] = [
  [1920, 1080],
  [3840, 2160],
  [1024, 768],
  [1080, 1920],
];

export class BackgroundDownload {
  readonly element: HTMLElement;
  private readonly size = el('select', { 'aria-label': t('download.size'), 'data-testid': 'download-size' });
  private readonly link = el('a', { class: 'button-link', 'data-testid': 'download-link', download: '' }, t('download.button'));
  private seedId: number | null = null;

  constructor(private readonly slug: string) {
    for (const [w, h] of SIZES) this.size.append(el('option', { value: `${w}x${h}` }, `${w} × ${h}`));
    this.size.addEventListener('change', () => this.update());
    this.element = el(
      'details',
      { class: 'panel background-download', 'data-testid': 'background-download' },
      el('summary', {}, t('download.title')),
      el('p', { class: 'hint' }, t('download.hint')),
      el('label', {}, t('download.size'), this.size),
      this.link,
    );
  }

  setSeed(seedId: number): void {
    this.seedId = seedId;
    this.update();
  }

  private update(): void {
    if (this.seedId === null) return;
    const [w, h] = this.size.value.split('x').map(Number);
    this.link.href = api.downloadPath(this.slug, this.seedId, w ?? 1920, h ?? 1080);
  }
}
