// The visible stage of the mask editor: seed and overlay in a zoomable, pannable frame.
// It turns pointers into strokes in seed pixels (through viewport.ts) and handles the
// view gestures itself: Ctrl/Cmd+wheel and pinch zoom, space/middle-button/two-finger pan.
// The frame is also the keyboard's way in: it takes the focus, and shows the keyboard
// brush (moved by canvas.ts) while the keyboard is in use.
import { el } from './dom';
import { t } from './i18n';
import type { Point } from './mask';
import {
  type FrameRect,
  IDENTITY,
  type View,
  clampView,
  displayScale,
  followPoint,
  panBy,
  pinch,
  toFrame,
  toSeed,
  transformCSS,
  zoomAt,
} from './viewport';

export interface StrokeSink {
  begin(point: Point): void;
  extend(points: Point[]): void;
  end(): void;
  /** The stroke turned out to be the first finger of a two-finger gesture: drop it. */
  cancel(): void;
}

type Mode =
  | { kind: 'idle' }
  | { kind: 'draw'; id: number }
  | { kind: 'pan'; id: number; start: View; x: number; y: number }
  | { kind: 'pinch'; start: View; from: [Point, Point]; ids: [number, number] }
  // After a gesture, the finger still down must not start painting.
  | { kind: 'wait' };

export class Stage {
  readonly frame: HTMLDivElement;
  readonly img: HTMLImageElement;
  readonly canvas: HTMLCanvasElement;
  private readonly content: HTMLDivElement;
  private readonly cursor: HTMLDivElement;
  private readonly keyCursor: HTMLDivElement;
  private readonly pointers = new Map<number, Point>();
  private mode: Mode = { kind: 'idle' };
  private view: View = IDENTITY;
  private seed = { width: 1, height: 1 };
  private spaceHeld = false;
  private hovering = false;
  private hover: Point | null = null;
  /** The pointer's last client position: a move that goes nowhere is no pointer use. */
  private lastClient: Point | null = null;
  private keyboard = false;
  private keyPoint: Point | null = null;
  private keyPen = false;
  enabled = false;
  brushSize = 1;
  feather = 0;

  constructor(
    private readonly sink: StrokeSink,
    private readonly onView: (view: View) => void,
  ) {
    this.img = el('img', {
      class: 'seed-image',
      'data-testid': 'seed-image',
      alt: t('canvas.seedAlt'),
    });
    this.canvas = el('canvas', {
      class: 'mask-canvas',
      'data-testid': 'mask-canvas',
      'aria-label': t('canvas.maskLabel'),
      role: 'img',
    });
    this.content = el('div', { class: 'stage-content' }, this.img, this.canvas);
    this.cursor = el('div', { class: 'brush-cursor', 'aria-hidden': 'true', hidden: true });
    this.keyCursor = el('div', {
      class: 'key-cursor',
      'data-testid': 'key-cursor',
      'aria-hidden': 'true',
      hidden: true,
    });
    // An application: screen readers pass the arrow keys through to the keyboard brush.
    this.frame = el(
      'div',
      {
        class: 'stage',
        'data-testid': 'mask-stage',
        role: 'application',
        'aria-label': t('canvas.stageLabel'),
        'data-pen': 'up',
      },
      this.content,
      this.cursor,
      this.keyCursor,
    );

    const f = this.frame;
    f.addEventListener('pointerdown', (e) => this.onDown(e));
    f.addEventListener('pointermove', (e) => this.onMove(e));
    f.addEventListener('pointerup', (e) => this.onUp(e));
    f.addEventListener('pointercancel', (e) => this.onUp(e));
    f.addEventListener('pointerenter', () => (this.hovering = true));
    f.addEventListener('pointerleave', () => {
      this.hovering = false;
      this.cursor.hidden = true;
    });
    f.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    // Middle-button autoscroll would fight a middle-button pan.
    f.addEventListener('mousedown', (e) => e.button === 1 && e.preventDefault());
    f.addEventListener('contextmenu', (e) => this.mode.kind !== 'idle' && e.preventDefault());
    if (typeof ResizeObserver !== 'undefined') {
      new ResizeObserver(() => this.applyView()).observe(f);
    }
  }

  setSeed(width: number, height: number): void {
    this.seed = { width, height };
    this.frame.style.setProperty('--seed-w', String(width));
    this.frame.style.setProperty('--seed-h', String(height));
    this.setView(IDENTITY);
  }

  getView(): View {
    return this.view;
  }

  setView(view: View): void {
    this.view = clampView(view);
    this.applyView();
    this.refreshCursor();
    this.onView(this.view);
  }

  /** Zooms around the frame's centre (the zoom buttons). */
  zoomBy(factor: number): void {
    const r = this.frame.getBoundingClientRect();
    this.setView(zoomAt(this.view, factor, r, r.width / 2, r.height / 2));
  }

  /**
   * Space is a pan modifier only while the pointer is over the stage; elsewhere it keeps
   * scrolling and pressing buttons. Returns whether the key is ours (to prevent its default).
   */
  setSpace(held: boolean): boolean {
    const was = this.spaceHeld;
    if (held && !(this.hovering && this.enabled)) return false;
    this.spaceHeld = held;
    this.frame.classList.toggle('panning', held);
    this.refreshCursor();
    return held || was;
  }

  /**
   * Whether the keyboard brush is in use (it shows only then): the frame got the focus from
   * the keyboard, or a brush key was pressed since the pointer last moved. Until then Space
   * stays the pan modifier (canvas.ts).
   */
  get keyboardActive(): boolean {
    return this.keyboard;
  }

  setKeyboard(on: boolean): void {
    if (this.keyboard === on) return;
    this.keyboard = on;
    this.refreshKeyCursor();
  }

  /** Where the keyboard brush is (a seed point) and whether its pen is down. */
  setKeyCursor(point: Point, pen: boolean): void {
    this.keyPoint = point;
    this.keyPen = pen;
    this.frame.dataset['pen'] = pen ? 'down' : 'up';
    this.refreshKeyCursor();
  }

  /** CSS px per seed pixel on screen now. */
  scale(): number {
    return displayScale(this.view, this.frame.getBoundingClientRect(), this.seed);
  }

  /** Pans a zoomed view just enough that the seed point (the keyboard brush) shows. */
  follow(point: Point): void {
    const next = followPoint(this.view, point, this.seed);
    if (next !== this.view) this.setView(next);
  }

  /** Drops a gesture in progress (painting got disabled, or the seed changed). */
  abort(): void {
    if (this.mode.kind === 'draw') this.sink.cancel();
    this.mode = { kind: 'idle' };
    this.pointers.clear();
    this.spaceHeld = false;
    this.frame.classList.remove('panning', 'grabbing');
    this.cursor.hidden = true;
  }

  /** Redraws what depends on the on-screen scale: transform, soft-edge blur, cursor. */
  applyView(): void {
    this.content.style.transform = transformCSS(this.view);
    this.frame.dataset['zoom'] = this.view.zoom.toFixed(3);
    // The blur is applied in the canvas' own CSS pixels (before the zoom transform).
    const r = this.frame.getBoundingClientRect();
    const perSeedPx = displayScale(IDENTITY, r, this.seed);
    this.canvas.style.filter = this.feather > 0 ? `blur(${(this.feather / 2) * perSeedPx}px)` : '';
    // Zoomed in far enough, each mask pixel shows as the hard square the server gets.
    this.frame.classList.toggle('pixels', perSeedPx * this.view.zoom >= 2);
    this.refreshKeyCursor();
  }

  private local(e: { clientX: number; clientY: number }): Point {
    const r = this.frame.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private seedPoint(e: PointerEvent, frame: FrameRect): Point {
    const p = toSeed(this.view, frame, e.clientX, e.clientY, this.seed);
    // A pen's pressure varies the brush a little; mice report a constant 0.5.
    if (e.pointerType === 'pen' && e.pressure > 0) p.p = 0.6 + 0.4 * Math.min(1, e.pressure);
    return p;
  }

  /** A pointer that really moved (or pressed) takes over from the keyboard brush. */
  private pointerUsed(e: PointerEvent, pressed: boolean): void {
    const p = { x: e.clientX, y: e.clientY };
    const last = this.lastClient;
    this.lastClient = p;
    if (pressed || !last || Math.abs(p.x - last.x) + Math.abs(p.y - last.y) > 2) {
      this.setKeyboard(false);
    }
  }

  private onDown(e: PointerEvent): void {
    if (!this.enabled) return;
    this.pointerUsed(e, true);
    this.pointers.set(e.pointerId, this.local(e));
    try {
      this.frame.setPointerCapture(e.pointerId);
    } catch {
      // Capture only keeps a gesture alive outside the frame; it works without it.
    }
    if (e.pointerType === 'touch' && this.pointers.size === 2) {
      if (this.mode.kind === 'draw') this.sink.cancel();
      const ids = [...this.pointers.keys()] as [number, number];
      const from = ids.map((id) => this.pointers.get(id)!) as [Point, Point];
      this.mode = { kind: 'pinch', start: this.view, from, ids };
      this.cursor.hidden = true;
      e.preventDefault();
      return;
    }
    if (this.mode.kind !== 'idle') return;
    const pan = e.button === 1 || (e.button === 0 && this.spaceHeld);
    if (pan) {
      e.preventDefault();
      const { x, y } = this.local(e);
      this.mode = { kind: 'pan', id: e.pointerId, start: this.view, x, y };
      this.frame.classList.add('grabbing');
      return;
    }
    if (e.button !== 0) return;
    e.preventDefault();
    this.mode = { kind: 'draw', id: e.pointerId };
    this.sink.begin(this.seedPoint(e, this.frame.getBoundingClientRect()));
    this.moveCursor(e);
  }

  private onMove(e: PointerEvent): void {
    if (this.pointers.has(e.pointerId)) this.pointers.set(e.pointerId, this.local(e));
    if (e.pointerType !== 'touch') this.hovering = true;
    this.pointerUsed(e, false);
    this.moveCursor(e);
    const mode = this.mode;
    const frame = this.frame.getBoundingClientRect();
    if (mode.kind === 'draw' && mode.id === e.pointerId) {
      const events = e.getCoalescedEvents?.() ?? [];
      const list = events.length > 0 ? events : [e];
      this.sink.extend(list.map((ev) => this.seedPoint(ev, frame)));
    } else if (mode.kind === 'pan' && mode.id === e.pointerId) {
      const p = this.local(e);
      this.setView(panBy(mode.start, frame, p.x - mode.x, p.y - mode.y));
    } else if (mode.kind === 'pinch' && mode.ids.includes(e.pointerId)) {
      const a = this.pointers.get(mode.ids[0]);
      const b = this.pointers.get(mode.ids[1]);
      if (a && b) this.setView(pinch(mode.start, frame, mode.from, [a, b]));
    }
  }

  private onUp(e: PointerEvent): void {
    this.pointers.delete(e.pointerId);
    const mode = this.mode;
    if (mode.kind === 'draw' && mode.id === e.pointerId) {
      this.mode = { kind: 'idle' };
      this.sink.end();
    } else if (mode.kind === 'pan' && mode.id === e.pointerId) {
      this.mode = { kind: 'idle' };
      this.frame.classList.remove('grabbing');
    } else if (mode.kind === 'pinch' || mode.kind === 'wait') {
      this.mode = this.pointers.size > 0 ? { kind: 'wait' } : { kind: 'idle' };
    }
  }

  private onWheel(e: WheelEvent): void {
    // Plain wheel scrolls the page; Ctrl/Cmd+wheel (and trackpad pinch, which Chrome
    // reports as Ctrl+wheel) zooms around the pointer.
    if (!this.enabled || !(e.ctrlKey || e.metaKey)) return;
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    const factor = Math.exp(-e.deltaY * unit * 0.002);
    const p = this.local(e);
    this.setView(zoomAt(this.view, factor, this.frame.getBoundingClientRect(), p.x, p.y));
  }

  private moveCursor(e: PointerEvent): void {
    const busy = this.mode.kind === 'pan' || this.mode.kind === 'pinch';
    this.hover = e.pointerType === 'touch' || busy ? null : this.local(e);
    this.refreshCursor();
  }

  /** Also called when the brush size or the view changes under a still pointer. */
  refreshCursor(): void {
    this.refreshKeyCursor();
    const at = this.hover;
    if (!this.enabled || !at || !this.hovering || this.spaceHeld) {
      this.cursor.hidden = true;
      return;
    }
    const r = this.frame.getBoundingClientRect();
    const d = Math.max(2, this.brushSize * displayScale(this.view, r, this.seed));
    this.cursor.hidden = false;
    this.cursor.style.width = this.cursor.style.height = `${d}px`;
    this.cursor.style.transform = `translate(${at.x - d / 2}px, ${at.y - d / 2}px)`;
  }

  /**
   * The keyboard brush: a ring of the brush's size (never smaller than 12 px, so a 1 px brush
   * still shows) with a cross at the pixel it paints; filled while the pen is down.
   */
  private refreshKeyCursor(): void {
    const at = this.keyPoint;
    if (!this.enabled || !this.keyboard || !at) {
      this.keyCursor.hidden = true;
      return;
    }
    const r = this.frame.getBoundingClientRect();
    const p = toFrame(this.view, r, at, this.seed);
    const d = Math.max(12, this.brushSize * displayScale(this.view, r, this.seed));
    this.keyCursor.hidden = false;
    this.keyCursor.classList.toggle('pen-down', this.keyPen);
    this.keyCursor.style.width = this.keyCursor.style.height = `${d}px`;
    this.keyCursor.style.transform = `translate(${p.x - d / 2}px, ${p.y - d / 2}px)`;
  }
}
