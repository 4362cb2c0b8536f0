// The mask editor widget: the seed with an overlay canvas at the seed's real resolution.
// Geometry lives in mask.ts, history.ts and viewport.ts, the frame and its gestures in
// canvas-stage.ts, the controls in canvas-controls.ts; this file ties them together.
// The keyboard brush (rules in shortcuts.ts) paints through the same stroke calls and
// history as a pointer, and speaks what it did through a polite live region.
import {
  type Controls,
  DEFAULT_OPACITY,
  KEYS_HELP_ID,
  buildControls,
  showView,
} from './canvas-controls';
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
  paintedCount,
  paintOverlay,
  rasterizeStroke,
  thresholdRGBA,
} from './mask';
import {
  type Command,
  type KeyBrushEffect,
  type KeyBrushState,
  applyBrushKey,
  brushKeyFor,
  cellPoint,
  centreCell,
  clampBrush,
  clampCell,
  commandFor,
  initialBrushSize,
  isTextEntry,
  paintedShare,
  roughPosition,
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
/** The keyboard brush's position is spoken once the arrow keys rest this long. */
const POSITION_DELAY_MS = 800;

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
  private keys: KeyBrushState = { cell: { x: 0, y: 0 }, pen: false };
  private readonly announcer: HTMLParagraphElement;
  private positionTimer: number | undefined;
  private lastSaid = '';
  private lastPosition = '';
  private flip = false;

  /** onEdit: the person changed the mask (not a reset by a new seed or round). */
  constructor(private readonly onEdit: () => void = () => {}) {
    this.stage = new Stage(
      {
        begin: (p) => this.pointerBegin(p),
        extend: (points) => this.extendStroke(points),
        end: () => this.endStroke(),
        cancel: () => this.cancelStroke(),
      },
      (view) => showView(this.controls, view, this.enabled),
    );
    this.controls = buildControls();
    this.announcer = el('p', {
      class: 'sr-only',
      role: 'status',
      'aria-live': 'polite',
      'aria-atomic': 'true',
      'data-testid': 'mask-announcer',
    });
    this.root = el(
      'div',
      { class: 'mask-editor' },
      this.stage.frame,
      this.controls.root,
      this.announcer,
    );
    const frame = this.stage.frame;
    frame.setAttribute('aria-describedby', KEYS_HELP_ID);
    frame.addEventListener('focus', () => this.onFocus());
    frame.addEventListener('blur', () => this.onBlur());

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

  private get size(): { width: number; height: number } {
    return { width: this.width, height: this.height };
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
    this.keys = { cell: centreCell(this.size), pen: false };
    this.reset();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.stage.enabled = enabled;
    this.root.classList.toggle('disabled', !enabled);
    this.stage.canvas.setAttribute('aria-disabled', String(!enabled));
    // The picture is a tab stop only while it can be painted on.
    this.stage.frame.tabIndex = enabled ? 0 : -1;
    this.stage.frame.setAttribute('aria-disabled', String(!enabled));
    if (!enabled && this.keys.pen) {
      this.keys = { ...this.keys, pen: false };
      this.cancelStroke();
    }
    for (const input of [this.controls.size, this.controls.opacity, this.controls.feather]) {
      input.disabled = !enabled;
    }
    if (!enabled) this.stage.abort();
    this.showKeyCursor();
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
    this.keys = { cell: clampCell(this.keys.cell, this.size), pen: false };
    this.showKeyCursor();
    this.syncButtons();
  }

  /** Returns whether there was something to undo. A keyboard stroke in progress ends first. */
  undo(): boolean {
    if (this.enabled) this.liftPen();
    if (!this.enabled || this.live) return false;
    const mask = this.history.undo();
    if (!mask) return false;
    this.mask = mask;
    this.edited(null);
    return true;
  }

  redo(): boolean {
    if (this.enabled) this.liftPen();
    if (!this.enabled || this.live) return false;
    const op = this.history.redo();
    if (op) this.edited(applyOp(this.mask, this.width, this.height, op));
    return op !== null;
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
    if (down && e.target === this.stage.frame && this.onBrushKey(e)) return;
    if (e.key === ' ' || e.code === 'Space') {
      if (this.stage.setSpace(down)) e.preventDefault();
      return;
    }
    if (!down) return;
    const command: Command | null = commandFor(e);
    if (!command) return;
    e.preventDefault();
    const focused = document.activeElement === this.stage.frame;
    if (command === 'undo' || command === 'redo') {
      const changed = command === 'undo' ? this.undo() : this.redo();
      const key = command === 'undo' ? 'canvas.kb.undone' : 'canvas.kb.redone';
      if (focused && changed) this.say(t(key, { pct: this.share() }));
    } else {
      this.setBrushSize(stepBrushSize(this.brushSize, command === 'larger' ? 1 : -1));
      if (focused) this.say(t('canvas.kb.size', { n: this.brushSize }));
    }
  }

  // ---- The keyboard brush -------------------------------------------------------------

  private onFocus(): void {
    let visible = true;
    try {
      visible = this.stage.frame.matches(':focus-visible');
    } catch {
      // A browser without :focus-visible: a focus is the keyboard's.
    }
    if (visible) this.keyboardInUse();
    this.showKeyCursor();
  }

  /** The keyboard brush shows, and its instructions with it until the focus leaves. */
  private keyboardInUse(): void {
    this.stage.setKeyboard(true);
    this.controls.keysHelp.hidden = false;
  }

  /** Tab, Shift+Tab or a click elsewhere: the pen lifts and the stroke is kept. */
  private onBlur(): void {
    this.liftPen();
    this.stage.setKeyboard(false);
    this.controls.keysHelp.hidden = true;
    window.clearTimeout(this.positionTimer);
  }

  /** A key for the keyboard brush while the picture has the focus; false: not ours. */
  private onBrushKey(e: KeyboardEvent): boolean {
    const key = brushKeyFor(e);
    if (!key) return false;
    // A pointer stroke in progress is the pointer's.
    if (this.live && !this.keys.pen) return false;
    const paints = key.kind === 'pen' || key.kind === 'dab';
    if (paints && !this.keys.pen && !this.stage.keyboardActive) {
      // The pointer is the one in use (the picture got the focus from a click, or the mouse
      // moved since): Space keeps panning (over the picture) or scrolling, as without the
      // keyboard brush, and Enter or D first only bring the keyboard brush up.
      if (key.kind === 'pen' && e.key !== 'Enter') return false;
      e.preventDefault();
      if (e.repeat) return true;
      this.keyboardInUse();
      this.showKeyCursor();
      this.say(t('canvas.kb.position', roughPosition(this.keys.cell, this.size)), true);
      return true;
    }
    if (e.repeat && key.kind !== 'move') {
      // Holding Space or Enter does not toggle the pen on and off.
      if (key.kind === 'lift') return false;
      e.preventDefault();
      return true;
    }
    const wasPen = this.keys.pen;
    const result = applyBrushKey(this.keys, key, this.size, this.stage.scale());
    if (!result.handled) return false;
    e.preventDefault();
    this.keyboardInUse();
    this.keys = result.state;
    for (const effect of result.effects) this.runEffect(effect);
    this.stage.follow(cellPoint(this.keys.cell));
    this.showKeyCursor();
    switch (key.kind) {
      case 'move':
        if (result.atEdge) {
          if (this.lastSaid !== t('canvas.kb.edge')) this.say(t('canvas.kb.edge'));
        } else {
          this.schedulePosition();
        }
        break;
      case 'pen':
      case 'lift':
        this.say(this.keys.pen ? this.penDownText() : t('canvas.kb.penUp', { pct: this.share() }));
        break;
      case 'dab':
        if (!wasPen) this.say(t('canvas.kb.dab', { pct: this.share() }));
        break;
      case 'tool':
        if (this.keys.pen) this.say(this.penDownText());
        else this.say(t(key.tool === 'brush' ? 'canvas.brush' : 'canvas.eraser'));
        break;
    }
    return true;
  }

  private runEffect(effect: KeyBrushEffect): void {
    if (effect.kind === 'begin') this.beginStroke(effect.point);
    else if (effect.kind === 'extend') this.extendStroke([effect.point]);
    else if (effect.kind === 'end') this.endStroke();
    else this.setTool(effect.tool);
  }

  /** Ends a keyboard stroke in progress (it goes into the history like any stroke). */
  private liftPen(): void {
    if (!this.keys.pen) return;
    this.keys = { ...this.keys, pen: false };
    this.endStroke();
    this.showKeyCursor();
  }

  private showKeyCursor(): void {
    this.stage.setKeyCursor(cellPoint(this.keys.cell), this.keys.pen);
  }

  private penDownText(): string {
    return t(this.tool === 'eraser' ? 'canvas.kb.penDownEraser' : 'canvas.kb.penDownBrush');
  }

  /** The painted share of the picture, as the announcements say it. */
  private share(): string {
    return paintedShare(paintedCount(this.mask), this.mask.length);
  }

  /** Speaks through the live region; the same words twice are spoken twice. */
  private say(text: string, position = false): void {
    window.clearTimeout(this.positionTimer);
    this.lastSaid = text;
    if (!position) this.lastPosition = '';
    this.flip = !this.flip;
    this.announcer.textContent = this.flip ? text : `${text}\u00a0`;
  }

  /** The position is spoken once the arrows rest, and only when it changed (roughly). */
  private schedulePosition(): void {
    window.clearTimeout(this.positionTimer);
    this.positionTimer = window.setTimeout(() => {
      const text = t('canvas.kb.position', roughPosition(this.keys.cell, this.size));
      if (text === this.lastPosition) return;
      this.say(text, true);
      this.lastPosition = text;
    }, POSITION_DELAY_MS);
  }

  /** A pointer stroke ends a keyboard stroke in progress first. */
  private pointerBegin(point: Point): void {
    this.liftPen();
    this.beginStroke(point);
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
