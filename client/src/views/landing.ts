// Landing page: what the activity is, and joining a room under a nickname.
import { ApiError, api } from '../api';
import { SLUG_PATTERN, el, roomPath } from '../dom';
import { LIMITS } from '../generated/protocol';

/** ?room= wins over the page's default room: the room page sends newcomers here with it. */
export function landingRoom(search: string, fallback: string): string {
  const asked = new URLSearchParams(search).get('room');
  return asked && SLUG_PATTERN.test(asked) ? asked : fallback;
}

export function mountLanding(root: HTMLElement, defaultRoom: string): void {
  const room = landingRoom(window.location.search, defaultRoom);
  const input = el('input', {
    id: 'nickname',
    type: 'text',
    name: 'nickname',
    autocomplete: 'nickname',
    required: true,
    maxlength: LIMITS.nickname_max_chars,
    'data-testid': 'nickname-input',
    'aria-describedby': 'join-error',
  });
  const button = el(
    'button',
    { type: 'submit', class: 'primary', 'data-testid': 'join-button' },
    'Join',
  );
  const error = el('p', {
    id: 'join-error',
    class: 'error-text',
    'data-testid': 'join-error',
    role: 'alert',
    hidden: true,
  });
  const resume = el('p', { class: 'resume', hidden: true });
  const form = el(
    'form',
    { class: 'join-form', novalidate: true },
    el('label', { for: 'nickname' }, 'Your nickname'),
    el('div', { class: 'form-row' }, input, button),
    error,
  );

  root.replaceChildren(
    el(
      'main',
      { class: 'landing' },
      el('h1', {}, 'PixelPatchwork'),
      el('p', { class: 'lead' }, 'Make one picture together, one patch at a time.'),
      el(
        'section',
        { class: 'panel', 'aria-labelledby': 'how-title' },
        el('h2', { id: 'how-title' }, 'How a round works'),
        el(
          'ol',
          { class: 'steps' },
          el(
            'li',
            {},
            'Everyone sees the same seed image. Paint a mask over the part you want to change and describe what should be there.',
          ),
          el(
            'li',
            {},
            'The image model repaints just that area. Everyone’s results appear live in the shared gallery.',
          ),
          el('li', {}, 'Then everyone votes the others’ images up or down.'),
          el(
            'li',
            {},
            'The winner becomes the next seed on every screen, and the next round builds on it.',
          ),
        ),
      ),
      el(
        'section',
        { class: 'panel', 'aria-labelledby': 'join-title' },
        el('h2', { id: 'join-title' }, room === 'main' ? 'Join the room' : `Join room “${room}”`),
        resume,
        form,
      ),
    ),
  );

  void api.getSession().then(
    ({ me }) => {
      if (!me || me.room !== room) return;
      resume.replaceChildren(
        el(
          'a',
          { href: roomPath(room), class: 'button-link', 'data-testid': 'continue-link' },
          `Continue as ${me.nickname}`,
        ),
        ' or pick another nickname below.',
      );
      resume.hidden = false;
    },
    () => undefined,
  );

  const showError = (message: string) => {
    error.textContent = message;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
  };
  input.addEventListener('input', () => {
    error.hidden = true;
    input.removeAttribute('aria-invalid');
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const nickname = input.value.trim();
    if (!nickname) return showError('Pick a nickname first.');
    if (nickname.length > LIMITS.nickname_max_chars) {
      return showError(`A nickname has at most ${LIMITS.nickname_max_chars} characters.`);
    }
    button.disabled = true;
    try {
      await api.join({ room, nickname });
      window.location.assign(roomPath(room));
    } catch (err) {
      button.disabled = false;
      // The server's message says what to do (e.g. for nickname_taken); show it as is.
      showError(err instanceof ApiError ? err.message : 'Could not join. Please try again.');
    }
  });
  input.focus();
}
