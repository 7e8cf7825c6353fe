import { ApiError } from '../api/errors.ts';
import type { GraphqlHttp } from '../api/graphql-http.ts';
import type { Media } from '../api/operations.ts';
import type { ProgressClient } from '../api/progress-client.ts';
import { h } from './dom.ts';
import type { Announcer } from './live-region.ts';
import { createMediaCard, type MediaCard } from './media-card.ts';

const PAGE_SIZE = 12;

/** The user's media, newest first: this visit's uploads on top, older ones a page at a time. */
export interface Library {
  readonly element: HTMLElement;
  createCard(): MediaCard;
  /** Puts cards at the top, in the order given. */
  prepend(cards: readonly MediaCard[]): void;
  /** Shows an item on its card and keeps it live until it finishes. */
  follow(card: MediaCard, media: Media): void;
  /** The first page; throws the ApiError (sign-in needed, server away) for the caller to show. */
  loadFirstPage(): Promise<void>;
}

export interface LibraryDeps {
  http: GraphqlHttp;
  progress: ProgressClient;
  announce: Announcer['announce'];
  onAuthFailure: (error: ApiError) => void;
}

export function createLibrary(deps: LibraryDeps): Library {
  const list = h('ul', { class: 'cards', 'aria-labelledby': 'library-title' });
  const empty = h('p', { class: 'empty' }, 'Nothing here yet. Your restored photos and videos will appear here.');
  const loadError = h('p', { class: 'load-error', role: 'alert' });
  const more = h('button', { type: 'button', class: 'button load-more', hidden: true }, 'Show older photos and videos');
  const element = h(
    'section',
    { class: 'library', 'aria-labelledby': 'library-title' },
    h('h2', { id: 'library-title' }, 'Your photos and videos'),
    empty,
    list,
    loadError,
    more,
  );

  const byId = new Map<string, MediaCard>();
  const stops = new Map<MediaCard, () => void>();
  let endCursor: string | null = null;

  const refreshEmpty = () => (empty.hidden = list.childElementCount > 0);
  const unfollow = (card: MediaCard) => {
    stops.get(card)?.();
    stops.delete(card);
    for (const [id, c] of byId) if (c === card) byId.delete(id);
  };

  const library: Library = {
    element,
    createCard: () =>
      createMediaCard({
        announce: deps.announce,
        refresh: (id) => deps.http.media(id).catch(() => null),
        onRemove: (card) => {
          unfollow(card);
          // Focus would be lost with the card: hand it to the list's heading.
          const heading = element.querySelector('h2');
          heading?.setAttribute('tabindex', '-1');
          card.element.remove();
          heading?.focus();
          refreshEmpty();
        },
      }),
    prepend(cards) {
      list.prepend(...cards.map((c) => c.element));
      refreshEmpty();
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
    loadFirstPage: () => loadPage(null),
  };

  async function loadPage(after: string | null): Promise<void> {
    const page = await deps.http.medias(PAGE_SIZE, after);
    for (const { node } of page.edges) {
      // Uploaded during this visit: already on top with its live card.
      if (byId.has(node.id)) continue;
      const card = library.createCard();
      list.append(card.element);
      library.follow(card, node);
    }
    endCursor = page.pageInfo.endCursor;
    more.hidden = !page.pageInfo.hasNextPage;
    refreshEmpty();
  }

  more.addEventListener('click', () => {
    more.disabled = true;
    loadError.textContent = '';
    const firstNew = list.childElementCount;
    loadPage(endCursor)
      .then(() => {
        // Keyboard users land on the first card that appeared, not back at the top.
        const next = list.children[firstNew] as HTMLElement | undefined;
        next?.setAttribute('tabindex', '-1');
        next?.focus();
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.isAuthFailure) deps.onAuthFailure(error);
        else loadError.textContent = `Could not load more: ${error instanceof Error ? error.message : String(error)}`;
      })
      .finally(() => (more.disabled = false));
  });
  refreshEmpty();
  return library;
}
