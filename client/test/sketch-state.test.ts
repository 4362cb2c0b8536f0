import { describe, expect, it } from 'vitest';
import type { SketchOpEvent, SketchState, SketchStroke } from '../src/generated/protocol';
import { applyStroke, createLabelMap, renderStrokes } from '../src/sketch-raster';
import { applyOp, modelFromState, renderModel, splitStroke } from '../src/sketch-state';

const W = 512;
const H = 384;

function stroke(seq: number, label: number, x: number): SketchStroke {
  return { seq, user_id: 1, tool: 'brush', label, size: 9, points: [[x, 10], [x + 40, 200]] };
}

function op(seq: number, kind: SketchOpEvent['op'], extra: Partial<SketchOpEvent> = {}): SketchOpEvent {
  return { room: 'main', round_id: 7, seq, op: kind, stroke: null, user: null, removed: [], ...extra };
}

function state(strokes: SketchStroke[] = [], seq = strokes.length): SketchState {
  return {
    round_id: 7, kind: 'sketch', seq, locked: false, authors: {}, strokes, other_labels: [],
    palette: { name: 'park', title: 'Park', labels: [] },
    canvas: { width: W, height: H, max_points: 2000, min_brush: 1, max_brush: 64 },
  };
}

describe('sketch operations', () => {
  it('applies strokes in order and paints only what is new', () => {
    let model = modelFromState(state([stroke(1, 157, 5)]));
    const result = applyOp(model, op(2, 'stroke', { stroke: stroke(2, 124, 30) }));
    expect(result.change).toBe('append');
    expect(result.appended.map((s) => s.seq)).toEqual([2]);
    model = result.model;
    expect(model.seq).toBe(2);
    // The same operation again changes nothing.
    expect(applyOp(model, op(2, 'stroke', { stroke: stroke(2, 124, 30) })).change).toBe('none');
  });

  it('holds an early operation until the missing one arrives, in any arrival order', () => {
    const start = modelFromState(state());
    const ops = [op(1, 'stroke', { stroke: stroke(1, 157, 5) }), op(2, 'stroke', { stroke: stroke(2, 124, 20) }),
      op(3, 'undo', { removed: [1] }), op(4, 'stroke', { stroke: stroke(4, 169, 60) })];
    const inOrder = ops.reduce((m, o) => applyOp(m, o).model, start);
    const shuffled = [ops[3]!, ops[1]!, ops[2]!, ops[0]!];
    let model = start;
    let gaps = 0;
    for (const o of shuffled) {
      const result = applyOp(model, o);
      if (result.gap) gaps++;
      model = result.model;
    }
    expect(gaps).toBe(3);
    expect(model.seq).toBe(4);
    expect(model.strokes.map((s) => s.seq)).toEqual([2, 4]);
    expect(renderModel(model, W, H)).toEqual(renderModel(inOrder, W, H));
  });

  it('rebuilds after an undo or a clear, ending with the map of the remaining strokes', () => {
    let model = modelFromState(state([stroke(1, 157, 5), stroke(2, 124, 10)]));
    const undo = applyOp(model, op(3, 'undo', { removed: [2] }));
    expect(undo.change).toBe('rebuild');
    model = undo.model;
    expect(renderModel(model, W, H)).toEqual(renderStrokes([stroke(1, 157, 5)], W, H));
    const cleared = applyOp(model, op(4, 'clear', { removed: [1] }));
    expect(cleared.change).toBe('rebuild');
    expect(renderModel(cleared.model, W, H).some((v) => v !== 0)).toBe(false);
  });

  it('ignores operations of another round', () => {
    const model = modelFromState(state());
    expect(applyOp(model, { ...op(1, 'clear'), round_id: 8 }).change).toBe('none');
  });
});

describe('splitting long strokes', () => {
  it('gives pieces within the limit that paint exactly the same pixels', () => {
    const points: [number, number][] = Array.from({ length: 4500 }, (_, i) => [i % 511, Math.floor(i / 12) % 383]);
    const pieces = splitStroke(points, 2000);
    expect(pieces.every((p) => p.length <= 2000 && p.length >= 2)).toBe(true);
    const whole = createLabelMap(W, H);
    applyStroke(whole, W, H, { tool: 'brush', label: 5, size: 7, points });
    const split = createLabelMap(W, H);
    for (const piece of pieces) applyStroke(split, W, H, { tool: 'brush', label: 5, size: 7, points: piece });
    expect(split).toEqual(whole);
    expect(splitStroke([[1, 1]], 2000)).toEqual([[[1, 1]]]);
  });
});
