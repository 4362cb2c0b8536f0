// A before/after slider: the seed on the left of a divider, the winning edit on the right,
// moved by a real <input type=range> (keyboard: arrows, Page Up/Down, Home/End) with a
// label and a spoken value; the mask's outline is drawn over both.
import { el } from '../dom';
import { t } from '../i18n';
import { outlineLayer } from './outline';

export interface CompareImages {
  round: number;
  before: { url: string; alt: string };
  after: { url: string; alt: string };
  width: number;
  height: number;
  maskUrl: string | null;
}

/** The part of the seed shown for a slider value (0..100, whole percent). */
export function dividerPercent(raw: string | number): number {
  const value = Math.round(Number(raw));
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 50;
}

let counter = 0;

export function compareSlider(images: CompareImages, start = 50): HTMLElement {
  const id = `compare-${++counter}`;
  const before = el('img', {
    class: 'compare-img compare-before',
    src: images.before.url,
    alt: images.before.alt,
  });
  const after = el('img', {
    class: 'compare-img compare-after',
    src: images.after.url,
    alt: images.after.alt,
  });
  const frame = el(
    'div',
    { class: 'compare-frame' },
    after,
    before,
    images.maskUrl ? outlineLayer(images.maskUrl) : null,
    el('div', { class: 'compare-divider', 'aria-hidden': 'true' }),
    el(
      'span',
      { class: 'compare-tag compare-tag-before', 'aria-hidden': 'true' },
      t('projector.before'),
    ),
    el(
      'span',
      { class: 'compare-tag compare-tag-after', 'aria-hidden': 'true' },
      t('projector.after'),
    ),
  );
  if (images.width > 0 && images.height > 0) {
    frame.style.aspectRatio = `${images.width} / ${images.height}`;
  }
  const input = el('input', {
    id,
    type: 'range',
    min: 0,
    max: 100,
    step: 1,
    value: start,
    class: 'compare-range',
    'data-testid': 'lineage-slider',
    'aria-describedby': `${id}-hint`,
  });
  const set = (value: number) => {
    frame.style.setProperty('--pos', `${value}%`);
    input.setAttribute(
      'aria-valuetext',
      t('lineage.sliderValue', { before: value, after: 100 - value }),
    );
    figure.dataset['pos'] = String(value);
  };
  const figure = el(
    'figure',
    { class: 'compare' },
    frame,
    el('label', { for: id, class: 'sr-only' }, t('lineage.slider', { n: images.round })),
    el(
      'div',
      { class: 'compare-controls' },
      el('span', { 'aria-hidden': 'true' }, t('projector.before')),
      input,
      el('span', { 'aria-hidden': 'true' }, t('projector.after')),
    ),
    el('figcaption', { id: `${id}-hint`, class: 'compare-hint muted' }, t('lineage.sliderHint')),
  );
  input.addEventListener('input', () => set(dividerPercent(input.value)));
  set(dividerPercent(start));
  // Dragging on the picture moves the divider too (the range stays the keyboard's way in).
  frame.addEventListener('pointerdown', (e) => {
    const move = (ev: PointerEvent) => {
      const box = frame.getBoundingClientRect();
      const value = dividerPercent(((ev.clientX - box.left) / box.width) * 100);
      input.value = String(value);
      set(value);
    };
    frame.setPointerCapture(e.pointerId);
    move(e);
    const stop = () => {
      frame.removeEventListener('pointermove', move);
      frame.removeEventListener('pointerup', stop);
      frame.removeEventListener('pointercancel', stop);
    };
    frame.addEventListener('pointermove', move);
    frame.addEventListener('pointerup', stop);
    frame.addEventListener('pointercancel', stop);
  });
  return figure;
}
