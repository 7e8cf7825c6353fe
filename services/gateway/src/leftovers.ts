import type { ObjectStore } from '@revive/object-store';
import type { MediaRecord } from './persistence/index.ts';

const DELETES_AT_ONCE = 16;

/** The item's folder in the store: where its original went, and where every stage writes for it. */
function folderOf(media: Pick<MediaRecord, 'originalKey'>): string {
  return media.originalKey.slice(0, media.originalKey.lastIndexOf('/') + 1);
}

/**
 * Deletes what a finished item no longer needs: every object in its folder (any stage's
 * intermediates, chunk records, a write that raced a cancel) but its original and its preview
 * and, once COMPLETED, its result and the result's preview. Returns how many objects were deleted.
 */
export async function deleteLeftovers(
  store: ObjectStore,
  media: Pick<MediaRecord, 'originalKey' | 'resultKey' | 'status' | 'originalPreview' | 'resultPreview'>,
): Promise<number> {
  const completed = media.status === 'COMPLETED';
  const keep = new Set(
    [media.originalKey, media.originalPreview?.key, completed ? media.resultKey : null, completed ? media.resultPreview?.key : null].filter(
      (k): k is string => !!k,
    ),
  );
  return deleteUnder(store, folderOf(media), (key) => !keep.has(key));
}

/** Deletes every object of the item, its original and result included (its retention ended). */
export function deleteAllObjects(store: ObjectStore, media: Pick<MediaRecord, 'originalKey'>): Promise<number> {
  return deleteUnder(store, folderOf(media), () => true);
}

async function deleteUnder(store: ObjectStore, folder: string, doomed: (key: string) => boolean): Promise<number> {
  const keys: string[] = [];
  for await (const key of store.list(folder)) if (doomed(key)) keys.push(key);
  // A long video leaves thousands of chunk files: a few deletes at a time, not all at once.
  for (let i = 0; i < keys.length; i += DELETES_AT_ONCE)
    await Promise.all(keys.slice(i, i + DELETES_AT_ONCE).map((key) => store.delete(key)));
  return keys.length;
}
