// The facilitator sign-in form (POST /api/host/session with the token).
import { ApiError, api } from '../api';
import { el } from '../dom';

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
    'Sign in',
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
    el('label', { for: 'host-token' }, 'Facilitator token'),
    el('div', { class: 'form-row' }, input, button),
    error,
  );
  root.replaceChildren(
    el(
      'main',
      { class: 'landing' },
      el('h1', {}, 'Facilitator console'),
      el(
        'section',
        { class: 'panel' },
        el('p', {}, 'Sign in with the facilitator token to run the rounds.'),
        form,
      ),
    ),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      error.textContent = 'Enter the facilitator token.';
      error.hidden = false;
      return;
    }
    button.disabled = true;
    try {
      await api.hostSignIn({ token });
      onSignedIn();
    } catch (err) {
      button.disabled = false;
      error.textContent = err instanceof ApiError ? err.message : 'Could not sign in.';
      error.hidden = false;
    }
  });
  input.focus();
}
