// The facilitator's sketch controls: make the current round a sketch round, choose the label
// palette, lock, unlock and clear the sketch, and download a sketch round as COCO.
import { ApiError, api, hostApi } from '../api';
import { el, setText } from '../dom';
import type { Round } from '../generated/protocol';
import { t } from '../i18n';
import type { PanelHooks } from './host-rooms';

export class SketchPanel {
  readonly element: HTMLElement;
  private readonly kind = el('input', { type: 'checkbox', id: 'sketch-kind', 'data-testid': 'host-sketch-kind' });
  private readonly palette = el('select', { id: 'sketch-palette', 'data-testid': 'host-sketch-palette' });
  private readonly lock = el('button', { type: 'button', class: 'secondary', 'data-testid': 'host-sketch-lock' });
  private readonly clear = el(
    'button',
    { type: 'button', class: 'danger', 'data-testid': 'host-sketch-clear' },
    t('host.sketchClear'),
  );
  /** A COCO download for every sketch round of the room (past ones too). */
  private readonly cocoList = el('ul', { class: 'sketch-coco-list', 'data-testid': 'host-sketch-coco' });
  private listedFor: string | null = null;
  private readonly sketchOnly = el('div', { class: 'sketch-only' });
  private round: Round | null = null;

  constructor(
    private readonly slug: string,
    private readonly hooks: PanelHooks,
  ) {
    this.sketchOnly.append(
      el('label', { for: 'sketch-palette' }, t('host.sketchPalette')),
      this.palette,
      el('div', { class: 'actions' }, this.lock, this.clear),
    );
    this.element = el(
      'section',
      { class: 'panel host-sketch', 'data-testid': 'host-sketch' },
      el('h2', {}, t('host.sketchTitle')),
      el('p', { class: 'hint' }, t('host.sketchHint')),
      el('label', { class: 'check' }, this.kind, t('host.sketchKind')),
      this.sketchOnly,
      this.cocoList,
    );
    this.kind.addEventListener('change', () =>
      this.act(() => hostApi.setRoundKind(this.slug, this.kind.checked ? 'sketch' : 'edit')),
    );
    this.palette.addEventListener('change', () => this.act(() => hostApi.setPalette(this.slug, this.palette.value)));
    this.lock.addEventListener('click', () =>
      this.act(() => hostApi.lockSketch(this.slug, !(this.round?.sketch?.locked ?? false))),
    );
    this.clear.addEventListener('click', () => {
      if (window.confirm(t('host.sketchClearConfirm'))) void this.act(() => hostApi.clearSketch(this.slug));
    });
  }

  async start(): Promise<void> {
    try {
      const { palettes, current } = await hostApi.palettes(this.slug);
      this.palette.replaceChildren(
        ...palettes.map((p) => el('option', { value: p.name, title: p.labels.join(', ') }, p.title)),
      );
      this.palette.value = this.round?.sketch?.palette ?? current;
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : t('host.sketchFailed'));
    }
  }

  update(round: Round): void {
    this.round = round;
    const sketch = round.kind === 'sketch';
    this.kind.checked = sketch;
    this.kind.disabled = !(round.phase === 'lobby' || round.phase === 'generate');
    this.sketchOnly.hidden = !sketch;
    if (round.sketch) {
      if (this.palette.options.length) this.palette.value = round.sketch.palette;
      setText(this.lock, round.sketch.locked ? t('host.sketchUnlock') : t('host.sketchLock'));
      this.lock.setAttribute('aria-pressed', String(round.sketch.locked));
    }
    const key = `${round.id}:${round.kind}:${round.phase}`;
    if (key !== this.listedFor) {
      this.listedFor = key;
      void this.listCoco();
    }
  }

  private async listCoco(): Promise<void> {
    try {
      const { steps } = await api.lineage(this.slug);
      const sketches = steps.filter((step) => step.round.kind === 'sketch');
      this.cocoList.replaceChildren(
        ...sketches.map((step) =>
          el(
            'li',
            {},
            el(
              'a',
              { class: 'button-link', href: hostApi.sketchCocoPath(this.slug, step.round.number), download: '' },
              t('host.sketchCoco', { n: step.round.number }),
            ),
          ),
        ),
      );
    } catch {
      // The list comes back with the next round change; the console reports failures elsewhere.
    }
  }

  private async act(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : t('host.sketchFailed'));
      if (this.round) this.update(this.round);
    }
  }
}
