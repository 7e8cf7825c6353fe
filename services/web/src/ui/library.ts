import { ApiError } from '../api/errors.ts';
import type { GraphqlHttp } from '../api/graphql-http.ts';
import type { DownloadFormat, Media, MediaFilter } from '../api/operations.ts';
import type { ProgressClient } from '../api/progress-client.ts';
import { h, setChildren } from './dom.ts';
import type { Announcer } from './live-region.ts';
import { createMediaCard, type MediaCard } from './media-card.ts';
import { createLibraryFilter } from './library-filter.ts';
import { libraryView, type LibraryPhase } from './library-state.ts';
import { follow as followLink } from './result-view.ts';

const PAGE_SIZE = 12;

/** The user's media, newest first: this visit's uploads on top, older ones a page at a time. */
export interface Library {
  readonly element: HTMLElement;
  createCard(): MediaCard;
  /** Puts cards at the top, in the order given. */
  prepend(cards: readonly MediaCard[]): void;
  /** Shows an item on its card and keeps it live until it finishes. */
  follow(card: MediaCard, media: Media): void;
  /** The first page; a failure other than sign-in is shown in place, with a way to try again. */
  loadFirstPage(): Promise<void>;
}

export interface LibraryDeps {
  http: GraphqlHttp;
  progress: ProgressClient;
  announce: Announcer['announce'];
  onAuthFailure: (error: ApiError) => void;
  /** Opens the full-screen viewer on a finished item. */
  view: (media: Media) => void;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createLibrary(deps: LibraryDeps): Library {
  const list = h('ul', { class: 'cards', 'aria-labelledby': 'library-title' });
  const loading = h(
    'p',
    { class: 'library-loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    'Loading your photos and videos…',
  );
  const emptyText = 'Nothing here yet. Your restored photos and videos will appear here.';
  const empty = h('p', { class: 'empty' }, emptyText);
  let filter: MediaFilter | null = null;
  const filterBar = createLibraryFilter((next) => {
    filter = next;
    // Cards still uploading stay; every item from the server is loaded again through the filter.
    for (const card of [...byId.values()]) takeOff(card, false);
    selection.update();
    empty.textContent = filter ? 'Nothing matches this filter.' : emptyText;
    void library.loadFirstPage().catch(deps.onAuthFailure);
  });
  const selection = createSelectionBar();
  const failed = h('div', { class: 'library-error', role: 'alert' });
  const loadError = h('p', { class: 'load-error', role: 'alert' });
  const more = h('button', { type: 'button', class: 'button load-more', hidden: true }, 'Show older photos and videos');
  const heading = h('h2', { id: 'library-title', tabindex: '-1' }, 'Your photos and videos');
  const element = h(
    'section',
    { class: 'library', 'aria-labelledby': 'library-title' },
    h('div', { class: 'library-head' }, heading, filterBar.element),
    selection.element,
    loading,
    failed,
    empty,
    list,
    loadError,
    more,
  );

  const byId = new Map<string, MediaCard>();
  const stops = new Map<MediaCard, () => void>();
  let endCursor: string | null = null;
  let phase: LibraryPhase = 'loading';

  const render = () => {
    const view = libraryView(phase, list.childElementCount);
    loading.hidden = !view.loading;
    failed.hidden = !view.error;
    empty.hidden = !view.empty;
  };
  const unfollow = (card: MediaCard) => {
    stops.get(card)?.();
    stops.delete(card);
    for (const [id, c] of byId) if (c === card) byId.delete(id);
  };
  const takeOff = (card: MediaCard, rerender = true) => {
    unfollow(card);
    // Focus would be lost with the card: hand it to the list's heading.
    const hadFocus = card.element.contains(document.activeElement);
    card.element.remove();
    if (hadFocus) heading.focus();
    if (rerender) {
      render();
      selection.update();
    }
  };
  const act = async (id: string, run: () => Promise<Media>) => {
    try {
      const media = await run();
      const card = byId.get(id);
      if (card) library.follow(card, media);
    } catch (error) {
      if (error instanceof ApiError && error.isAuthFailure) deps.onAuthFailure(error);
      throw error;
    }
  };

  const makeCard = (quietAtFirst: boolean): MediaCard => {
    const card: MediaCard = createMediaCard({
      announce: deps.announce,
      quietAtFirst,
      refresh: (id) => deps.http.media(id).catch(() => null),
      onRemove: (c) => takeOff(c),
      cancel: (id) => act(id, () => deps.http.cancel(id)),
      // The item starts over from the step that failed: follow it live again.
      retry: (id) => act(id, () => deps.http.retry(id)),
      remove: async (id) => {
        await deps.http.remove([id]);
        deps.announce(`${card.element.querySelector('h3')?.textContent ?? 'The item'} was deleted.`);
        takeOff(card);
      },
      view: deps.view,
      downloadUrl: (id, format) => deps.http.downloadUrl(id, format),
      originalDownloadUrl: (id) => deps.http.originalDownloadUrl(id),
      reprocess: async (id, options) => {
        const media = await deps.http.reprocess(id, options);
        // A new item: on top, followed live like an upload.
        const fresh = makeCard(false);
        library.prepend([fresh]);
        library.follow(fresh, media);
        fresh.element.scrollIntoView({ block: 'nearest' });
      },
    });
    return card;
  };
  const selected = () => [...byId.entries()].filter(([, c]) => c.selected).map(([id]) => id);

  /** Appears once a card is ticked: how many, one ZIP of them, or delete them all. */
  function createSelectionBar() {
    const count = h('p', { class: 'selection-count', role: 'status' });
    const formatId = 'selection-format';
    const format = h(
      'select',
      { id: formatId },
      h('option', { value: 'PNG' }, 'PNG'),
      h('option', { value: 'JPEG' }, 'JPEG'),
      h('option', { value: 'WEBP' }, 'WebP'),
    );
    const message = h('p', { class: 'action-error', role: 'status' });
    const zip = h('button', { type: 'button', class: 'button primary' }, 'Download as one ZIP');
    const remove = h('button', { type: 'button', class: 'button danger-outline' }, 'Delete selected');
    const yes = h('button', { type: 'button', class: 'button danger' }, 'Delete them for good');
    const no = h('button', { type: 'button', class: 'button' }, 'Keep them');
    const confirmText = h('p', { class: 'confirm-text' });
    const confirm = h(
      'div',
      { class: 'confirm', role: 'group', 'aria-label': 'Confirm deletion', hidden: true },
      confirmText,
      h('div', { class: 'actions' }, yes, no),
    );
    const buttons = h('div', { class: 'actions' }, h('label', { for: formatId }, 'Pictures as'), format, zip, remove);
    const bar = h(
      'div',
      { class: 'selection-bar', role: 'region', 'aria-label': 'Selected items', hidden: true },
      count,
      buttons,
      confirm,
      message,
    );
    const run = async (button: HTMLButtonElement, work: () => Promise<void>) => {
      button.disabled = true;
      message.textContent = '';
      try {
        await work();
      } catch (error) {
        if (error instanceof ApiError && error.isAuthFailure) deps.onAuthFailure(error);
        message.textContent = `That did not work: ${messageOf(error)}`;
      } finally {
        button.disabled = false;
      }
    };
    zip.addEventListener('click', () =>
      run(zip, async () => {
        const url = await deps.http.archiveUrl(selected(), format.value as DownloadFormat);
        followLink(url, 'revive.zip');
      }),
    );
    remove.addEventListener('click', () => {
      const n = selected().length;
      confirmText.textContent = `Delete ${n === 1 ? 'this item' : `these ${n} items`} for good? Their originals and restored files are removed from the server.`;
      buttons.hidden = true;
      confirm.hidden = false;
      no.focus();
    });
    const closeConfirm = () => {
      confirm.hidden = true;
      buttons.hidden = false;
    };
    no.addEventListener('click', () => {
      closeConfirm();
      remove.focus();
    });
    yes.addEventListener('click', () =>
      run(yes, async () => {
        const ids = selected();
        await deps.http.remove(ids);
        closeConfirm();
        for (const id of ids) {
          const card = byId.get(id);
          if (card) takeOff(card, false);
        }
        deps.announce(`${ids.length} ${ids.length === 1 ? 'item was' : 'items were'} deleted.`);
        heading.focus();
        render();
        update();
      }),
    );
    const update = () => {
      const n = selected().length;
      bar.hidden = n === 0;
      if (n === 0) closeConfirm();
      count.textContent = `${n} selected`;
    };
    return { element: bar, update };
  }

  const library: Library = {
    element,
    createCard: () => makeCard(false),
    prepend(cards) {
      list.prepend(...cards.map((c) => c.element));
      render();
    },
    follow(card, media) {
      unfollow(card);
      byId.set(media.id, card);
      card.update(media);
      stops.set(
        card,
        deps.progress.watch(media, {
          onUpdate: (update) => card.update(update.media),
          onAuthFailure: deps.onAuthFailure,
        }),
      );
    },
    async loadFirstPage() {
      phase = 'loading';
      render();
      try {
        await loadPage(null);
        phase = 'loaded';
      } catch (error) {
        if (error instanceof ApiError && error.isAuthFailure) throw error;
        phase = 'failed';
        setChildren(
          failed,
          h('p', { class: 'error-title' }, 'Your photos and videos could not be loaded.'),
          h('p', { class: 'error-detail' }, messageOf(error)),
          h(
            'button',
            { type: 'button', class: 'button', onclick: () => void library.loadFirstPage().catch(deps.onAuthFailure) },
            'Try again',
          ),
        );
      } finally {
        render();
      }
    },
  };

  async function loadPage(after: string | null): Promise<void> {
    const page = await deps.http.medias(PAGE_SIZE, after, filter);
    for (const { node } of page.edges) {
      // Uploaded during this visit: already on top with its live card.
      if (byId.has(node.id)) continue;
      const card = makeCard(true);
      list.append(card.element);
      library.follow(card, node);
    }
    endCursor = page.pageInfo.endCursor;
    more.hidden = !page.pageInfo.hasNextPage;
  }

  list.addEventListener('selection', () => selection.update());
  more.addEventListener('click', () => {
    more.disabled = true;
    loadError.textContent = '';
    const firstNew = list.childElementCount;
    loadPage(endCursor)
      .then(() => {
        render();
        // Keyboard users land on the first card that appeared, not back at the top.
        const next = list.children[firstNew] as HTMLElement | undefined;
        next?.setAttribute('tabindex', '-1');
        next?.focus();
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.isAuthFailure) deps.onAuthFailure(error);
        else loadError.textContent = `Could not load more: ${messageOf(error)}`;
      })
      .finally(() => (more.disabled = false));
  });
  render();
  return library;
}
