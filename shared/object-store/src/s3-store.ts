import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type BucketLocationConstraint,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertFolder, assertObjectKey, ObjectNotFoundError, ObjectStoreError, type ObjectInfo, type ObjectStore } from './object-store.ts';

/** Static keys; omitted, the SDK's default chain (environment, profile, instance role) decides. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3StoreOptions {
  readonly bucket: string;
  readonly region: string;
  /** Set for S3-compatible servers (MinIO, Swift s3api); unset for AWS. */
  readonly endpoint?: string | undefined;
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3Credentials | undefined;
  /** Size of a multipart part for streamed puts (and the most a put holds in memory, twice). */
  readonly partBytes?: number;
}

/** The S3 adapter, plus what only an S3 deployment needs. */
export interface S3ObjectStore extends ObjectStore {
  /** Creates the bucket unless it exists and is ours; safe to call on every boot. */
  ensureBucket(): Promise<void>;
  /** Closes the client's pooled connections. */
  close(): void;
}

const MIN_PART_BYTES = 5 * 1024 * 1024; // S3's floor for every part but the last
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600; // SigV4's ceiling
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'InternalError',
  'ServiceUnavailable',
]);

/**
 * Objects in one S3 bucket. Streams of unknown length go up as multipart uploads in fixed parts,
 * so memory stays bounded and readers never see a partial object (an upload that fails is aborted).
 */
export function createS3Store(options: S3StoreOptions): S3ObjectStore {
  const bucket = options.bucket;
  const partBytes = Math.max(options.partBytes ?? 8 * 1024 * 1024, MIN_PART_BYTES);
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Default checksums stream bodies as aws-chunked with trailers, which S3-compatible servers
    // such as Swift's s3api reject; send checksums only where S3 requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Without these a dead endpoint hangs a stage forever instead of failing retryably.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
  });

  async function putMultipart(key: string, first: Buffer, rest: AsyncIterator<Buffer>, contentType: string | undefined): Promise<number> {
    const { UploadId } = await call('start upload of', key, () =>
      client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType })),
    );
    try {
      const parts: CompletedPart[] = [];
      let bytes = 0;
      for (let part: Buffer | undefined = first; part;) {
        const PartNumber = parts.length + 1;
        const body = part;
        const { ETag } = await call('upload part of', key, () =>
          client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber, Body: body, ContentLength: body.length })),
        );
        parts.push({ PartNumber, ETag });
        bytes += part.length;
        const next = await rest.next();
        part = next.done ? undefined : next.value;
      }
      await call('complete upload of', key, () =>
        client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } })),
      );
      return bytes;
    } catch (error) {
      // Best effort: a failed abort leaves parts for the bucket's lifecycle rule, never an object.
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  return {
    async put(key, body, { contentType } = {}): Promise<ObjectInfo> {
      assertObjectKey(key);
      if (body instanceof Uint8Array) {
        await call('put', key, () =>
          client.send(
            new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.byteLength, ContentType: contentType }),
          ),
        );
        return { key, bytes: body.byteLength, contentType };
      }
      const parts = inParts(body, partBytes);
      try {
        const first = await parts.next();
        const second = await parts.next();
        const firstPart = first.done ? Buffer.alloc(0) : first.value;
        if (second.done) {
          // Fits one part: a plain put is one request instead of three.
          await call('put', key, () =>
            client.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: key,
                Body: firstPart,
                ContentLength: firstPart.length,
                ContentType: contentType,
              }),
            ),
          );
          return { key, bytes: firstPart.length, contentType };
        }
        const bytes = await putMultipart(key, firstPart, prepend(second.value, parts), contentType);
        return { key, bytes, contentType };
      } finally {
        await parts.return(undefined);
        if (!body.readableEnded) body.destroy();
      }
    },

    async get(key) {
      assertObjectKey(key);
      const response = await call('get', key, () => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
      if (!(response.Body instanceof Readable)) throw new ObjectStoreError(`S3 get of "${key}" returned no stream`, { retryable: true });
      return response.Body;
    },

    async head(key) {
      assertObjectKey(key);
      try {
        const response = await call('head', key, () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
        return { key, bytes: response.ContentLength ?? 0, contentType: response.ContentType };
      } catch (error) {
        if (error instanceof ObjectNotFoundError) return undefined;
        throw error;
      }
    },

    async delete(key) {
      assertObjectKey(key);
      // S3 answers 204 for a missing key too, so the delete is idempotent as it stands.
      await call('delete', key, () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    },

    async *list(prefix) {
      assertFolder(prefix);
      let token: string | undefined;
      do {
        const page = await call('list', prefix, () =>
          client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })),
        );
        for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async signedUrl(key, ttlSeconds) {
      assertObjectKey(key);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_PRESIGN_SECONDS) {
        throw new RangeError(`signed URL lifetime must be 1..${MAX_PRESIGN_SECONDS} s, got ${ttlSeconds}`);
      }
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: ttlSeconds });
    },

    async ensureBucket() {
      try {
        await call('head bucket', bucket, () => client.send(new HeadBucketCommand({ Bucket: bucket })));
        return;
      } catch (error) {
        if (!(error instanceof ObjectNotFoundError)) throw error;
      }
      // us-east-1 is the default location and S3 rejects it spelled out.
      const location = options.region === 'us-east-1' ? undefined : { LocationConstraint: options.region as BucketLocationConstraint };
      await call('create bucket', bucket, () =>
        client.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: location })),
      ).catch((error: unknown) => {
        // Another replica created it between our HEAD and PUT.
        if (!(error instanceof ObjectStoreError && (error.cause as { name?: string }).name === 'BucketAlreadyOwnedByYou')) throw error;
      });
    },

    close() {
      client.destroy();
    },
  };
}

/** Runs one SDK call and maps its failure onto the store's errors. */
async function call<T>(what: string, key: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw toStoreError(what, key, error);
  }
}

function toStoreError(what: string, key: string, error: unknown): Error {
  const e = error as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  // A missing bucket is misconfiguration, not a missing object (HEAD cannot tell them apart).
  if (e.name === 'NoSuchBucket')
    return new ObjectStoreError(`S3 ${what} "${key}": bucket does not exist`, { retryable: false, cause: error });
  if (status === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound') {
    return new ObjectNotFoundError(`no object "${key}" (${e.name ?? 'HTTP 404'})`, { cause: error });
  }
  const retryable =
    e.$retryable !== undefined ||
    (status !== undefined && (status >= 500 || status === 408 || status === 429)) ||
    TRANSIENT_CODES.has(e.code ?? '') ||
    TRANSIENT_CODES.has(e.name ?? '');
  return new ObjectStoreError(
    `S3 ${what} "${key}" failed: ${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}${e.code ? ` ${e.code}` : ''}`,
    { retryable, cause: error },
  );
}

/** Re-chunks a byte stream into parts of exactly `size` bytes (the last one shorter, or empty for an empty stream). */
async function* inParts(stream: Readable, size: number): AsyncGenerator<Buffer, void, undefined> {
  let pending: Buffer[] = [];
  let length = 0;
  let yielded = false;
  for await (const chunk of stream as AsyncIterable<unknown>) {
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array))
      throw new TypeError('object store bodies must be byte or string streams');
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    pending.push(bytes);
    length += bytes.length;
    if (length < size) continue;
    const all = Buffer.concat(pending, length);
    let offset = 0;
    for (; length - offset >= size; offset += size) {
      yielded = true;
      yield all.subarray(offset, offset + size);
    }
    // Copied so the remainder does not pin the whole concatenation in memory.
    const rest = Buffer.from(all.subarray(offset));
    pending = rest.length > 0 ? [rest] : [];
    length = rest.length;
  }
  if (length > 0 || !yielded) yield Buffer.concat(pending, length);
}

async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer, void, undefined> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
