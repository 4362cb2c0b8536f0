// Landing page: what the activity is, and joining a room under a nickname. A room comes from
// ?room= (the join link /j/CODE redirects here with it) or from a join code typed in.
import { ApiError, api } from '../api';
import { SLUG_PATTERN, el, roomPath, setText } from '../dom';
import { LIMITS } from '../generated/protocol';
import { getLanguage, t } from '../i18n';
import { langSwitch } from './lang-switch';

/** ?room= wins over the page's default room: the room page sends newcomers here with it. */
export function landingRoom(search: string, fallback: string): string {
  const asked = new URLSearchParams(search).get('room');
  return asked && SLUG_PATTERN.test(asked) ? asked : fallback;
}

/** The code of a join link that named no room (?code=X&unknown=1), cleaned for display. */
export function unknownCode(search: string): string | null {
  const params = new URLSearchParams(search);
  if (params.get('unknown') !== '1') return null;
  const code = normaliseCode(params.get('code') ?? '');
  return code === '' ? null : code;
}

/** What people type: any case, spaces or dashes between groups. */
/** The study's participant id from the join link, when it is one the server accepts. */
export function participantRef(search: string): string | null {
  const pid = new URLSearchParams(search).get('pid');
  return pid && /^[A-Za-z0-9_.-]{1,64}$/.test(pid) ? pid : null;
}

export function normaliseCode(raw: string): string {
  return raw
    .replace(/[\s-]+/g, '')
    .toUpperCase()
    .slice(0, 16);
}

function joinHeading(room: string, name: string | null): string {
  if (name === null && room === 'main') return t('landing.joinMain');
  return t('landing.joinRoom', { room: name ?? room });
}

export function mountLanding(root: HTMLElement, defaultRoom: string): void {
  let room = landingRoom(window.location.search, defaultRoom);
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
    t('landing.join'),
  );
  const suggest = el(
    'button',
    { type: 'button', 'data-testid': 'random-nickname', 'aria-label': t('landing.suggestLabel') },
    t('landing.suggest'),
  );
  suggest.addEventListener('click', () => {
    void api.suggestNickname().then(
      ({ nickname }) => {
        input.value = nickname;
        input.focus();
      },
      () => undefined,
    );
  });
  // Research rooms ask for consent; a study's participant id may come in the link (?pid=).
  const consent = el('input', { id: 'consent', type: 'checkbox', 'data-testid': 'consent-checkbox' });
  const consentRow = el(
    'p',
    { class: 'consent', hidden: true },
    consent,
    ' ',
    el('label', { for: 'consent' }, t('landing.consent')),
  );
  const pid = participantRef(window.location.search);
  const error = el('p', {
    id: 'join-error',
    class: 'error-text',
    'data-testid': 'join-error',
    role: 'alert',
    hidden: true,
  });
  const resume = el('p', { class: 'resume', hidden: true });
  const heading = el('h2', { id: 'join-title' }, joinHeading(room, null));
  const form = el(
    'form',
    { class: 'join-form', novalidate: true },
    el('label', { for: 'nickname' }, t('landing.nickname')),
    el('div', { class: 'form-row' }, input, suggest, button),
    consentRow,
  );
  const showConsentIfNeeded = () => {
    void api.getRoom(room).then(
      (snapshot) => {
        consentRow.hidden = snapshot.room.research !== true;
      },
      () => undefined,
    );
  };
  showConsentIfNeeded();
  const codeInput = el('input', {
    id: 'join-code',
    type: 'text',
    name: 'code',
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: 'false',
    maxlength: 16,
    class: 'code-input',
    'data-testid': 'code-input',
    'aria-describedby': 'join-error',
  });
  const codeButton = el(
    'button',
    { type: 'submit', 'data-testid': 'code-button' },
    t('landing.codeButton'),
  );
  const codeForm = el(
    'form',
    { class: 'code-form', novalidate: true },
    el('label', { for: 'join-code' }, t('landing.codeTitle')),
    el('div', { class: 'form-row' }, codeInput, codeButton),
  );

  root.replaceChildren(
    el(
      'main',
      { class: 'landing' },
      el('div', { class: 'landing-head' }, el('h1', {}, t('app.name')), langSwitch(getLanguage())),
      el('p', { class: 'lead' }, t('landing.lead')),
      el(
        'section',
        { class: 'panel', 'aria-labelledby': 'how-title' },
        el('h2', { id: 'how-title' }, t('landing.howTitle')),
        el(
          'ol',
          { class: 'steps' },
          el('li', {}, t('landing.step1')),
          el('li', {}, t('landing.step2')),
          el('li', {}, t('landing.step3')),
          el('li', {}, t('landing.step4')),
        ),
      ),
      el(
        'section',
        { class: 'panel', 'aria-labelledby': 'join-title' },
        heading,
        resume,
        form,
        error,
        codeForm,
      ),
    ),
  );

  const showResume = () => {
    resume.hidden = true;
    void api.getSession().then(
      ({ me }) => {
        if (!me || me.room !== room) return;
        resume.replaceChildren(
          el(
            'a',
            { href: roomPath(room), class: 'button-link', 'data-testid': 'continue-link' },
            t('landing.continueAs', { name: me.nickname }),
          ),
          ` ${t('landing.orPick')}`,
        );
        resume.hidden = false;
      },
      () => undefined,
    );
  };
  showResume();

  const showError = (message: string, field: HTMLInputElement = input) => {
    error.textContent = message;
    error.hidden = false;
    field.setAttribute('aria-invalid', 'true');
  };
  const clearError = () => {
    error.hidden = true;
    input.removeAttribute('aria-invalid');
    codeInput.removeAttribute('aria-invalid');
  };
  input.addEventListener('input', clearError);
  codeInput.addEventListener('input', clearError);

  const unknown = unknownCode(window.location.search);
  if (unknown !== null) {
    codeInput.value = unknown;
    showError(t('landing.codeUnknown', { code: unknown }), codeInput);
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const nickname = input.value.trim();
    if (!nickname) return showError(t('landing.pickFirst'));
    if (nickname.length > LIMITS.nickname_max_chars) {
      return showError(t('landing.tooLong', { max: LIMITS.nickname_max_chars }));
    }
    if (!consentRow.hidden && !consent.checked) return showError(t('landing.consentNeeded'));
    button.disabled = true;
    try {
      await api.join({
        room,
        nickname,
        ...(consentRow.hidden ? {} : { consent: true }),
        ...(pid ? { participant_ref: pid } : {}),
      });
      window.location.assign(roomPath(room));
    } catch (err) {
      button.disabled = false;
      // The server's message says what to do (e.g. for nickname_taken); show it as is.
      showError(err instanceof ApiError ? err.message : t('landing.joinFailed'));
    }
  });

  codeForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = normaliseCode(codeInput.value);
    if (!code) return showError(t('landing.codeEmpty'), codeInput);
    codeButton.disabled = true;
    try {
      const found = (await api.findRoomByCode(code)).room;
      clearError();
      room = found.slug;
      setText(heading, joinHeading(room, found.name));
      const url = new URL(window.location.href);
      url.search = `?room=${encodeURIComponent(room)}`;
      window.history.replaceState(null, '', url.toString());
      codeInput.value = '';
      showResume();
      showConsentIfNeeded();
      input.focus();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'join_code_unknown') {
        showError(t('landing.codeUnknown', { code }), codeInput);
      } else {
        showError(err instanceof ApiError ? err.message : t('landing.codeFailed'), codeInput);
      }
    } finally {
      codeButton.disabled = false;
    }
  });
  if (unknown !== null) codeInput.focus();
  else input.focus();
}
