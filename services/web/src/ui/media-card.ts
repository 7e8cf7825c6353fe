import { describeError, type ApiError } from '../api/errors.ts';
import { isTerminal, type DownloadFormat, type EnhanceOptions, type Media } from '../api/operations.ts';
import { h, setChildren, uniqueId } from './dom.ts';
import { createEtaTracker } from './eta.ts';
import {
  formatBytes,
  formatDuration,
  formatEta,
  formatPercent,
  barValue,
  finishedSummary,
  optionsSummary,
  runningLine,
  statusLabel,
} from './format.ts';
import { createCardActions } from './card-actions.ts';
import type { Announcer } from './live-region.ts';
import { createRestoreAgainPanel } from './restore-again.ts';
import { createOriginalView, createResultView, follow } from './result-view.ts';
import { renderSteps } from './stage-steps.ts';

/** One file's card, from the first byte uploaded to the downloadable result. */
export interface MediaCard {
  readonly element: HTMLLIElement;
  readonly mediaId: string | null;
  /** The tick box that puts the card in the selection (finished and stopped items). */
  readonly selected: boolean;
  showUploading(file: File, options: EnhanceOptions): void;
  showUploadProgress(sent: number, total: number): void;
  showChecking(): void;
  showUploadError(error: ApiError): void;
  update(media: Media): void;
  /** What "Try again" does for an upload that failed; null hides the button (nothing to retry with). */
  setRetry(retry: (() => void) | null): void;
  showActionError(message: string): void;
}

export interface MediaCardDeps {
  announce: Announcer['announce'];
  /** A fresh copy of the item (re-signed URLs); the card's download uses it when its link is old. */
  refresh: (id: string) => Promise<Media | null>;
  /** Takes the card off the page (after a delete, or for an upload that never arrived). */
  onRemove: (card: MediaCard) => void;
  cancel: (id: string) => Promise<void>;
  retry: (id: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
  view: (media: Media) => void;
  /** A freshly signed link to the finished picture in a format. */
  downloadUrl: (id: string, format: DownloadFormat) => Promise<string | null>;
  /** A freshly signed link to the original as uploaded, as a download. */
  originalDownloadUrl: (id: string) => Promise<string | null>;
  /** Restores the item again with other options (a new item, which the library puts on top). */
  reprocess: (id: string, options: EnhanceOptions) => Promise<void>;
  /** A card loaded with the library stays quiet until its item changes: screen readers hear news, not the list. */
  quietAtFirst?: boolean;
}

export function createMediaCard(deps: MediaCardDeps): MediaCard {
  const titleId = uniqueId('card-title');
  const title = h('h3', { class: 'card-title', id: titleId });
  const badge = h('span', { class: 'badge' });
  const meta = h('p', { class: 'card-meta' });
  const details = h('p', { class: 'card-details' });
  const steps = h('ol', { class: 'steps', 'aria-label': 'Steps' });
  const stepsSummary = h('summary', {}, 'Steps');
  // Open while the item runs; a finished card folds its steps away so the pictures lead.
  const stepsBox = h('details', { class: 'steps-box', open: true }, stepsSummary, steps);
  const fill = h('div', { class: 'bar-fill' });
  const bar = h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, fill);
  const percent = h('span', { class: 'bar-percent', 'aria-hidden': 'true' });
  const line = h('p', { class: 'progress-line' });
  const alert = h('div', { class: 'card-error', role: 'alert' });
  const result = h('div', { class: 'card-result' });
  const select = h('input', { type: 'checkbox', class: 'card-select', hidden: true });
  select.addEventListener('change', () => element.dispatchEvent(new Event('selection', { bubbles: true })));
  const element = h(
    'li',
    { class: 'card', 'aria-labelledby': titleId },
    h('div', { class: 'card-head' }, select, title, badge),
    meta,
    details,
    stepsBox,
    h('div', { class: 'bar-row' }, bar, percent),
    line,
    alert,
    result,
  );
  const actions = createCardActions(() => title.textContent ?? 'this item', {
    cancel: () => deps.cancel(mediaId!),
    retry: async () => {
      if (mediaId && latest?.status === 'FAILED') await deps.retry(mediaId);
      else retry?.();
    },
    remove: () => deps.remove(mediaId!),
    dismiss: () => deps.onRemove(card),
    view: () => latest && deps.view(latest),
    restore: () => latest && restoreAgain.open(latest),
    downloadOriginal: async () => {
      const url = await deps.originalDownloadUrl(mediaId!);
      if (!url) throw new Error('the original is no longer on the server');
      follow(url, latest?.filename ?? 'original');
    },
  });
  const restoreAgain = createRestoreAgainPanel({
    restore: (options) => deps.reprocess(mediaId!, options),
    onClose: () => actions.focusRestore(),
  });
  element.append(actions.element, restoreAgain.element);

  const eta = createEtaTracker();
  let mediaId: string | null = null;
  let latest: Media | null = null;
  let retry: (() => void) | null = null;
  let announced = '';
  let quiet = deps.quietAtFirst ?? false;
  let shownStatus: string | null = null;
  // What the picture area holds: the finished before/after, a stopped item's original, or nothing yet.
  let shownPicture: 'result' | 'original' | null = null;
  const showPicture = (kind: 'result' | 'original' | null, picture: HTMLElement | null = null) => {
    result.replaceChildren(...(picture ? [picture] : []));
    shownPicture = picture ? kind : null;
  };
  // The bar never slides back during this visit, whatever a later estimate says.
  let highest = 0;
  // The server's whole-item estimate counts down between updates, from when it arrived.
  let etaFrom: { seconds: number; at: number } | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  const stopTicking = () => {
    if (ticker) clearInterval(ticker);
    ticker = null;
  };
  const showRunning = () => {
    if (!latest) return;
    const elapsed = Date.now() - Date.parse(latest.createdAt);
    const left = etaFrom && Math.max(0, etaFrom.seconds * 1000 - (performance.now() - etaFrom.at));
    highest = barValue(latest, highest);
    setBar(highest, 'Restoration progress', runningLine(latest, Number.isFinite(elapsed) ? elapsed : null, left));
  };

  const setState = (state: string, label: string) => {
    element.dataset.status = state;
    badge.textContent = label;
    badge.dataset.status = state;
    actions.show(state as Parameters<typeof actions.show>[0], retry !== null);
  };
  const setBar = (value: number, label: string, text: string) => {
    const rounded = Math.floor(value);
    bar.setAttribute('aria-label', `${label}: ${title.textContent}`);
    bar.setAttribute('aria-valuenow', String(rounded));
    bar.setAttribute('aria-valuetext', `${formatPercent(value)}, ${text}`);
    fill.style.setProperty('--value', `${value}%`);
    percent.textContent = formatPercent(value);
    line.textContent = text;
  };
  const say = (key: string, text: string) => {
    if (key === announced) return;
    announced = key;
    if (!quiet) deps.announce(text);
  };
  const showError = (code: string, message: string, during: 'upload' | 'processing') => {
    const text = describeError(code, message, during);
    setChildren(
      alert,
      h('p', { class: 'error-title' }, text.title),
      text.detail && h('p', { class: 'error-detail' }, text.detail),
      h('p', { class: 'error-code' }, `Error code: ${text.code}`),
    );
    say(`error:${code}:${mediaId}`, `${title.textContent}: ${text.title}. ${text.detail}`);
  };

  const card: MediaCard = {
    element,
    get mediaId() {
      return mediaId;
    },
    get selected() {
      return !select.hidden && select.checked;
    },
    showUploading(file, options) {
      mediaId = null;
      latest = null;
      highest = 0;
      eta.reset();
      delete element.dataset.mediaId;
      title.textContent = file.name;
      title.title = file.name;
      meta.textContent = optionsSummary(
        file.type.startsWith('video/') ? 'VIDEO' : file.type.startsWith('image/') ? 'IMAGE' : null,
        options,
      );
      steps.replaceChildren();
      alert.replaceChildren();
      showPicture(null);
      element.setAttribute('aria-busy', 'true');
      setState('uploading', 'Uploading');
      setBar(0, 'Upload progress', `Uploading · 0 of ${formatBytes(file.size)}`);
      say(`uploading:${file.name}:${Date.now()}`, `Uploading ${file.name}`);
    },
    showUploadProgress(sent, total) {
      const fraction = total > 0 ? sent / total : 0;
      const remaining = eta.observe('upload', fraction, performance.now());
      const parts = [`Uploading`, `${formatBytes(sent)} of ${formatBytes(total)}`];
      if (remaining != null && fraction < 1) parts.push(formatEta(remaining));
      setBar(fraction * 100, 'Upload progress', parts.join(' · '));
    },
    showChecking() {
      setState('checking', 'Checking');
      setBar(100, 'Upload progress', 'Uploaded · checking the file…');
    },
    showUploadError(error) {
      element.removeAttribute('aria-busy');
      setState('upload-failed', 'Not uploaded');
      setBar(0, 'Upload progress', 'Not uploaded');
      showError(error.code, error.message, 'upload');
    },
    update(media) {
      if (latest && Date.parse(media.updatedAt) < Date.parse(latest.updatedAt)) return;
      const first = latest === null || latest.id !== media.id;
      if (first) highest = 0;
      latest = media;
      mediaId = media.id;
      element.dataset.mediaId = media.id;
      if (first) {
        title.textContent = media.filename;
        title.title = media.filename;
        meta.textContent = optionsSummary(media.kind, media.options);
        select.setAttribute('aria-label', `Select ${media.filename}`);
      }
      select.hidden = !['COMPLETED', 'FAILED', 'CANCELLED'].includes(media.status);
      if (select.hidden) select.checked = false;
      setState(media.status, statusLabel(media.status));
      renderSteps(steps, media.stages);
      if (shownStatus !== media.status) {
        // Only when the status changes, so a person who opened the steps keeps them open.
        shownStatus = media.status;
        // Every finished card alike, whatever its outcome: the pictures and the error lead, the steps wait a click.
        stepsBox.open = !isTerminal(media.status);
        stepsSummary.textContent = media.status === 'COMPLETED' ? 'How it was restored' : 'Steps';
      }
      details.textContent = finishedSummary(media);
      const running = media.stages.find((s) => s.status === 'RUNNING');
      etaFrom = media.etaSeconds != null ? { seconds: media.etaSeconds, at: performance.now() } : null;
      if (media.status === 'QUEUED' || media.status === 'PROCESSING')
        // A card taken off the page stops its clock.
        ticker ??= setInterval(() => (element.isConnected ? showRunning() : stopTicking()), 1000);
      else stopTicking();

      if (media.status === 'COMPLETED') {
        element.removeAttribute('aria-busy');
        alert.replaceChildren();
        const took = media.stages.reduce((sum, s) => sum + (s.durationMs ?? 0), 0);
        setBar(100, 'Restoration progress', took > 0 ? `Restored in ${formatDuration(took)}` : 'Restored');
        // Once: signed URLs change with every snapshot and reloading the images would flicker.
        if (media.resultUrl && shownPicture !== 'result') {
          const view = createResultView(media, {
            refresh: () => deps.refresh(media.id),
            downloadUrl: (format) => deps.downloadUrl(media.id, format),
          });
          showPicture('result', view.preview);
          actions.placeDownload(view.download);
        }
        say(`done:${media.id}`, `${media.filename} is ready: compare it and download it below.`);
      } else if (media.status === 'FAILED') {
        element.removeAttribute('aria-busy');
        highest = barValue(media, highest);
        setBar(highest, 'Restoration progress', 'Stopped');
        if (shownPicture !== 'original') showPicture('original', createOriginalView(media));
        showError(media.error?.code ?? 'FAILED', media.error?.message ?? 'the server gave no reason', 'processing');
      } else if (media.status === 'CANCELLED') {
        element.removeAttribute('aria-busy');
        alert.replaceChildren();
        highest = barValue(media, highest);
        setBar(highest, 'Restoration progress', 'Cancelled: nothing more will be done to it');
        if (shownPicture !== 'original') showPicture('original', createOriginalView(media));
        say(`cancelled:${media.id}`, `${media.filename}: cancelled`);
      } else {
        element.setAttribute('aria-busy', 'true');
        alert.replaceChildren();
        // A retried item runs again: its original gives way to the result when there is one.
        if (shownPicture === 'original') showPicture(null);
        showRunning();
        say(
          `${media.id}:${running?.stage ?? media.status}`,
          running ? `${media.filename}: ${running.activity.toLowerCase()}` : `${media.filename}: waiting for its turn`,
        );
      }
      quiet = false;
    },
    setRetry(next) {
      retry = next;
    },
    showActionError(message) {
      actions.fail(message);
    },
  };
  return card;
}
