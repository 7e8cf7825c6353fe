import type { StoreConfig } from '@revive/config';
import { createFilesystemStore } from './filesystem-store.ts';
import type { ObjectStore } from './object-store.ts';
import { createS3Store, type S3Credentials, type S3ObjectStore } from './s3-store.ts';
import { traceObjectStore } from './traced-store.ts';

export interface CreateObjectStoreOptions {
  /** S3 keys; omitted, the AWS SDK's default chain (AWS_* variables, profile, instance role). */
  readonly credentials?: S3Credentials;
}

/**
 * The object store the platform config names, traced (a span per read and write); S3 callers
 * get `ensureBucket()` when they narrow on `kind`.
 */
export function createObjectStore(config: Extract<StoreConfig, { kind: 's3' }>, options?: CreateObjectStoreOptions): S3ObjectStore;
export function createObjectStore(config: StoreConfig, options?: CreateObjectStoreOptions): ObjectStore;
export function createObjectStore(config: StoreConfig, options: CreateObjectStoreOptions = {}): ObjectStore {
  switch (config.kind) {
    case 'filesystem':
      return traceObjectStore(createFilesystemStore(config.root), 'filesystem');
    case 's3':
      return traceObjectStore(
        createS3Store({
          bucket: config.bucket,
          region: config.region,
          endpoint: config.endpoint,
          forcePathStyle: config.forcePathStyle,
          credentials: options.credentials,
        }),
        's3',
      );
  }
}
