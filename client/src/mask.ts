// Pure mask geometry: the mask is one byte per seed pixel (1 = repaint, 0 = keep), drawn
// by our own rasteriser rather than canvas paths, so it has no anti-aliased edges and the
// exported PNG is exactly what the user saw.

export type Tool = 'brush' | 'eraser';

export interface Point {
  x: number;
  y: number;
  /** Brush size factor at this point (pen pressure); 1 when absent. */
  p?: number;
}

/** size is the brush diameter in seed pixels. */
export interface Stroke {
  tool: Tool;
  size: number;
  points: Point[];
}

export type MaskOp = Stroke | { tool: 'clear' } | { tool: 'invert' };

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const OPAQUE_THRESHOLD = 127;

export function createMask(width: number, height: number): Uint8Array {
  return new Uint8Array(width * height);
}

export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    w: Math.max(a.x + a.w, b.x + b.w) - x,
    h: Math.max(a.y + a.h, b.y + b.h) - y,
  };
}

/** Squared distance from (px, py) to the segment a-b. */
function segmentDistance2(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - a.x) * dx + (py - a.y) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  const cx = a.x + t * dx - px;
  const cy = a.y + t * dy - py;
  return cx * cx + cy * cy;
}

/**
 * Sets every pixel whose centre lies within size/2 of the segment a-b (a capsule) to
 * value. Returns the changed area, clamped to the mask, or null when it lies outside.
 */
export function stampSegment(
  mask: Uint8Array,
  width: number,
  height: number,
  a: Point,
  b: Point,
  size: number,
  value: 0 | 1,
): Rect | null {
  const r = Math.max(0.5, size / 2);
  const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - r));
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - r));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(a.x, b.x) + r));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(a.y, b.y) + r));
  if (x0 > x1 || y0 > y1) return null;
  const r2 = r * r;
  for (let y = y0; y <= y1; y++) {
    const row = y * width;
    for (let x = x0; x <= x1; x++) {
      if (segmentDistance2(x + 0.5, y + 0.5, a, b) <= r2) mask[row + x] = value;
    }
  }
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** Draws the stroke's segments from point index `from` on (to extend a live stroke). */
export function rasterizeStroke(
  mask: Uint8Array,
  width: number,
  height: number,
  stroke: Stroke,
  from = 0,
): Rect | null {
  const value = stroke.tool === 'brush' ? 1 : 0;
  const pts = stroke.points;
  let dirty: Rect | null = null;
  if (pts.length === 0) return null;
  if (pts.length === 1) {
    const p = pts[0]!;
    return stampSegment(mask, width, height, p, p, stroke.size * (p.p ?? 1), value);
  }
  for (let i = Math.max(1, from); i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    // The larger end wins so a pressure change never leaves a gap between segments.
    const size = stroke.size * Math.max(a.p ?? 1, b.p ?? 1);
    dirty = unionRect(dirty, stampSegment(mask, width, height, a, b, size, value));
  }
  return dirty;
}

export function invertMask(mask: Uint8Array): void {
  for (let i = 0; i < mask.length; i++) mask[i] = mask[i] ? 0 : 1;
}

/** Applies one history entry in place; returns the changed area (null: the whole mask). */
export function applyOp(mask: Uint8Array, width: number, height: number, op: MaskOp): Rect | null {
  if (op.tool === 'clear') mask.fill(0);
  else if (op.tool === 'invert') invertMask(mask);
  else return rasterizeStroke(mask, width, height, op) ?? { x: 0, y: 0, w: 0, h: 0 };
  return null;
}

/** Rebuilds a mask from its history (after an undo), on top of an optional base. */
export function rasterizeOps(
  width: number,
  height: number,
  ops: readonly MaskOp[],
  base: Uint8Array | null = null,
): Uint8Array {
  const mask = base ? base.slice() : createMask(width, height);
  for (const op of ops) applyOp(mask, width, height, op);
  return mask;
}

export function paintedCount(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n;
}

export function isPainted(mask: Uint8Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i]) return true;
  return false;
}

/** RGBA for the submitted PNG: painted = opaque white, the rest fully transparent. */
export function maskToRGBA(mask: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(mask.length * 4);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) out.fill(255, i * 4, i * 4 + 4);
  }
  return out;
}

/**
 * Forces every pixel to fully opaque white or fully transparent (alpha above 127 is
 * in), in place, so no anti-aliased edge can be read differently by the server.
 */
export function thresholdRGBA<T extends Uint8ClampedArray>(rgba: T): T {
  for (let i = 0; i < rgba.length; i += 4) {
    const v = rgba[i + 3]! > OPAQUE_THRESHOLD ? 255 : 0;
    rgba[i] = v;
    rgba[i + 1] = v;
    rgba[i + 2] = v;
    rgba[i + 3] = v;
  }
  return rgba;
}

export type RGBA = readonly [number, number, number, number];

/** Fills the on-screen overlay for one rectangle of the mask. */
export function paintOverlay(
  target: Uint8ClampedArray,
  mask: Uint8Array,
  width: number,
  rect: Rect,
  colour: RGBA,
): void {
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) {
      const i = y * width + x;
      const o = i * 4;
      if (mask[i]) {
        target[o] = colour[0];
        target[o + 1] = colour[1];
        target[o + 2] = colour[2];
        target[o + 3] = colour[3];
      } else {
        target[o] = target[o + 1] = target[o + 2] = target[o + 3] = 0;
      }
    }
  }
}
