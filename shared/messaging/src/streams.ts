import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';
import { MEDIA_STREAM_SUBJECTS, Streams } from '@revive/contracts';

const DAY_NS = 24 * 3600 * 1e9;

/**
 * The media stream: every pipeline event, on disk. Limits retention (not work-queue) so the
 * gateway's projection and each stage's durable consumer read the same events independently,
 * and an operator can replay an item's history with the NATS CLI.
 */
export const mediaStreamConfig: Partial<StreamConfig> = {
  name: Streams.media,
  subjects: [...MEDIA_STREAM_SUBJECTS],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  discard: DiscardPolicy.Old,
  max_age: 30 * DAY_NS,
  // Publishes with the same Nats-Msg-Id inside this window are dropped: redelivered stages
  // re-publishing their output cannot duplicate work downstream.
  duplicate_window: 10 * 60 * 1e9,
  num_replicas: 1,
};

/**
 * Creates the media stream or brings its settings up to date; idempotent, safe from every replica.
 * `update: false` (the stages) only creates a missing stream: settings are the gateway's to change,
 * and a stage's NATS user may not (nats-permissions.ts).
 */
export async function ensureMediaStream(jsm: JetStreamManager, replicas = 1, { update = true } = {}): Promise<void> {
  const config = { ...mediaStreamConfig, num_replicas: replicas };
  try {
    await jsm.streams.info(Streams.media);
    if (update) await jsm.streams.update(Streams.media, config);
  } catch (error) {
    if (!/stream not found/i.test(String((error as Error).message))) throw error;
    await jsm.streams.add(config);
  }
}
