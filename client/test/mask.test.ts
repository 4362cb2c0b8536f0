import { describe, expect, it } from 'vitest';
import {
  applyOp,
  createMask,
  invertMask,
  isPainted,
  maskToRGBA,
  paintOverlay,
  paintedCount,
  rasterizeOps,
  rasterizeStroke,
  stampSegment,
  thresholdRGBA,
  unionRect,
  type Stroke,
} from '../src/mask';

const W = 20;
const H = 10;
const at = (mask: Uint8Array, x: number, y: number) => mask[y * W + x];

describe('stampSegment', () => {
  it('paints a disc of the brush diameter around a point', () => {
    const mask = createMask(W, H);
    const rect = stampSegment(mask, W, H, { x: 10, y: 5 }, { x: 10, y: 5 }, 4, 1);
    // Pixel centres within radius 2 of (10, 5): a 4x4 block minus the corners.
    expect(paintedCount(mask)).toBe(12);
    expect(at(mask, 9, 4)).toBe(1);
    expect(at(mask, 8, 3)).toBe(0);
    expect(at(mask, 12, 5)).toBe(0);
    expect(rect).not.toBeNull();
    expect(rect!.x).toBeLessThanOrEqual(8);
    expect(rect!.x + rect!.w).toBeGreaterThanOrEqual(12);
  });

  it('covers the whole segment between two points', () => {
    const mask = createMask(W, H);
    stampSegment(mask, W, H, { x: 2, y: 5 }, { x: 17, y: 5 }, 2, 1);
    for (let x = 2; x < 17; x++) expect(at(mask, x, 4)).toBe(1);
    expect(at(mask, 10, 2)).toBe(0);
    expect(at(mask, 10, 7)).toBe(0);
  });

  it('clamps to the mask and returns null entirely outside', () => {
    const mask = createMask(W, H);
    const rect = stampSegment(mask, W, H, { x: -1, y: -1 }, { x: -1, y: -1 }, 6, 1);
    expect(rect).toEqual({ x: 0, y: 0, w: 3, h: 3 });
    expect(at(mask, 0, 0)).toBe(1);
    expect(at(mask, 1, 1)).toBe(0);
    expect(stampSegment(mask, W, H, { x: 100, y: 100 }, { x: 120, y: 100 }, 4, 1)).toBeNull();
  });

  it('a tiny brush still paints the pixel under the pointer', () => {
    const mask = createMask(W, H);
    stampSegment(mask, W, H, { x: 3.5, y: 3.5 }, { x: 3.5, y: 3.5 }, 0.1, 1);
    expect(paintedCount(mask)).toBe(1);
    expect(at(mask, 3, 3)).toBe(1);
  });
});

describe('strokes and history', () => {
  const brush: Stroke = {
    tool: 'brush',
    size: 4,
    points: [
      { x: 2, y: 5 },
      { x: 17, y: 5 },
    ],
  };
  const eraser: Stroke = { tool: 'eraser', size: 4, points: [{ x: 10, y: 5 }] };

  it('the eraser removes paint', () => {
    const mask = createMask(W, H);
    rasterizeStroke(mask, W, H, brush);
    const before = paintedCount(mask);
    rasterizeStroke(mask, W, H, eraser);
    expect(paintedCount(mask)).toBeLessThan(before);
    expect(at(mask, 10, 5)).toBe(0);
    expect(at(mask, 3, 5)).toBe(1);
  });

  it('extending a stroke from an index only draws the new segments', () => {
    const mask = createMask(W, H);
    const stroke: Stroke = {
      tool: 'brush',
      size: 2,
      points: [
        { x: 1, y: 1 },
        { x: 5, y: 1 },
      ],
    };
    rasterizeStroke(mask, W, H, stroke);
    stroke.points.push({ x: 5, y: 8 });
    const rect = rasterizeStroke(mask, W, H, stroke, 2);
    expect(rect!.y + rect!.h).toBeGreaterThanOrEqual(8);
    expect(rect!.x).toBeGreaterThanOrEqual(3);
    expect(at(mask, 5, 7)).toBe(1);
  });

  it('replaying the history equals drawing live, and undo is replay without the last op', () => {
    const live = createMask(W, H);
    rasterizeStroke(live, W, H, brush);
    rasterizeStroke(live, W, H, eraser);
    expect(rasterizeOps(W, H, [brush, eraser])).toEqual(live);

    const undone = rasterizeOps(W, H, [brush]);
    expect(at(undone, 10, 5)).toBe(1);
  });

  it('clear empties the mask and can be undone', () => {
    expect(isPainted(rasterizeOps(W, H, [brush, { tool: 'clear' }]))).toBe(false);
    expect(isPainted(rasterizeOps(W, H, [brush]))).toBe(true);
  });

  it('replays on top of a baked base without changing the base', () => {
    const base = rasterizeOps(W, H, [brush]);
    const copy = base.slice();
    const out = rasterizeOps(W, H, [eraser], base);
    expect(base).toEqual(copy);
    expect(at(out, 10, 5)).toBe(0);
    expect(at(out, 3, 5)).toBe(1);
  });
});

describe('export', () => {
  it('isPainted is false for an empty mask', () => {
    expect(isPainted(createMask(W, H))).toBe(false);
  });

  it('maskToRGBA gives opaque white or fully transparent pixels only', () => {
    const mask = new Uint8Array([0, 1, 1, 0]);
    expect(Array.from(maskToRGBA(mask))).toEqual([
      0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0,
    ]);
  });

  it('thresholds alpha above 127 to opaque white and the rest to transparent', () => {
    const rgba = new Uint8ClampedArray([
      10, 20, 30, 127, 10, 20, 30, 128, 255, 0, 0, 255, 255, 255, 255, 0,
    ]);
    thresholdRGBA(rgba);
    expect(Array.from(rgba)).toEqual([
      0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0,
    ]);
  });

  it('the overlay colours painted pixels and clears the rest within the rect', () => {
    const mask = new Uint8Array([1, 0, 0, 1]);
    const target = new Uint8ClampedArray(16).fill(9);
    paintOverlay(target, mask, 2, { x: 0, y: 0, w: 2, h: 1 }, [1, 2, 3, 4]);
    expect(Array.from(target)).toEqual([1, 2, 3, 4, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9]);
  });
});

describe('geometry helpers', () => {
  it('unions rectangles', () => {
    expect(unionRect(null, null)).toBeNull();
    expect(unionRect({ x: 1, y: 1, w: 2, h: 2 }, null)).toEqual({ x: 1, y: 1, w: 2, h: 2 });
    expect(unionRect({ x: 1, y: 1, w: 2, h: 2 }, { x: 4, y: 0, w: 1, h: 1 })).toEqual({
      x: 1,
      y: 0,
      w: 4,
      h: 3,
    });
  });
});

describe('invert and operations', () => {
  it('invert flips every pixel and twice is the identity', () => {
    const mask = new Uint8Array([0, 1, 1, 0, 0]);
    invertMask(mask);
    expect(Array.from(mask)).toEqual([1, 0, 0, 1, 1]);
    invertMask(mask);
    expect(Array.from(mask)).toEqual([0, 1, 1, 0, 0]);
  });

  it('applyOp reports the whole mask for clear and invert, the stroke box otherwise', () => {
    const mask = createMask(W, H);
    const rect = applyOp(mask, W, H, { tool: 'brush', size: 2, points: [{ x: 5, y: 5 }] });
    expect(rect).not.toBeNull();
    expect(rect!.w).toBeLessThan(W);
    expect(applyOp(mask, W, H, { tool: 'invert' })).toBeNull();
    expect(paintedCount(mask)).toBe(W * H - 4);
    expect(applyOp(mask, W, H, { tool: 'clear' })).toBeNull();
    expect(isPainted(mask)).toBe(false);
  });

  it('a stroke entirely off the mask changes nothing and reports an empty area', () => {
    const mask = createMask(W, H);
    const rect = applyOp(mask, W, H, { tool: 'brush', size: 2, points: [{ x: 500, y: 5 }] });
    expect(rect).toEqual({ x: 0, y: 0, w: 0, h: 0 });
    expect(isPainted(mask)).toBe(false);
  });

  it('replays invert in order with strokes', () => {
    const brush: Stroke = { tool: 'brush', size: 4, points: [{ x: 10, y: 5 }] };
    const out = rasterizeOps(W, H, [brush, { tool: 'invert' }]);
    expect(at(out, 10, 5)).toBe(0);
    expect(at(out, 0, 0)).toBe(1);
  });

  it('pen pressure scales the brush per point', () => {
    const light = createMask(W, H);
    const firm = createMask(W, H);
    rasterizeStroke(light, W, H, { tool: 'brush', size: 6, points: [{ x: 10, y: 5, p: 0.5 }] });
    rasterizeStroke(firm, W, H, { tool: 'brush', size: 6, points: [{ x: 10, y: 5, p: 1 }] });
    expect(paintedCount(light)).toBeLessThan(paintedCount(firm));
    expect(at(light, 10, 5)).toBe(1);
  });
});
