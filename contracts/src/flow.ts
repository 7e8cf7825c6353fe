import { Consumers, Stages, Subjects, type ConsumerName, type MediaKind, type Stage, type Subject } from './pipeline-names.ts';

/** One hop of the choreography: a stage consumes one subject and emits the next. */
export interface Hop {
  readonly stage: Stage;
  readonly consumer: ConsumerName;
  readonly consumes: Subject;
  readonly emits: Subject;
}

/**
 * The pipeline's flow map, readable in one place. No process orchestrates it: each stage
 * service consumes its subject and publishes the next; the gateway only watches.
 */
export const FLOW: Readonly<Record<MediaKind, readonly Hop[]>> = {
  image: [
    { stage: Stages.preprocess, consumer: Consumers.preprocessImage, consumes: Subjects.imageUploaded, emits: Subjects.imagePreprocessed },
    { stage: Stages.colorize, consumer: Consumers.colorizeImage, consumes: Subjects.imagePreprocessed, emits: Subjects.imageColorized },
    { stage: Stages.superres, consumer: Consumers.superresImage, consumes: Subjects.imageColorized, emits: Subjects.imageSuperResolved },
    { stage: Stages.publish, consumer: Consumers.publishImage, consumes: Subjects.imageSuperResolved, emits: Subjects.imagePublished },
  ],
  video: [
    { stage: Stages.preprocess, consumer: Consumers.preprocessVideo, consumes: Subjects.videoUploaded, emits: Subjects.videoPreprocessed },
    { stage: Stages.colorize, consumer: Consumers.colorizeVideo, consumes: Subjects.videoPreprocessed, emits: Subjects.videoColorized },
    { stage: Stages.superres, consumer: Consumers.superresVideo, consumes: Subjects.videoColorized, emits: Subjects.videoSuperResolved },
    { stage: Stages.interpolate, consumer: Consumers.interpolateVideo, consumes: Subjects.videoSuperResolved, emits: Subjects.videoInterpolated },
    { stage: Stages.publish, consumer: Consumers.publishVideo, consumes: Subjects.videoInterpolated, emits: Subjects.videoPublished },
  ],
};

/** The hops a stage service runs: one durable consumer per hop. */
export function hopsOf(stage: Stage): Hop[] {
  return [...FLOW.image, ...FLOW.video].filter((h) => h.stage === stage);
}

/** The stages an item of this kind passes through, in order (for progress displays). */
export function stagesOf(kind: MediaKind): Stage[] {
  return FLOW[kind].map((h) => h.stage);
}
