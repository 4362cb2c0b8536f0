import { describe, expect, it } from 'vitest';
import { MaskHistory } from '../src/history';
import { type Stroke, createMask, paintedCount, rasterizeStroke } from '../src/mask';
import {
  type BrushKey,
  KEY_BIG_STEP_PX,
  KEY_STEP_PX,
  type KeyBrushEffect,
  type KeyBrushState,
  type KeyLike,
  applyBrushKey,
  brushKeyFor,
  cellPoint,
  centreCell,
  clampCell,
  keyStep,
  moveCell,
  paintedShare,
  roughPosition,
} from '../src/shortcuts';
import { IDENTITY, followPoint } from '../src/viewport';

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

const size = { width: 100, height: 80 };
const right: BrushKey = { kind: 'move', dx: 1, dy: 0, big: false };
const down: BrushKey = { kind: 'move', dx: 0, dy: 1, big: false };
const left: BrushKey = { kind: 'move', dx: -1, dy: 0, big: false };
const pen: BrushKey = { kind: 'pen' };

/** Runs keys from a state and plays the effects the way the editor does: strokes. */
function play(start: KeyBrushState, keys: BrushKey[], scale = 1, tool: 'brush' | 'eraser' = 'brush') {
  let state = start;
  let live: Stroke | null = null;
  const strokes: Stroke[] = [];
  const effects: KeyBrushEffect[] = [];
  for (const k of keys) {
    const r = applyBrushKey(state, k, size, scale);
    state = r.state;
    for (const e of r.effects) {
      effects.push(e);
      if (e.kind === 'begin') live = { tool, size: 10, points: [e.point] };
      else if (e.kind === 'extend') live!.points.push(e.point);
      else if (e.kind === 'end') {
        strokes.push(live!);
        live = null;
      } else tool = e.tool;
    }
  }
  return { state, strokes, effects, live };
}

describe('keyboard brush keys', () => {
  it('moves with the arrows, bigger with Shift', () => {
    expect(brushKeyFor(key('ArrowLeft'))).toEqual({ kind: 'move', dx: -1, dy: 0, big: false });
    expect(brushKeyFor(key('ArrowRight'))).toEqual({ kind: 'move', dx: 1, dy: 0, big: false });
    expect(brushKeyFor(key('ArrowUp', { shiftKey: true }))).toEqual({
      kind: 'move',
      dx: 0,
      dy: -1,
      big: true,
    });
    expect(brushKeyFor(key('ArrowDown'))).toEqual({ kind: 'move', dx: 0, dy: 1, big: false });
  });

  it('puts the pen down and lifts it with Space or Enter; Escape lifts; D dabs; B and E pick', () => {
    expect(brushKeyFor(key(' '))).toEqual({ kind: 'pen' });
    expect(brushKeyFor(key('Enter'))).toEqual({ kind: 'pen' });
    expect(brushKeyFor(key('Escape'))).toEqual({ kind: 'lift' });
    expect(brushKeyFor(key('d'))).toEqual({ kind: 'dab' });
    expect(brushKeyFor(key('D', { shiftKey: true }))).toEqual({ kind: 'dab' });
    expect(brushKeyFor(key('b'))).toEqual({ kind: 'tool', tool: 'brush' });
    expect(brushKeyFor(key('e'))).toEqual({ kind: 'tool', tool: 'eraser' });
  });

  it('leaves Tab, modified keys and everything else alone (no keyboard trap, no stolen shortcuts)', () => {
    expect(brushKeyFor(key('Tab'))).toBeNull();
    expect(brushKeyFor(key('Tab', { shiftKey: true }))).toBeNull();
    expect(brushKeyFor(key('ArrowLeft', { ctrlKey: true }))).toBeNull();
    expect(brushKeyFor(key('ArrowLeft', { altKey: true }))).toBeNull();
    expect(brushKeyFor(key('ArrowLeft', { metaKey: true }))).toBeNull();
    expect(brushKeyFor(key('z', { ctrlKey: true }))).toBeNull();
    expect(brushKeyFor(key('e', { ctrlKey: true }))).toBeNull();
    expect(brushKeyFor(key('['))).toBeNull();
    expect(brushKeyFor(key(']'))).toBeNull();
    expect(brushKeyFor(key('x'))).toBeNull();
    expect(brushKeyFor(key('Home'))).toBeNull();
  });
});

describe('keyboard brush movement', () => {
  it('steps a fixed distance on screen, at least one seed pixel', () => {
    // 0.5 CSS px per seed px: 8 px on screen is 16 seed px.
    expect(keyStep(0.5, false)).toBe(KEY_STEP_PX * 2);
    expect(keyStep(0.5, true)).toBe(KEY_BIG_STEP_PX * 2);
    expect(keyStep(1, false)).toBe(KEY_STEP_PX);
    // Zoomed far in, one step is one seed pixel, never less.
    expect(keyStep(16, false)).toBe(1);
    expect(keyStep(16, true)).toBe(3);
    // No layout yet: the steps in seed pixels.
    expect(keyStep(0, false)).toBe(KEY_STEP_PX);
    expect(keyStep(Number.NaN, true)).toBe(KEY_BIG_STEP_PX);
  });

  it('starts in the middle and stays on the picture', () => {
    expect(centreCell(size)).toEqual({ x: 50, y: 40 });
    expect(centreCell({ width: 1, height: 1 })).toEqual({ x: 0, y: 0 });
    expect(moveCell({ x: 50, y: 40 }, 1, 0, 8, size)).toEqual({ x: 58, y: 40 });
    expect(moveCell({ x: 50, y: 40 }, 0, -1, 8, size)).toEqual({ x: 50, y: 32 });
    expect(moveCell({ x: 95, y: 40 }, 1, 0, 8, size)).toEqual({ x: 99, y: 40 });
    expect(moveCell({ x: 3, y: 2 }, -1, 0, 48, size)).toEqual({ x: 0, y: 2 });
    expect(moveCell({ x: 3, y: 2 }, 0, -1, 48, size)).toEqual({ x: 3, y: 0 });
    expect(moveCell({ x: 3, y: 75 }, 0, 1, 48, size)).toEqual({ x: 3, y: 79 });
    expect(clampCell({ x: -5.4, y: 1e9 }, size)).toEqual({ x: 0, y: 79 });
    expect(clampCell({ x: Number.NaN, y: 2.6 }, size)).toEqual({ x: 0, y: 3 });
  });

  it('paints at pixel centres, the coordinates a pointer uses', () => {
    expect(cellPoint({ x: 0, y: 0 })).toEqual({ x: 0.5, y: 0.5 });
    expect(cellPoint({ x: 99, y: 79 })).toEqual({ x: 99.5, y: 79.5 });
  });

  it('tells when the edge stops a move', () => {
    const r = applyBrushKey({ cell: { x: 99, y: 10 }, pen: true }, right, size, 1);
    expect(r.atEdge).toBe(true);
    expect(r.handled).toBe(true);
    expect(r.effects).toEqual([]);
    expect(r.state.cell).toEqual({ x: 99, y: 10 });
  });
});

describe('keyboard brush strokes', () => {
  const start: KeyBrushState = { cell: { x: 50, y: 40 }, pen: false };

  it('moving with the pen up paints nothing', () => {
    const { state, strokes, effects } = play(start, [right, right, down]);
    expect(state).toEqual({ cell: { x: 66, y: 48 }, pen: false });
    expect(strokes).toEqual([]);
    expect(effects).toEqual([]);
  });

  it('pen down, arrows, pen up: one stroke through every cursor position', () => {
    const { state, strokes, live } = play(start, [pen, right, right, down, left, pen]);
    expect(live).toBeNull();
    expect(state.pen).toBe(false);
    expect(strokes).toHaveLength(1);
    expect(strokes[0]!.points).toEqual([
      { x: 50.5, y: 40.5 },
      { x: 58.5, y: 40.5 },
      { x: 66.5, y: 40.5 },
      { x: 66.5, y: 48.5 },
      { x: 58.5, y: 48.5 },
    ]);
  });

  it('a stopped move at the edge adds no point; Shift moves in big steps', () => {
    const big: BrushKey = { kind: 'move', dx: 1, dy: 0, big: true };
    const { strokes } = play(start, [pen, big, big, big, pen], 1);
    // 50 -> 98 -> 99 (the edge) -> 99 again: no third point.
    expect(strokes[0]!.points).toEqual([
      { x: 50.5, y: 40.5 },
      { x: 98.5, y: 40.5 },
      { x: 99.5, y: 40.5 },
    ]);
  });

  it('D stamps a single dab, only with the pen up', () => {
    const { strokes, state } = play(start, [{ kind: 'dab' }]);
    expect(state.pen).toBe(false);
    expect(strokes).toEqual([{ tool: 'brush', size: 10, points: [{ x: 50.5, y: 40.5 }] }]);
    const during = play(start, [pen, { kind: 'dab' }, right, pen]);
    expect(during.strokes).toHaveLength(1);
    expect(during.strokes[0]!.points).toHaveLength(2);
  });

  it('Escape lifts the pen, and is not ours when the pen is up', () => {
    const lifted = play(start, [pen, right, { kind: 'lift' }]);
    expect(lifted.state.pen).toBe(false);
    expect(lifted.strokes).toHaveLength(1);
    const r = applyBrushKey(start, { kind: 'lift' }, size, 1);
    expect(r.handled).toBe(false);
    expect(r.effects).toEqual([]);
  });

  it('a tool change with the pen down ends the stroke and starts the next with the new tool', () => {
    const { strokes, state } = play(start, [
      pen,
      right,
      { kind: 'tool', tool: 'eraser' },
      left,
      pen,
    ]);
    expect(state.pen).toBe(false);
    expect(strokes.map((s) => s.tool)).toEqual(['brush', 'eraser']);
    expect(strokes[1]!.points).toEqual([
      { x: 58.5, y: 40.5 },
      { x: 50.5, y: 40.5 },
    ]);
    const up = applyBrushKey(start, { kind: 'tool', tool: 'eraser' }, size, 1);
    expect(up.effects).toEqual([{ kind: 'tool', tool: 'eraser' }]);
  });

  it('paints the mask through the same rasteriser and history as a pointer stroke', () => {
    const { strokes } = play(start, [pen, right, right, pen], 0.5);
    const mask = createMask(size.width, size.height);
    const history = new MaskHistory(size.width, size.height);
    for (const stroke of strokes) {
      rasterizeStroke(mask, size.width, size.height, stroke);
      history.commit(stroke);
    }
    // A 10 px brush from x 50.5 to 82.5 (16 seed px a step at half scale) on row 40.5.
    expect(mask[40 * size.width + 50]).toBe(1);
    expect(mask[40 * size.width + 82]).toBe(1);
    expect(mask[40 * size.width + 90]).toBe(0);
    expect(mask[30 * size.width + 60]).toBe(0);
    expect(paintedCount(mask)).toBeGreaterThan(300);
    const undone = history.undo();
    expect(undone && paintedCount(undone)).toBe(0);
  });
});

describe('keyboard brush announcements', () => {
  it('says the painted share without false zeros or hundreds', () => {
    expect(paintedShare(0, 1000)).toBe('0');
    expect(paintedShare(3, 1000)).toBe('<1');
    expect(paintedShare(125, 1000)).toBe('13');
    expect(paintedShare(995, 1000)).toBe('>99');
    expect(paintedShare(1000, 1000)).toBe('100');
    expect(paintedShare(0, 0)).toBe('0');
  });

  it('says the position roughly, in steps of 5%', () => {
    expect(roughPosition({ x: 0, y: 0 }, size)).toEqual({ x: 0, y: 0 });
    expect(roughPosition({ x: 99, y: 79 }, size)).toEqual({ x: 100, y: 100 });
    expect(roughPosition({ x: 50, y: 40 }, size)).toEqual({ x: 50, y: 50 });
    expect(roughPosition({ x: 23, y: 11 }, size)).toEqual({ x: 25, y: 15 });
    expect(roughPosition({ x: 0, y: 0 }, { width: 1, height: 1 })).toEqual({ x: 50, y: 50 });
  });
});

describe('followPoint', () => {
  const seed = { width: 1000, height: 800 };

  it('leaves the view alone when the point shows, and at zoom 1', () => {
    expect(followPoint(IDENTITY, { x: 999, y: 799 }, seed)).toBe(IDENTITY);
    const view = { zoom: 2, x: -0.5, y: -0.5 };
    expect(followPoint(view, { x: 500, y: 400 }, seed)).toBe(view);
  });

  it('pans a zoomed view just enough to keep the point inside the margin', () => {
    // Zoom 2 on the top-left quarter: seed x 600 is at frame fraction 1.2.
    const view = { zoom: 2, x: 0, y: 0 };
    const next = followPoint(view, { x: 600, y: 100 }, seed, 0.1);
    expect(next.zoom).toBe(2);
    expect(next.x).toBeCloseTo(-0.3);
    expect(next.y).toBe(0);
    // Now at fraction 0.9: just inside the margin.
    expect(next.x + (600 / seed.width) * next.zoom).toBeCloseTo(0.9);
    // Back to the left: the view follows, and never past the content's edge.
    const back = followPoint(next, { x: 0, y: 100 }, seed, 0.1);
    expect(back.x).toBe(0);
  });
});
