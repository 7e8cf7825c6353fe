import { ResultDownloadError } from './errors.ts';
import { uploadMedia } from './graphql-http.ts';
import { isTerminal, type EnhanceOptions, type Media, type ProgressUpdate } from './media.ts';
import { watchUntilTerminal } from './progress-watch.ts';
import { downloadResult } from './result-file.ts';

/** Where the gateway is and what to tell the caller along the way. */
export interface EnhanceContext {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql; its ws(s) twin carries progress. */
  url: string;
  token?: string | null;
  /** Every state the client sees: the upload's answer, subscription events, query snapshots. */
  onProgress?: (update: ProgressUpdate) => void;
  /** Directory for the result (default: the working directory). */
  outDir?: string;
  signal?: AbortSignal;
  /** Safety-net re-query period while waiting (default 5 s). */
  pollIntervalMs?: number;
}

/** How one file ended: the final snapshot and, when it completed, where the result was saved. */
export interface EnhanceResult {
  media: Media;
  resultPath: string | null;
}

/**
 * Uploads a file, follows it to COMPLETED or FAILED, and downloads the result. A FAILED item
 * is a normal return (its `media.error` says why); rejections, network trouble and local file
 * problems throw (see errors.ts).
 */
export async function enhanceFile(path: string, options: EnhanceOptions, context: EnhanceContext): Promise<EnhanceResult> {
  const connection = { url: context.url, token: context.token ?? null };
  const onUpdate = context.onProgress ?? (() => {});

  const uploaded = await uploadMedia(connection, path, options, context.signal);
  onUpdate({ media: uploaded, stage: null, event: 'UPLOADED', at: uploaded.updatedAt });
  // The server may refuse an item outright (FAILED on arrival); no events would follow.
  const media = isTerminal(uploaded.status)
    ? uploaded
    : await watchUntilTerminal({
        connection,
        initial: uploaded,
        onUpdate,
        pollIntervalMs: context.pollIntervalMs,
        signal: context.signal,
      });

  if (media.status !== 'COMPLETED') return { media, resultPath: null };
  if (!media.resultUrl) throw new ResultDownloadError(`media ${media.id} completed without a resultUrl`);
  const resultPath = await downloadResult(connection, media.resultUrl, path, context.outDir ?? '.', context.signal);
  return { media, resultPath };
}
