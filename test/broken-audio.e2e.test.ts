import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '@revive/config';
import type { LocalStack } from '@revive/local-services';
import { query, uploadFile, type CallOptions } from './support/graphql-client.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

// Issue 27, point 5: a video whose audio stream is broken goes through the real video pipeline.
// The picture is what Revive restores: an audio stream ffmpeg cannot decode cleanly must not
// fail the item; the result keeps what audio could be decoded, as long as the picture.

/** Committed: the chaplin clip with its AAC packets corrupted (ffmpeg's noise filter, test/fixtures/video/README.md). */
const committed = resolve(import.meta.dirname, 'fixtures/video/chaplin-broken-audio-12fps-192x108-2s.mp4');
/** The shared data set's own (MP3 in MP4), when ../shared is present. */
const shared = resolve(repoRoot, '../shared/data/video/video_with_failing_audio.mp4');

interface Probe {
  streams: Array<{ codec_type: string; codec_name: string; duration?: string; nb_frames?: string }>;
  format: { duration: string };
}
const ffprobe = (path: string) =>
  JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path]).toString()) as Probe;

describe('a video with a broken audio stream, end to end (real nats-server, PostgreSQL, ffmpeg, ONNX, one process per service)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let stateDir: string;
  let call: CallOptions;

  before(async () => {
    system = await startTestStack('broken-audio');
    ({ stack, stateDir } = system);
    call = { token: stack.token };
  });
  after(() => system?.stop());

  async function restore(path: string, timeoutMs: number): Promise<{ result: string; source: Probe; probe: Probe }> {
    const upload = await uploadFile(
      stack.graphqlUrl,
      path,
      { scale: 1, frameRateFactor: 1, colorize: 'OFF', repair: 'OFF' },
      undefined,
      call,
    );
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const id = upload.data!.uploadMedia.id;
    const deadline = Date.now() + timeoutMs;
    let media: { status: string; resultUrl: string | null; error: unknown; stages: unknown };
    for (;;) {
      const { data } = await query<{ media: typeof media }>(
        stack.graphqlUrl,
        'query ($id: ID!) { media(id: $id) { status resultUrl error { code message stage attempt } stages { stage status } } }',
        { id },
        call,
      );
      media = data!.media;
      if (media.status === 'COMPLETED' || media.status === 'FAILED') break;
      if (Date.now() > deadline)
        assert.fail(`timed out after ${timeoutMs} ms waiting for ${id} to finish; last state ${JSON.stringify(media)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(media.status, 'COMPLETED', `${path}: ${JSON.stringify(media)}`);
    const result = join(stateDir, `${id}-result.mp4`);
    await writeFile(result, new Uint8Array(await (await fetch(media.resultUrl!)).arrayBuffer()));
    return { result, source: ffprobe(path), probe: ffprobe(result) };
  }

  function assertPlayable({ source, probe }: { source: Probe; probe: Probe }): void {
    const video = probe.streams.find((s) => s.codec_type === 'video');
    const sourceVideo = source.streams.find((s) => s.codec_type === 'video')!;
    assert.equal(video?.codec_name, 'h264');
    assert.equal(video?.nb_frames, sourceVideo.nb_frames, 'every frame of the picture');
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    assert.equal(audio?.codec_name, 'aac', 'the audio that could be decoded is kept');
    assert.ok(
      Number(probe.format.duration) <= Number(sourceVideo.duration) + 0.2,
      `the result (${probe.format.duration} s) does not outlast the picture (${sourceVideo.duration} s)`,
    );
  }

  it('restores the committed clip whose AAC packets are corrupt: the picture whole, the audio as decodable', async () => {
    // The fixture is what it claims: ffmpeg refuses to transcode its audio with default settings.
    assert.throws(() => execFileSync('ffmpeg', ['-v', 'quiet', '-i', committed, '-map', '0:a', '-c:a', 'aac', '-f', 'null', '-']));
    assertPlayable(await restore(committed, 300_000));
  });

  it(
    'restores ../shared/data/video/video_with_failing_audio.mp4',
    { skip: !existsSync(shared) && `${shared} is absent (the shared data folder is not checked out)` },
    async () => {
      assertPlayable(await restore(shared, 600_000));
    },
  );
});
