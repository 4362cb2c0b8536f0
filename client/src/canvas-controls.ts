// The mask editor's controls, built in one place so canvas.ts stays about behaviour.
import { el } from './dom';
import { LIMITS } from './generated/protocol';
import { t } from './i18n';
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
  /** The keyboard brush's instructions: always the picture's description, shown on its focus. */
  keysHelp: HTMLParagraphElement;
}

export const DEFAULT_OPACITY = 55;
/** The keyboard brush's instructions: the picture's aria-describedby points here. */
export const KEYS_HELP_ID = 'mask-keys-help';

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
    brush: button('tool-brush', t('canvas.brush'), t('canvas.brushTitle'), true),
    eraser: button('tool-eraser', t('canvas.eraser'), t('canvas.eraserTitle'), true),
    undo: button('undo-button', t('canvas.undo'), t('canvas.undoTitle')),
    redo: button('redo-button', t('canvas.redo'), t('canvas.redoTitle')),
    invert: button('invert-button', t('canvas.invert'), t('canvas.invertTitle')),
    clear: button('clear-button', t('canvas.clear'), t('canvas.clearTitle')),
    zoomOut: button('zoom-out', '−', t('canvas.zoomOut')),
    zoomIn: button('zoom-in', '+', t('canvas.zoomInTitle')),
    zoomReset: button('zoom-reset', t('canvas.fit'), t('canvas.fitTitle')),
  };
  buttons.zoomOut.setAttribute('aria-label', t('canvas.zoomOut'));
  buttons.zoomIn.setAttribute('aria-label', t('canvas.zoomIn'));
  const size = range('brush-size', BRUSH_MIN, BRUSH_MAX, 32, t('canvas.sizeLabel'));
  const sizeOut = el('output', { for: 'brush-size', class: 'range-value' });
  const zoomLevel = el('output', { class: 'zoom-level', 'data-testid': 'zoom-level' }, '100%');
  const opacity = range('overlay-opacity', 10, 90, DEFAULT_OPACITY, t('canvas.opacityLabel'));
  const feather = range('feather-input', 0, LIMITS.feather_max_px, 0, t('canvas.featherLabel'));
  const featherOut = el('output', { for: 'feather-input', class: 'range-value' }, '0px');
  const keysHelp = el(
    'p',
    { id: KEYS_HELP_ID, class: 'shortcut-hint keys-help', 'data-testid': 'keys-help', hidden: true },
    t('canvas.keysHelp'),
  );
  const field = (id: string, text: string, input: HTMLInputElement, out?: HTMLOutputElement) =>
    el('div', { class: 'field' }, el('label', { for: id }, text), input, out);

  const root = el(
    'div',
    { class: 'mask-controls' },
    el(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': t('canvas.tools') },
      el('div', { class: 'group' }, buttons.brush, buttons.eraser),
      field('brush-size', t('canvas.size'), size, sizeOut),
    ),
    el(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': t('canvas.editView') },
      el('div', { class: 'group' }, buttons.undo, buttons.redo, buttons.invert, buttons.clear),
      el(
        'div',
        { class: 'group zoom', role: 'group', 'aria-label': t('canvas.zoom') },
        buttons.zoomOut,
        zoomLevel,
        buttons.zoomIn,
        buttons.zoomReset,
      ),
    ),
    el(
      'div',
      { class: 'toolbar' },
      field('overlay-opacity', t('canvas.opacity'), opacity),
      field('feather-input', t('canvas.feather'), feather, featherOut),
    ),
    el(
      'p',
      { class: 'shortcut-hint muted' },
      el('span', { class: 'hint-keys' }, t('canvas.hintKeys')),
      el('span', { class: 'hint-touch' }, t('canvas.hintTouch')),
    ),
    keysHelp,
  );
  return { root, buttons, size, sizeOut, zoomLevel, opacity, feather, featherOut, keysHelp };
}

/** The zoom read-out and which zoom buttons can do anything. */
export function showView(controls: Controls, view: View, enabled: boolean): void {
  const { zoomLevel, buttons } = controls;
  zoomLevel.value = `${Math.round(view.zoom * 100)}%`;
  buttons.zoomOut.disabled = !enabled || view.zoom <= 1;
  buttons.zoomReset.disabled = !enabled || view.zoom <= 1;
  buttons.zoomIn.disabled = !enabled || view.zoom >= MAX_ZOOM;
}
