import { ApiError } from '../api/errors.ts';
import type { GraphqlHttp } from '../api/graphql-http.ts';
import type { Media } from '../api/operations.ts';
import type { ProgressClient } from '../api/progress-client.ts';
import { h, setChildren } from './dom.ts';
import type { Announcer } from './live-region.ts';
import { createMediaCard, type MediaCard } from './media-card.ts';
import { libraryView, type LibraryPhase } from './library-state.ts';

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
  const empty = h('p', { class: 'empty' }, 'Nothing here yet. Your restored photos and videos will appear here.');
  const failed = h('div', { class: 'library-error', role: 'alert' });
  const loadError = h('p', { class: 'load-error', role: 'alert' });
  const more = h('button', { type: 'button', class: 'button load-more', hidden: true }, 'Show older photos and videos');
  const heading = h('h2', { id: 'library-title', tabindex: '-1' }, 'Your photos and videos');
  const element = h(
    'section',
    { class: 'library', 'aria-labelledby': 'library-title' },
    heading,
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
  const takeOff = (card: MediaCard) => {
    unfollow(card);
    // Focus would be lost with the card: hand it to the list's heading.
    const hadFocus = card.element.contains(document.activeElement);
    card.element.remove();
    if (hadFocus) heading.focus();
    render();
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
    });
    return card;
  };

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
    const page = await deps.http.medias(PAGE_SIZE, after);
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
