import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Connection } from './cli-args.ts';
import { GraphQLRequestError, NetworkError, toServerErrors } from './errors.ts';
import { fetchMedia } from './graphql-http.ts';
import { isTerminal, MEDIA_PROGRESS, type Media, type ProgressUpdate, type ResultOf, type VariablesOf } from './media.ts';

/** The graphql-ws endpoint: same host and path as the HTTP one, ws(s) scheme. */
export function webSocketUrl(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** A lazy graphql-ws client: it connects on the first subscription and closes after the last. */
export function createSubscriptionClient(connection: Connection): Client {
  const authorization = connection.token ? `Bearer ${connection.token}` : null;
  // The token goes in connection_init (what graphql-ws servers read) and on the upgrade
  // request too, for gateways or proxies that authenticate the HTTP handshake.
  class AuthorizedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, authorization ? { headers: { authorization } } : {});
    }
  }
  return createClient({
    url: webSocketUrl(connection.url),
    webSocketImpl: AuthorizedWebSocket,
    connectionParams: authorization ? { authorization } : {},
    lazy: true,
    retryAttempts: 3,
    // 4403 is the server refusing us; asking again will not change its mind.
    shouldRetry: (e) => isCloseEvent(e) && e.code !== 4403,
  });
}

export interface WatchOptions {
  connection: Connection;
  /** The item as the upload (or a query) returned it. */
  initial: Media;
  onUpdate: (update: ProgressUpdate) => void;
  /** How often to re-query as a safety net for events missed between subscribing and listening. */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Follows an item until it is COMPLETED or FAILED, whichever source says so first: the
 * `mediaProgress` subscription, or `media(id)` queried once the socket is up (the item may have
 * finished before the subscription existed, and no event would ever come) and then on a slow
 * poll (the server registers the subscription a moment after our query; a reconnect loses events).
 */
export function watchUntilTerminal(options: WatchOptions): Promise<Media> {
  const { connection, initial, onUpdate, signal } = options;
  const id = initial.id;
  const client = createSubscriptionClient(connection);
  let lastSocketError: unknown;

  return new Promise<Media>((resolve, reject) => {
    let latest = initial;
    let settled = false;
    const cleanups: Array<() => void> = [];
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      void client.dispose();
      finish();
    };

    const accept = (update: ProgressUpdate) => {
      if (settled) return;
      // A query answered late must not roll the view back behind a newer event.
      if (Date.parse(update.media.updatedAt) < Date.parse(latest.updatedAt)) return;
      // Polls mostly find nothing new; callers hear about changes, not about our polling.
      if (update.event === 'SNAPSHOT' && JSON.stringify(update.media) === JSON.stringify(latest)) return;
      latest = update.media;
      onUpdate(update);
      if (isTerminal(latest.status)) settle(() => resolve(latest));
      else if (update.event === 'COMPLETED' || update.event === 'FAILED') void refresh();
    };

    const refresh = async () => {
      if (settled) return;
      try {
        const media = await fetchMedia(connection, id, signal);
        if (!media) {
          settle(() => reject(new GraphQLRequestError([{ message: `media ${id} no longer exists`, code: 'NOT_FOUND' }])));
          return;
        }
        accept({ media, stage: null, event: 'SNAPSHOT', at: media.updatedAt });
      } catch (err) {
        // A blip on a poll is not worth dying for: the socket reports a lasting outage itself.
        if (!(err instanceof NetworkError)) settle(() => reject(err));
      }
    };

    cleanups.push(client.on('connected', () => void refresh()));
    cleanups.push(client.on('error', (err) => (lastSocketError = err)));
    cleanups.push(
      client.subscribe<ResultOf<typeof MEDIA_PROGRESS>>(
        {
          query: MEDIA_PROGRESS.query,
          operationName: MEDIA_PROGRESS.operationName,
          variables: { id } satisfies VariablesOf<typeof MEDIA_PROGRESS>,
        },
        {
          next: (result) => {
            if (result.errors?.length) {
              settle(() => reject(new GraphQLRequestError(toServerErrors(result.errors))));
            } else if (result.data?.mediaProgress) {
              accept(result.data.mediaProgress);
            }
          },
          error: (err) => settle(() => reject(subscriptionError(err, lastSocketError, webSocketUrl(connection.url)))),
          // The server ended the stream: its last word may be missing, so ask for the state.
          complete: () => void refresh(),
        },
      ),
    );
    const poll = setInterval(() => void refresh(), options.pollIntervalMs ?? 5000);
    cleanups.push(() => clearInterval(poll));

    if (signal) {
      const onAbort = () => settle(() => reject(signal.reason));
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
  });
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number';
}

/** Turns what graphql-ws hands a sink's `error` (errors[], a CloseEvent, an ErrorEvent) into our errors. */
export function subscriptionError(err: unknown, lastSocketError: unknown, url: string): Error {
  if (Array.isArray(err)) return new GraphQLRequestError(toServerErrors(err));
  if (isCloseEvent(err)) {
    // 4xxx codes are the server's verdict (4403 Forbidden, 4400 bad request…); 1xxx are transport.
    if (err.code >= 4000 && err.code < 4499) {
      return new GraphQLRequestError([
        { message: `subscription refused: ${err.reason || 'no reason given'} (close code ${err.code})`, code: null },
      ]);
    }
    const detail = err.reason || messageOf(lastSocketError) || 'connection lost';
    return new NetworkError(`subscription to ${url} closed (${err.code}: ${detail})`, { cause: err });
  }
  return new NetworkError(`subscription to ${url} failed (${messageOf(err) ?? 'unknown error'})`, { cause: err });
}

// ws's ErrorEvent is not an Error but carries `message` (ECONNREFUSED, "Unexpected server response: 404").
function messageOf(value: unknown): string | null {
  if (typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string') {
    return value.message;
  }
  return null;
}
