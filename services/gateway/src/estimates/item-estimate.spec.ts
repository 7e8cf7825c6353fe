import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EnhanceOptions, MediaKind } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { initialStages, type MediaRecord, type StageHistoryItem, type StageState } from '../persistence/index.ts';
import { estimateItem } from './item-estimate.ts';
import { createStageRateSource } from './rate-source.ts';
import { priorRate, rateKey, ratesFromHistory, workOf } from './stage-rates.ts';

const T0 = Date.parse('2026-11-23T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const options: EnhanceOptions = { scale: 2, colorize: 'auto', repair: 'off', frameRateFactor: 2 };

/** Stages of `kind` with the given ones changed. */
function stages(kind: MediaKind, changes: Record<string, Partial<StageState>> = {}): StageState[] {
  return initialStages(kind).map((s) => ({ ...s, ...changes[s.stage] }));
}
const done = (seconds: number): Partial<StageState> => ({ status: 'DONE', progress: 100, durationMs: seconds * 1000 });

/** A finished 2-megapixel image whose stages took these seconds. */
function history(seconds: Record<string, number>, opts: EnhanceOptions = options): StageHistoryItem {
  const changes = Object.fromEntries(Object.entries(seconds).map(([stage, s]) => [stage, done(s)]));
  return { kind: 'image', options: opts, width: 2000, height: 1000, stages: stages('image', changes) };
}

type Item = Pick<MediaRecord, 'kind' | 'options' | 'stages' | 'width' | 'height' | 'status'>;

describe('stage rates from history', () => {
  it('divides each stage’s summed seconds by the summed megapixels, per option value; a skipped stage counts as no time', () => {
    const table = ratesFromHistory([
      history({ preprocess: 1, repair: 0, colorize: 4, superres: 20, publish: 2 }),
      { ...history({ preprocess: 3, colorize: 8, superres: 40, publish: 2 }), width: 4000 },
      history({ superres: 100 }, { ...options, scale: 4 }),
    ]);
    // 2 MP and 4 MP items: (1 + 3) s over 6 MP.
    assert.equal(table.get(rateKey('image', 'preprocess', options)), 4 / 6);
    assert.equal(table.get(rateKey('image', 'superres', options)), 60 / 6);
    assert.equal(table.get(rateKey('image', 'superres', { ...options, scale: 4 })), 50, 'scale 4 is its own rate');
    const skipped = ratesFromHistory([{ ...history({}), stages: stages('image', { colorize: { status: 'SKIPPED', durationMs: null } }) }]);
    assert.equal(skipped.get(rateKey('image', 'colorize', options)), 0);
    assert.equal(skipped.has(rateKey('image', 'superres', options)), false, 'a stage that never finished says nothing');
  });

  it('uses the latest 20 items of a key (the history comes newest first)', () => {
    const recent = Array.from({ length: 20 }, () => history({ superres: 10 }));
    const table = ratesFromHistory([...recent, ...Array.from({ length: 30 }, () => history({ superres: 1000 }))]);
    assert.equal(table.get(rateKey('image', 'superres', options)), 5);
  });

  it('measures a video in megapixel-frames, from the frames its first stage counted', () => {
    const video = stages('video', { preprocess: { ...done(2), total: 100 }, superres: done(30) });
    assert.equal(workOf({ kind: 'video', width: 1000, height: 500, stages: video }), 50);
    assert.equal(workOf({ kind: 'video', width: 1000, height: 500, stages: stages('video') }), undefined, 'frames not counted yet');
    assert.equal(workOf({ kind: 'image', width: null, height: null, stages: stages('image') }), undefined);
    const table = ratesFromHistory([{ kind: 'video', options, width: 1000, height: 500, stages: video }]);
    assert.equal(table.get(rateKey('video', 'superres', options)), 30 / 50);
  });

  it('weighs nothing for a stage its option turns off before any history exists', () => {
    assert.equal(priorRate('image', 'superres', { ...options, scale: 1 }), 0);
    assert.equal(priorRate('image', 'repair', options), 0);
    assert.equal(priorRate('video', 'interpolate', { ...options, frameRateFactor: 1 }), 0);
    assert.ok(priorRate('image', 'superres', { ...options, scale: 4 }) > priorRate('image', 'superres', options));
  });
});

describe('whole-item estimate', () => {
  // Per megapixel: preprocess 1 s, colorize 2 s, superres 6 s, publish 1 s (repair off: 0).
  const rates = ratesFromHistory([history({ preprocess: 2, repair: 0, colorize: 4, superres: 12, publish: 2 })]);
  const item = (changes: Record<string, Partial<StageState>>, extra: Partial<Item> = {}): Item => ({
    kind: 'image',
    options,
    width: 2000,
    height: 2000,
    status: 'PROCESSING',
    stages: stages('image', changes),
    ...extra,
  });

  it('weighs each stage by its expected time: a done preprocess is a tenth of a 4 MP item, and 36 s remain', () => {
    // 4 MP: preprocess 4 s, repair 0, colorize 8 s, superres 24 s, publish 4 s; 40 s in all.
    const e = estimateItem(item({ preprocess: done(4), repair: { status: 'SKIPPED' } }), rates, T0);
    assert.deepEqual(e, { progress: 10, etaSeconds: 36 });
  });

  it('counts a running stage by its expected time early on, by its own pace once it has one', () => {
    const early = item({
      preprocess: done(4),
      repair: { status: 'SKIPPED' },
      colorize: done(8),
      superres: { status: 'RUNNING', progress: 10, startedAt: at(0) },
    });
    // 10 % of 24 s done after 5 s: 21.6 s left of it (more than 24 s - 5 s), plus publish's 4 s.
    assert.deepEqual(estimateItem(early, rates, T0 + 5000), { progress: 36, etaSeconds: 26 });
    // After 1 s the expected total leaves more: 24 s - 1 s.
    assert.deepEqual(estimateItem(early, rates, T0 + 1000), { progress: 36, etaSeconds: 27 });
    const late = item({
      preprocess: done(4),
      repair: { status: 'SKIPPED' },
      colorize: done(8),
      superres: { status: 'RUNNING', progress: 50, startedAt: at(0) },
    });
    // Half done in 30 s (slower than history's 24 s): 30 s more at this pace, then publish.
    assert.deepEqual(estimateItem(late, rates, T0 + 30_000), { progress: 60, etaSeconds: 34 });
  });

  it("uses a video stage's own measured time left across its chunks", () => {
    const video: Item = {
      kind: 'video',
      options,
      width: 1000,
      height: 1000,
      status: 'PROCESSING',
      stages: stages('video', {
        preprocess: { ...done(1), total: 10 },
        superres: { status: 'RUNNING', progress: 50, startedAt: at(0), etaSeconds: 7 },
      }),
    };
    const e = estimateItem(video, new Map(), T0 + 5000);
    const later = ['interpolate', 'publish'].reduce((sum, s) => sum + priorRate('video', s as 'publish', options) * 10, 0);
    const pending = ['repair', 'colorize'].reduce((sum, s) => sum + priorRate('video', s as 'repair', options) * 10, 0);
    assert.equal(e.etaSeconds, Math.round(7 + later + pending));
    assert.ok(e.progress > 0 && e.progress < 100);
  });

  it('is 100 with no ETA once completed; keeps where it stopped with no ETA when failed or cancelled', () => {
    assert.deepEqual(estimateItem(item({}, { status: 'COMPLETED' }), rates, T0), { progress: 100, etaSeconds: null });
    const failed = estimateItem(item({ preprocess: done(4), colorize: { status: 'FAILED' } }, { status: 'FAILED' }), rates, T0);
    assert.deepEqual(failed, { progress: 10, etaSeconds: null });
  });

  it('weighs the stages before the size is known, but gives no ETA until then', () => {
    const queued = estimateItem(item({}, { status: 'QUEUED', width: null, height: null }), rates, T0);
    assert.deepEqual(queued, { progress: 0, etaSeconds: null });
    const preparing = estimateItem(item({ preprocess: { status: 'RUNNING', progress: 50 } }, { width: null, height: null }), rates, T0);
    assert.deepEqual(preparing, { progress: 5, etaSeconds: null });
  });

  it('falls back to the priors without history: scale 4 weighs more than scale 2, and an ETA is given', () => {
    const at2 = estimateItem(item({ preprocess: done(1) }), new Map(), T0);
    const at4 = estimateItem(item({ preprocess: done(1) }, { options: { ...options, scale: 4 } }), new Map(), T0);
    assert.ok(at4.progress < at2.progress, `${at4.progress} < ${at2.progress}`);
    assert.ok(at2.etaSeconds !== null && at4.etaSeconds! > at2.etaSeconds);
  });
});

describe('stage rate source', () => {
  const log = createLogger('rates-spec', 'silent');

  it('reads the history once per refresh, however many estimates ask at once', async () => {
    let reads = 0;
    const source = createStageRateSource({ recentCompleted: async () => (reads++, [history({ superres: 10 })]) }, { log, ttlMs: 60_000 });
    const tables = await Promise.all(Array.from({ length: 50 }, () => source.current()));
    assert.equal(reads, 1);
    assert.equal(tables[49]!.get(rateKey('image', 'superres', options)), 5);
    await source.current();
    assert.equal(reads, 1, 'within the refresh interval the table is reused');
  });

  it('keeps the last rates when a read fails, and reads again at the next refresh', async () => {
    let fail = false;
    let reads = 0;
    const source = createStageRateSource(
      {
        recentCompleted: async () => {
          reads++;
          if (fail) throw new Error('connection lost');
          return [history({ superres: 10 })];
        },
      },
      { log, ttlMs: 0 },
    );
    const first = await source.current();
    fail = true;
    assert.deepEqual(await source.current(), first);
    fail = false;
    await source.current();
    assert.equal(reads, 3);
  });
});
