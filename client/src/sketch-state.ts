// The shared sketch as a screen follows it: the strokes on it in the server's order and the
// number of the last operation applied. Pure functions, so the merge rules are unit-tested:
// operations apply in seq order exactly once; one that comes early waits for the missing
// ones, and a gap that does not fill asks for the sketch again.
import type { SketchOpEvent, SketchState, SketchStroke } from './generated/protocol';
import { type LabelMap, renderStrokes } from './sketch-raster';

export interface SketchModel {
  roundId: number;
  seq: number;
  /** The strokes on the sketch, by seq, in order. */
  strokes: SketchStroke[];
  /** Operations that arrived ahead of a missing one, by seq. */
  early: Map<number, SketchOpEvent>;
}

export interface OpResult {
  model: SketchModel;
  /** 'append': the new strokes can be painted on the map as it is; 'rebuild': strokes left. */
  change: 'none' | 'append' | 'rebuild';
  appended: SketchStroke[];
  /** Operations are missing: fetch the sketch again unless they turn up soon. */
  gap: boolean;
}

export function modelFromState(state: SketchState): SketchModel {
  return {
    roundId: state.round_id,
    seq: state.seq,
    strokes: [...state.strokes].sort((a, b) => a.seq - b.seq),
    early: new Map(),
  };
}

/** Apply one operation (and any early ones it unblocks). */
export function applyOp(model: SketchModel, op: SketchOpEvent): OpResult {
  if (op.round_id !== model.roundId || op.seq <= model.seq || model.early.has(op.seq)) {
    return { model, change: 'none', appended: [], gap: false };
  }
  const early = new Map(model.early);
  early.set(op.seq, op);
  let { seq, strokes } = model;
  let change: OpResult['change'] = 'none';
  const appended: SketchStroke[] = [];
  for (let next = early.get(seq + 1); next; next = early.get(seq + 1)) {
    early.delete(next.seq);
    seq = next.seq;
    if (next.removed.length > 0) {
      const removed = new Set(next.removed);
      const kept = strokes.filter((s) => !removed.has(s.seq));
      if (kept.length !== strokes.length) change = 'rebuild';
      strokes = kept;
    }
    if (next.op === 'stroke' && next.stroke) {
      strokes = [...strokes, next.stroke];
      appended.push(next.stroke);
      if (change === 'none') change = 'append';
    }
  }
  return {
    model: { ...model, seq, strokes, early },
    change,
    appended: change === 'append' ? appended : [],
    gap: early.size > 0,
  };
}

/** The label map of the model's strokes. */
export function renderModel(model: SketchModel, width: number, height: number): LabelMap {
  return renderStrokes(model.strokes, width, height);
}

/** A long stroke in pieces of at most `maxPoints` points that paint exactly the same pixels:
 *  each piece starts where the previous one ended. */
export function splitStroke<T>(points: T[], maxPoints: number): T[][] {
  if (points.length <= maxPoints) return [points];
  const pieces: T[][] = [];
  for (let start = 0; start < points.length - 1; start += maxPoints - 1) {
    pieces.push(points.slice(start, start + maxPoints));
  }
  return pieces;
}
