// The mask editor's controls, built in one place so canvas.ts stays about behaviour.
import { el } from './dom';
import { LIMITS } from './generated/protocol';
import { BRUSH_MAX, BRUSH_MIN } from './shortcuts';
import { MAX_ZOOM, type View } from './viewport';

export type ButtonName =
  'brush' | 'eraser' | 'undo' | 'redo' | 'invert' | 'clear' | 'zoomOut' | 'zoomIn' | 'zoomReset';

export interface Controls {
  root: HTMLDivElement;
  buttons: Record<ButtonName, HTMLButtonElement>;
  size: HTMLInputElement;
  sizeOut: HTMLOutputElement;
  zoomLevel: HTMLOutputElement;
  opacity: HTMLInputElement;
  feather: HTMLInputElement;
  featherOut: HTMLOutputElement;
}

export const DEFAULT_OPACITY = 55;

function button(testid: string, label: string, title: string, pressable = false) {
  return el(
    'button',
    {
      type: 'button',
      'data-testid': testid,
      title,
      'aria-pressed': pressable ? 'false' : null,
    },
    label,
  );
}

function range(id: string, min: number, max: number, value: number, label: string) {
  return el('input', {
    type: 'range',
    id,
    'data-testid': id,
    min,
    max,
    step: 1,
    value,
    'aria-label': label,
  });
}

export function buildControls(): Controls {
  const buttons: Record<ButtonName, HTMLButtonElement> = {
    brush: button('tool-brush', 'Brush', 'Paint the area to repaint', true),
    eraser: button('tool-eraser', 'Eraser', 'Remove paint', true),
    undo: button('undo-button', 'Undo', 'Undo (Ctrl+Z)'),
    redo: button('redo-button', 'Redo', 'Redo (Ctrl+Shift+Z or Ctrl+Y)'),
    invert: button('invert-button', 'Invert', 'Swap painted and unpainted areas'),
    clear: button('clear-button', 'Clear', 'Remove all paint (can be undone)'),
    zoomOut: button('zoom-out', '−', 'Zoom out'),
    zoomIn: button('zoom-in', '+', 'Zoom in (or Ctrl+wheel, pinch)'),
    zoomReset: button('zoom-reset', 'Fit', 'Show the whole image'),
  };
  buttons.zoomOut.setAttribute('aria-label', 'Zoom out');
  buttons.zoomIn.setAttribute('aria-label', 'Zoom in');
  const size = range('brush-size', BRUSH_MIN, BRUSH_MAX, 32, 'Brush size in seed pixels');
  const sizeOut = el('output', { for: 'brush-size', class: 'range-value' });
  const zoomLevel = el('output', { class: 'zoom-level', 'data-testid': 'zoom-level' }, '100%');
  const opacity = range(
    'overlay-opacity',
    10,
    90,
    DEFAULT_OPACITY,
    'Mask overlay opacity in percent',
  );
  const feather = range(
    'feather-input',
    0,
    LIMITS.feather_max_px,
    0,
    'Soften the edge of the edit by this many pixels',
  );
  const featherOut = el('output', { for: 'feather-input', class: 'range-value' }, '0px');
  const field = (id: string, text: string, input: HTMLInputElement, out?: HTMLOutputElement) =>
    el('div', { class: 'field' }, el('label', { for: id }, text), input, out);

  const root = el(
    'div',
    { class: 'mask-controls' },
    el(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Mask tools' },
      el('div', { class: 'group' }, buttons.brush, buttons.eraser),
      field('brush-size', 'Size', size, sizeOut),
    ),
    el(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Edit and view' },
      el('div', { class: 'group' }, buttons.undo, buttons.redo, buttons.invert, buttons.clear),
      el(
        'div',
        { class: 'group zoom', role: 'group', 'aria-label': 'Zoom' },
        buttons.zoomOut,
        zoomLevel,
        buttons.zoomIn,
        buttons.zoomReset,
      ),
    ),
    el(
      'div',
      { class: 'toolbar' },
      field('overlay-opacity', 'Mask opacity', opacity),
      field('feather-input', 'Soften edge', feather, featherOut),
    ),
    el(
      'p',
      { class: 'shortcut-hint muted' },
      el(
        'span',
        { class: 'hint-keys' },
        '[ and ] change the size · Ctrl+Z undo, Ctrl+Shift+Z redo · Ctrl+wheel to zoom · ' +
          'Space+drag or middle button to pan',
      ),
      el('span', { class: 'hint-touch' }, 'Pinch to zoom · drag with two fingers to pan'),
    ),
  );
  return { root, buttons, size, sizeOut, zoomLevel, opacity, feather, featherOut };
}

/** The zoom read-out and which zoom buttons can do anything. */
export function showView(controls: Controls, view: View, enabled: boolean): void {
  const { zoomLevel, buttons } = controls;
  zoomLevel.value = `${Math.round(view.zoom * 100)}%`;
  buttons.zoomOut.disabled = !enabled || view.zoom <= 1;
  buttons.zoomReset.disabled = !enabled || view.zoom <= 1;
  buttons.zoomIn.disabled = !enabled || view.zoom >= MAX_ZOOM;
}
