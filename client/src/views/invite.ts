// How others join a room: the join code, the short link (origin + /j/CODE) and its QR code.
// The room page shows it folded away; the console shows it open with the projector link.
import { hostApi, joinQrPath } from '../api';
import { el, setAttr, setText } from '../dom';
import { t } from '../i18n';

export interface JoinInfo {
  slug: string;
  join_code?: string | null;
  join_path?: string | null;
}

/** The absolute short link, or null for a room without a join code. */
export function joinLink(room: JoinInfo, origin: string): string | null {
  if (!room.join_code || !room.join_path) return null;
  return origin.replace(/\/$/, '') + room.join_path;
}

/** The link as people type it: without "https://". */
export function displayLink(link: string): string {
  return link.replace(/^https?:\/\//, '');
}

export function projectorPath(slug: string): string {
  return `/projector/${encodeURIComponent(slug)}`;
}

export function lineagePath(slug: string): string {
  return `/lineage/${encodeURIComponent(slug)}`;
}

export class InviteBox {
  readonly element: HTMLElement;
  private readonly summary = el('summary', {});
  private readonly qr: HTMLImageElement;
  private readonly code: HTMLElement;
  private readonly link = el('a', { class: 'join-link' });
  private shown: string | null = null;

  /** `prefix` names the test ids: room-qr / room-code, host-qr / host-code. */
  constructor(
    private readonly prefix: 'room' | 'host',
    extra: Node[] = [],
  ) {
    this.qr = el('img', {
      class: 'join-qr',
      alt: t('invite.qrAlt'),
      width: 180,
      height: 180,
      'data-testid': `${prefix}-qr`,
    });
    this.code = el('span', { class: 'join-code', 'data-testid': `${prefix}-code` });
    const body = el(
      'div',
      { class: 'invite-body' },
      this.qr,
      el(
        'div',
        { class: 'invite-text' },
        el('p', { class: 'invite-label' }, t('invite.code')),
        el('p', { class: 'invite-code-line' }, this.code),
        el('p', { class: 'invite-link-line' }, this.link),
        ...extra,
      ),
    );
    this.element =
      prefix === 'room'
        ? el(
            'details',
            { class: 'invite', 'data-testid': 'room-invite', hidden: true },
            this.summary,
            body,
          )
        : el('div', { class: 'invite invite-open' }, body);
  }

  update(room: JoinInfo): void {
    const link = joinLink(room, window.location.origin);
    const key = `${room.slug} ${room.join_code ?? ''} ${link ?? ''}`;
    if (key === this.shown) return;
    this.shown = key;
    this.element.hidden = link === null && this.prefix === 'room';
    setText(this.code, room.join_code ?? '—');
    setText(this.summary, t('invite.summary', { code: room.join_code ?? '' }));
    if (link !== null) {
      setAttr(this.link, 'href', link);
      setText(this.link, displayLink(link));
      setAttr(this.qr, 'src', joinQrPath(room.slug));
    }
    this.qr.hidden = this.link.hidden = link === null;
  }
}

export interface SharePanel {
  element: HTMLElement;
  invite: InviteBox;
}

/** The console's panel: the invite, open, with the projector and lineage links. */
/** A button that asks for a co-facilitator link and shows it, ready to copy. */
function cofacilitatorInvite(): HTMLElement {
  const output = el('input', {
    type: 'text',
    readonly: true,
    hidden: true,
    class: 'cofacilitator-link',
    'aria-label': t('host.cofacilitatorLink'),
    'data-testid': 'cofacilitator-link',
  });
  const button = el(
    'button',
    { type: 'button', 'data-testid': 'cofacilitator-button' },
    t('host.cofacilitator'),
  );
  button.addEventListener('click', () => {
    void hostApi.invite().then(
      ({ link }) => {
        output.value = window.location.origin + link;
        output.hidden = false;
        output.select();
      },
      () => undefined,
    );
  });
  return el('div', { class: 'cofacilitator' }, el('p', { class: 'hint' }, t('host.cofacilitatorHint')), button, output);
}

export function sharePanel(slug: string): SharePanel {
  const links = el(
    'p',
    { class: 'share-links' },
    el(
      'a',
      {
        href: projectorPath(slug),
        target: '_blank',
        class: 'button-link',
        'data-testid': 'host-projector-link',
      },
      t('host.openProjector'),
    ),
    el('a', { href: lineagePath(slug), 'data-testid': 'host-lineage-link' }, t('host.lineage')),
  );
  const invite = new InviteBox('host', [links]);
  const element = el(
    'section',
    { class: 'panel share-panel', 'aria-labelledby': 'share-title' },
    el('h2', { id: 'share-title' }, t('host.share')),
    invite.element,
    cofacilitatorInvite(),
  );
  return { element, invite };
}
