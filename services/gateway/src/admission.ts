import type { NatsConnection } from 'nats';
import { messageId, Subjects, type EventOf } from '@revive/contracts';
import type { Logger } from '@revive/logging';
import { publishEvent } from '@revive/messaging';
import type { AdmissionRepository, MediaRecord } from './persistence/index.ts';

/**
 * Per-user admission to the pipeline: an upload is recorded QUEUED at once, but its uploaded
 * event (the first stage's input) is published only while its owner has fewer than
 * `maxInFlightPerUser` items in flight, so one user's backlog waits in PostgreSQL instead of
 * filling every stage's queue ahead of other users. Whatever frees a slot releases the next:
 * an item's outcome, a cancel, and a periodic pass for slots freed while no gateway ran.
 */
export interface Admission {
  /** How many items one owner may have in the pipeline at once (REVIVE_MAX_IN_FLIGHT_PER_USER); a retry counts too. */
  readonly maxInFlightPerUser: number;
  /** Hands the owner's oldest waiting items to the pipeline while they have room. */
  release(ownerId: string | null): Promise<MediaRecord[]>;
  /** The same for the owner of an item that just finished or was cancelled. */
  releaseAfter(mediaId: string): Promise<void>;
  /** Every owner with waiting items. */
  releaseAll(): Promise<void>;
}

/** How often every gateway looks for waiting items nobody released (a gateway that stopped between an outcome and its release). */
export const ADMISSION_PASS_MS = 15_000;

/** The uploaded event of an item, from its row: what the upload would have published at once. */
function uploadedEventOf(media: MediaRecord) {
  const subject = media.kind === 'image' ? Subjects.imageUploaded : Subjects.videoUploaded;
  const payload: EventOf<typeof subject> = {
    mediaId: media.id,
    options: media.options,
    at: new Date().toISOString(),
    originalKey: media.originalKey,
    filename: media.filename,
    contentType: media.contentType,
    bytes: media.bytes,
  };
  return { subject, payload };
}

export function createAdmission(deps: {
  readonly nc: NatsConnection;
  readonly repository: AdmissionRepository;
  readonly maxInFlightPerUser: number;
  readonly log: Logger;
}): Admission {
  const { repository, log } = deps;
  const js = deps.nc.jetstream();

  async function release(ownerId: string | null): Promise<MediaRecord[]> {
    const released = await repository.release(ownerId, deps.maxInFlightPerUser, async (media) => {
      const { subject, payload } = uploadedEventOf(media);
      // The upload's own msgID: a release repeated after a crash is dropped by JetStream's dedupe.
      await publishEvent(js, subject, payload, messageId(media.id, 'upload'));
    });
    for (const media of released) log.info({ media_id: media.id, kind: media.kind }, 'media released to the pipeline');
    return released;
  }

  return {
    maxInFlightPerUser: deps.maxInFlightPerUser,
    release,
    async releaseAfter(mediaId) {
      const owner = await repository.ownerOf(mediaId);
      if (owner !== undefined) await release(owner);
    },
    async releaseAll() {
      for (const owner of await repository.waitingOwners()) await release(owner);
    },
  };
}

/** Runs `releaseAll` now and every ADMISSION_PASS_MS until stopped. */
export function startAdmissionPass(admission: Admission, log: Logger, intervalMs = ADMISSION_PASS_MS): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    running = admission.releaseAll().catch((err: unknown) => log.warn({ err }, 'admission pass failed; the next one tries again'));
  };
  pass();
  const timer = setInterval(pass, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
