import type { EnhanceOptions, Factor, Media } from '../api/operations.ts';
import { h } from './dom.ts';
import { createOptionsFields } from './options-form.ts';

/** "Restore again" on a card: the item's own options to change, then a new restoration from the stored original. */
export interface RestoreAgainPanel {
  readonly element: HTMLElement;
  open(media: Media): void;
  close(): void;
}

export function createRestoreAgainPanel(handlers: {
  restore(options: EnhanceOptions): Promise<void>;
  /** Focus goes back to what opened the panel. */
  onClose(): void;
}): RestoreAgainPanel {
  const element = h('form', { class: 'restore-again', hidden: true });
  const message = h('p', { class: 'action-error', role: 'status' });
  let current: (() => EnhanceOptions) | null = null;
  const close = () => {
    element.hidden = true;
    element.replaceChildren();
    current = null;
  };
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!current) return;
    const submit = element.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    submit.disabled = true;
    message.textContent = '';
    handlers
      .restore(current())
      .then(() => {
        close();
        handlers.onClose();
      })
      .catch((error: unknown) => {
        message.textContent = `That did not work: ${error instanceof Error ? error.message : String(error)}`;
      })
      .finally(() => (submit.disabled = false));
  });
  return {
    element,
    open(media) {
      const { options } = media;
      const fields = createOptionsFields(
        {
          scale: options.scale as Factor,
          colorize: options.colorize,
          repair: options.repair,
          frameRateFactor: options.frameRateFactor as Factor,
        },
        'Restore again with these settings',
        media.kind,
      );
      current = fields.current;
      element.replaceChildren(
        fields.element,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', class: 'button primary' }, 'Restore'),
          h(
            'button',
            {
              type: 'button',
              class: 'button',
              onclick: () => {
                close();
                handlers.onClose();
              },
            },
            'Never mind',
          ),
        ),
        message,
      );
      element.hidden = false;
      element.querySelector('select')?.focus();
    },
    close,
  };
}
