import { requestHeaders } from './graphql-http.ts';
import { ApiError, ClientCodes, readGraphqlResponse } from './errors.ts';
import type { EnhanceOptions, Media, ResultOf, UPLOAD_MEDIA } from './operations.ts';
import { buildUploadForm } from './upload-body.ts';

export interface UploadRequest {
  endpoint: string;
  token: string | null;
  file: File;
  options: EnhanceOptions;
  /** Bytes sent so far; fetch cannot report this for a request body, XMLHttpRequest can. */
  onProgress: (sent: number, total: number) => void;
  /** Every byte is sent; the server is checking the file. */
  onSent: () => void;
  signal?: AbortSignal;
}

/** Uploads one file with `uploadMedia` and resolves with the new item as the server reports it. */
export function uploadMedia(request: UploadRequest): Promise<Media> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', request.endpoint);
    // The browser writes the multipart content type itself, boundary included.
    for (const [name, value] of Object.entries(requestHeaders(request.token))) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (e) => request.onProgress(e.loaded, e.lengthComputable ? e.total : request.file.size));
    xhr.upload.addEventListener('load', () => request.onSent());
    xhr.addEventListener('load', () => {
      try {
        resolve(
          readGraphqlResponse<ResultOf<typeof UPLOAD_MEDIA>>(xhr.status, xhr.getResponseHeader('content-type'), xhr.responseText)
            .uploadMedia,
        );
      } catch (error) {
        reject(error);
      }
    });
    xhr.addEventListener('error', () =>
      reject(new ApiError(ClientCodes.network, 'the connection broke off during the upload; check your connection and try again')),
    );
    xhr.addEventListener('abort', () => reject(new ApiError(ClientCodes.aborted, 'the upload was cancelled')));
    request.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(buildUploadForm(request.file, request.file.name, request.options));
  });
}
