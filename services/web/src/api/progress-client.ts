import { createClient, type Client } from 'graphql-ws';
import { bearer, type TokenStore } from '../auth/token-store.ts';
import { ApiError, ClientCodes } from './errors.ts';
import type { GraphqlHttp } from './graphql-http.ts';
import { isTerminal, MEDIA_PROGRESS, type Media, type MediaProgress, type ResultOf, type VariablesOf } from './operations.ts';

/** The graphql-ws endpoint: the HTTP endpoint's host and path, ws(s) scheme. */
export function webSocketUrl(httpUrl: string, base?: string): string {
  const url = new URL(httpUrl, base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

export interface WatchHandlers {
  onUpdate(update: MediaProgress): void;
  /** The server refused who we are (a token that expired or none at all). */
  onAuthFailure(error: ApiError): void;
}

/** Live progress of items, over one shared graphql-ws connection. */
export interface ProgressClient {
  /** Follows an item until it is COMPLETED or FAILED; returns a function that stops following. */
  watch(initial: Media, handlers: WatchHandlers): () => void;
}

// graphql-ws close codes: 4401 (no connection_init ack), 4403 (the server's onConnect said no).
const AUTH_CLOSE_CODES = new Set([4401, 4403]);

function closeCodeOf(value: unknown): number | null {
  return typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number' ? value.code : null;
}

export function createProgressClient(options: { http: GraphqlHttp; tokens: TokenStore; pollIntervalMs?: number }): ProgressClient {
  const { http, tokens } = options;
  let client: Client | undefined;
  const connection = () =>
    (client ??= createClient({
      url: webSocketUrl(http.endpoint, location.href),
      // Read at every (re)connect, so a sign-in is used by the next connection.
      connectionParams: () => {
        const authorization = bearer(tokens.get());
        return authorization ? { authorization } : {};
      },
      lazy: true,
      retryAttempts: 8,
      shouldRetry: (e) => !AUTH_CLOSE_CODES.has(closeCodeOf(e) ?? 0),
    }));

  return {
    watch(initial, handlers) {
      let latest = initial;
      let stopped = false;
      const cleanups: Array<() => void> = [];
      const stop = () => {
        if (stopped) return;
        stopped = true;
        for (const cleanup of cleanups) cleanup();
      };
      const authFailure = (message: string) => {
        stop();
        handlers.onAuthFailure(new ApiError(ClientCodes.unauthenticated, message));
      };

      const accept = (update: MediaProgress) => {
        if (stopped) return;
        // A query answered late must not roll the card back behind a newer event.
        if (Date.parse(update.media.updatedAt) < Date.parse(latest.updatedAt)) return;
        latest = update.media;
        handlers.onUpdate(update);
        if (isTerminal(latest.status)) stop();
      };

      // The item may finish before the subscription exists, a reconnect loses events, and the
      // server may end the stream early: a query now and then settles what the socket missed.
      const refresh = async () => {
        if (stopped) return;
        try {
          const media = await http.media(latest.id);
          if (media) accept({ media, stage: null, event: 'SNAPSHOT', at: media.updatedAt });
        } catch (error) {
          if (error instanceof ApiError && error.isAuthFailure) authFailure(error.message);
          // Anything else is a blip; the next poll or event will do.
        }
      };

      if (isTerminal(latest.status)) return () => undefined;
      const ws = connection();
      cleanups.push(ws.on('connected', () => void refresh()));
      cleanups.push(
        ws.subscribe<ResultOf<typeof MEDIA_PROGRESS>>(
          {
            query: MEDIA_PROGRESS.query,
            operationName: MEDIA_PROGRESS.operationName,
            variables: { id: initial.id } satisfies VariablesOf<typeof MEDIA_PROGRESS>,
          },
          {
            next: (result) => {
              const code = result.errors?.[0]?.extensions?.code;
              if (code === ClientCodes.unauthenticated) authFailure(result.errors?.[0]?.message ?? 'please sign in');
              else if (result.data?.mediaProgress) accept(result.data.mediaProgress);
            },
            error: (error) => {
              if (AUTH_CLOSE_CODES.has(closeCodeOf(error) ?? 0)) authFailure('the server refused the live connection');
              // Otherwise the socket gave up after its retries: polling carries on alone.
            },
            complete: () => void refresh(),
          },
        ),
      );
      const poll = setInterval(() => void refresh(), options.pollIntervalMs ?? 5000);
      cleanups.push(() => clearInterval(poll));
      return stop;
    },
  };
}
