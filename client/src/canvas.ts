// The mask editor widget: the seed image with an overlay canvas at the seed's real
// resolution, CSS-scaled to fit. Geometry lives in mask.ts; this file is DOM and input.
import { el } from './dom';
import {
  type MaskOp,
  type Point,
  type Rect,
  type RGBA,
  type Stroke,
  type Tool,
  brushRange,
  createMask,
  isPainted,
  maskToRGBA,
  paintOverlay,
  rasterizeOps,
  rasterizeStroke,
  thresholdRGBA,
  toSeedCoords,
} from './mask';

export interface SeedLike {
  url: string;
  width: number;
  height: number;
}

const OVERLAY: RGBA = [236, 0, 140, 150];
// Older strokes are baked into a base mask so an undo never replays an unbounded history.
const MAX_OPS = 60;

export class MaskEditor {
  readonly root: HTMLElement;
  private readonly stage: HTMLDivElement;
  private readonly img: HTMLImageElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly cursor: HTMLDivElement;
  private readonly sizeInput: HTMLInputElement;
  private readonly sizeOutput: HTMLOutputElement;
  private readonly buttons: Record<'brush' | 'eraser' | 'undo' | 'clear', HTMLButtonElement>;
  private width = 1;
  private height = 1;
  private seedUrl = '';
  private base = createMask(1, 1);
  private mask = createMask(1, 1);
  private ops: MaskOp[] = [];
  private live: { stroke: Stroke; pointerId: number } | null = null;
  private overlay: ImageData | null = null;
  private tool: Tool = 'brush';
  private enabled = false;

  constructor(private readonly onChange: (painted: boolean) => void = () => {}) {
    this.img = el('img', { class: 'seed-image', 'data-testid': 'seed-image', alt: 'Seed image' });
    this.canvas = el('canvas', {
      class: 'mask-canvas',
      'data-testid': 'mask-canvas',
      'aria-label': 'Mask: paint the area the image model should repaint',
      role: 'img',
    });
    this.cursor = el('div', { class: 'brush-cursor', 'aria-hidden': 'true', hidden: true });
    this.stage = el('div', { class: 'stage' }, this.img, this.canvas, this.cursor);

    const tool = (name: Tool, label: string) =>
      el(
        'button',
        { type: 'button', 'data-testid': `tool-${name}`, 'aria-pressed': 'false' },
        label,
      );
    this.buttons = {
      brush: tool('brush', 'Brush'),
      eraser: tool('eraser', 'Eraser'),
      undo: el('button', { type: 'button', 'data-testid': 'undo-button' }, 'Undo'),
      clear: el('button', { type: 'button', 'data-testid': 'clear-button' }, 'Clear'),
    };
    this.sizeInput = el('input', {
      type: 'range',
      id: 'brush-size',
      'data-testid': 'brush-size',
      'aria-label': 'Brush size in seed pixels',
    });
    this.sizeOutput = el('output', { for: 'brush-size', class: 'brush-size-value' });
    const toolbar = el(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Mask tools' },
      this.buttons.brush,
      this.buttons.eraser,
      el('label', { class: 'size-label', for: 'brush-size' }, 'Size'),
      this.sizeInput,
      this.sizeOutput,
      this.buttons.undo,
      this.buttons.clear,
    );
    this.root = el('div', { class: 'mask-editor' }, this.stage, toolbar);

    this.buttons.brush.addEventListener('click', () => this.setTool('brush'));
    this.buttons.eraser.addEventListener('click', () => this.setTool('eraser'));
    this.buttons.undo.addEventListener('click', () => this.undo());
    this.buttons.clear.addEventListener('click', () => this.clear());
    this.sizeInput.addEventListener('input', () => this.syncSize());
    this.canvas.addEventListener('pointerdown', (e) => this.onDown(e));
    this.canvas.addEventListener('pointermove', (e) => this.onMove(e));
    this.canvas.addEventListener('pointerup', (e) => this.onUp(e));
    this.canvas.addEventListener('pointercancel', (e) => this.onUp(e));
    this.canvas.addEventListener('pointerleave', () => (this.cursor.hidden = true));
    this.setTool('brush');
    this.setEnabled(false);
  }

  /** Shows a seed; a different seed (URL or size) resets the mask and its history. */
  setSeed(seed: SeedLike, alt: string): void {
    this.img.alt = alt;
    if (seed.url === this.seedUrl && seed.width === this.width && seed.height === this.height) {
      return;
    }
    this.seedUrl = seed.url;
    this.width = Math.max(1, seed.width);
    this.height = Math.max(1, seed.height);
    this.img.src = seed.url;
    this.canvas.width = this.width;
    this.canvas.height = this.height;
    this.stage.style.setProperty('--seed-w', String(this.width));
    this.stage.style.setProperty('--seed-h', String(this.height));
    const range = brushRange(this.width, this.height);
    this.sizeInput.min = String(range.min);
    this.sizeInput.max = String(range.max);
    this.sizeInput.value = String(range.initial);
    this.syncSize();
    this.overlay = null;
    this.reset();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.root.classList.toggle('disabled', !enabled);
    this.canvas.setAttribute('aria-disabled', String(!enabled));
    for (const b of Object.values(this.buttons)) b.disabled = !enabled;
    this.sizeInput.disabled = !enabled;
    if (!enabled) this.cancelLive();
  }

  hasPaint(): boolean {
    return isPainted(this.mask);
  }

  /** The mask as the server wants it: seed-sized PNG, painted = opaque white. */
  exportPNG(): string {
    const out = document.createElement('canvas');
    out.width = this.width;
    out.height = this.height;
    const ctx = out.getContext('2d');
    if (!ctx) throw new Error('Canvas 2D is not available in this browser');
    const rgba = thresholdRGBA(maskToRGBA(this.mask));
    ctx.putImageData(new ImageData(rgba, this.width, this.height), 0, 0);
    return out.toDataURL('image/png');
  }

  reset(): void {
    this.live = null;
    this.ops = [];
    this.base = createMask(this.width, this.height);
    this.mask = createMask(this.width, this.height);
    this.render(null);
    this.onChange(false);
  }

  undo(): void {
    if (this.live || this.ops.length === 0) return;
    this.ops.pop();
    this.mask = rasterizeOps(this.width, this.height, this.ops, this.base);
    this.render(null);
    this.onChange(this.hasPaint());
  }

  clear(): void {
    if (this.live || !this.hasPaint()) return;
    this.pushOp({ tool: 'clear' });
    this.mask.fill(0);
    this.render(null);
    this.onChange(false);
  }

  private setTool(tool: Tool): void {
    this.tool = tool;
    this.buttons.brush.setAttribute('aria-pressed', String(tool === 'brush'));
    this.buttons.eraser.setAttribute('aria-pressed', String(tool === 'eraser'));
    this.cursor.classList.toggle('erasing', tool === 'eraser');
  }

  private get brushSize(): number {
    return Number(this.sizeInput.value) || 1;
  }

  private syncSize(): void {
    this.sizeOutput.value = `${this.brushSize}px`;
  }

  private pushOp(op: MaskOp): void {
    this.ops.push(op);
    while (this.ops.length > MAX_OPS) {
      const oldest = this.ops.shift()!;
      if (oldest.tool === 'clear') this.base.fill(0);
      else rasterizeStroke(this.base, this.width, this.height, oldest);
    }
  }

  private point(e: PointerEvent): Point {
    const rect = this.canvas.getBoundingClientRect();
    return toSeedCoords(e.clientX, e.clientY, rect, this.width, this.height);
  }

  private onDown(e: PointerEvent): void {
    if (!this.enabled || this.live) return;
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // Capture only keeps a stroke alive outside the canvas; painting works without it.
    }
    const stroke: Stroke = { tool: this.tool, size: this.brushSize, points: [this.point(e)] };
    this.live = { stroke, pointerId: e.pointerId };
    this.render(rasterizeStroke(this.mask, this.width, this.height, stroke));
    this.moveCursor(e);
  }

  private onMove(e: PointerEvent): void {
    this.moveCursor(e);
    if (!this.live || e.pointerId !== this.live.pointerId) return;
    const stroke = this.live.stroke;
    const from = stroke.points.length;
    const events = e.getCoalescedEvents?.() ?? [];
    for (const ev of events.length > 0 ? events : [e]) stroke.points.push(this.point(ev));
    this.render(rasterizeStroke(this.mask, this.width, this.height, stroke, from));
  }

  private onUp(e: PointerEvent): void {
    if (!this.live || e.pointerId !== this.live.pointerId) return;
    this.pushOp(this.live.stroke);
    this.live = null;
    this.onChange(this.hasPaint());
  }

  /** An unfinished stroke when painting gets disabled is dropped, not half-kept. */
  private cancelLive(): void {
    if (!this.live) return;
    this.live = null;
    this.mask = rasterizeOps(this.width, this.height, this.ops, this.base);
    this.render(null);
  }

  private moveCursor(e: PointerEvent): void {
    if (!this.enabled || e.pointerType === 'touch') {
      this.cursor.hidden = true;
      return;
    }
    const rect = this.canvas.getBoundingClientRect();
    const scale = rect.width / this.width;
    const d = this.brushSize * scale;
    this.cursor.hidden = false;
    this.cursor.style.width = this.cursor.style.height = `${d}px`;
    this.cursor.style.transform = `translate(${e.clientX - rect.left - d / 2}px, ${
      e.clientY - rect.top - d / 2
    }px)`;
  }

  /** Redraws the overlay for the dirty rectangle, or everything when rect is null. */
  private render(rect: Rect | null): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    if (!this.overlay || this.overlay.width !== this.width || this.overlay.height !== this.height) {
      this.overlay = ctx.createImageData(this.width, this.height);
      rect = null;
    }
    const area = rect ?? { x: 0, y: 0, w: this.width, h: this.height };
    paintOverlay(this.overlay.data, this.mask, this.width, area, OVERLAY);
    ctx.putImageData(this.overlay, 0, 0, area.x, area.y, area.w, area.h);
  }
}
