// Pure keyboard and brush-size rules of the mask editor, apart from the DOM so they can be
// unit-tested: which key does what, how `[` / `]` step the brush, and the keyboard brush
// (a cursor on the picture that the arrow keys move and that paints while its pen is down).
import type { Point, Tool } from './mask';

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

// ---------------------------------------------------------------------------------------
// The keyboard brush. Its cursor sits on a whole seed pixel (a cell); the stroke points it
// makes are that pixel's centre, so a dab is symmetric around the pixel the cursor shows.

export interface Cell {
  x: number;
  y: number;
}

export interface SeedSize {
  width: number;
  height: number;
}

/** What a key does while the picture has the keyboard focus. */
export type BrushKey =
  | { kind: 'move'; dx: -1 | 0 | 1; dy: -1 | 0 | 1; big: boolean }
  /** Space / Enter: put the pen down, or lift it. */
  | { kind: 'pen' }
  /** D: one dab where the cursor is. */
  | { kind: 'dab' }
  /** Escape: lift the pen (nothing, and not ours, when it is up). */
  | { kind: 'lift' }
  | { kind: 'tool'; tool: Tool };

/** On-screen length of one arrow step and of one Shift+arrow step, in CSS px. */
export const KEY_STEP_PX = 8;
export const KEY_BIG_STEP_PX = 48;

const ARROWS: Record<string, [-1 | 0 | 1, -1 | 0 | 1]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/**
 * The keyboard brush's keys. Ctrl, Cmd and Alt combinations are never ours (undo, browser
 * and screen-reader commands), and neither is Tab, so the focus can always leave.
 */
export function brushKeyFor(e: KeyLike): BrushKey | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const arrow = ARROWS[e.key];
  if (arrow) return { kind: 'move', dx: arrow[0], dy: arrow[1], big: e.shiftKey };
  if (e.key === ' ' || e.key === 'Spacebar' || e.key === 'Enter') return { kind: 'pen' };
  if (e.key === 'Escape' || e.key === 'Esc') return { kind: 'lift' };
  const key = e.key.length === 1 ? e.key.toLowerCase() : '';
  if (key === 'd') return { kind: 'dab' };
  if (key === 'b') return { kind: 'tool', tool: 'brush' };
  if (key === 'e') return { kind: 'tool', tool: 'eraser' };
  return null;
}

/**
 * One arrow step in seed pixels: a fixed distance on screen, so a step is fine when zoomed
 * in and quick when zoomed out. scale is CSS px per seed pixel; at least one pixel.
 */
export function keyStep(scale: number, big: boolean): number {
  const px = big ? KEY_BIG_STEP_PX : KEY_STEP_PX;
  const s = Number.isFinite(scale) && scale > 0 ? scale : 1;
  return Math.max(1, Math.round(px / s));
}

export function clampCell(cell: Cell, size: SeedSize): Cell {
  const fit = (v: number, n: number) =>
    Math.min(Math.max(1, Math.floor(n)) - 1, Math.max(0, Math.round(Number.isFinite(v) ? v : 0)));
  return { x: fit(cell.x, size.width), y: fit(cell.y, size.height) };
}

/** Where the keyboard brush starts: the middle of the picture. */
export function centreCell(size: SeedSize): Cell {
  return clampCell({ x: Math.floor(size.width / 2), y: Math.floor(size.height / 2) }, size);
}

/** The cell `step` pixels along (dx, dy), kept on the picture. */
export function moveCell(cell: Cell, dx: number, dy: number, step: number, size: SeedSize): Cell {
  return clampCell({ x: cell.x + dx * step, y: cell.y + dy * step }, size);
}

/** The stroke point of a cell: its pixel's centre, in the same seed coordinates as a pointer. */
export function cellPoint(cell: Cell): Point {
  return { x: cell.x + 0.5, y: cell.y + 0.5 };
}

export interface KeyBrushState {
  cell: Cell;
  pen: boolean;
}

/** What the editor does with a key: the same stroke calls a pointer makes. */
export type KeyBrushEffect =
  | { kind: 'begin'; point: Point }
  | { kind: 'extend'; point: Point }
  | { kind: 'end' }
  | { kind: 'tool'; tool: Tool };

export interface KeyBrushResult {
  state: KeyBrushState;
  effects: KeyBrushEffect[];
  /** Whether the key was ours (its default is then prevented). */
  handled: boolean;
  /** A move that the picture's edge stopped. */
  atEdge: boolean;
}

/**
 * One key of the keyboard brush: the new cursor and pen, and the stroke calls to make.
 * Pen down starts a stroke with a dab at the cursor; each move with the pen down adds the
 * new cursor as a point (the stroke's capsules join them); lifting the pen ends the stroke.
 */
export function applyBrushKey(
  state: KeyBrushState,
  key: BrushKey,
  size: SeedSize,
  scale: number,
): KeyBrushResult {
  const here = cellPoint(state.cell);
  const result = (
    next: KeyBrushState,
    effects: KeyBrushEffect[],
    handled = true,
    atEdge = false,
  ): KeyBrushResult => ({ state: next, effects, handled, atEdge });
  switch (key.kind) {
    case 'move': {
      const cell = moveCell(state.cell, key.dx, key.dy, keyStep(scale, key.big), size);
      if (cell.x === state.cell.x && cell.y === state.cell.y) return result(state, [], true, true);
      if (!state.pen) return result({ cell, pen: false }, []);
      return result({ cell, pen: true }, [{ kind: 'extend', point: cellPoint(cell) }]);
    }
    case 'pen':
      return state.pen
        ? result({ ...state, pen: false }, [{ kind: 'end' }])
        : result({ ...state, pen: true }, [{ kind: 'begin', point: here }]);
    case 'dab':
      return state.pen
        ? result(state, [])
        : result(state, [{ kind: 'begin', point: here }, { kind: 'end' }]);
    case 'lift':
      if (!state.pen) return result(state, [], false);
      return result({ ...state, pen: false }, [{ kind: 'end' }]);
    case 'tool':
      // With the pen down the stroke so far keeps its tool; the new one starts here.
      return state.pen
        ? result(state, [{ kind: 'end' }, key, { kind: 'begin', point: here }])
        : result(state, [key]);
  }
}

/** The painted share of the picture as spoken: "0", "<1", "37", ">99", "100" (percent). */
export function paintedShare(painted: number, total: number): string {
  if (total <= 0 || painted <= 0) return '0';
  if (painted >= total) return '100';
  const pct = (painted / total) * 100;
  if (pct < 1) return '<1';
  if (pct > 99) return '>99';
  return String(Math.round(pct));
}

/** Where the cursor is, roughly: percent from the left and from the top, in steps of 5. */
export function roughPosition(cell: Cell, size: SeedSize): { x: number; y: number } {
  const pct = (v: number, n: number) => (n > 1 ? Math.round(((v / (n - 1)) * 100) / 5) * 5 : 50);
  return { x: pct(cell.x, size.width), y: pct(cell.y, size.height) };
}
