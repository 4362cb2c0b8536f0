// The console's room picker (GET /api/host/rooms) and the "New room" form
// (POST /api/host/rooms). Switching rooms reloads the console for ?room=<slug>.
import { ApiError, type HostRoom, hostApi } from '../api';
import { SLUG_PATTERN, el } from '../dom';
import { t } from '../i18n';

export interface PanelHooks {
  /** An ApiError from the server, or a message of our own. */
  onError: (error: ApiError | string) => void;
  /** A short confirmation for the notice line. */
  say: (message: string) => void;
}

export const SEED_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

/** The console's address for a room. */
export function hostPath(slug: string): string {
  return `/host?room=${encodeURIComponent(slug)}`;
}

/** The room the console shows: ?room=<slug> when valid, else the page's default room. */
export function consoleRoom(search: string, fallback: string): string {
  const asked = new URLSearchParams(search).get('room');
  return asked && SLUG_PATTERN.test(asked) ? asked : fallback;
}

/** Reads a picked image file as a data URL; refuses anything but PNG, JPEG and WebP. */
export function readDataUrl(file: File): Promise<string> {
  if (!SEED_TYPES.includes(file.type)) return Promise.reject(new Error(t('host.seedType')));
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error(t('host.seedReadFailed')));
    reader.readAsDataURL(file);
  });
}

export function switchRoom(slug: string): void {
  window.location.assign(hostPath(slug));
}

export class RoomsPanel {
  readonly element: HTMLElement;
  private readonly select = el('select', {
    id: 'host-room-select',
    'data-testid': 'host-room-select',
  });
  private readonly name = el('input', {
    id: 'new-room-name',
    type: 'text',
    maxlength: 80,
    required: true,
    'data-testid': 'new-room-name',
  });
  private readonly mode = el(
    'select',
    { id: 'new-room-mode', 'data-testid': 'new-room-mode' },
    el('option', { value: 'facilitated' }, t('host.modeFacilitated')),
    el('option', { value: 'daily' }, t('host.modeDaily')),
  );
  private readonly seed = el('input', {
    id: 'new-room-seed',
    type: 'file',
    accept: SEED_TYPES.join(','),
    'data-testid': 'new-room-seed',
  });
  private readonly create = el(
    'button',
    { type: 'submit', class: 'primary', 'data-testid': 'new-room-create' },
    t('host.createRoom'),
  );
  /** Called with the current room's entry whenever the list arrives. */
  onRoom: (room: HostRoom) => void = () => undefined;

  constructor(
    private readonly slug: string,
    private readonly hooks: PanelHooks,
  ) {
    this.select.append(el('option', { value: slug }, slug));
    this.select.addEventListener('change', () => {
      if (this.select.value && this.select.value !== this.slug) switchRoom(this.select.value);
    });
    const form = el(
      'form',
      { class: 'new-room', novalidate: true, 'data-testid': 'new-room-form' },
      el('h3', { class: 'subhead' }, t('host.newRoom')),
      el('label', { for: 'new-room-name' }, t('host.newRoomName')),
      this.name,
      el('label', { for: 'new-room-mode' }, t('host.newRoomMode')),
      this.mode,
      el('label', { for: 'new-room-seed' }, t('host.newRoomSeed')),
      this.seed,
      el('div', { class: 'actions' }, this.create),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.createRoom();
    });
    this.element = el(
      'section',
      { class: 'panel', 'aria-labelledby': 'rooms-title', 'data-testid': 'host-rooms' },
      el('h2', { id: 'rooms-title' }, t('host.rooms')),
      el('label', { for: 'host-room-select' }, t('host.roomPicker')),
      this.select,
      form,
    );
  }

  async load(): Promise<void> {
    let rooms: HostRoom[];
    try {
      ({ rooms } = await hostApi.rooms());
    } catch (err) {
      this.hooks.onError(err instanceof ApiError ? err : t('host.roomsFailed'));
      return;
    }
    const options = rooms.map((room) =>
      el(
        'option',
        { value: room.slug, 'data-mode': room.mode },
        room.round
          ? t('host.roomOption', { name: room.name, slug: room.slug, n: room.round.number })
          : `${room.name} (${room.slug})`,
      ),
    );
    if (!rooms.some((r) => r.slug === this.slug)) {
      options.unshift(el('option', { value: this.slug }, this.slug));
    }
    this.select.replaceChildren(...options);
    this.select.value = this.slug;
    const current = rooms.find((r) => r.slug === this.slug);
    if (current) this.onRoom(current);
  }

  private async createRoom(): Promise<void> {
    const name = this.name.value.trim();
    if (!name) return this.hooks.onError(t('host.newRoomNameMissing'));
    const mode = this.mode.value === 'daily' ? 'daily' : 'facilitated';
    const file = this.seed.files?.[0];
    this.create.disabled = true;
    try {
      const seed = file ? await readDataUrl(file) : undefined;
      const { room } = await hostApi.createRoom(seed ? { name, mode, seed } : { name, mode });
      this.hooks.say(t('host.roomCreated', { name: room.name }));
      switchRoom(room.slug);
    } catch (err) {
      this.create.disabled = false;
      this.hooks.onError(
        err instanceof ApiError ? err : err instanceof Error ? err.message : t('host.createFailed'),
      );
    }
  }
}
