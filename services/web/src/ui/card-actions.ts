import type { MediaStatus } from '../api/operations.ts';
import { h } from './dom.ts';

/** What a card offers, by its state: the buttons are made once and shown or hidden, so focus survives an update. */
export type CardState = MediaStatus | 'uploading' | 'checking' | 'upload-failed';

export interface CardActionHandlers {
  cancel(): Promise<void>;
  retry(): Promise<void>;
  /** Deletes the item on the server (after the person confirmed). */
  remove(): Promise<void>;
  /** Forgets a card that never reached the server. */
  dismiss(): void;
  /** Opens the full-screen viewer. */
  view(): void;
  /** Opens the "Restore again" settings. */
  restore(): void;
  /** Downloads the original as uploaded. */
  downloadOriginal(): Promise<void>;
}

/** Which actions a state offers; pure, so the rules are tested without a browser. */
export function actionsFor(
  state: CardState,
  hasRetry: boolean,
): { cancel: boolean; retry: boolean; remove: boolean; dismiss: boolean; view: boolean; restore: boolean; original: boolean } {
  const onServer = state !== 'uploading' && state !== 'checking' && state !== 'upload-failed';
  return {
    cancel: state === 'QUEUED' || state === 'PROCESSING',
    retry: state === 'FAILED' || (state === 'upload-failed' && hasRetry),
    remove: onServer,
    dismiss: state === 'upload-failed',
    view: state === 'COMPLETED',
    restore: state === 'COMPLETED' || state === 'FAILED' || state === 'CANCELLED',
    // Whatever became of the restoration, the server keeps the original until the item is deleted.
    original: onServer,
  };
}

export interface CardActions {
  readonly element: HTMLElement;
  show(state: CardState, hasRetry: boolean): void;
  /** Says why an action did not work, beside the buttons. */
  fail(message: string): void;
  /** Puts the download controls in the row, after View full screen. */
  placeDownload(controls: HTMLElement): void;
  /** Where focus returns when the "Restore again" settings close. */
  focusRestore(): void;
}

export function createCardActions(filename: () => string, handlers: CardActionHandlers): CardActions {
  const message = h('p', { class: 'action-error', role: 'status' });
  const busy = (button: HTMLButtonElement, run: () => Promise<void>) => async () => {
    button.disabled = true;
    message.textContent = '';
    try {
      await run();
    } catch (error) {
      message.textContent = `That did not work: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      button.disabled = false;
    }
  };
  const view = h('button', { type: 'button', class: 'button primary', onclick: () => handlers.view() }, 'View full screen');
  const cancel = h('button', { type: 'button', class: 'button' }, 'Cancel');
  cancel.addEventListener('click', busy(cancel, handlers.cancel));
  const retry = h('button', { type: 'button', class: 'button primary' }, 'Try again');
  retry.addEventListener('click', busy(retry, handlers.retry));
  const dismiss = h('button', { type: 'button', class: 'button', onclick: () => handlers.dismiss() }, 'Remove from this list');
  const remove = h('button', { type: 'button', class: 'button danger-outline' }, 'Delete');
  const restore = h('button', { type: 'button', class: 'button', onclick: () => handlers.restore() }, 'Restore again…');
  const download = h('div', { class: 'download-slot' });
  const original = h('button', { type: 'button', class: 'button' }, 'Download original');
  original.addEventListener('click', busy(original, handlers.downloadOriginal));

  // A confirm in place of the buttons, not window.confirm: it is styled, announced, and reachable by keyboard.
  const confirmText = h('p', { class: 'confirm-text' });
  const yes = h('button', { type: 'button', class: 'button danger' }, 'Delete for good');
  const no = h('button', { type: 'button', class: 'button' }, 'Keep it');
  const confirm = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-label': 'Confirm deletion', hidden: true },
    confirmText,
    h('div', { class: 'actions' }, yes, no),
  );
  const buttons = h('div', { class: 'actions' }, view, download, cancel, retry, restore, original, dismiss, remove);
  remove.addEventListener('click', () => {
    confirmText.textContent = `Delete ${filename()} for good? Its original and restored files are removed from the server.`;
    buttons.hidden = true;
    confirm.hidden = false;
    no.focus();
  });
  no.addEventListener('click', () => {
    confirm.hidden = true;
    buttons.hidden = false;
    remove.focus();
  });
  yes.addEventListener(
    'click',
    busy(yes, async () => {
      try {
        await handlers.remove();
      } catch (error) {
        confirm.hidden = true;
        buttons.hidden = false;
        remove.focus();
        throw error;
      }
    }),
  );

  return {
    element: h('div', { class: 'card-actions' }, buttons, confirm, message),
    show(state, hasRetry) {
      const offered = actionsFor(state, hasRetry);
      view.hidden = !offered.view;
      cancel.hidden = !offered.cancel;
      retry.hidden = !offered.retry;
      dismiss.hidden = !offered.dismiss;
      remove.hidden = !offered.remove;
      restore.hidden = !offered.restore;
      original.hidden = !offered.original;
      download.hidden = !offered.view || !download.hasChildNodes();
      if (!offered.remove) {
        confirm.hidden = true;
        buttons.hidden = false;
      }
    },
    fail(text) {
      message.textContent = text;
    },
    placeDownload(controls) {
      download.replaceChildren(controls);
      download.hidden = view.hidden;
    },
    focusRestore() {
      restore.focus();
    },
  };
}
