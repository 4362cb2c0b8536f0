// Pure zoom/pan geometry of the mask stage. The frame is the visible box (it has the
// seed's aspect ratio); the content (seed + mask) is scaled by `zoom` and shifted by
// (x, y), both offsets in fractions of the frame so the view survives a resize. Every
// pointer goes through toSeed, so painting lands on the seed pixel under it at any zoom.
import type { Point } from './mask';

export interface View {
  zoom: number;
  /** Content's top-left corner in frame fractions: 0 at zoom 1, down to 1 - zoom. */
  x: number;
  y: number;
}

export interface FrameRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Size {
  width: number;
  height: number;
}

export const MIN_ZOOM = 1;
export const MAX_ZOOM = 16;
export const IDENTITY: View = { zoom: 1, x: 0, y: 0 };

/** Keeps the zoom in range and the content covering the whole frame (no empty margins). */
export function clampView(view: View): View {
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Number.isFinite(view.zoom) ? view.zoom : 1));
  const clampAxis = (v: number) => Math.min(0, Math.max(1 - zoom, Number.isFinite(v) ? v : 0));
  return { zoom, x: clampAxis(view.x), y: clampAxis(view.y) };
}

/** Client coordinates to seed pixels (fractional), through the current view. */
export function toSeed(
  view: View,
  frame: FrameRect,
  clientX: number,
  clientY: number,
  seed: Size,
): Point {
  const fx = frame.width > 0 ? (clientX - frame.left) / frame.width : 0;
  const fy = frame.height > 0 ? (clientY - frame.top) / frame.height : 0;
  return {
    x: ((fx - view.x) / view.zoom) * seed.width,
    y: ((fy - view.y) / view.zoom) * seed.height,
  };
}

/** Seed pixels back to frame-local CSS pixels (for the brush cursor and tests). */
export function toFrame(view: View, frame: Size, point: Point, seed: Size): Point {
  return {
    x: (view.x + (point.x / seed.width) * view.zoom) * frame.width,
    y: (view.y + (point.y / seed.height) * view.zoom) * frame.height,
  };
}

/** Zooms by factor keeping the content point under (px, py) (frame-local CSS px) fixed. */
export function zoomAt(view: View, factor: number, frame: Size, px: number, py: number): View {
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.zoom * factor));
  const fx = frame.width > 0 ? px / frame.width : 0.5;
  const fy = frame.height > 0 ? py / frame.height : 0.5;
  const u = (fx - view.x) / view.zoom;
  const v = (fy - view.y) / view.zoom;
  return clampView({ zoom, x: fx - u * zoom, y: fy - v * zoom });
}

/** Moves the content by (dx, dy) CSS px. */
export function panBy(view: View, frame: Size, dx: number, dy: number): View {
  return clampView({
    zoom: view.zoom,
    x: view.x + (frame.width > 0 ? dx / frame.width : 0),
    y: view.y + (frame.height > 0 ? dy / frame.height : 0),
  });
}

/**
 * A two-finger gesture from its start: the zoom follows the change in finger distance and
 * the content point under the first midpoint follows the fingers' midpoint, so a pinch
 * zooms and a two-finger drag pans, in one motion. Points are frame-local CSS px.
 */
export function pinch(
  start: View,
  frame: Size,
  from: readonly [Point, Point],
  to: readonly [Point, Point],
): View {
  const d0 = Math.hypot(from[1].x - from[0].x, from[1].y - from[0].y);
  const d1 = Math.hypot(to[1].x - to[0].x, to[1].y - to[0].y);
  const factor = d0 > 0 && d1 > 0 ? d1 / d0 : 1;
  const mid0 = { x: (from[0].x + from[1].x) / 2, y: (from[0].y + from[1].y) / 2 };
  const mid1 = { x: (to[0].x + to[1].x) / 2, y: (to[0].y + to[1].y) / 2 };
  const zoomed = zoomAt(start, factor, frame, mid0.x, mid0.y);
  return panBy(zoomed, frame, mid1.x - mid0.x, mid1.y - mid0.y);
}

/** CSS transform for the content box, which is the frame's size with origin top left. */
export function transformCSS(view: View): string {
  return `translate(${view.x * 100}%, ${view.y * 100}%) scale(${view.zoom})`;
}

/** CSS px per seed pixel on screen (for the brush cursor and the soft-edge preview). */
export function displayScale(view: View, frame: Size, seed: Size): number {
  return seed.width > 0 ? (frame.width * view.zoom) / seed.width : 1;
}

/**
 * The view moved just enough that a seed point (the keyboard brush) lies inside the frame,
 * at least `margin` (a fraction of the frame) from its edges; unchanged when it already
 * does, and at zoom 1, where everything shows.
 */
export function followPoint(view: View, point: Point, seed: Size, margin = 0.1): View {
  if (seed.width <= 0 || seed.height <= 0) return view;
  const shift = (offset: number, at: number) => {
    const f = offset + at * view.zoom;
    if (f < margin) return offset + (margin - f);
    if (f > 1 - margin) return offset - (f - (1 - margin));
    return offset;
  };
  const next = clampView({
    zoom: view.zoom,
    x: shift(view.x, point.x / seed.width),
    y: shift(view.y, point.y / seed.height),
  });
  return next.x === view.x && next.y === view.y && next.zoom === view.zoom ? view : next;
}
