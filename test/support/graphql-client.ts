import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { describeMedia, pollUntil, within, DEFAULT_WAIT_MS, type MediaStateLike } from './bounded-wait.ts';

/** The fields the end-to-end tests read from a Media. */
export const MEDIA_FIELDS = `id kind filename status width height originalUrl resultUrl traceId
  options { scale colorize repair frameRateFactor }
  stages { stage status progress done total unit durationMs note }
  error { code message stage attempt }`;

/** Per-call options: the bearer token (`rv_…`) the request authenticates with. */
export interface CallOptions {
  readonly token?: string;
}

const authHeaders = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

export interface GraphqlResponse<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

const UPLOAD_MUTATION =
  'mutation ($file: File!, $options: EnhanceOptions) { uploadMedia(file: $file, options: $options) { id status kind } }';

/**
 * The form of a GraphQL multipart upload (the spec Yoga implements), as any client builds it.
 * `content` may be a file-backed Blob (`fs.openAsBlob`): fetch then streams it from disk.
 */
export function uploadForm(name: string, content: Blob, options: Record<string, unknown> = {}): FormData {
  const body = new FormData();
  body.set('operations', JSON.stringify({ query: UPLOAD_MUTATION, variables: { file: null, options } }));
  body.set('map', JSON.stringify({ 0: ['variables.file'] }));
  body.set('0', content, name);
  return body;
}

/** The headers every upload sends: CSRF prevention's preflight header, and the token if any. */
export const uploadHeaders = (call: CallOptions = {}): Record<string, string> => ({ 'graphql-preflight': '1', ...authHeaders(call.token) });

/** A GraphQL multipart request (the spec Yoga implements), as any client would send it. */
export async function uploadFile(
  url: string,
  path: string,
  options: Record<string, unknown> = {},
  bytes?: Uint8Array,
  call: CallOptions = {},
): Promise<GraphqlResponse<{ uploadMedia: { id: string; status: string; kind: string } }>> {
  const content = new Blob([new Uint8Array(bytes ?? (await readFile(path)))]);
  const response = await fetch(url, { method: 'POST', body: uploadForm(basename(path), content, options), headers: uploadHeaders(call) });
  return (await response.json()) as GraphqlResponse<{ uploadMedia: { id: string; status: string; kind: string } }>;
}

export async function query<T>(
  url: string,
  document: string,
  variables: Record<string, unknown> = {},
  call: CallOptions = {},
): Promise<GraphqlResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(call.token) },
    body: JSON.stringify({ query: document, variables }),
  });
  return (await response.json()) as GraphqlResponse<T>;
}

export interface ProgressMessage {
  event: string;
  stage: string | null;
  media: { status: string; stages: Array<{ stage: string; status: string; progress: number; note: string | null }> };
}

const PROGRESS = `subscription ($id: ID!) { mediaProgress(id: $id) { event stage at media { ${MEDIA_FIELDS} } } }`;

/** The last state a subscription showed of its item, for the message of a wait that ran out. */
function lastSeenOf(messages: readonly ProgressMessage[]): string {
  const last = messages.at(-1);
  return last ? `${describeMedia(last.media)} after ${last.event} (${messages.length} messages)` : 'no message yet';
}

/**
 * Watches one item's progress on an open graphql-ws client: `ready` once the SNAPSHOT arrived,
 * `done` with every message once the server completes the subscription. Both are bounded by
 * `timeoutMs`: a lost item fails the test, naming the item and its last state, and unsubscribes.
 */
export function watchProgress(
  client: Client,
  id: string,
  onMessage?: (m: ProgressMessage) => void,
  timeoutMs = DEFAULT_WAIT_MS,
): { done: Promise<ProgressMessage[]>; ready: Promise<void> } {
  const messages: ProgressMessage[] = [];
  let markReady!: () => void;
  let unsubscribe = () => {};
  const snapshot = new Promise<void>((r) => (markReady = r));
  const completed = new Promise<ProgressMessage[]>((resolve, reject) => {
    unsubscribe = client.subscribe<{ mediaProgress: ProgressMessage }>(
      { query: PROGRESS, variables: { id } },
      {
        next: (value) => {
          if (value.errors?.length) return reject(new Error(JSON.stringify(value.errors)));
          const m = value.data!.mediaProgress;
          if (m.event === 'SNAPSHOT') markReady();
          messages.push(m);
          onMessage?.(m);
        },
        // A refused connection arrives as a CloseEvent: keep its code (4401 = unauthenticated).
        error: (e) =>
          reject(
            e instanceof Error
              ? e
              : Object.assign(new Error(JSON.stringify(e)), {
                  code: (e as { code?: number }).code,
                  reason: (e as { reason?: string }).reason,
                }),
          ),
        complete: () => resolve(messages),
      },
    );
  });
  const bound = { timeoutMs, lastSeen: () => lastSeenOf(messages), onTimeout: () => unsubscribe() };
  const done = within(completed, { ...bound, what: `mediaProgress(${id}) to complete` });
  // Not ready if the subscription ends first (refused, or an error) without a snapshot.
  const ready = within(
    Promise.race([snapshot, completed.then(() => Promise.reject(new Error(`mediaProgress(${id}) ended without a SNAPSHOT`)))]),
    {
      ...bound,
      what: `the SNAPSHOT of mediaProgress(${id})`,
    },
  );
  // A test that stops waiting (it failed elsewhere) must not turn a later rejection into an unhandled one.
  done.catch(() => {});
  ready.catch(() => {});
  return { done, ready };
}

/** Subscribes over graphql-ws on a client of its own, closed when the subscription ends. */
export function subscribeWs(
  url: string,
  id: string,
  onMessage?: (m: ProgressMessage) => void,
  call: CallOptions = {},
  timeoutMs = DEFAULT_WAIT_MS,
): { done: Promise<ProgressMessage[]>; ready: Promise<void> } {
  const connectionParams = call.token ? { authorization: `Bearer ${call.token}` } : undefined;
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams,
  });
  const { done, ready } = watchProgress(client, id, onMessage, timeoutMs);
  const closed = done.finally(() => client.dispose());
  closed.catch(() => {});
  return { done: closed, ready };
}

/**
 * Subscribes over Server-Sent Events (Yoga's `Accept: text/event-stream`); collects until the
 * stream ends, or fails after `timeoutMs` naming the item and its last state, and aborts.
 */
export async function subscribeSse(
  url: string,
  id: string,
  call: CallOptions = {},
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<ProgressMessage[]> {
  const messages: ProgressMessage[] = [];
  const abort = new AbortController();
  const collect = async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authHeaders(call.token) },
      body: JSON.stringify({ query: PROGRESS, variables: { id } }),
      signal: abort.signal,
    });
    let pending = '';
    const take = (line: string) => {
      if (!line.startsWith('data:') || line.length <= 6) return;
      const payload = JSON.parse(line.slice(5)) as { data?: { mediaProgress: ProgressMessage } };
      if (payload.data) messages.push(payload.data.mediaProgress);
    };
    for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      lines.forEach(take);
    }
    take(pending);
    return messages;
  };
  return within(collect(), {
    what: `mediaProgress(${id}) over SSE to complete`,
    timeoutMs,
    lastSeen: () => lastSeenOf(messages),
    onTimeout: () => abort.abort(),
  });
}

const STATE_FIELDS = 'status stages { stage status }';

/** An item's status and its stages' as the API answers now, for the message of a wait on something else. */
export async function describeMediaAt(url: string, id: string, call: CallOptions): Promise<string> {
  const response = await query<{ media: MediaStateLike | null }>(
    url,
    `query ($id: ID!) { media(id: $id) { ${STATE_FIELDS} } }`,
    { id },
    call,
  );
  return response.errors?.length ? `unreadable: ${JSON.stringify(response.errors)}` : `${id} ${describeMedia(response.data?.media)}`;
}

/**
 * Polls `media(id)` until `done` holds of it (null when the item is gone) and returns it; after
 * `timeoutMs` fails naming the item, what it waited for and the item's last status and stages.
 * `fields` are the Media fields read (status and stages are always among them).
 */
export async function waitForMedia<M = MediaStateLike & Record<string, unknown>>(
  url: string,
  id: string,
  call: CallOptions,
  done: (media: M | null) => boolean,
  options: { what: string; timeoutMs?: number; fields?: string; intervalMs?: number },
): Promise<M | null> {
  // The state a timeout reports comes aside, under an alias: what the test reads is only `fields`.
  const document = `query ($id: ID!) { media(id: $id) { ${options.fields ?? MEDIA_FIELDS} } state: media(id: $id) { ${STATE_FIELDS} } }`;
  const read = async () => {
    const response = await query<{ media: M | null; state: MediaStateLike | null }>(url, document, { id }, call);
    if (response.errors?.length) throw new Error(JSON.stringify(response.errors));
    return response.data!;
  };
  const last = await pollUntil(read, (r) => done(r.media), {
    what: `media ${id} to be ${options.what}`,
    timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
    intervalMs: options.intervalMs,
    describe: (r) => describeMedia(r.state),
  });
  return last.media;
}
