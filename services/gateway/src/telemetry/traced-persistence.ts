import { SpanKind, trace, type Span } from '@opentelemetry/api';
import { activeTraceId, inSpan, pipelineMetrics, SpanAttributes, untraced } from '@revive/telemetry';
import type { MediaRepository, Projection } from '../persistence/index.ts';

const db = (operation: string, query: string) => ({
  'db.system.name': 'postgresql',
  'db.collection.name': 'media',
  'db.operation.name': operation,
  // The statement's shape, never its values (file names are user data).
  'db.query.summary': query,
});

function dbSpan<T>(name: string, operation: string, query: string, work: (span: Span) => Promise<T>): Promise<T> {
  return inSpan(name, { kind: SpanKind.CLIENT, attributes: db(operation, query) }, work);
}

/** Reads join a trace in progress but never start one (a WebSocket subscription's lookup has none). */
function readSpan<T>(name: string, query: string, work: () => Promise<T>): Promise<T> {
  return trace.getActiveSpan() ? dbSpan(name, 'SELECT', query, work) : untraced(work);
}

/**
 * The media repository with a CLIENT span per database call. `create` also records the item's
 * trace id (the upload request's, active here) when the caller gave none, so `Media.traceId`
 * leads from an item to its trace, and counts the accepted upload.
 */
export function traceRepository(repository: MediaRepository): MediaRepository {
  return {
    ...repository,
    create: (media) =>
      dbSpan('media insert', 'INSERT', 'INSERT media', async (span) => {
        span.setAttribute(SpanAttributes.mediaId, media.id);
        const record = await repository.create({ ...media, traceId: media.traceId ?? activeTraceId() });
        const metrics = pipelineMetrics();
        metrics.uploads.add(1, { kind: media.kind });
        metrics.uploadBytes.record(media.bytes, { kind: media.kind });
        return record;
      }),
    get: (id) => readSpan('media select', 'SELECT media by id', () => repository.get(id)),
    list: (page) => readSpan('media list', 'SELECT media page', () => repository.list(page)),
    remove: (id) =>
      dbSpan('media delete', 'DELETE', 'DELETE media', (span) => {
        span.setAttribute(SpanAttributes.mediaId, id);
        return repository.remove(id);
      }),
    ownedBy: (ownerId) => traceRepository(repository.ownedBy(ownerId)),
  };
}

/** The projection with a CLIENT span per event transaction: the database writes of an item's trace. */
export function traceProjection(projection: Projection): Projection {
  return {
    ...projection,
    applyEvent: (subject, payload, eventId) =>
      dbSpan('media project event', 'UPDATE', 'UPDATE media (project event)', async (span) => {
        span.setAttributes({ [SpanAttributes.mediaId]: payload.mediaId, 'messaging.destination.name': subject });
        const media = await projection.applyEvent(subject, payload, eventId);
        span.setAttribute('revive.projection.applied', media !== undefined);
        return media;
      }),
    // Progress reports (several a second per item while a model runs) stay out of traces:
    // they would bury the spans that tell the item's story.
  };
}
