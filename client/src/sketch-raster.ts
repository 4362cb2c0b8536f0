// The sketch rasterizer: strokes in, a label map out. It follows the specification in
// server/pixelpatchwork/sketch/raster.py to the pixel, with integer arithmetic only, so every
// screen and the server reach the same map; shared/sketch-vectors.json holds both to it.
// Pure functions on typed arrays (no DOM): a label map is one label id per pixel, row by
// row (pixel (x, y) at index y * width + x), 0 = unlabelled.

export type SketchTool = 'brush' | 'erase' | 'fill';

export type LabelMap = Uint8Array | Uint16Array;

/** One stroke as the server orders it: size is the brush diameter in canvas pixels. */
export interface SketchStroke {
  tool: SketchTool;
  label: number;
  size: number;
  points: ReadonlyArray<readonly [number, number]>;
}

/** The part of the map a stroke may have changed: columns x..x+w-1, rows y..y+h-1. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The sketch canvas (shared/labels.json `canvas`): half the 1024x768 default seed. */
export const SKETCH_WIDTH = 512;
export const SKETCH_HEIGHT = 384;

export function createLabelMap(width = SKETCH_WIDTH, height = SKETCH_HEIGHT): Uint8Array {
  return new Uint8Array(width * height);
}

/** floor(p / q) for integers with q > 0 (exact: the operands are far below 2^53). */
function floorDiv(p: number, q: number): number {
  return Math.floor(p / q);
}

const discCache = new Map<number, ReadonlyArray<readonly [number, number, number]>>();

/**
 * The disc of diameter `size` as rows [dy, a, b] (offsets dx = a..b in row dy): the offsets
 * with -(size div 2) <= dx, dy <= (size - 1) div 2 and (2dx + o)^2 + (2dy + o)^2 <= size^2,
 * o = 1 for an even size, else 0.
 */
export function discRuns(size: number): ReadonlyArray<readonly [number, number, number]> {
  const cached = discCache.get(size);
  if (cached) return cached;
  if (!Number.isInteger(size) || size < 1) throw new RangeError("a disc's diameter is a whole number from 1");
  const o = 1 - (size % 2);
  const rows: [number, number, number][] = [];
  for (let dy = -Math.floor(size / 2); dy <= Math.floor((size - 1) / 2); dy++) {
    const rest = size * size - (2 * dy + o) ** 2;
    for (let dx = Math.floor((size - 1) / 2); dx >= 0; dx--) {
      if ((2 * dx + o) ** 2 <= rest) {
        rows.push([dy, -dx - o, dx]);
        break;
      }
    }
  }
  discCache.set(size, rows);
  return rows;
}

/** The points of the segment (x0, y0)-(x1, y1), both ends included: an integer DDA line. */
export function segmentPoints(x0: number, y0: number, x1: number, y1: number): [number, number][] {
  const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0));
  if (n === 0) return [[x0, y0]];
  const out: [number, number][] = [];
  for (let i = 0; i <= n; i++) {
    out.push([x0 + floorDiv(2 * i * (x1 - x0) + n, 2 * n), y0 + floorDiv(2 * i * (y1 - y0) + n, 2 * n)]);
  }
  return out;
}

/** Calls visit(x, y) for every centre of a stroke (repeats possible). */
function forEachCentre(
  points: ReadonlyArray<readonly [number, number]>,
  visit: (x: number, y: number) => void,
): void {
  if (points.length === 1) {
    visit(points[0]![0], points[0]![1]);
    return;
  }
  for (let k = 1; k < points.length; k++) {
    const [x0, y0] = points[k - 1]!;
    const [x1, y1] = points[k]!;
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0));
    const steps = Math.max(n, 1);
    for (let i = 0; i <= n; i++) {
      visit(x0 + floorDiv(2 * i * (x1 - x0) + steps, 2 * steps), y0 + floorDiv(2 * i * (y1 - y0) + steps, 2 * steps));
    }
  }
}

/**
 * The pixels a brush or erase stroke covers: a box of the canvas and a 0/1 array of it
 * (row by row). Computed as a dilation of the stroke's centres by the disc: per disc row,
 * a window count over prefix sums of each row of centres.
 */
export function brushCoverage(
  points: ReadonlyArray<readonly [number, number]>,
  size: number,
  width: number,
  height: number,
): { box: Box; covered: Uint8Array } | null {
  if (points.length === 0) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of points) {
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= width || y >= height) {
      throw new RangeError("a stroke's points are whole numbers on the canvas");
    }
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const before = Math.floor(size / 2);
  const after = Math.floor((size - 1) / 2);
  const x0 = Math.max(0, minX - before);
  const y0 = Math.max(0, minY - before);
  const w = Math.min(width - 1, maxX + after) - x0 + 1;
  const h = Math.min(height - 1, maxY + after) - y0 + 1;
  const centres = new Uint8Array(w * h);
  const rowHasCentre = new Uint8Array(h);
  forEachCentre(points, (x, y) => {
    centres[(y - y0) * w + (x - x0)] = 1;
    rowHasCentre[y - y0] = 1;
  });
  const stride = w + 1;
  const prefix = new Int32Array(h * stride);
  for (let r = 0; r < h; r++) {
    if (!rowHasCentre[r]) continue;
    let sum = 0;
    for (let c = 0; c < w; c++) {
      sum += centres[r * w + c]!;
      prefix[r * stride + c + 1] = sum;
    }
  }
  const covered = new Uint8Array(w * h);
  for (const [dy, a, b] of discRuns(size)) {
    for (let r = 0; r < h; r++) {
      if (!rowHasCentre[r]) continue;
      const out = r + dy;
      if (out < 0 || out >= h) continue;
      const base = r * stride;
      const target = out * w;
      for (let c = 0; c < w; c++) {
        // Pixel c of row `out` is covered when row r has a centre in columns c-b..c-a.
        const lo = Math.max(0, c - b);
        const hi = Math.min(w, c - a + 1);
        if (lo < hi && prefix[base + hi]! - prefix[base + lo]! > 0) covered[target + c] = 1;
      }
    }
  }
  return { box: { x: x0, y: y0, w, h }, covered };
}

/**
 * Sets the 4-connected region of map[(x, y)]'s value around (x, y) to `value`, in place.
 * Returns the region's box, or null when the pixel already has `value`.
 */
export function floodFill(map: LabelMap, width: number, height: number, x: number, y: number, value: number): Box | null {
  const target = map[y * width + x]!;
  if (target === value) return null;
  let minX = x;
  let maxX = x;
  let minY = y;
  let maxY = y;
  let stack = new Int32Array(1024);
  let top = 0;
  stack[top++] = y * width + x;
  map[y * width + x] = value;
  const push = (index: number) => {
    if (map[index] !== target) return;
    map[index] = value;
    if (top === stack.length) {
      const bigger = new Int32Array(stack.length * 2);
      bigger.set(stack);
      stack = bigger;
    }
    stack[top++] = index;
  };
  while (top > 0) {
    const index = stack[--top]!;
    const px = index % width;
    const py = (index - px) / width;
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
    if (px > 0) push(index - 1);
    if (px < width - 1) push(index + 1);
    if (py > 0) push(index - width);
    if (py < height - 1) push(index + width);
  }
  return { x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 };
}

/** Applies one stroke to the map in place; returns the box it may have changed. */
export function applyStroke(map: LabelMap, width: number, height: number, stroke: SketchStroke): Box | null {
  if (stroke.tool === 'fill') {
    if (stroke.points.length !== 1) throw new RangeError('a fill has exactly one point');
    const [x, y] = stroke.points[0]!;
    return floodFill(map, width, height, x, y, stroke.label);
  }
  const coverage = brushCoverage(stroke.points, stroke.size, width, height);
  if (!coverage) return null;
  const { box, covered } = coverage;
  const value = stroke.tool === 'erase' ? 0 : stroke.label;
  for (let r = 0; r < box.h; r++) {
    const row = (box.y + r) * width + box.x;
    for (let c = 0; c < box.w; c++) {
      if (covered[r * box.w + c]) map[row + c] = value;
    }
  }
  return box;
}

/** The label map of a sketch: its strokes applied in order to an unlabelled map. */
export function renderStrokes(
  strokes: ReadonlyArray<SketchStroke>,
  width = SKETCH_WIDTH,
  height = SKETCH_HEIGHT,
): Uint8Array {
  const map = createLabelMap(width, height);
  for (const stroke of strokes) applyStroke(map, width, height, stroke);
  return map;
}

/** The map in row order as [label, count] runs (rows run on into the next). */
export function labelRuns(map: LabelMap): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < map.length; ) {
    const value = map[i]!;
    let j = i + 1;
    while (j < map.length && map[j] === value) j++;
    runs.push([value, j - i]);
    i = j;
  }
  return runs;
}

/** Pixels per label id present in the map. */
export function labelHistogram(map: LabelMap): Map<number, number> {
  const counts = new Map<number, number>();
  for (const value of map) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
