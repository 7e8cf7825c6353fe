import { h } from '../ui/dom.ts';

/**
 * Sign-in, shown only when the server asks who we are (HTTP 401 or UNAUTHENTICATED). Accounts
 * arrive with issue 8 as API tokens or JWTs; either way the page ends up holding one bearer
 * token, so this form takes the token itself. A username/password exchange would replace only
 * the inside of `submit`.
 */
export interface SignInForm {
  readonly element: HTMLElement;
  show(reason: string): void;
}

/** Checks a token with the server; resolves with an error message, or null when it was accepted. */
export type SubmitToken = (token: string) => Promise<string | null>;

export function createSignInForm(submit: SubmitToken): SignInForm {
  const reason = h('p', { id: 'sign-in-reason' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    required: true,
    autocomplete: 'current-password',
    spellcheck: 'false',
    'aria-describedby': 'sign-in-reason token-hint',
  });
  const button = h('button', { type: 'submit', class: 'button primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in-form' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'token' }, 'Access token'),
      input,
      h(
        'p',
        { class: 'hint', id: 'token-hint' },
        'Running Revive yourself? Your token is in ',
        h('code', {}, '.revive/owner-token'),
        ' in the folder where the server runs. Otherwise use the token you were given. It stays in this browser until you sign out.',
      ),
    ),
    error,
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    button.disabled = true;
    error.textContent = '';
    void submit(token)
      .then((message) => {
        if (message) {
          error.textContent = message;
          input.focus();
        }
      })
      .finally(() => (button.disabled = false));
  });
  const element = h(
    'section',
    { class: 'panel sign-in', id: 'sign-in', 'aria-labelledby': 'sign-in-title', hidden: true },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    reason,
    form,
  );
  return {
    element,
    show(text) {
      reason.textContent = text;
      element.hidden = false;
      input.focus();
    },
  };
}
