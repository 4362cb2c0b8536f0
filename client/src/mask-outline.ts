// The outline of an edit's mask, for before/after views: pure pixel work on RGBA data, so
// it is testable without a canvas. A stored mask is white (opaque) where the edit is.

/** Inside the edit: opaque enough and light enough (alpha and luminance above 127). */
export function maskInside(rgba: ArrayLike<number>, width: number, height: number): Uint8Array {
  const inside = new Uint8Array(width * height);
  for (let i = 0; i < inside.length; i++) {
    const r = rgba[i * 4]!;
    const g = rgba[i * 4 + 1]!;
    const b = rgba[i * 4 + 2]!;
    const a = rgba[i * 4 + 3]!;
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    inside[i] = a > 127 && luminance > 127 ? 1 : 0;
  }
  return inside;
}

/** Grows the set by `radius` pixels (a square neighbourhood), one axis at a time. */
export function dilate(set: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius <= 0) return set.slice();
  const rows = new Uint8Array(set.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!set[row + x]) continue;
      const from = Math.max(0, x - radius);
      const to = Math.min(width - 1, x + radius);
      for (let k = from; k <= to; k++) rows[row + k] = 1;
    }
  }
  const out = new Uint8Array(set.length);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      if (!rows[y * width + x]) continue;
      const from = Math.max(0, y - radius);
      const to = Math.min(height - 1, y + radius);
      for (let k = from; k <= to; k++) out[k * width + x] = 1;
    }
  }
  return out;
}

/**
 * Two rings around the edit, outside it so the edit itself stays visible: 1 for the
 * bright line just outside the edge, 2 for a dark band beyond it that keeps the line
 * readable on light and dark images alike; 0 elsewhere.
 */
export function outlineRings(
  inside: Uint8Array,
  width: number,
  height: number,
  bright = 3,
  dark = 2,
): Uint8Array {
  const near = dilate(inside, width, height, bright);
  const far = dilate(near, width, height, dark);
  const rings = new Uint8Array(inside.length);
  for (let i = 0; i < rings.length; i++) {
    if (inside[i]) continue;
    if (near[i]) rings[i] = 1;
    else if (far[i]) rings[i] = 2;
  }
  return rings;
}

export const OUTLINE_BRIGHT: readonly [number, number, number, number] = [255, 214, 10, 255];
export const OUTLINE_DARK: readonly [number, number, number, number] = [0, 0, 0, 200];

/** RGBA pixels of the rings (transparent elsewhere), e.g. for ImageData. */
export function paintRings(rings: Uint8Array, out: Uint8ClampedArray): void {
  for (let i = 0; i < rings.length; i++) {
    const colour = rings[i] === 1 ? OUTLINE_BRIGHT : rings[i] === 2 ? OUTLINE_DARK : null;
    const o = i * 4;
    out[o] = colour?.[0] ?? 0;
    out[o + 1] = colour?.[1] ?? 0;
    out[o + 2] = colour?.[2] ?? 0;
    out[o + 3] = colour?.[3] ?? 0;
  }
}

/** A working size at most `max` on the longer side, keeping the aspect ratio. */
export function workingSize(width: number, height: number, max = 480): [number, number] {
  const scale = Math.min(1, max / Math.max(width, height, 1));
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}
