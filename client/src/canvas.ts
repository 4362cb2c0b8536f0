// The mask editor widget: the seed with an overlay canvas at the seed's real resolution.
// Geometry lives in mask.ts, history.ts and viewport.ts, the frame and its gestures in
// canvas-stage.ts, the controls in canvas-controls.ts; this file ties them together.
import { type Controls, DEFAULT_OPACITY, buildControls, showView } from './canvas-controls';
import { Stage } from './canvas-stage';
import { el } from './dom';
import { t } from './i18n';
import { MaskHistory } from './history';
import {
  type MaskOp,
  type Point,
  type RGBA,
  type Rect,
  type Stroke,
  type Tool,
  applyOp,
  createMask,
  isPainted,
  maskToRGBA,
  paintOverlay,
  rasterizeStroke,
  thresholdRGBA,
} from './mask';
import {
  type Command,
  clampBrush,
  commandFor,
  initialBrushSize,
  isTextEntry,
  stepBrushSize,
} from './shortcuts';

export interface SeedLike {
  id: number;
  url: string;
  width: number;
  height: number;
}

// Fully opaque here: how strongly it covers the seed is the opacity slider's job (CSS).
const OVERLAY: RGBA = [236, 0, 140, 255];
const ZOOM_STEP = 1.5;

export class MaskEditor {
  readonly root: HTMLElement;
  private readonly stage: Stage;
  private readonly controls: Controls;
  private width = 1;
  private height = 1;
  private seed: SeedLike | null = null;
  private mask = createMask(1, 1);
  private history = new MaskHistory(1, 1);
  private live: Stroke | null = null;
  private overlay: ImageData | null = null;
  private tool: Tool = 'brush';
  private enabled = false;

  /** onEdit: the person changed the mask (not a reset by a new seed or round). */
  constructor(private readonly onEdit: () => void = () => {}) {
    this.stage = new Stage(
      {
        begin: (p) => this.beginStroke(p),
        extend: (points) => this.extendStroke(points),
        end: () => this.endStroke(),
        cancel: () => this.cancelStroke(),
      },
      (view) => showView(this.controls, view, this.enabled),
    );
    this.controls = buildControls();
    this.root = el('div', { class: 'mask-editor' }, this.stage.frame, this.controls.root);

    const { buttons: b, size, opacity, feather } = this.controls;
    b.brush.addEventListener('click', () => this.setTool('brush'));
    b.eraser.addEventListener('click', () => this.setTool('eraser'));
    b.undo.addEventListener('click', () => this.undo());
    b.redo.addEventListener('click', () => this.redo());
    b.invert.addEventListener('click', () => this.invert());
    b.clear.addEventListener('click', () => this.clear());
    b.zoomIn.addEventListener('click', () => this.stage.zoomBy(ZOOM_STEP));
    b.zoomOut.addEventListener('click', () => this.stage.zoomBy(1 / ZOOM_STEP));
    b.zoomReset.addEventListener('click', () => this.stage.setView({ zoom: 1, x: 0, y: 0 }));
    size.addEventListener('input', () => this.setBrushSize(Number(size.value)));
    opacity.addEventListener('input', () => this.syncOpacity());
    feather.addEventListener('input', () => this.syncFeather());
    document.addEventListener('keydown', (e) => this.onKey(e, true));
    document.addEventListener('keyup', (e) => this.onKey(e, false));
    window.addEventListener('blur', () => this.stage.setSpace(false));

    opacity.value = String(DEFAULT_OPACITY);
    this.syncOpacity();
    this.syncFeather();
    this.setBrushSize(Number(size.value));
    this.setTool('brush');
    this.setEnabled(false);
  }

  /** The id of the seed the mask is painted on (what a submission must name). */
  get seedId(): number | null {
    return this.seed?.id ?? null;
  }

  /** Soft-edge width in seed pixels; the exported mask itself stays hard. */
  get featherPx(): number {
    return Number(this.controls.feather.value) || 0;
  }

  get brushSize(): number {
    return Number(this.controls.size.value) || 1;
  }

  /** Shows a seed; another seed (id, URL or size) resets the mask, its history and the view. */
  setSeed(seed: SeedLike, alt: string): void {
    this.stage.img.alt = alt;
    const key = (x: SeedLike) => `${x.id} ${x.url} ${x.width}x${x.height}`;
    if (this.seed && key(this.seed) === key(seed)) return;
    this.seed = { ...seed };
    this.width = Math.max(1, seed.width);
    this.height = Math.max(1, seed.height);
    this.stage.img.src = seed.url;
    this.stage.canvas.width = this.width;
    this.stage.canvas.height = this.height;
    this.stage.setSeed(this.width, this.height);
    this.overlay = null;
    this.setBrushSize(initialBrushSize(this.width, this.height));
    this.reset();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.stage.enabled = enabled;
    this.root.classList.toggle('disabled', !enabled);
    this.stage.canvas.setAttribute('aria-disabled', String(!enabled));
    for (const input of [this.controls.size, this.controls.opacity, this.controls.feather]) {
      input.disabled = !enabled;
    }
    if (!enabled) this.stage.abort();
    this.syncButtons();
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
    if (!ctx) throw new Error(t('composer.canvasMissing'));
    const rgba = thresholdRGBA(maskToRGBA(this.mask));
    ctx.putImageData(new ImageData(rgba, this.width, this.height), 0, 0);
    return out.toDataURL('image/png');
  }

  reset(): void {
    this.stage.abort();
    this.live = null;
    this.history = new MaskHistory(this.width, this.height);
    this.mask = createMask(this.width, this.height);
    this.render(null);
    this.syncButtons();
  }

  undo(): void {
    if (!this.enabled || this.live) return;
    const mask = this.history.undo();
    if (!mask) return;
    this.mask = mask;
    this.edited(null);
  }

  redo(): void {
    if (!this.enabled || this.live) return;
    const op = this.history.redo();
    if (op) this.edited(applyOp(this.mask, this.width, this.height, op));
  }

  clear(): void {
    if (this.hasPaint()) this.commit({ tool: 'clear' });
  }

  invert(): void {
    this.commit({ tool: 'invert' });
  }

  private commit(op: MaskOp): void {
    if (!this.enabled || this.live) return;
    const rect = applyOp(this.mask, this.width, this.height, op);
    this.history.commit(op);
    this.edited(rect);
  }

  private edited(rect: Rect | null): void {
    this.render(rect);
    this.syncButtons();
    this.onEdit();
  }

  private setTool(tool: Tool): void {
    this.tool = tool;
    this.controls.buttons.brush.setAttribute('aria-pressed', String(tool === 'brush'));
    this.controls.buttons.eraser.setAttribute('aria-pressed', String(tool === 'eraser'));
    this.stage.frame.classList.toggle('erasing', tool === 'eraser');
  }

  private setBrushSize(size: number): void {
    const value = clampBrush(size);
    this.controls.size.value = String(value);
    this.controls.sizeOut.value = `${value}px`;
    this.stage.brushSize = value;
    this.stage.refreshCursor();
  }

  private syncOpacity(): void {
    const pct = Number(this.controls.opacity.value) || DEFAULT_OPACITY;
    this.stage.canvas.style.setProperty('--overlay-opacity', String(pct / 100));
  }

  private syncFeather(): void {
    this.controls.featherOut.value = `${this.featherPx}px`;
    this.stage.feather = this.featherPx;
    this.stage.applyView();
  }

  private syncButtons(): void {
    const { buttons: b } = this.controls;
    const off = !this.enabled;
    b.brush.disabled = b.eraser.disabled = b.invert.disabled = off;
    b.undo.disabled = off || !this.history.canUndo;
    b.redo.disabled = off || !this.history.canRedo;
    b.clear.disabled = off || !this.hasPaint();
    showView(this.controls, this.stage.getView(), this.enabled);
  }

  private onKey(e: KeyboardEvent, down: boolean): void {
    if (!this.enabled || !this.root.isConnected || isTextEntry(e.target)) return;
    if (e.key === ' ' || e.code === 'Space') {
      if (this.stage.setSpace(down)) e.preventDefault();
      return;
    }
    if (!down) return;
    const command: Command | null = commandFor(e);
    if (!command) return;
    e.preventDefault();
    if (command === 'undo') this.undo();
    else if (command === 'redo') this.redo();
    else this.setBrushSize(stepBrushSize(this.brushSize, command === 'larger' ? 1 : -1));
  }

  private beginStroke(point: Point): void {
    if (!this.enabled) return;
    this.live = { tool: this.tool, size: this.brushSize, points: [point] };
    this.render(rasterizeStroke(this.mask, this.width, this.height, this.live));
  }

  private extendStroke(points: Point[]): void {
    const stroke = this.live;
    if (!stroke) return;
    const from = stroke.points.length;
    stroke.points.push(...points);
    this.render(rasterizeStroke(this.mask, this.width, this.height, stroke, from));
  }

  private endStroke(): void {
    const stroke = this.live;
    if (!stroke) return;
    this.live = null;
    this.history.commit(stroke);
    this.syncButtons();
    this.onEdit();
  }

  /** An unfinished stroke (gesture turned out to be a pinch, painting disabled) is dropped. */
  private cancelStroke(): void {
    if (!this.live) return;
    this.live = null;
    this.mask = this.history.replay();
    this.render(null);
  }

  /** Redraws the overlay for the dirty rectangle, or everything when rect is null. */
  private render(rect: Rect | null): void {
    const ctx = this.stage.canvas.getContext('2d');
    if (!ctx) return;
    if (!this.overlay || this.overlay.width !== this.width || this.overlay.height !== this.height) {
      this.overlay = ctx.createImageData(this.width, this.height);
      rect = null;
    }
    const area = rect ?? { x: 0, y: 0, w: this.width, h: this.height };
    if (area.w <= 0 || area.h <= 0) return;
    paintOverlay(this.overlay.data, this.mask, this.width, area, OVERLAY);
    ctx.putImageData(this.overlay, 0, 0, area.x, area.y, area.w, area.h);
  }
}
