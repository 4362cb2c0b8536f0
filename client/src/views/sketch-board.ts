// The shared sketch of a sketch round: the label map every screen draws from the server's
// numbered operations, the other drawers' pointers and strokes in progress, and (for
// participants) the tools: label palette, brush, eraser, fill, brush size, undo.
import { el, setText } from '../dom';
import type {
  Round,
  SketchDraft,
  SketchDraftsEvent,
  SketchLabel,
  SketchOpEvent,
  SketchState,
  SketchStroke,
} from '../generated/protocol';
import { t } from '../i18n';
import { type SketchModel, applyOp, modelFromState, renderModel, splitStroke } from '../sketch-state';
import { type Box, type LabelMap, applyStroke } from '../sketch-raster';
import type { RoomConnection } from '../socket';

type Tool = 'brush' | 'erase' | 'fill';
type Point = [number, number];

const DRAFT_INTERVAL_MS = 33;
const CURSOR_TTL_MS = 4000;
const GAP_WAIT_MS = 600;
const UNLABELLED: [number, number, number] = [246, 244, 239];
const UNKNOWN: [number, number, number] = [128, 128, 128];

interface Drawer {
  nickname: string;
  x: number;
  y: number;
  tool: Tool | null;
  label: number | null;
  size: number;
  points: Point[];
  seen: number;
}

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

export interface SketchBoardOptions {
  /** Spectators (projector) watch; participants draw. */
  readOnly: boolean;
  onError?: (message: string) => void;
}

export class SketchBoard {
  readonly element: HTMLElement;
  private readonly mapCanvas = el('canvas', { class: 'sketch-map', 'data-testid': 'sketch-map' });
  private readonly overlay = el('canvas', {
    class: 'sketch-overlay',
    'data-testid': 'sketch-overlay',
  });
  private readonly keysHelp = el('p', { class: 'hint sketch-keys', id: 'sketch-keys-help' }, t('sketch.keys'));
  private readonly announce = el('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  /** The keyboard's brush: where it is, and the stroke it draws while the pen is down. */
  private keyCursor: Point = [256, 192];
  private readonly status = el('p', { class: 'sketch-status hint', role: 'status', 'data-testid': 'sketch-status' });
  private readonly swatches = el('div', { class: 'sketch-palette', role: 'radiogroup', 'aria-label': t('sketch.palette') });
  private readonly tools = el('div', { class: 'sketch-tools' });
  /** Spectators' key to the colours. */
  private readonly legend = el('ul', { class: 'sketch-legend', 'aria-label': t('sketch.palette'), 'data-testid': 'sketch-legend' });
  private readonly sizeInput = el('input', {
    type: 'range',
    min: 1,
    max: 64,
    value: 12,
    'aria-label': t('sketch.size'),
    'data-testid': 'sketch-size',
  });
  private readonly sizeValue = el('output', { class: 'sketch-size-value' }, '12');
  private readonly undoButton = el(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'sketch-undo' },
    t('sketch.undo'),
  );
  private readonly toolButtons = new Map<Tool, HTMLButtonElement>();
  private model: SketchModel | null = null;
  private state: SketchState | null = null;
  private map: LabelMap | null = null;
  private image: ImageData | null = null;
  private colors = new Map<number, [number, number, number]>();
  private drawers = new Map<number, Drawer>();
  private tool: Tool = 'brush';
  private label = 0;
  private drawing: Point[] | null = null;
  private unsent: Point[] = [];
  private startPending = false;
  private draftTimer: number | null = null;
  private gapTimer: number | null = null;
  private overlayDirty = false;
  private canDraw = false;
  private roundId: number | null = null;
  private loading: Promise<void> | null = null;
  private loadAgain = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly connection: RoomConnection,
    private readonly options: SketchBoardOptions,
  ) {
    const stage = el('div', { class: 'sketch-stage' }, this.mapCanvas, this.overlay);
    const controls = options.readOnly
      ? this.legend
      : el(
          'div',
          { class: 'sketch-controls' },
          this.tools,
          el('label', { class: 'sketch-size' }, t('sketch.size'), this.sizeInput, this.sizeValue),
          this.undoButton,
          this.swatches,
          this.keysHelp,
          this.announce,
        );
    this.element = el('section', { class: 'sketch-board panel', 'data-testid': 'sketch-board', hidden: true },
      el('h2', {}, t('sketch.title')), stage, this.status, controls);
    for (const tool of ['brush', 'erase', 'fill'] as Tool[]) {
      const button = el(
        'button',
        { type: 'button', class: 'tool', 'aria-pressed': String(tool === 'brush'), 'data-testid': `sketch-tool-${tool}` },
        t(`sketch.tool.${tool}`),
      );
      button.addEventListener('click', () => this.pickTool(tool));
      this.toolButtons.set(tool, button);
      this.tools.append(button);
    }
    this.sizeInput.addEventListener('input', () => setText(this.sizeValue, this.sizeInput.value));
    this.undoButton.addEventListener('click', () => void this.undo());
    if (options.readOnly) {
      this.overlay.setAttribute('aria-hidden', 'true');
    } else {
      this.overlay.tabIndex = 0;
      this.overlay.setAttribute('role', 'application');
      this.overlay.setAttribute('aria-label', t('sketch.canvasLabel'));
      this.overlay.setAttribute('aria-describedby', 'sketch-keys-help');
      this.listen();
      this.listenKeys();
    }
    window.setInterval(() => this.expireCursors(), 1000);
  }

  /** Show the board for a sketch round (and follow it), hide it otherwise. */
  setRound(round: Round, participant: boolean): void {
    const sketch = round.kind === 'sketch';
    this.element.hidden = !sketch;
    if (!sketch) {
      this.roundId = null;
      this.unsubscribe?.();
      this.unsubscribe = null;
      return;
    }
    if (!this.unsubscribe) {
      this.unsubscribe = this.connection.onSketch({
        op: (event) => this.onOp(event),
        drafts: (event) => this.onDrafts(event),
      });
    }
    if (this.roundId !== round.id) {
      this.roundId = round.id;
      void this.load();
    } else if (round.sketch && (this.loading || round.sketch.palette !== this.state?.palette.name)) {
      void this.load(); // the facilitator chose another palette
    }
    const locked = round.sketch?.locked ?? false;
    this.canDraw = participant && !this.options.readOnly && round.phase === 'generate' && !locked;
    this.element.dataset['locked'] = String(locked);
    this.element.classList.toggle('can-draw', this.canDraw);
    for (const button of this.toolButtons.values()) button.disabled = !this.canDraw;
    this.undoButton.disabled = !this.canDraw;
    this.sizeInput.disabled = !this.canDraw;
    for (const swatch of this.swatches.querySelectorAll('button')) swatch.disabled = !this.canDraw;
    setText(
      this.status,
      locked ? t('sketch.locked') : round.phase !== 'generate' ? t('sketch.closed') : this.options.readOnly ? '' : t('sketch.hint'),
    );
  }

  /** Fetch the sketch again (after a reconnect, or a gap in the operations). */
  resync(): void {
    if (this.roundId !== null) void this.load();
  }

  private async load(): Promise<void> {
    if (this.loading) {
      // What is on its way may predate the reason for asking: ask once more when it is in.
      this.loadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        const state = await this.connection.joinSketch();
        if (state.kind === 'sketch') this.setState(state);
      } catch (err) {
        this.options.onError?.(err instanceof Error ? err.message : t('sketch.loadFailed'));
      } finally {
        this.loading = null;
      }
      if (this.loadAgain) {
        this.loadAgain = false;
        await this.load();
      }
    })();
    return this.loading;
  }

  private setState(state: SketchState): void {
    this.state = state;
    this.roundId = state.round_id;
    this.colors = new Map([...state.palette.labels, ...state.other_labels].map((label) => [label.id, rgb(label.color)]));
    const { width, height } = state.canvas;
    for (const canvas of [this.mapCanvas, this.overlay]) {
      canvas.width = width;
      canvas.height = height;
    }
    this.sizeInput.min = String(state.canvas.min_brush);
    this.sizeInput.max = String(state.canvas.max_brush);
    if (this.options.readOnly) this.renderLegend(state.palette.labels);
    else this.renderSwatches(state.palette.labels);
    this.model = modelFromState(state);
    this.redraw();
  }

  private renderLegend(labels: SketchLabel[]): void {
    this.legend.replaceChildren(
      ...labels.map((label) => {
        const colour = el('span', { class: 'swatch-colour' });
        colour.style.backgroundColor = label.color;
        return el('li', {}, colour, label.title);
      }),
    );
  }

  private renderSwatches(labels: SketchLabel[]): void {
    if (!labels.some((label) => label.id === this.label)) this.label = labels[0]?.id ?? 0;
    this.swatches.replaceChildren(
      ...labels.map((label) => {
        const button = el(
          'button',
          {
            type: 'button',
            role: 'radio',
            class: 'swatch',
            'aria-checked': String(label.id === this.label),
            'data-label': label.id,
            'data-testid': `sketch-label-${label.name}`,
            title: label.title,
            disabled: !this.canDraw,
          },
          el('span', { class: 'swatch-colour', 'data-color': label.color }),
          label.title,
        );
        const colour = button.querySelector<HTMLElement>('.swatch-colour');
        if (colour) colour.style.backgroundColor = label.color;
        button.addEventListener('click', () => this.pickLabel(label.id));
        return button;
      }),
    );
  }

  private pickLabel(id: number): void {
    this.label = id;
    if (this.tool === 'erase') this.pickTool('brush');
    for (const swatch of this.swatches.querySelectorAll<HTMLButtonElement>('button')) {
      swatch.setAttribute('aria-checked', String(Number(swatch.dataset['label']) === id));
    }
  }

  private pickTool(tool: Tool): void {
    this.tool = tool;
    for (const [name, button] of this.toolButtons) button.setAttribute('aria-pressed', String(name === tool));
  }

  // --- the map ------------------------------------------------------------------------

  private color(label: number): [number, number, number] {
    return label === 0 ? UNLABELLED : (this.colors.get(label) ?? UNKNOWN);
  }

  private redraw(): void {
    if (!this.model || !this.state) return;
    const { width, height } = this.state.canvas;
    this.map = renderModel(this.model, width, height);
    this.image = new ImageData(width, height);
    this.paint({ x: 0, y: 0, w: width, h: height });
  }

  private paint(box: Box): void {
    if (!this.map || !this.image || !this.state) return;
    const { width } = this.state.canvas;
    const data = this.image.data;
    for (let y = box.y; y < box.y + box.h; y++) {
      for (let x = box.x; x < box.x + box.w; x++) {
        const [r, g, b] = this.color(this.map[y * width + x]!);
        const i = 4 * (y * width + x);
        data[i] = r;
        data[i + 1] = g;
        data[i + 2] = b;
        data[i + 3] = 255;
      }
    }
    this.mapCanvas.getContext('2d')?.putImageData(this.image, 0, 0, box.x, box.y, box.w, box.h);
    this.element.dataset['seq'] = String(this.model?.seq ?? 0);
  }

  private onOp(event: SketchOpEvent): void {
    if (!this.model || !this.state) return;
    const result = applyOp(this.model, event);
    this.model = result.model;
    if (result.change === 'rebuild') {
      this.redraw();
    } else if (result.change === 'append' && this.map) {
      const { width, height } = this.state.canvas;
      for (const stroke of result.appended) {
        const box = applyStroke(this.map, width, height, stroke);
        if (box) this.paint(box);
      }
    }
    if (event.op === 'stroke' && event.user) {
      const drawer = this.drawers.get(event.user.id);
      if (drawer) drawer.points = [];
      this.markOverlay();
    }
    if (event.op === 'clear') this.drawers.forEach((drawer) => (drawer.points = []));
    this.element.dataset['seq'] = String(this.model.seq);
    if (result.gap && this.gapTimer === null) {
      this.gapTimer = window.setTimeout(() => {
        this.gapTimer = null;
        if (this.model && this.model.early.size > 0) this.resync();
      }, GAP_WAIT_MS);
    }
  }

  // --- other drawers ------------------------------------------------------------------

  private onDrafts(event: SketchDraftsEvent): void {
    if (event.round_id !== this.roundId) return;
    const me = this.connection.getState().room?.me?.id;
    const now = Date.now();
    for (const draft of event.drafts) {
      if (draft.user_id === me) continue;
      this.applyDraft(draft, now);
    }
    this.markOverlay();
  }

  private applyDraft(draft: SketchDraft, now: number): void {
    const drawer = this.drawers.get(draft.user_id) ?? {
      nickname: draft.nickname, x: draft.x, y: draft.y, tool: null, label: null, size: 8, points: [], seen: now,
    };
    drawer.nickname = draft.nickname;
    drawer.x = draft.x;
    drawer.y = draft.y;
    drawer.seen = now;
    if (draft.tool) drawer.tool = draft.tool;
    if (draft.label !== null) drawer.label = draft.label;
    if (draft.size !== null) drawer.size = draft.size;
    if (draft.start) drawer.points = [];
    drawer.points.push(...(draft.points as Point[]));
    this.drawers.set(draft.user_id, drawer);
  }

  private expireCursors(): void {
    const now = Date.now();
    for (const [id, drawer] of this.drawers) {
      if (now - drawer.seen > CURSOR_TTL_MS) {
        this.drawers.delete(id);
        this.markOverlay();
      }
    }
  }

  private markOverlay(): void {
    if (this.overlayDirty) return;
    this.overlayDirty = true;
    window.requestAnimationFrame(() => {
      this.overlayDirty = false;
      this.drawOverlay();
    });
  }

  private drawOverlay(): void {
    const ctx = this.overlay.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    const strokes: { label: number | null; tool: Tool | null; size: number; points: Point[] }[] = [
      ...this.drawers.values(),
    ];
    if (this.drawing) strokes.push({ label: this.label, tool: this.tool, size: this.brushSize(), points: this.drawing });
    for (const stroke of strokes) {
      if (stroke.points.length === 0 || stroke.tool === 'fill') continue;
      const [r, g, b] = stroke.tool === 'erase' ? UNLABELLED : this.color(stroke.label ?? 0);
      ctx.strokeStyle = `rgba(${r}, ${g}, ${b}, 0.85)`;
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = stroke.size;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.beginPath();
      const [first, ...rest] = stroke.points;
      ctx.moveTo(first![0] + 0.5, first![1] + 0.5);
      for (const [x, y] of rest) ctx.lineTo(x + 0.5, y + 0.5);
      if (rest.length === 0) ctx.lineTo(first![0] + 0.6, first![1] + 0.5);
      ctx.stroke();
    }
    if (document.activeElement === this.overlay && this.canDraw) {
      // The keyboard's brush: a ring of the brush's size at the cursor.
      const [x, y] = this.keyCursor;
      ctx.strokeStyle = '#b35900';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x + 0.5, y + 0.5, Math.max(3, this.brushSize() / 2), 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.font = '12px system-ui, sans-serif';
    for (const drawer of this.drawers.values()) {
      ctx.fillStyle = '#111';
      ctx.beginPath();
      ctx.arc(drawer.x + 0.5, drawer.y + 0.5, 3, 0, 2 * Math.PI);
      ctx.fill();
      const text = drawer.nickname;
      const w = ctx.measureText(text).width + 8;
      const x = Math.min(drawer.x + 6, this.overlay.width - w);
      const y = Math.max(drawer.y - 18, 0);
      ctx.fillStyle = 'rgba(17, 17, 17, 0.8)';
      ctx.fillRect(x, y, w, 16);
      ctx.fillStyle = '#fff';
      ctx.fillText(text, x + 4, y + 12);
    }
  }

  // --- drawing ------------------------------------------------------------------------

  private brushSize(): number {
    return Number(this.sizeInput.value) || 12;
  }

  private point(event: PointerEvent): Point {
    const rect = this.overlay.getBoundingClientRect();
    const width = this.overlay.width;
    const height = this.overlay.height;
    const x = Math.floor(((event.clientX - rect.left) / rect.width) * width);
    const y = Math.floor(((event.clientY - rect.top) / rect.height) * height);
    return [Math.min(width - 1, Math.max(0, x)), Math.min(height - 1, Math.max(0, y))];
  }

  private listen(): void {
    this.overlay.addEventListener('pointerdown', (event) => {
      if (!this.canDraw || !this.state || event.button !== 0) return;
      event.preventDefault();
      const at = this.point(event);
      if (this.tool === 'fill') {
        void this.commit({ tool: 'fill', label: this.label, size: 1, points: [at] });
        return;
      }
      this.overlay.setPointerCapture(event.pointerId);
      this.drawing = [at];
      this.unsent = [at];
      this.startPending = true;
      this.scheduleDraft();
      this.markOverlay();
    });
    this.overlay.addEventListener('pointermove', (event) => {
      if (!this.state || this.roundId === null) return;
      const at = this.point(event);
      if (this.drawing) {
        const last = this.drawing[this.drawing.length - 1]!;
        if (last[0] === at[0] && last[1] === at[1]) return;
        this.drawing.push(at);
        this.unsent.push(at);
        this.markOverlay();
      }
      if (this.canDraw) this.scheduleDraft(at);
    });
    this.overlay.addEventListener('pointerup', () => this.finishStroke());
    this.overlay.addEventListener('pointercancel', () => this.finishStroke());
  }

  private lastPointer: Point | null = null;

  /** Arrow keys move the brush (Shift: bigger steps), Space or Enter puts the pen down and
   *  lifts it (finishing the stroke; with the fill tool it fills), Escape lifts it, Ctrl+Z undoes. */
  private listenKeys(): void {
    this.overlay.addEventListener('keydown', (event) => {
      if (!this.canDraw || !this.state) return;
      const step = event.shiftKey ? 16 : 4;
      const moves: Record<string, Point> = {
        ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step],
      };
      const move = moves[event.key];
      if (move) {
        event.preventDefault();
        const { width, height } = this.state.canvas;
        const at: Point = [
          Math.min(width - 1, Math.max(0, this.keyCursor[0] + move[0])),
          Math.min(height - 1, Math.max(0, this.keyCursor[1] + move[1])),
        ];
        this.keyCursor = at;
        if (this.drawing) {
          this.drawing.push(at);
          this.unsent.push(at);
        }
        this.scheduleDraft(at);
        this.markOverlay();
        return;
      }
      if (event.key === ' ' || event.key === 'Enter') {
        event.preventDefault();
        if (this.tool === 'fill') {
          void this.commit({ tool: 'fill', label: this.label, size: 1, points: [this.keyCursor] });
          this.say(t('sketch.filled'));
        } else if (this.drawing) {
          this.finishStroke();
          this.say(t('sketch.penUp'));
        } else {
          this.drawing = [this.keyCursor];
          this.unsent = [this.keyCursor];
          this.startPending = true;
          this.scheduleDraft(this.keyCursor);
          this.say(t('sketch.penDown'));
        }
        this.markOverlay();
      } else if (event.key === 'Escape' && this.drawing) {
        this.finishStroke();
        this.say(t('sketch.penUp'));
      } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'z') {
        event.preventDefault();
        void this.undo();
      }
    });
    this.overlay.addEventListener('focus', () => this.markOverlay());
    this.overlay.addEventListener('blur', () => {
      if (this.drawing) this.finishStroke();
      this.markOverlay();
    });
  }

  private say(message: string): void {
    setText(this.announce, message);
  }

  /** The pen comes up: the stroke goes to the server (in pieces when it is very long). */
  private finishStroke(): void {
    const points = this.drawing;
    if (!points) return;
    this.drawing = null;
    this.flushDraft();
    const erase = this.tool === 'erase';
    const stroke = { tool: erase ? 'erase' : 'brush', label: erase ? 0 : this.label, size: this.brushSize() } as const;
    void (async () => {
      for (const piece of splitStroke(points, this.state?.canvas.max_points ?? 2000)) {
        await this.commit({ ...stroke, points: piece });
      }
      this.markOverlay();
    })();
  }

  private scheduleDraft(at?: Point): void {
    if (at) this.lastPointer = at;
    if (this.draftTimer !== null) return;
    this.draftTimer = window.setTimeout(() => {
      this.draftTimer = null;
      this.flushDraft();
    }, DRAFT_INTERVAL_MS);
  }

  private flushDraft(): void {
    if (this.roundId === null) return;
    const at = this.lastPointer ?? this.unsent[this.unsent.length - 1] ?? null;
    if (!at) return;
    const points = this.unsent.splice(0, 200);
    this.connection.sendDraft({
      round_id: this.roundId,
      x: at[0],
      y: at[1],
      tool: this.tool,
      label: this.tool === 'erase' ? 0 : this.label,
      size: this.brushSize(),
      points,
      start: this.startPending,
    });
    this.startPending = false;
    if (this.unsent.length > 0) this.scheduleDraft();
  }

  private async commit(stroke: Omit<SketchStroke, 'seq' | 'user_id'>): Promise<void> {
    if (this.roundId === null) return;
    try {
      await this.connection.sendStroke(this.roundId, stroke);
    } catch (err) {
      this.options.onError?.(err instanceof Error ? err.message : t('sketch.strokeRefused'));
    }
  }

  private async undo(): Promise<void> {
    if (this.roundId === null) return;
    try {
      await this.connection.undoStroke(this.roundId);
    } catch (err) {
      this.options.onError?.(err instanceof Error ? err.message : t('sketch.undoFailed'));
    }
  }
}
