// Moderation list: every edit of the current round (hidden and unapproved ones too) with
// approve / hide / unhide (POST /api/host/rooms/<slug>/images/<id>/moderation).
import { ApiError, hostApi } from '../api';
import { el } from '../dom';
import type { Image, ModerationRequest } from '../generated/protocol';
import { t } from '../i18n';
import type { PanelHooks } from './host-rooms';

type Action = ModerationRequest['action'];

/** The buttons a row offers (pure, for tests). */
export function moderationActions(
  image: Pick<Image, 'approved' | 'hidden'>,
  requiresApproval: boolean,
): Action[] {
  const actions: Action[] = [];
  if (requiresApproval && !image.approved) actions.push('approve');
  actions.push(image.hidden ? 'unhide' : 'hide');
  return actions;
}

const LABELS = {
  approve: 'host.approve',
  hide: 'host.hide',
  unhide: 'host.unhide',
} as const satisfies Record<Action, string>;

export class ModerationPanel {
  readonly element: HTMLElement;
  private readonly list = el('ul', { class: 'moderation-list', 'data-testid': 'moderation-list' });
  private readonly empty = el('p', { class: 'muted' }, t('host.moderationEmpty'));
  private requiresApproval = false;
  private images: Image[] = [];
  private timer = 0;
  private loading = false;
  private again = false;

  constructor(
    private readonly slug: string,
    private readonly hooks: PanelHooks,
  ) {
    this.element = el(
      'section',
      { class: 'panel', 'aria-labelledby': 'moderation-title', 'data-testid': 'host-moderation' },
      el('h2', { id: 'moderation-title' }, t('host.moderation')),
      this.empty,
      this.list,
    );
  }

  setRequiresApproval(value: boolean): void {
    if (value === this.requiresApproval) return;
    this.requiresApproval = value;
    this.draw();
  }

  /** A refresh soon (events come in bursts). */
  refreshSoon(delayMs = 300): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.refresh(), delayMs);
  }

  async refresh(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return;
    }
    this.loading = true;
    try {
      this.images = (await hostApi.images(this.slug)).images;
      this.draw();
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : t('host.moderationFailed'));
    } finally {
      this.loading = false;
      if (this.again) {
        this.again = false;
        this.refreshSoon(0);
      }
    }
  }

  stop(): void {
    window.clearTimeout(this.timer);
  }

  private draw(): void {
    this.empty.hidden = this.images.length > 0;
    this.list.replaceChildren(...this.images.map((image) => this.row(image)));
  }

  private row(image: Image): HTMLElement {
    const flags = [
      t(`host.count.${image.status}`),
      image.entered ? t('host.flagEntered') : t('host.flagNotEntered'),
      ...(this.requiresApproval
        ? [image.approved ? t('host.flagApproved') : t('host.flagUnapproved')]
        : []),
      ...(image.hidden ? [t('host.flagHidden')] : []),
    ];
    const buttons = moderationActions(image, this.requiresApproval).map((action) => {
      const button = el(
        'button',
        { type: 'button', 'data-testid': `${action}-button` },
        t(LABELS[action]),
      );
      button.addEventListener('click', () => void this.moderate(image, action, button));
      return button;
    });
    return el(
      'li',
      {
        class: 'moderation-row',
        'data-testid': 'moderation-row',
        'data-image-id': image.id,
        'data-hidden': String(image.hidden),
        'data-approved': String(image.approved),
        'data-entered': String(image.entered),
      },
      image.thumb_url
        ? el('img', { class: 'moderation-thumb', src: image.thumb_url, alt: '' })
        : null,
      el(
        'div',
        { class: 'moderation-text' },
        el('strong', { 'data-testid': 'moderation-prompt' }, image.prompt),
        el('span', { class: 'muted' }, t('host.by', { name: image.author?.nickname ?? '—' })),
        el(
          'span',
          { class: 'moderation-flags', 'data-testid': 'moderation-flags' },
          flags.join(' · '),
        ),
      ),
      el('div', { class: 'actions' }, ...buttons),
    );
  }

  private async moderate(image: Image, action: Action, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const answer = await hostApi.moderate(this.slug, image.id, action);
      this.images = this.images.map((i) => (i.id === answer.image.id ? answer.image : i));
      this.draw();
      this.hooks.say(t('host.moderated'));
    } catch (err) {
      button.disabled = false;
      this.hooks.onError(err instanceof ApiError ? err : t('host.moderationFailed'));
    }
  }
}
