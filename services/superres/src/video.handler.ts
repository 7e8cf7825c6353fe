import type { Subjects } from '@revive/contracts';
import type { HandlerOf } from '@revive/stage-kit';

/**
 * Upscaling videos is a later issue. Until it lands, a video that reaches this stage fails at
 * once with a code the client can show, instead of waiting in the queue for a stage that never comes.
 */
export const superresVideo: HandlerOf<typeof Subjects.videoColorized> = async () => ({
  kind: 'reject',
  code: 'VIDEO_NOT_SUPPORTED',
  reason: 'video superres is not available yet: this release restores photos; colorizing, upscaling and interpolating videos is planned, so the video stops here',
});
