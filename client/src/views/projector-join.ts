// The projector's "join on your phone" panel: the QR code of the join link, the join code in
// big letters and the short link; and a small code chip for the top bar during a reveal.
import { joinQrPath } from '../api';
import { el, setAttr, setText } from '../dom';
import { t } from '../i18n';
import { type JoinInfo, displayLink, joinLink } from './invite';

export class JoinPanel {
  readonly element: HTMLElement;
  readonly chip: HTMLElement;
  private readonly qr = el('img', {
    class: 'pj-qr',
    'data-testid': 'projector-qr',
    alt: t('invite.qrAlt'),
    width: 240,
    height: 240,
  });
  private readonly code = el('p', { class: 'pj-code', 'data-testid': 'projector-code' });
  private readonly link = el('p', { class: 'pj-link' });
  private readonly chipCode = el('span', { class: 'pj-chip-code' });
  private key: string | null = null;

  constructor() {
    this.element = el(
      'section',
      { class: 'pj-join', 'aria-labelledby': 'pj-join-title', hidden: true },
      el('h2', { id: 'pj-join-title', class: 'pj-join-title' }, t('projector.joinTitle')),
      el('div', { class: 'pj-qr-box' }, this.qr),
      el(
        'div',
        { class: 'pj-join-text' },
        el('p', { class: 'pj-code-label' }, t('projector.codeLabel')),
        this.code,
        el('p', { class: 'pj-scan' }, t('projector.scan')),
        this.link,
      ),
    );
    this.chip = el(
      'p',
      { class: 'pj-chip', hidden: true },
      `${t('projector.codeLabel')} `,
      this.chipCode,
    );
  }

  update(room: JoinInfo): void {
    const link = joinLink(room, window.location.origin);
    const key = `${room.slug}|${link ?? ''}`;
    if (key === this.key) return;
    this.key = key;
    this.element.hidden = this.chip.hidden = link === null;
    if (link === null || !room.join_code) return;
    setAttr(this.qr, 'src', joinQrPath(room.slug));
    setText(this.code, room.join_code);
    // Host and path each stay whole; a line may break between them.
    const shown = displayLink(link);
    const cut = shown.indexOf('/');
    this.link.replaceChildren(
      el('span', {}, cut > 0 ? shown.slice(0, cut) : shown),
      cut > 0 ? el('wbr') : '',
      cut > 0 ? el('span', {}, shown.slice(cut)) : '',
    );
    setText(this.chipCode, room.join_code);
  }
}
