import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

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

/**
 * Watches one item's progress on an open graphql-ws client: `ready` once the SNAPSHOT arrived,
 * `done` with every message once the server completes the subscription.
 */
export function watchProgress(
  client: Client,
  id: string,
  onMessage?: (m: ProgressMessage) => void,
): { done: Promise<ProgressMessage[]>; ready: Promise<void> } {
  const messages: ProgressMessage[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const done = new Promise<ProgressMessage[]>((resolve, reject) => {
    client.subscribe<{ mediaProgress: ProgressMessage }>(
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
  return { done, ready };
}

/** Subscribes over graphql-ws on a client of its own, closed when the subscription ends. */
export function subscribeWs(
  url: string,
  id: string,
  onMessage?: (m: ProgressMessage) => void,
  call: CallOptions = {},
): { done: Promise<ProgressMessage[]>; ready: Promise<void> } {
  const connectionParams = call.token ? { authorization: `Bearer ${call.token}` } : undefined;
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams,
  });
  const { done, ready } = watchProgress(client, id, onMessage);
  return { done: done.finally(() => client.dispose()), ready };
}

/** Subscribes over Server-Sent Events (Yoga's `Accept: text/event-stream`); collects until the stream ends. */
export async function subscribeSse(url: string, id: string, call: CallOptions = {}): Promise<ProgressMessage[]> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authHeaders(call.token) },
    body: JSON.stringify({ query: PROGRESS, variables: { id } }),
  });
  const text = await response.text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('data:') && l.length > 6)
    .map((l) => JSON.parse(l.slice(5)) as { data?: { mediaProgress: ProgressMessage } })
    .filter((p) => p.data)
    .map((p) => p.data!.mediaProgress);
}
