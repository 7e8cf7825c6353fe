import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Media, StageState } from './media.ts';
import { formatDuration, formatEventLine, renderBar, renderMedia, renderStageLine } from './progress-view.ts';

function stage(overrides: Partial<StageState> & Pick<StageState, 'stage' | 'status'>): StageState {
  return {
    progress: 0,
    done: null,
    total: null,
    unit: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    etaSeconds: null,
    note: null,
    ...overrides,
  };
}

function media(overrides: Partial<Media> = {}): Media {
  return {
    id: 'm-1',
    kind: 'IMAGE',
    filename: 'photo.jpg',
    status: 'PROCESSING',
    options: { scale: 2, colorize: 'AUTO', repair: 'AUTO', frameRateFactor: 2 },
    stages: [
      stage({ stage: 'PREPROCESS', status: 'DONE', progress: 100, done: 1, total: 1, unit: 'image', durationMs: 240 }),
      stage({ stage: 'COLORIZE', status: 'SKIPPED' }),
      stage({ stage: 'SUPERRES', status: 'RUNNING', progress: 37.5, done: 15, total: 40, unit: 'tiles' }),
      stage({ stage: 'PUBLISH', status: 'PENDING' }),
    ],
    width: 640,
    height: 480,
    resultUrl: null,
    error: null,
    traceId: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:01.000Z',
    ...overrides,
  };
}

describe('progress view', () => {
  it('draws bars proportionally and clamps out-of-range progress', () => {
    assert.equal(renderBar(0, 10), '[░░░░░░░░░░]');
    assert.equal(renderBar(50, 10), '[█████░░░░░]');
    assert.equal(renderBar(100, 10), '[██████████]');
    assert.equal(renderBar(140, 4), '[████]');
    assert.equal(renderBar(-3, 4), '[░░░░]');
    assert.equal(renderBar(Number.NaN, 4), '[░░░░]');
  });

  it('formats durations for people', () => {
    assert.equal(formatDuration(240), '240ms');
    assert.equal(formatDuration(12_345), '12.3s');
    assert.equal(formatDuration(125_000), '2m05s');
  });

  it('renders one line per stage: name, bar, percent or state, count, duration once done', () => {
    assert.deepEqual(renderMedia(media(), 'photo.jpg', 10), [
      'photo.jpg → m-1  PROCESSING',
      '  PREPROCESS   [██████████]  100%  1/1 image  240ms',
      '  COLORIZE     [░░░░░░░░░░]  skipped',
      '  SUPERRES     [████░░░░░░]   37%  15/40 tiles',
      '  PUBLISH      [░░░░░░░░░░]  pending',
    ]);
  });

  it('shows what a finished stage said of its outcome: what it did, or why it skipped', () => {
    const snapshot = media({
      stages: [
        stage({ stage: 'PREPROCESS', status: 'DONE', progress: 100, durationMs: 240 }),
        stage({ stage: 'COLORIZE', status: 'DONE', progress: 100, done: 4, total: 4, unit: 'tiles', durationMs: 1_200, note: 'coloured' }),
        stage({ stage: 'SUPERRES', status: 'SKIPPED', note: 'size kept' }),
        stage({ stage: 'PUBLISH', status: 'PENDING' }),
      ],
    });
    assert.deepEqual(renderMedia(snapshot, 'photo.jpg', 4).slice(1), [
      '  PREPROCESS   [████]  100%  240ms',
      '  COLORIZE     [████]  100%  4/4 tiles  1.2s  (coloured)',
      '  SUPERRES     [░░░░]  skipped  (size kept)',
      '  PUBLISH      [░░░░]  pending',
    ]);
    assert.equal(
      formatEventLine('photo.jpg', { media: snapshot, stage: 'COLORIZE', event: 'STAGE_DONE', at: snapshot.updatedAt }),
      'photo.jpg: STAGE_DONE COLORIZE 100% 4/4 tiles 1.2s (coloured)',
    );
    assert.equal(
      formatEventLine('photo.jpg', { media: snapshot, stage: 'SUPERRES', event: 'STAGE_SKIPPED', at: snapshot.updatedAt }),
      'photo.jpg: STAGE_SKIPPED SUPERRES skipped (size kept)',
    );
  });

  it('never shows 100% for a stage that is still running', () => {
    const line = renderStageLine(
      stage({ stage: 'INTERPOLATE', status: 'RUNNING', progress: 99.7, done: 299, total: 300, unit: 'frames' }),
      4,
    );
    assert.equal(line, 'INTERPOLATE  [████]   99%  299/300 frames');
  });

  it('shows a failed stage with its progress and time spent', () => {
    const line = renderStageLine(stage({ stage: 'SUPERRES', status: 'FAILED', progress: 20, durationMs: 3_000 }), 5);
    assert.equal(line, 'SUPERRES     [█░░░░]  failed  3.0s');
  });

  it('logs stage events as one line with the stage figures', () => {
    const snapshot = media();
    assert.equal(
      formatEventLine('photo.jpg', { media: snapshot, stage: 'SUPERRES', event: 'STAGE_PROGRESS', at: snapshot.updatedAt }),
      'photo.jpg: STAGE_PROGRESS SUPERRES 37% 15/40 tiles',
    );
    assert.equal(
      formatEventLine('photo.jpg', { media: snapshot, stage: 'PREPROCESS', event: 'STAGE_DONE', at: snapshot.updatedAt }),
      'photo.jpg: STAGE_DONE PREPROCESS 100% 1/1 image 240ms',
    );
    assert.equal(
      formatEventLine('photo.jpg', { media: snapshot, stage: 'COLORIZE', event: 'STAGE_DONE', at: snapshot.updatedAt }),
      'photo.jpg: STAGE_DONE COLORIZE skipped',
    );
  });

  it('logs item-level events and snapshots by status, naming the running stage', () => {
    const snapshot = media();
    assert.equal(
      formatEventLine('photo.jpg', { media: snapshot, stage: null, event: 'SNAPSHOT', at: snapshot.updatedAt }),
      'photo.jpg: PROCESSING (SUPERRES 37%)',
    );
    assert.equal(
      formatEventLine('photo.jpg', { media: media({ status: 'QUEUED', stages: [] }), stage: null, event: 'UPLOADED', at: '' }),
      'photo.jpg: UPLOADED QUEUED',
    );
    const completed = media({ status: 'COMPLETED' });
    assert.equal(formatEventLine('photo.jpg', { media: completed, stage: null, event: 'COMPLETED', at: '' }), 'photo.jpg: COMPLETED');
  });
});
