// The facilitator sign-in form (POST /api/host/session with the token).
import { ApiError, api } from '../api';
import { el } from '../dom';
import { t } from '../i18n';

export function showSignIn(root: HTMLElement, onSignedIn: () => void): void {
  const input = el('input', {
    id: 'host-token',
    type: 'password',
    autocomplete: 'current-password',
    maxlength: 200,
    required: true,
    'data-testid': 'token-input',
  });
  const button = el(
    'button',
    { type: 'submit', class: 'primary', 'data-testid': 'signin-button' },
    t('signin.button'),
  );
  const error = el('p', {
    class: 'error-text',
    'data-testid': 'signin-error',
    role: 'alert',
    hidden: true,
  });
  const form = el(
    'form',
    { class: 'join-form', novalidate: true },
    el('label', { for: 'host-token' }, t('signin.token')),
    el('div', { class: 'form-row' }, input, button),
    error,
  );
  document.title = t('app.pageTitle', { name: t('signin.title') });
  root.replaceChildren(
    el(
      'main',
      { class: 'landing' },
      el('h1', {}, t('signin.title')),
      el('section', { class: 'panel' }, el('p', {}, t('signin.intro')), form),
    ),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      error.textContent = t('signin.empty');
      error.hidden = false;
      return;
    }
    button.disabled = true;
    try {
      await api.hostSignIn({ token });
      onSignedIn();
    } catch (err) {
      button.disabled = false;
      error.textContent = err instanceof ApiError ? err.message : t('signin.failed');
      error.hidden = false;
    }
  });
  input.focus();
}
