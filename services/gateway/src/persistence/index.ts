// The gateway's persistence: the one owner of the media table.
export { connectDatabase } from './database.ts';
export { loadMigrations, migrate, MigrationChecksumError, type Migration } from './migrate.ts';
export type { MediaFailure, MediaRecord, MediaStatus, StageState, StageStatus } from './media.model.ts';
export {
  createMediaRepository,
  cursorOf,
  type MediaListFilter,
  type MediaListItem,
  type MediaPage,
  type MediaRepository,
  type NewMedia,
} from './media.repository.ts';
export { InvalidCursorError, InvalidPageSizeError, MAX_PAGE_SIZE } from './pagination.ts';
export { createProjection, fold, type Projection } from './projection.ts';
export { initialStages } from './stages.ts';
export {
  createFailureRepository,
  EVERY_OWNER,
  type FailureCount,
  type FailureFilter,
  type FailurePage,
  type FailureRecord,
  type FailureRepository,
} from './failures.repository.ts';
export { createLifecycleRepository, type LifecycleRepository, type ProjectedEventRef } from './lifecycle.repository.ts';
export { createAdmissionRepository, type AdmissionRepository } from './admission.repository.ts';
export { createSweepRepository, type SweepDue, type SweepRepository } from './sweep.repository.ts';
export { createStageHistoryRepository, type StageHistoryItem, type StageHistoryRepository } from './stage-history.repository.ts';
export { createWebhookOutbox, type PendingWebhook, type WebhookAttempt, type WebhookOutbox } from './webhook-outbox.repository.ts';
