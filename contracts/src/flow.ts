import type { EnhanceOptions, EventOf, StageProgress } from './events.ts';
import { Subjects, type ConsumerName, type MediaKind, type Stage, type Subject } from './pipeline-names.ts';

/** How a stage counts its progress on one item (the progress message's unit). */
export type ProgressUnit = StageProgress['unit'];

/** What one stage does for one kind of media. */
export interface StageRoute {
  readonly consumes: Subject;
  readonly emits: Subject;
  /** What its progress reports count. */
  readonly unit: ProgressUnit;
  /** One message per video chunk in and out, so its progress is counted over chunks. */
  readonly perChunk: boolean;
}

/** One restoration stage: everything the rest of the system needs to know about it. */
export interface StageDefinition {
  /** What people see (web page, CLI): the step's name, and what it is doing while it runs. */
  readonly label: string;
  readonly activity: string;
  /** The user option that decides whether the stage changes the item; null: it always does. */
  readonly option: keyof EnhanceOptions | null;
  /** The kinds of media it handles, in the pipeline's order. */
  readonly routes: { readonly [K in MediaKind]?: StageRoute };
}

/**
 * The stage catalogue: the pipeline's flow map and every fact about a stage, readable in one
 * place and written nowhere else. No process orchestrates the flow: each stage service
 * consumes its subjects and publishes the next; the gateway only watches. Key order is flow
 * order. A new stage is an entry here, its events in events.ts, and its own service folder.
 */
export const STAGE_CATALOGUE = {
  preprocess: {
    label: 'Prepare',
    activity: 'Preparing',
    option: null,
    routes: {
      image: { consumes: Subjects.imageUploaded, emits: Subjects.imagePreprocessed, unit: 'steps', perChunk: false },
      // Reads the whole upload and cuts it: chunks come out, the video went in.
      video: { consumes: Subjects.videoUploaded, emits: Subjects.videoPreprocessed, unit: 'frames', perChunk: false },
    },
  },
  repair: {
    label: 'Repair',
    activity: 'Repairing',
    option: 'repair',
    routes: {
      image: { consumes: Subjects.imagePreprocessed, emits: Subjects.imageRepaired, unit: 'tiles', perChunk: false },
      video: { consumes: Subjects.videoPreprocessed, emits: Subjects.videoRepaired, unit: 'frames', perChunk: true },
    },
  },
  colorize: {
    label: 'Colorize',
    activity: 'Colorizing',
    option: 'colorize',
    routes: {
      image: { consumes: Subjects.imageRepaired, emits: Subjects.imageColorized, unit: 'steps', perChunk: false },
      video: { consumes: Subjects.videoRepaired, emits: Subjects.videoColorized, unit: 'frames', perChunk: true },
    },
  },
  superres: {
    label: 'Enlarge',
    activity: 'Enlarging',
    option: 'scale',
    routes: {
      image: { consumes: Subjects.imageColorized, emits: Subjects.imageSuperResolved, unit: 'tiles', perChunk: false },
      video: { consumes: Subjects.videoColorized, emits: Subjects.videoSuperResolved, unit: 'frames', perChunk: true },
    },
  },
  interpolate: {
    label: 'Smooth motion',
    activity: 'Smoothing motion',
    option: 'frameRateFactor',
    routes: {
      video: { consumes: Subjects.videoSuperResolved, emits: Subjects.videoInterpolated, unit: 'frames', perChunk: true },
    },
  },
  publish: {
    label: 'Finish',
    activity: 'Finishing',
    option: null,
    routes: {
      image: { consumes: Subjects.imageSuperResolved, emits: Subjects.imagePublished, unit: 'steps', perChunk: false },
      // Joins the chunks: one event per video.
      video: { consumes: Subjects.videoInterpolated, emits: Subjects.videoPublished, unit: 'frames', perChunk: false },
    },
  },
} as const satisfies Record<Stage, StageDefinition>;

type RoutesOf<S extends Stage> = (typeof STAGE_CATALOGUE)[S]['routes'];
/** The kinds of media stage S handles. */
export type KindsOf<S extends Stage> = keyof RoutesOf<S> & MediaKind;
/** The event stage S consumes for kind K: what the catalogue says comes before it. */
export type StageInput<S extends Stage, K extends KindsOf<S>> = RoutesOf<S>[K] extends { consumes: infer C extends Subject }
  ? EventOf<C>
  : never;

/** Every stage, in flow order. */
export const STAGE_NAMES = Object.keys(STAGE_CATALOGUE) as Stage[];

/** A stage's definition. */
export function stageDefinition(stage: Stage): StageDefinition {
  return STAGE_CATALOGUE[stage];
}

/** One hop of the choreography: a stage consumes one subject and emits the next. */
export interface Hop extends StageRoute {
  readonly stage: Stage;
  readonly kind: MediaKind;
  /** The durable consumer all replicas of the stage share for this kind: `<stage>-<kind>`. */
  readonly consumer: ConsumerName;
}

function hopsFor(kind: MediaKind): Hop[] {
  return STAGE_NAMES.flatMap((stage) => {
    const route: StageRoute | undefined = stageDefinition(stage).routes[kind];
    return route ? [{ stage, kind, consumer: `${stage}-${kind}` as ConsumerName, ...route }] : [];
  });
}

/** The pipeline's flow map per kind of media, derived from the catalogue. */
export const FLOW: Readonly<Record<MediaKind, readonly Hop[]>> = { image: hopsFor('image'), video: hopsFor('video') };

const ALL_HOPS: readonly Hop[] = [...FLOW.image, ...FLOW.video];

/** The hops a stage service runs: one durable consumer per hop. */
export function hopsOf(stage: Stage): Hop[] {
  return ALL_HOPS.filter((h) => h.stage === stage);
}

/** The stages an item of this kind passes through, in order (for progress displays). */
export function stagesOf(kind: MediaKind): Stage[] {
  return FLOW[kind].map((h) => h.stage);
}

/** The hop that emits a subject (the stage whose outcome it announces), if any. */
export function hopEmitting(subject: Subject): Hop | undefined {
  return ALL_HOPS.find((h) => h.emits === subject);
}
