import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { messageId, parseEvent, Stages, Subjects, type EventOf, type VideoChunkEvent } from '@revive/contracts';
import { encodeJpeg, encodeWebpPreview } from '@revive/image-io';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import type { ObjectStore } from '@revive/object-store';
import { download, inWorkDir, outputKey, reject, settlingErrors, storePreview, upload, type HandlerOf } from '@revive/stage-kit';
import { chunkKey, defaultMediaTools, joinChunks, parseFrameRate, probeVideo, videoFieldsOf, type MediaTools } from '@revive/video-io';

export const VIDEO_RESULT_CONTENT_TYPE = 'video/mp4';

export interface PublishVideoDeps {
  readonly store: ObjectStore;
  readonly log: Logger;
  readonly tmpDir?: string;
  readonly tools?: MediaTools;
  /** x264 preset of the result (speed against file size at the same quality); `medium` by default. */
  readonly videoPreset?: string;
}

type Interpolated = VideoChunkEvent;
type Published = EventOf<typeof Subjects.videoPublished>;

/**
 * Publish is where a video's chunks meet again. Each arriving chunk is recorded (a small object
 * beside the result, keyed by its index: a chunk delivered twice records the same thing twice,
 * order does not matter); the delivery that finds every chunk recorded joins them, in index
 * order, with the original's audio and subtitles, writes the MP4 and a poster, and announces the
 * video once. Two replicas finishing the last two chunks at once may both join: they write the
 * same result, and JetStream drops the second `video.published` by its message id. A finished
 * join is recorded too, so late duplicates hand the result on instead of joining again.
 */
export function createPublishVideoHandler(deps: PublishVideoDeps): HandlerOf<typeof Stages.publish, 'video'> {
  const tools = deps.tools ?? defaultMediaTools;

  async function publishChunk(event: Interpolated, ctx: HandlerContext): Promise<Outcome> {
    const { mediaId, chunk } = event;
    const done = await readRecord(resultRecordKey(mediaId));
    if (done) return announce(parseEvent(Subjects.videoPublished, done));
    await deps.store.put(chunkKey(mediaId, Stages.publish, chunk.index, 'json'), new TextEncoder().encode(JSON.stringify(event)), {
      contentType: 'application/json',
    });
    const present = await Promise.all(
      Array.from({ length: chunk.count }, (_, i) => deps.store.head(chunkKey(mediaId, Stages.publish, i, 'json'))),
    );
    const missing = present.filter((p) => !p).length;
    ctx.progress(chunk.count - missing, chunk.count, 'steps');
    if (missing > 0) {
      deps.log.info({ mediaId, chunk: chunk.index, of: chunk.count, missing }, 'video chunk recorded; waiting for the others');
      return { kind: 'done', next: [] };
    }
    const chunks: Interpolated[] = [];
    for (let i = 0; i < chunk.count; i++)
      chunks.push(parseEvent(Subjects.videoInterpolated, await readRecord(chunkKey(mediaId, Stages.publish, i, 'json'))));
    const problem = mismatch(chunks);
    if (problem) return reject('CHUNKS_MISMATCH', `the chunks of the video do not fit together: ${problem}`);
    return inWorkDir(deps.tmpDir, Stages.publish, (dir) => joinVideo(chunks, ctx, dir));
  }

  async function joinVideo(chunks: Interpolated[], ctx: HandlerContext, dir: string): Promise<Outcome> {
    const first = chunks[0]!;
    const { mediaId } = first;
    const original = join(dir, 'original');
    await download(deps.store, first.originalKey, original);
    const probe = await probeVideo(tools, original);
    if (probe.kind === 'not-video') return reject('CORRUPT_VIDEO', `the original can no longer be read for its audio: ${probe.detail}`);
    const parts = chunks.map((c) => {
      const path = join(dir, `chunk-${c.chunk.index}.mkv`);
      return {
        frames: c.chunk.frames,
        fetch: () => download(deps.store, c.key, path).then(() => path),
        release: () => rm(path, { force: true }),
      };
    });
    const output = join(dir, 'result.mp4');
    const started = performance.now();
    const { frames, poster } = await joinChunks({
      chunks: parts,
      width: first.width,
      height: first.height,
      rate: parseFrameRate(first.frameRate),
      output,
      original: { path: original, hasAudio: first.hasAudio, textSubtitleStreams: probe.textSubtitleStreams },
      durationSeconds: first.durationSeconds,
      posterFrame: Math.floor(first.frames / 2),
      preset: deps.videoPreset,
      ffmpegPath: tools.ffmpegPath,
      onFrame: (n) => {
        ctx.signal.throwIfAborted();
        ctx.progress(n, first.frames, 'frames');
        ctx.heartbeat();
      },
    });
    // yuv420p halves chroma, so the encoder keeps even sides (joinChunks crops an odd one).
    const [width, height] = [first.width & ~1, first.height & ~1];
    const key = outputKey(mediaId, 'result.mp4');
    const posterKey = outputKey(mediaId, 'poster.jpg');
    await upload(deps.store, key, output, VIDEO_RESULT_CONTENT_TYPE, ctx.signal);
    const jpeg = await encodeJpeg(poster, { width: first.width, height: first.height, channels: 3 }, { width, height });
    ctx.signal.throwIfAborted();
    await deps.store.put(posterKey, jpeg, { contentType: 'image/jpeg' });
    // The poster's frame, the one preprocess made the original's preview of.
    const preview = await storePreview(
      deps.store,
      mediaId,
      'result',
      await encodeWebpPreview({ pixels: poster, width: first.width, height: first.height, channels: 3 }),
      ctx.signal,
    );
    const payload = parseEvent(Subjects.videoPublished, {
      ...videoFieldsOf(first),
      width,
      height,
      frames,
      at: new Date().toISOString(),
      key,
      posterKey,
      contentType: VIDEO_RESULT_CONTENT_TYPE,
      bytes: (await stat(output)).size,
      preview,
    });
    await deps.store.put(resultRecordKey(mediaId), new TextEncoder().encode(JSON.stringify(payload)), { contentType: 'application/json' });
    deps.log.info(
      {
        mediaId,
        chunks: chunks.length,
        frames,
        width,
        height,
        frameRate: first.frameRate,
        audio: first.hasAudio,
        seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      },
      'video joined and published',
    );
    return announce(payload);
  }

  async function readRecord(key: string): Promise<unknown> {
    if (!(await deps.store.head(key))) return undefined;
    return JSON.parse((await buffer(await deps.store.get(key))).toString('utf8')) as unknown;
  }

  return settlingErrors(deps.log, (event, ctx) => publishChunk(event, ctx));
}

/** One `video.published` per video: its message id has no chunk. */
function announce(payload: Published): Outcome {
  return { kind: 'done', next: [{ subject: Subjects.videoPublished, payload, msgID: messageId(payload.mediaId, Stages.publish) }] };
}

function resultRecordKey(mediaId: string): string {
  return `media/${mediaId}/${Stages.publish}/result.json`;
}

/** Why the recorded chunks cannot be one video (a bug upstream, never the user's file), or undefined. */
function mismatch(chunks: readonly Interpolated[]): string | undefined {
  const first = chunks[0]!;
  let next = 0;
  for (const c of chunks) {
    if (c.width !== first.width || c.height !== first.height || c.frameRate !== first.frameRate)
      return `chunk ${c.chunk.index} is ${c.width}x${c.height} at ${c.frameRate}, chunk 0 ${first.width}x${first.height} at ${first.frameRate}`;
    if (c.chunk.firstFrame !== next) return `chunk ${c.chunk.index} starts at frame ${c.chunk.firstFrame}, expected ${next}`;
    next += c.chunk.frames;
  }
  return next === first.frames ? undefined : `the chunks hold ${next} frames, the video ${first.frames}`;
}
