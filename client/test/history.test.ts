import { describe, expect, it } from 'vitest';
import { MaskHistory } from '../src/history';
import { type MaskOp, type Stroke, applyOp, createMask, isPainted } from '../src/mask';

const W = 20;
const H = 10;
const at = (mask: Uint8Array, x: number, y: number) => mask[y * W + x];
const dot = (x: number, y: number, tool: Stroke['tool'] = 'brush'): Stroke => ({
  tool,
  size: 2,
  points: [{ x, y }],
});

/** Drives a history the way the editor does: apply to the live mask, then commit. */
function editor(limit?: number) {
  const history = new MaskHistory(W, H, limit);
  let mask = createMask(W, H);
  return {
    history,
    get mask() {
      return mask;
    },
    do(op: MaskOp) {
      applyOp(mask, W, H, op);
      history.commit(op);
    },
    undo() {
      const m = history.undo();
      if (m) mask = m;
      return m !== null;
    },
    redo() {
      const op = history.redo();
      if (op) applyOp(mask, W, H, op);
      return op !== null;
    },
  };
}

describe('MaskHistory', () => {
  it('undo restores the previous mask and redo re-applies the stroke', () => {
    const e = editor();
    e.do(dot(3, 3));
    e.do(dot(10, 5));
    expect(e.undo()).toBe(true);
    expect(at(e.mask, 10, 5)).toBe(0);
    expect(at(e.mask, 3, 3)).toBe(1);
    expect(e.history.canRedo).toBe(true);
    expect(e.redo()).toBe(true);
    expect(at(e.mask, 10, 5)).toBe(1);
    expect(e.history.canRedo).toBe(false);
  });

  it('nothing to undo or redo is a no-op', () => {
    const e = editor();
    expect(e.history.canUndo).toBe(false);
    expect(e.undo()).toBe(false);
    expect(e.redo()).toBe(false);
  });

  it('a new edit after an undo drops the redo', () => {
    const e = editor();
    e.do(dot(3, 3));
    e.undo();
    e.do(dot(15, 5));
    expect(e.history.canRedo).toBe(false);
    expect(e.redo()).toBe(false);
    expect(at(e.mask, 3, 3)).toBe(0);
    expect(at(e.mask, 15, 5)).toBe(1);
  });

  it('clear and invert are undoable like strokes', () => {
    const e = editor();
    e.do(dot(3, 3));
    e.do({ tool: 'clear' });
    expect(isPainted(e.mask)).toBe(false);
    e.undo();
    expect(at(e.mask, 3, 3)).toBe(1);
    e.do({ tool: 'invert' });
    expect(at(e.mask, 3, 3)).toBe(0);
    expect(at(e.mask, 0, 0)).toBe(1);
    e.undo();
    expect(at(e.mask, 3, 3)).toBe(1);
    expect(at(e.mask, 0, 0)).toBe(0);
    e.redo();
    expect(at(e.mask, 0, 0)).toBe(1);
  });

  it('past the limit old edits are baked in and undo still lands on the right mask', () => {
    const e = editor(2);
    e.do(dot(2, 2));
    e.do(dot(6, 2));
    e.do(dot(10, 2));
    e.do(dot(10, 2, 'eraser'));
    expect(e.undo()).toBe(true);
    expect(at(e.mask, 10, 2)).toBe(1);
    expect(e.undo()).toBe(true);
    expect(at(e.mask, 10, 2)).toBe(0);
    expect(at(e.mask, 6, 2)).toBe(1);
    expect(at(e.mask, 2, 2)).toBe(1);
    // The two oldest edits are baked in: they cannot be undone any more.
    expect(e.undo()).toBe(false);
    expect(e.history.replay()).toEqual(e.mask);
  });
});
