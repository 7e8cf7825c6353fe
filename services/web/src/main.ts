import { ApiError } from './api/errors.ts';
import { createGraphqlHttp } from './api/graphql-http.ts';
import { createProgressClient } from './api/progress-client.ts';
import { createSignInForm } from './auth/sign-in-form.ts';
import { createTokenStore } from './auth/token-store.ts';
import { h, setChildren } from './ui/dom.ts';
import { createDropZone } from './ui/drop-zone.ts';
import { createLibrary } from './ui/library.ts';
import { createAnnouncer } from './ui/live-region.ts';
import { createOptionsForm } from './ui/options-form.ts';
import { createUploader } from './ui/uploader.ts';
import { createViewer } from './ui/viewer.ts';

// The gateway serves this page and the API from one origin; <meta name="revive-graphql"> may point elsewhere.
const endpoint = new URL(document.querySelector<HTMLMetaElement>('meta[name="revive-graphql"]')?.content || '/graphql', location.href).href;

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html lacks #${id}`);
  return element;
}

function localStorageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const tokens = createTokenStore(localStorageOrNull());
const http = createGraphqlHttp(endpoint, tokens);
const progress = createProgressClient({ http, tokens });
const announcer = createAnnouncer(byId('announcer'));
const app = byId('app');

const signIn = createSignInForm(async (token) => {
  tokens.set(token);
  try {
    await http.medias(1, null);
  } catch (error) {
    tokens.clear();
    if (error instanceof ApiError && error.isAuthFailure) return 'That token was not accepted. Check it and try again.';
    return `The token could not be checked: ${error instanceof Error ? error.message : String(error)}`;
  }
  // A clean start: every request and the live connection now carry the token.
  location.reload();
  return null;
});
byId('sign-in-slot').append(signIn.element);

let signInShown = false;
function requireSignIn(): void {
  if (signInShown) return;
  signInShown = true;
  app.hidden = true;
  signIn.show(
    tokens.get()
      ? 'Your sign-in has expired or was not accepted. Please sign in again.'
      : 'This Revive server asks you to sign in before you can restore photos and videos.',
  );
}

function signOut(): void {
  tokens.clear();
  location.reload();
}

// Signed in: say so and offer to sign out. With no token the slot stays empty, as it does on a
// server that asks nobody to sign in.
if (tokens.get()) {
  setChildren(
    byId('account'),
    h('span', { class: 'signed-in' }, 'Signed in'),
    h('button', { type: 'button', class: 'button small', onclick: signOut }, 'Sign out'),
  );
}

const viewer = createViewer();
document.body.append(viewer.element);
const library = createLibrary({ http, progress, announce: announcer.announce, onAuthFailure: requireSignIn, view: viewer.open });
const uploader = createUploader({ endpoint, token: tokens.get, library, onAuthFailure: requireSignIn });
const options = createOptionsForm(localStorageOrNull());
byId('add-body').append(
  createDropZone((files) => uploader.add(files, options.current())),
  options.element,
);
app.append(library.element);

// Any other failure is shown by the library itself, in place of its cards.
library.loadFirstPage().catch(() => requireSignIn());
