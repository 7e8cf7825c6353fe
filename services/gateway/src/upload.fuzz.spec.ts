import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { eventSchemas, InvalidEventError, parseEvent, STAGE_NAMES, type Subject } from '@revive/contracts';
import { graphqlUploadForm, startGatewayFixture, type GatewayFixture } from './gateway.fixture.ts';
import { GRAPHQL_PATH } from './yoga.ts';

// Bounded-time fuzzing of the two places untrusted bytes enter: the upload mutation (mutated
// real headers and noise through yoga.fetch) and event decoding (random JSON through parseEvent
// for every subject). REVIVE_FUZZ_SEED replays a run; REVIVE_FUZZ_SECONDS sets its length.

const SEED = Number(process.env.REVIVE_FUZZ_SEED ?? randomInt(2 ** 31));
const SECONDS = Number(process.env.REVIVE_FUZZ_SECONDS ?? 10);
const ORIGIN = 'http://gateway.test:4000';
const MAX_UPLOAD = 64 * 1024;
const UPLOAD = 'mutation ($file: File!, $options: EnhanceOptions) { uploadMedia(file: $file, options: $options) { id status } }';
/** Every code the upload path may answer with; anything else (INTERNAL_SERVER_ERROR above all) is a finding. */
const UPLOAD_CODES = new Set([
  'UNSUPPORTED_MEDIA',
  'EMPTY_UPLOAD',
  'UPLOAD_TOO_LARGE',
  'IMAGE_TOO_LARGE',
  'OUTPUT_TOO_LARGE',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
]);

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const ascii = (s: string) => new TextEncoder().encode(s);

/** A tiny MP4 `ftyp` + empty `moov` box: a real header with nothing playable behind it. */
function mp4Header(brand: string): Uint8Array {
  const ftyp = [0, 0, 0, 24, ...ascii('ftyp'), ...ascii(brand.padEnd(4).slice(0, 4)), 0, 0, 2, 0, ...ascii('isomiso2')];
  const moov = [0, 0, 0, 8, ...ascii('moov')];
  return Uint8Array.from([...ftyp, ...moov]);
}

function mutate(rng: Rng, seeds: readonly Uint8Array[]): Uint8Array {
  if (rng.chance(0.05)) return Uint8Array.from({ length: rng.int(4096) }, () => rng.int(256));
  let bytes = Uint8Array.from(rng.pick(seeds));
  const rounds = 1 + rng.int(6);
  for (let r = 0; r < rounds; r += 1) {
    switch (rng.int(6)) {
      case 0: // flip bits
        for (let i = rng.int(16); i >= 0 && bytes.length; i -= 1) bytes[rng.int(bytes.length)]! ^= 1 << rng.int(8);
        break;
      case 1: // overwrite with interesting values
        for (let i = rng.int(8); i >= 0 && bytes.length; i -= 1) bytes[rng.int(bytes.length)] = rng.pick([0, 0xff, 0x7f, 0x80, 0x01, 0xfe]);
        break;
      case 2: // truncate
        bytes = bytes.subarray(0, rng.int(bytes.length + 1));
        break;
      case 3: {
        // insert random bytes
        const at = rng.int(bytes.length + 1);
        const extra = Uint8Array.from({ length: 1 + rng.int(64) }, () => rng.int(256));
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
        break;
      }
      case 4: {
        // splice the head of one format onto the body of another
        const other = rng.pick(seeds);
        bytes = Uint8Array.from([
          ...other.subarray(0, 1 + rng.int(Math.min(64, other.length))),
          ...bytes.subarray(rng.int(bytes.length + 1)),
        ]);
        break;
      }
      default: // repeat a slice (can grow past the byte limit)
        if (bytes.length) {
          const from = rng.int(bytes.length);
          const slice = bytes.subarray(from, from + 1 + rng.int(512));
          bytes = Uint8Array.from([...bytes, ...Array.from({ length: 1 + rng.int(200) }, () => [...slice]).flat()]);
        }
    }
  }
  return bytes;
}

function randomOptions(rng: Rng): Record<string, unknown> | undefined {
  if (rng.chance(0.5)) return undefined;
  const options: Record<string, unknown> = {};
  if (rng.chance(0.5)) options.scale = rng.pick([1, 2, 4, 3, 0, -1, 8]);
  if (rng.chance(0.5)) options.colorize = rng.pick(['AUTO', 'ON', 'OFF', 'BLUE', '']);
  if (rng.chance(0.3)) options.repair = rng.pick(['AUTO', 'ON', 'OFF', 'MAYBE']);
  if (rng.chance(0.3)) options.frameRateFactor = rng.pick([1, 2, 4, 8]);
  return options;
}

// ---- random events -------------------------------------------------------------------------

function uuidOf(rng: Rng): string {
  const h = Array.from({ length: 32 }, () => '0123456789abcdef'[rng.int(16)]).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function junk(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 6 : 8)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, 2 ** 31]);
    case 3:
      return rng.pick(['', 'x', '../etc/passwd', '/abs', 'ÿ\u0000', 'a'.repeat(3000), '2026-01-01T00:00:00Z', 'NaN']);
    case 4:
      return uuidOf(rng);
    case 5:
      return new Date(rng.int(2 ** 42)).toISOString();
    case 6:
      return Array.from({ length: rng.int(4) }, () => junk(rng, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: rng.int(4) }, () => [rng.pick(['a', 'mediaId', '__proto__', 'constructor', 'key']), junk(rng, depth + 1)]),
      );
  }
}

/** A plausible value for a field of the event catalogue, by its name. */
function plausible(rng: Rng, field: string): unknown {
  const frames = 1 + rng.int(500);
  const index = rng.int(4);
  const values: Record<string, () => unknown> = {
    mediaId: () => uuidOf(rng),
    options: () => ({
      scale: rng.pick([1, 2, 4]),
      colorize: rng.pick(['auto', 'on', 'off']),
      repair: rng.pick(['auto', 'on', 'off']),
      frameRateFactor: rng.pick([1, 2, 4]),
    }),
    at: () => new Date(1.7e12 + rng.int(1e10)).toISOString(),
    key: () => `media/${uuidOf(rng)}/out.png`,
    originalKey: () => `media/${uuidOf(rng)}/original.jpg`,
    posterKey: () => `media/${uuidOf(rng)}/poster.jpg`,
    // Required on published events, optional on preprocess's: present more often than not.
    preview: () =>
      rng.chance(0.2) ? undefined : { key: `media/${uuidOf(rng)}/result-preview.webp`, width: 1 + rng.int(480), height: 1 + rng.int(480) },
    chunk: () => ({
      index,
      count: index + 1 + rng.int(3),
      startSeconds: index * 4,
      durationSeconds: 4,
      frames,
      firstFrame: index * frames,
      overlapFrames: rng.int(2),
    }),
    frameRate: () => rng.pick(['30000/1001', '25/1', '24/1']),
    kind: () => rng.pick(['image', 'video']),
    stage: () => rng.pick(STAGE_NAMES),
    code: () => rng.pick(['UNSUPPORTED_MEDIA', 'IMAGE_TOO_LARGE', 'MODEL_REJECTED']),
    contentType: () => rng.pick(['image/png', 'video/mp4']),
    filename: () => rng.pick(['a.png', 'grandma.jpg', '']),
    message: () => 'something failed',
    // What a stage says of its outcome: optional, so usually absent.
    skipped: () => (rng.chance(0.7) ? undefined : rng.pick(['already in colour', 'size kept'])),
    summary: () => (rng.chance(0.7) ? undefined : rng.pick(['repaired 2.3 % of the picture', 'coloured a grey photo'])),
  };
  const byName = values[field];
  if (byName) return byName();
  if (/^(has|is)|colorized/.test(field)) return rng.chance(0.5);
  if (/fps|Seconds/.test(field)) return 0.5 + rng.int(60);
  return 1 + rng.int(4000); // width, height, frames, bytes, scale, attempt
}

/** Field names per subject, read from the catalogue's zod object shapes. */
function fieldsOf(subject: Subject): string[] {
  const schema = eventSchemas[subject] as unknown as { shape?: Record<string, unknown> };
  return Object.keys(schema.shape ?? {});
}

function randomEvent(rng: Rng, subject: Subject): unknown {
  if (rng.chance(0.05)) return junk(rng);
  const event: Record<string, unknown> = {};
  for (const field of fieldsOf(subject)) {
    if (rng.chance(0.03)) continue; // drop a field
    event[field] = rng.chance(0.04) ? junk(rng) : plausible(rng, field);
  }
  if (rng.chance(0.1)) event[rng.pick(['extra', '__proto__', 'mediaID'])] = junk(rng);
  return event;
}

describe(`fuzz (seed ${SEED}, ${SECONDS} s; replay with REVIVE_FUZZ_SEED=${SEED})`, () => {
  let gateway: GatewayFixture;
  let seeds: Uint8Array[];

  before(async () => {
    console.log(`fuzz seed ${SEED} (REVIVE_FUZZ_SEED=${SEED} replays it)`);
    gateway = await startGatewayFixture({
      REVIVE_PUBLIC_URL: ORIGIN,
      REVIVE_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
      REVIVE_AUTH: 'off',
      REVIVE_RATE_LIMIT_UPLOADS_PER_MINUTE: '1000000',
      REVIVE_RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
    });
    const image = sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 100, g: 80, b: 60 } } });
    seeds = [
      new Uint8Array(await image.clone().jpeg().toBuffer()),
      new Uint8Array(await image.clone().png().toBuffer()),
      new Uint8Array(await image.clone().gif().toBuffer()),
      new Uint8Array(await image.clone().webp().toBuffer()),
      new Uint8Array(await image.clone().tiff().toBuffer()),
      mp4Header('isom'),
      mp4Header('qt  '),
      mp4Header('avif'),
      Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3, 0x01, 0, 0, 0, 0, 0, 0, 0x1f, 0x42, 0x86, 0x81, 0x01]),
      Uint8Array.from([0x47, ...new Array(187).fill(0xff), 0x47, ...new Array(60).fill(0)]),
    ];
  });
  after(() => gateway?.stop());

  it('the upload path answers every mutated or random file with success or a typed refusal, never a 5xx', async () => {
    const rng = prng(SEED);
    const tally = new Map<string, number>();
    const deadline = Date.now() + SECONDS * 1000;
    let n = 0;
    for (; Date.now() < deadline; n += 1) {
      const bytes = mutate(rng, seeds);
      const options = randomOptions(rng);
      const form = graphqlUploadForm(UPLOAD, rng.pick(['a.jpg', 'b.png', 'c.mp4', '', 'x'.repeat(300), 'evil\u0000.png']), bytes, options);
      const response = await gateway.yoga.fetch(`${ORIGIN}${GRAPHQL_PATH}`, {
        method: 'POST',
        body: form,
        headers: { 'graphql-preflight': '1' },
      });
      const text = await response.text();
      const what = `iteration ${n} (seed ${SEED}): ${bytes.length} bytes starting ${Buffer.from(bytes.subarray(0, 16)).toString('hex')}, options ${JSON.stringify(options)}: ${response.status} ${text.slice(0, 300)}`;
      assert.ok(response.status < 500, what);
      const json = JSON.parse(text) as {
        data?: { uploadMedia?: { id: string } } | null;
        errors?: Array<{ extensions?: { code?: string } }>;
      };
      const outcome = json.data?.uploadMedia?.id ? 'ACCEPTED' : String(json.errors?.[0]?.extensions?.code);
      assert.ok(outcome === 'ACCEPTED' || UPLOAD_CODES.has(outcome), what);
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    }
    console.log(`upload fuzz: ${n} requests in ${SECONDS} s (${(n / SECONDS).toFixed(0)}/s): ${JSON.stringify(Object.fromEntries(tally))}`);
    assert.ok(n > 0);
    assert.ok(
      (tally.get('ACCEPTED') ?? 0) > 0 && (tally.get('UNSUPPORTED_MEDIA') ?? 0) > 0,
      'the mutations reach both acceptance and refusal',
    );
  });

  it('parseEvent returns a valid event or throws InvalidEventError for random JSON on every subject', () => {
    const rng = prng(SEED ^ 0x5eed);
    const subjects = Object.keys(eventSchemas) as Subject[];
    const tally = new Map<string, { valid: number; invalid: number }>(subjects.map((s) => [s, { valid: 0, invalid: 0 }]));
    const deadline = Date.now() + Math.max(2, SECONDS / 3) * 1000;
    let n = 0;
    for (; Date.now() < deadline; n += 1) {
      const subject = subjects[n % subjects.length]!;
      // As the consumer loop gets it: bytes off the wire, decoded as JSON first.
      const wire = rng.chance(0.05)
        ? Buffer.from(Array.from({ length: rng.int(64) }, () => rng.int(256))).toString('latin1')
        : JSON.stringify(randomEvent(rng, subject));
      let raw: unknown;
      try {
        raw = JSON.parse(wire);
      } catch (error) {
        assert.ok(error instanceof SyntaxError, `seed ${SEED}: ${wire.slice(0, 80)}`);
        continue;
      }
      try {
        const event = parseEvent(subject, raw);
        assert.deepEqual(
          parseEvent(subject, JSON.parse(JSON.stringify(event))),
          event,
          `${subject}: a parsed event survives the wire unchanged`,
        );
        tally.get(subject)!.valid += 1;
      } catch (error) {
        assert.ok(
          error instanceof InvalidEventError,
          `seed ${SEED} ${subject}: ${(error as Error).name}: ${(error as Error).message} for ${wire.slice(0, 300)}`,
        );
        assert.equal(error.subject, subject);
        tally.get(subject)!.invalid += 1;
      }
    }
    console.log(
      `event fuzz: ${n} payloads (${(n / Math.max(2, SECONDS / 3)).toFixed(0)}/s) over ${subjects.length} subjects: ${JSON.stringify(Object.fromEntries(tally))}`,
    );
    for (const [subject, t] of tally)
      assert.ok(t.valid > 0 && t.invalid > 0, `${subject}: both valid and invalid payloads generated (${JSON.stringify(t)})`);
  });
});
