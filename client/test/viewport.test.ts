import { describe, expect, it } from 'vitest';
import {
  IDENTITY,
  MAX_ZOOM,
  clampView,
  displayScale,
  panBy,
  pinch,
  toFrame,
  toSeed,
  transformCSS,
  zoomAt,
} from '../src/viewport';

const seed = { width: 1024, height: 768 };
// A frame of 512x384 CSS px at (100, 50) on the page: half the seed's size.
const frame = { left: 100, top: 50, width: 512, height: 384 };

describe('toSeed', () => {
  it('maps a fitted frame to seed pixels', () => {
    expect(toSeed(IDENTITY, frame, 100, 50, seed)).toEqual({ x: 0, y: 0 });
    expect(toSeed(IDENTITY, frame, 356, 242, seed)).toEqual({ x: 512, y: 384 });
    expect(toSeed(IDENTITY, frame, 612, 434, seed)).toEqual({ x: 1024, y: 768 });
  });

  it('follows zoom and pan', () => {
    // Zoom 2 on the bottom-right quarter: the frame's top-left shows the seed's centre.
    const view = { zoom: 2, x: -1, y: -1 };
    expect(toSeed(view, frame, 100, 50, seed)).toEqual({ x: 512, y: 384 });
    expect(toSeed(view, frame, 612, 434, seed)).toEqual({ x: 1024, y: 768 });
    expect(toSeed(view, frame, 356, 242, seed)).toEqual({ x: 768, y: 576 });
  });

  it('toFrame is its inverse', () => {
    const view = { zoom: 3.5, x: -1.2, y: -0.4 };
    const p = toSeed(view, frame, 333, 111, seed);
    const back = toFrame(view, frame, p, seed);
    expect(back.x + frame.left).toBeCloseTo(333, 9);
    expect(back.y + frame.top).toBeCloseTo(111, 9);
  });
});

describe('zoomAt', () => {
  it('keeps the seed pixel under the pointer fixed', () => {
    const px = 130;
    const py = 300;
    const before = toSeed(IDENTITY, frame, frame.left + px, frame.top + py, seed);
    const view = zoomAt(IDENTITY, 2.5, frame, px, py);
    expect(view.zoom).toBe(2.5);
    const after = toSeed(view, frame, frame.left + px, frame.top + py, seed);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
  });

  it('clamps the zoom and never shows past the seed edges', () => {
    expect(zoomAt(IDENTITY, 0.5, frame, 10, 10)).toEqual(IDENTITY);
    expect(zoomAt(IDENTITY, 1000, frame, 10, 10).zoom).toBe(MAX_ZOOM);
    const zoomed = zoomAt(IDENTITY, 4, frame, 256, 192);
    const out = zoomAt(zoomed, 0.5, frame, 0, 0);
    expect(out.zoom).toBe(2);
    expect(out.x).toBeLessThanOrEqual(0);
    expect(out.x).toBeGreaterThanOrEqual(1 - out.zoom);
  });
});

describe('panBy and clampView', () => {
  it('moves the content with the pointer within its bounds', () => {
    const view = { zoom: 2, x: -0.5, y: -0.5 };
    expect(panBy(view, frame, 128, -96)).toEqual({ zoom: 2, x: -0.25, y: -0.75 });
    expect(panBy(view, frame, 10_000, 10_000)).toEqual({ zoom: 2, x: 0, y: 0 });
    expect(panBy(view, frame, -10_000, 0)).toEqual({ zoom: 2, x: -1, y: -0.5 });
  });

  it('cannot pan at zoom 1 and repairs nonsense', () => {
    expect(panBy(IDENTITY, frame, 50, 50)).toEqual(IDENTITY);
    expect(clampView({ zoom: Number.NaN, x: Number.NaN, y: 3 })).toEqual(IDENTITY);
  });
});

describe('pinch', () => {
  it('spreading two fingers zooms around their midpoint', () => {
    const from = [
      { x: 200, y: 150 },
      { x: 300, y: 150 },
    ] as const;
    const to = [
      { x: 150, y: 150 },
      { x: 350, y: 150 },
    ] as const;
    const before = toSeed(IDENTITY, frame, frame.left + 250, frame.top + 150, seed);
    const view = pinch(IDENTITY, frame, from, to);
    expect(view.zoom).toBeCloseTo(2, 9);
    const after = toSeed(view, frame, frame.left + 250, frame.top + 150, seed);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
  });

  it('moving two fingers together pans', () => {
    const start = { zoom: 2, x: -0.5, y: -0.5 };
    const from = [
      { x: 100, y: 100 },
      { x: 200, y: 100 },
    ] as const;
    const to = [
      { x: 151.2, y: 100 },
      { x: 251.2, y: 100 },
    ] as const;
    const view = pinch(start, frame, from, to);
    expect(view.zoom).toBeCloseTo(2, 9);
    expect(view.x).toBeCloseTo(-0.4, 9);
    expect(view.y).toBeCloseTo(-0.5, 9);
  });
});

describe('css', () => {
  it('describes the view as a transform and a scale', () => {
    expect(transformCSS({ zoom: 2, x: -0.5, y: -0.25 })).toBe('translate(-50%, -25%) scale(2)');
    expect(displayScale(IDENTITY, frame, seed)).toBe(0.5);
    expect(displayScale({ zoom: 4, x: 0, y: 0 }, frame, seed)).toBe(2);
  });
});
