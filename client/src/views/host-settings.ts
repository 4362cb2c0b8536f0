// Room settings (PATCH /api/host/rooms/<slug>) and a new seed for the current round
// (POST /api/host/rooms/<slug>/seed; 409 seed_locked once edits exist or voting started).
import { ApiError, type HostRoom, hostApi } from '../api';
import { el } from '../dom';
import { LIMITS, type RoomSettingsRequest, type Round } from '../generated/protocol';
import { type MessageKey, t } from '../i18n';
import { type PanelHooks, SEED_TYPES, readDataUrl } from './host-rooms';

type Flag = 'join_locked' | 'research' | 'requires_approval';
type Length = 'generate_s' | 'vote_s';

const FLAGS: [Flag, string, MessageKey][] = [
  ['join_locked', 'setting-join-locked', 'host.settingJoinLocked'],
  ['research', 'setting-research', 'host.settingResearch'],
  ['requires_approval', 'setting-requires-approval', 'host.settingApproval'],
];
const LENGTHS: [Length, string, MessageKey][] = [
  ['generate_s', 'setting-generate-s', 'host.settingGenerateS'],
  ['vote_s', 'setting-vote-s', 'host.settingVoteS'],
];

/** A phase length field: empty is "none" (null), else whole seconds in range; undefined if bad. */
export function parseLength(raw: string): number | null | undefined {
  const text = raw.trim();
  if (text === '') return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= LIMITS.phase_duration_max_s ? n : undefined;
}

export class SettingsPanel {
  readonly element: HTMLElement;
  private readonly boxes = new Map<Flag, HTMLInputElement>();
  private readonly numbers = new Map<Length, HTMLInputElement>();
  private readonly seed = el('input', {
    id: 'seed-upload',
    type: 'file',
    accept: SEED_TYPES.join(','),
    'data-testid': 'seed-upload',
  });
  /** Called with the room as the server has it after a change. */
  onRoom: (room: HostRoom) => void = () => undefined;
  /** Called with the round after a new seed. */
  onSeed: (round: Round) => void = () => undefined;

  constructor(
    private readonly slug: string,
    private readonly hooks: PanelHooks,
  ) {
    const rows: HTMLElement[] = [];
    for (const [field, id, label] of FLAGS) {
      const box = el('input', { id, type: 'checkbox', 'data-testid': id });
      box.addEventListener('change', () => void this.save({ [field]: box.checked }));
      this.boxes.set(field, box);
      rows.push(el('label', { class: 'check-row', for: id }, box, ' ', t(label)));
    }
    for (const [field, id, label] of LENGTHS) {
      const input = el('input', {
        id,
        type: 'number',
        min: 1,
        max: LIMITS.phase_duration_max_s,
        step: 1,
        inputmode: 'numeric',
        placeholder: t('host.noDeadline'),
        'data-testid': id,
      });
      input.addEventListener('change', () => {
        const value = parseLength(input.value);
        if (value === undefined) {
          this.hooks.onError(t('host.durationInvalid', { max: LIMITS.phase_duration_max_s }));
          return;
        }
        void this.save({ [field]: value });
      });
      this.numbers.set(field, input);
      rows.push(el('label', { for: id }, t(label)), input);
    }
    this.seed.addEventListener('change', () => void this.uploadSeed());
    this.element = el(
      'section',
      { class: 'panel', 'aria-labelledby': 'settings-title', 'data-testid': 'host-settings' },
      el('h2', { id: 'settings-title' }, t('host.settings')),
      ...rows,
      el('h3', { class: 'subhead' }, t('host.seedTitle')),
      el('label', { for: 'seed-upload' }, t('host.seedUpload')),
      this.seed,
      el('p', { class: 'muted' }, t('host.seedHint')),
    );
  }

  /** Shows the room's settings (from the room list or a PATCH answer). */
  show(room: HostRoom): void {
    for (const [field, box] of this.boxes) box.checked = room[field] === true;
    for (const [field, input] of this.numbers) {
      if (document.activeElement === input) continue;
      input.value = room[field] == null ? '' : String(room[field]);
    }
  }

  private async save(change: RoomSettingsRequest): Promise<void> {
    try {
      const { room } = await hostApi.updateRoom(this.slug, change);
      this.show(room);
      this.onRoom(room);
      this.hooks.say(t('host.settingsSaved'));
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : t('host.settingsFailed'));
    }
  }

  private async uploadSeed(): Promise<void> {
    const file = this.seed.files?.[0];
    if (!file) return;
    try {
      const image = await readDataUrl(file);
      const { round } = await hostApi.uploadSeed(this.slug, image);
      this.onSeed(round);
      this.hooks.say(t('host.seedUploaded'));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'seed_locked') {
        this.hooks.onError(t('host.seedLocked'));
      } else {
        this.hooks.onError(
          err instanceof ApiError ? err : err instanceof Error ? err.message : t('host.seedFailed'),
        );
      }
    } finally {
      this.seed.value = '';
    }
  }
}
