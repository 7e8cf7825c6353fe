import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StageState } from '../api/operations.ts';
import {
  finishedSummary,
  formatBytes,
  formatDuration,
  formatEta,
  formatPercent,
  optionsSummary,
  barValue,
  resultFilename,
  runningLine,
  stageFigures,
  stageFraction,
  stageOutcome,
} from './format.ts';

const nb = (s: string) => s.replace(/\u00a0/g, ' ');
const stage = (over: Partial<StageState>): StageState => ({
  stage: 'SUPERRES',
  label: 'Enlarge',
  activity: 'Enlarging',
  status: 'PENDING',
  progress: 0,
  done: null,
  total: null,
  unit: null,
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  note: null,
  ...over,
});

describe('format: what the page says about sizes, times and progress', () => {
  it('writes sizes in decimal units with one decimal below ten', () => {
    assert.deepEqual(
      [0, 999, 1000, 1250, 12_400, 2_600_000, 3.2e9].map((b) => nb(formatBytes(b))),
      ['0 B', '999 B', '1.0 kB', '1.3 kB', '12 kB', '2.6 MB', '3.2 GB'],
    );
    assert.equal(formatBytes(Number.NaN), '');
  });

  it('writes durations and times left the way people say them', () => {
    assert.deepEqual(
      [0, 40, 850, 12_300, 125_000, 3_725_000].map((ms) => nb(formatDuration(ms))),
      ['under 0.1 s', 'under 0.1 s', '0.8 s', '12 s', '2 min 5 s', '1 h 2 min'],
    );
    assert.deepEqual(
      [4000, 12_000, 41_000, 150_000, 4_000_000].map((ms) => nb(formatEta(ms))),
      ['a few seconds left', 'about 15 s left', 'about 45 s left', 'about 3 min left', 'about 1 h 7 min left'],
    );
  });

  it('keeps percentages within 0–100 and rounds down (100 % only when it is)', () => {
    assert.deepEqual(
      [-3, 0, 99.9, 100, 140, Number.NaN].map((v) => nb(formatPercent(v))),
      ['0 %', '0 %', '99 %', '100 %', '100 %', '0 %'],
    );
  });

  it('measures a stage by its work units when it counts them, else by its percent', () => {
    assert.equal(stageFraction(stage({ status: 'RUNNING', progress: 10, done: 3, total: 12 })), 0.25);
    assert.equal(stageFraction(stage({ status: 'RUNNING', progress: 40 })), 0.4);
    assert.equal(stageFraction(stage({ status: 'SKIPPED' })), 1);
    assert.equal(stageFigures(stage({ done: 3, total: 12, unit: 'tiles' })), '3 of 12 tiles');
    assert.equal(stageFigures(stage({ done: 1, total: 1, unit: 'tiles' })), '1 of 1 tile');
    assert.equal(stageFigures(stage({ progress: 50 })), null);
  });

  it("shows the server's weighted progress, never going back, reaching 100 only when COMPLETED", () => {
    assert.equal(barValue({ status: 'PROCESSING', progress: 62.5 }, 0), 62.5);
    assert.equal(barValue({ status: 'PROCESSING', progress: 40 }, 62.5), 62.5, 'never behind what was shown');
    assert.equal(barValue({ status: 'PROCESSING', progress: 100 }, 0), 99, 'not 100 before COMPLETED');
    assert.equal(barValue({ status: 'COMPLETED', progress: 0 }, 0), 100);
    assert.equal(barValue({ status: 'QUEUED', progress: Number.NaN }, 0), 0);
  });

  it('describes the running step with its figures and the time left', () => {
    const stages = [stage({ stage: 'PREPROCESS', status: 'DONE' }), stage({ status: 'RUNNING', done: 12, total: 40, unit: 'tiles' })];
    assert.equal(
      nb(runningLine({ status: 'PROCESSING', stages }, 119_000, 110_000)),
      'Enlarging · 12 of 40 tiles · 1 min 59 s so far · about 2 min left',
    );
    assert.equal(runningLine({ status: 'PROCESSING', stages }, null, null), 'Enlarging · 12 of 40 tiles');
    assert.equal(runningLine({ status: 'QUEUED', stages }, 500, null), 'Waiting for its turn…');
    assert.equal(runningLine({ status: 'PROCESSING', stages: stages.slice(0, 1) }, null, null), 'Waiting for the next step…');
    assert.equal(nb(stageOutcome(stage({ status: 'DONE', durationMs: 1234 }))), 'done in 1.2 s');
    assert.equal(
      nb(stageOutcome(stage({ status: 'DONE', durationMs: 1234, note: 'repaired 2.3 % of the picture' }))),
      'done in 1.2 s · repaired 2.3 % of the picture',
      'what the stage said it did',
    );
    assert.equal(stageOutcome(stage({ status: 'DONE', note: 'repaired 2.3 % of the picture' })), 'done · repaired 2.3 % of the picture');
    assert.equal(
      stageOutcome(stage({ stage: 'COLORIZE', status: 'SKIPPED', note: 'already in colour' })),
      'skipped: already in colour',
      'the reason the stage gave',
    );
    assert.equal(stageOutcome(stage({ stage: 'PUBLISH', status: 'SKIPPED' })), 'skipped');
    assert.equal(nb(stageOutcome(stage({ status: 'RUNNING', done: 1, total: 4 }))), 'in progress, 25 %');
    assert.equal(stageOutcome(stage({ status: 'CANCELLED', done: 1, total: 4 })), 'stopped', 'cancelMedia stopped it while it ran');
  });

  it('summarises the options, with motion only where it applies', () => {
    assert.equal(
      optionsSummary('IMAGE', { scale: 2, colorize: 'AUTO', repair: 'AUTO', frameRateFactor: 2 }),
      'Photo · enlarge 2× · colour if black & white · repair if damaged',
    );
    assert.equal(
      optionsSummary('VIDEO', { scale: 4, colorize: 'OFF', repair: 'OFF', frameRateFactor: 4 }),
      'Video · enlarge 4× · no colour · no repair · motion 4×',
    );
    assert.equal(
      optionsSummary(null, { scale: 1, colorize: 'ON', repair: 'ON', frameRateFactor: 1 }),
      'enlarge 1× · always colour · always repair · motion 1×',
    );
  });

  it('names the download after the original, with the result’s own extension', () => {
    assert.equal(
      resultFilename('bridge 1880.jpg', 'http://127.0.0.1:4000/objects/media/abc/result.png?expires=1&signature=x', 'IMAGE'),
      'bridge 1880.revive.png',
    );
    assert.equal(
      resultFilename('film.mkv', 'https://s3.example/bucket/media/abc/result.mp4?X-Amz-Signature=y', 'VIDEO'),
      'film.revive.mp4',
    );
    assert.equal(resultFilename('noext', 'https://s3.example/key-without-extension', 'VIDEO'), 'noext.revive.mp4');
    assert.equal(resultFilename('.jpg', '/objects/r.webp', 'IMAGE'), 'result.revive.webp');
  });
});

describe('finishedSummary', () => {
  it('gives the date added and, once restored, the result in pixels', () => {
    const media = { createdAt: '2024-03-12T10:00:00Z', width: 320, height: 240 };
    assert.equal(finishedSummary({ ...media, status: 'COMPLETED' }, 'en-GB'), '12 Mar 2024 · 320\u00a0×\u00a0240\u00a0px');
    assert.equal(finishedSummary({ ...media, status: 'PROCESSING' }, 'en-GB'), '12 Mar 2024');
    assert.equal(
      nb(finishedSummary({ ...media, status: 'COMPLETED', resultSize: { width: 640, height: 480, bytes: 1_234_000 } }, 'en-GB')),
      '12 Mar 2024 · 640 × 480 px · 1.2 MB',
      "the result's own size and its file size",
    );
    assert.equal(finishedSummary({ createdAt: 'nonsense', status: 'COMPLETED', width: null, height: null }), '');
  });
});
