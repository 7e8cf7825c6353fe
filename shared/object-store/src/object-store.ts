import type { Readable } from 'node:stream';

/** Metadata of a stored object. */
export interface ObjectInfo {
  readonly key: string;
  readonly bytes: number;
  readonly contentType: string | undefined;
}

/**
 * Where originals, intermediates and results live. Events carry keys into it, never bytes.
 * Two adapters implement it: the local filesystem (one machine) and S3.
 */
export interface ObjectStore {
  /** Stores a whole object; readers never see it half-written. */
  put(key: string, body: Readable | Uint8Array, options?: { contentType?: string }): Promise<ObjectInfo>;
  get(key: string): Promise<Readable>;
  /** undefined when the object does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Removes an object; removing a missing one is not an error (deletes are idempotent). */
  delete(key: string): Promise<void>;
  /**
   * The keys under a folder (`media/<id>/`: the prefix ends with `/`), at any depth, in no set
   * order: what the sweeper deletes an item's leftovers by, whichever stage wrote them.
   */
  list(prefix: string): AsyncIterable<string>;
  /**
   * A URL clients can GET the object from directly for `ttlSeconds`, or undefined when the store
   * has none (the filesystem store: the gateway serves those bytes itself).
   */
  signedUrl(key: string, ttlSeconds: number): Promise<string | undefined>;
}

/** The key holds nothing: for a stage, its input is gone (deleted by a cancel or a sweep), which no retry brings back. */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  readonly retryable = false;
  readonly code = 'INPUT_MISSING';
}

/** The store failed to answer; `retryable` when it was transient (network, throttling, 5xx). */
export class ObjectStoreError extends Error {
  override readonly name = 'ObjectStoreError';
  readonly retryable: boolean;
  readonly code = 'STORAGE_ERROR';
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
  }
}

export class InvalidObjectKeyError extends Error {
  override readonly name = 'InvalidObjectKeyError';
  readonly retryable = false;
}

/** A folder to list: a key's form followed by `/`. */
export function assertFolder(prefix: string): void {
  if (!prefix.endsWith('/')) throw new InvalidObjectKeyError(`a folder to list ends with "/", got "${prefix}"`);
  assertObjectKey(prefix.slice(0, -1));
}

/** Keys are relative paths of safe characters: no `..`, no leading slash, no empty segments. */
export function assertObjectKey(key: string): void {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').some((s) => s === '.' || s === '..') || key.length > 512) {
    throw new InvalidObjectKeyError(`invalid object key "${key}"`);
  }
}
