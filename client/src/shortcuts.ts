// Pure keyboard and brush-size rules of the mask editor, apart from the DOM so they can be
// unit-tested: which key does what, and how `[` / `]` step the brush.

export const BRUSH_MIN = 1;
export const BRUSH_MAX = 512;
const STEP = 1.1;

export type Command = 'undo' | 'redo' | 'smaller' | 'larger';

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export function clampBrush(size: number): number {
  if (!Number.isFinite(size)) return BRUSH_MIN;
  return Math.min(BRUSH_MAX, Math.max(BRUSH_MIN, Math.round(size)));
}

/**
 * One `[` / `]` step: about 10%, but always at least one pixel, so small brushes do not
 * get stuck on rounding.
 */
export function stepBrushSize(size: number, direction: 1 | -1): number {
  const current = clampBrush(size);
  const next =
    direction > 0
      ? Math.max(current + 1, Math.round(current * STEP))
      : Math.min(current - 1, Math.round(current / STEP));
  return clampBrush(next);
}

/** A starting brush relative to the seed, so a big seed gets a big brush. */
export function initialBrushSize(width: number, height: number): number {
  return clampBrush(Math.max(width, height, 1) / 16);
}

/**
 * Ctrl and Cmd are both accepted on every platform: a Mac user on a PC keyboard and a
 * PC user in a Mac browser both expect their habit to work, and neither combination
 * means anything else here.
 */
export function commandFor(e: KeyLike): Command | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod && !e.altKey) {
    if (key === 'z') return e.shiftKey ? 'redo' : 'undo';
    if (key === 'y' && !e.shiftKey) return 'redo';
    return null;
  }
  // AltGr arrives as Ctrl+Alt on some layouts (e.g. German `[` is AltGr+8), so only
  // Cmd rules a bracket out.
  if (e.metaKey) return null;
  if (key === '[') return 'smaller';
  if (key === ']') return 'larger';
  return null;
}

interface TargetLike {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
}

const NON_TEXT_INPUTS = new Set([
  'button',
  'checkbox',
  'color',
  'file',
  'hidden',
  'image',
  'radio',
  'range',
  'reset',
  'submit',
]);

/** Where typing is text: there, `[` is a character and Ctrl+Z undoes typing. */
export function isTextEntry(target: unknown): boolean {
  if (!target || typeof target !== 'object') return false;
  const t = target as TargetLike;
  if (t.isContentEditable) return true;
  const tag = (t.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return !NON_TEXT_INPUTS.has((t.type ?? 'text').toLowerCase());
  return false;
}
