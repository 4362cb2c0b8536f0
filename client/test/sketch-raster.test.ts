import { describe, expect, it } from 'vitest';
import labelsFile from '../../shared/labels.json';
import vectorsFile from '../../shared/sketch-vectors.json';
import {
  SKETCH_HEIGHT,
  SKETCH_WIDTH,
  applyStroke,
  createLabelMap,
  discRuns,
  floodFill,
  labelHistogram,
  labelRuns,
  renderStrokes,
  segmentPoints,
  type SketchStroke,
} from '../src/sketch-raster';

interface VectorCase {
  name: string;
  width: number;
  height: number;
  sha256: string;
  histogram: Record<string, number>;
  strokes: SketchStroke[];
  runs: [number, number][] | null;
}

const vectors = vectorsFile as unknown as { cases: VectorCase[] };

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const discArea = (size: number) => discRuns(size).reduce((sum, [, a, b]) => sum + b - a + 1, 0);

describe('the shared test vectors (the same maps the server renders)', () => {
  it('cover every tool', () => {
    const tools = new Set(vectors.cases.flatMap((c) => c.strokes.map((s) => s.tool)));
    expect([...tools].sort()).toEqual(['brush', 'erase', 'fill']);
    expect(vectors.cases.length).toBeGreaterThanOrEqual(8);
  });

  for (const vector of vectors.cases) {
    it(vector.name, async () => {
      const map = renderStrokes(vector.strokes, vector.width, vector.height);
      const histogram = Object.fromEntries([...labelHistogram(map)].map(([k, v]) => [String(k), v]));
      expect(histogram).toEqual(vector.histogram);
      if (vector.runs) expect(labelRuns(map)).toEqual(vector.runs);
      expect(await sha256(map)).toBe(vector.sha256);
    });
  }
});

describe('the canvas', () => {
  it('has the size and limits of shared/labels.json', () => {
    expect(SKETCH_WIDTH).toBe(labelsFile.canvas.width);
    expect(SKETCH_HEIGHT).toBe(labelsFile.canvas.height);
    expect(createLabelMap().length).toBe(SKETCH_WIDTH * SKETCH_HEIGHT);
  });
});

describe('discRuns', () => {
  it('gives the specified small discs', () => {
    expect([1, 2, 3, 4, 5].map(discArea)).toEqual([1, 4, 9, 12, 21]);
    expect(discRuns(4)).toEqual([
      [-2, -1, 0],
      [-1, -2, 1],
      [0, -2, 1],
      [1, -1, 0],
    ]);
  });

  it('grows like a circle', () => {
    expect(Math.abs(discArea(64) - Math.PI * 32 * 32) / (Math.PI * 32 * 32)).toBeLessThan(0.02);
  });
});

describe('segmentPoints', () => {
  it('includes both ends and rounds halves up', () => {
    expect(segmentPoints(0, 0, 2, 1)).toEqual([
      [0, 0],
      [1, 1],
      [2, 1],
    ]);
    expect(segmentPoints(0, 0, 2, -1)).toEqual([
      [0, 0],
      [1, 0],
      [2, -1],
    ]);
    expect(segmentPoints(3, 3, 3, 3)).toEqual([[3, 3]]);
  });
});

describe('applyStroke', () => {
  const W = 9;
  const H = 7;

  it('paints, erases and clips at the edges', () => {
    const map = createLabelMap(W, H);
    applyStroke(map, W, H, { tool: 'brush', label: 5, size: 3, points: [[0, 0]] });
    expect(labelHistogram(map).get(5)).toBe(4);
    applyStroke(map, W, H, { tool: 'erase', label: 0, size: 1, points: [[0, 0]] });
    expect(map[0]).toBe(0);
    expect(map[1]).toBe(5);
  });

  it('fills 4-connected regions only', () => {
    const map = createLabelMap(W, H);
    // A one-pixel diagonal wall: 8-connected, so the fill does not cross it.
    applyStroke(map, W, H, { tool: 'brush', label: 1, size: 1, points: [[0, 6], [6, 0]] });
    const box = floodFill(map, W, H, 0, 0, 2);
    expect(box).toEqual({ x: 0, y: 0, w: 6, h: 6 });
    expect(labelHistogram(map).get(2)).toBe(21);
    expect(floodFill(map, W, H, 0, 0, 2)).toBeNull();
  });

  it('refuses points off the canvas', () => {
    const map = createLabelMap(W, H);
    expect(() => applyStroke(map, W, H, { tool: 'brush', label: 1, size: 1, points: [[W, 0]] })).toThrow(RangeError);
  });
});
