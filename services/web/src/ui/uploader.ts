import { ApiError, ClientCodes } from '../api/errors.ts';
import type { EnhanceOptions } from '../api/operations.ts';
import { createTaskQueue } from '../api/upload-queue.ts';
import { uploadMedia } from '../api/upload-request.ts';
import type { Library } from './library.ts';
import type { MediaCard } from './media-card.ts';

export interface UploaderDeps {
  endpoint: string;
  token: () => string | null;
  library: Library;
  onAuthFailure: (error: ApiError) => void;
}

/** Sends picked files two at a time; each gets a card at once that shows its upload, then its restoration. */
export function createUploader(deps: UploaderDeps) {
  const queue = createTaskQueue(2);

  const start = (card: MediaCard, file: File, options: EnhanceOptions) => {
    // Until a retryMedia mutation exists (issue 8), trying again means sending the same file again.
    card.setRetry(() => start(card, file, options));
    card.showUploading(file, options);
    queue
      .run(() =>
        uploadMedia({
          endpoint: deps.endpoint,
          token: deps.token(),
          file,
          options,
          onProgress: (sent, total) => card.showUploadProgress(sent, total),
          onSent: () => card.showChecking(),
        }),
      )
      .then((media) => deps.library.follow(card, media))
      .catch((error: unknown) => {
        const apiError =
          error instanceof ApiError ? error : new ApiError(ClientCodes.network, error instanceof Error ? error.message : String(error));
        card.showUploadError(apiError);
        if (apiError.isAuthFailure) deps.onAuthFailure(apiError);
      });
  };

  return {
    add(files: readonly File[], options: EnhanceOptions): void {
      const cards = files.map(() => deps.library.createCard());
      deps.library.prepend(cards);
      files.forEach((file, i) => start(cards[i]!, file, options));
    },
  };
}
