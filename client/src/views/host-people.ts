// People and counters: polled every 3 s while the console is open (and after actions),
// with Kick and Ban per participant (POST .../participants/<id>/kick or /ban).
import { ApiError, COUNTER_NAMES, type Counters, type HostParticipant, hostApi } from '../api';
import { el, setText } from '../dom';
import { t } from '../i18n';
import type { PanelHooks } from './host-rooms';

export const POLL_MS = 3000;

export class PeoplePanel {
  readonly element: HTMLElement;
  private readonly counters = el('dl', { class: 'counts', 'data-testid': 'host-counters' });
  private readonly values = new Map<string, HTMLElement>();
  private readonly list = el('ul', { class: 'people-list', 'data-testid': 'people-list' });
  private readonly empty = el('p', { class: 'muted' }, t('host.peopleEmpty'));
  private timer = 0;
  private failed = false;

  constructor(
    private readonly slug: string,
    private readonly hooks: PanelHooks,
  ) {
    for (const name of COUNTER_NAMES) {
      const value = el('dd', { 'data-testid': `counter-${name}` }, '–');
      this.values.set(name, value);
      this.counters.append(el('dt', {}, t(`host.counter.${name}`)), value);
    }
    this.element = el(
      'section',
      { class: 'panel', 'aria-labelledby': 'people-title', 'data-testid': 'host-people' },
      el('h2', { id: 'people-title' }, t('host.people')),
      this.counters,
      this.empty,
      this.list,
    );
  }

  start(): void {
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), POLL_MS);
  }

  stop(): void {
    window.clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      const [counters, { participants }] = await Promise.all([
        hostApi.counters(this.slug),
        hostApi.participants(this.slug),
      ]);
      this.failed = false;
      this.showCounters(counters);
      this.showPeople(participants);
    } catch (err) {
      // One message per outage, not one every 3 s.
      if (!this.failed || (err instanceof ApiError && err.code === 'not_facilitator')) {
        this.hooks.onError(err instanceof ApiError ? err : t('host.peopleFailed'));
      }
      this.failed = true;
    }
  }

  private showCounters(counters: Counters): void {
    for (const [name, node] of this.values) {
      const value = counters[name as keyof Counters];
      setText(node, typeof value === 'number' ? String(value) : '–');
    }
  }

  private showPeople(people: HostParticipant[]): void {
    this.empty.hidden = people.length > 0;
    this.list.replaceChildren(...people.map((p) => this.row(p)));
  }

  private row(person: HostParticipant): HTMLElement {
    const status = person.removed
      ? t(person.removed === 'banned' ? 'host.banned' : 'host.kicked')
      : person.connected
        ? t('host.connectedYes')
        : t('host.connectedNo');
    const buttons: HTMLButtonElement[] = [];
    if (!person.removed || person.removed === 'kicked') {
      for (const how of person.removed ? (['ban'] as const) : (['kick', 'ban'] as const)) {
        const button = el(
          'button',
          { type: 'button', class: 'danger', 'data-testid': `${how}-button` },
          t(how === 'kick' ? 'host.kick' : 'host.ban'),
        );
        button.addEventListener('click', () => void this.remove(person, how, button));
        buttons.push(button);
      }
    }
    return el(
      'li',
      {
        class: 'participant-row',
        'data-testid': 'participant-row',
        'data-user-id': person.id,
        'data-connected': String(person.connected),
        'data-removed': person.removed ?? '',
      },
      el('strong', { 'data-testid': 'participant-nickname' }, person.nickname),
      el('span', { class: 'muted', 'data-testid': 'participant-connected' }, status),
      el(
        'span',
        { class: 'muted' },
        t('host.personCounts', { submissions: person.submissions, votes: person.votes }),
      ),
      el('div', { class: 'actions' }, ...buttons),
    );
  }

  private async remove(
    person: HostParticipant,
    how: 'kick' | 'ban',
    button: HTMLButtonElement,
  ): Promise<void> {
    const question = t(how === 'kick' ? 'host.kickConfirm' : 'host.banConfirm', {
      name: person.nickname,
    });
    if (!window.confirm(question)) return;
    button.disabled = true;
    try {
      await hostApi.removeParticipant(this.slug, person.id, how);
      const done = how === 'kick' ? 'host.kickedDone' : 'host.bannedDone';
      this.hooks.say(t(done, { name: person.nickname }));
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : t('host.removeFailed'));
    } finally {
      button.disabled = false;
      void this.refresh();
    }
  }
}
