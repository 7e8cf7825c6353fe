import { UPLOAD_MEDIA, type EnhanceOptions } from './media.ts';

/**
 * Builds a GraphQL multipart request (jaydenseric's spec) for `uploadMedia`: `operations`, then
 * `map`, then the file part. The order is the spec's and matters: servers read the first two
 * to know where the file goes before its bytes arrive, so they can stream it.
 */
export function buildUploadForm(file: Blob, filename: string, options: EnhanceOptions): FormData {
  // An absent `options` variable lets the server apply its own defaults; sending null would
  // say "no options" explicitly, which is not what a user who passed no flags meant.
  const variables: Record<string, unknown> = { file: null };
  if (Object.keys(options).length > 0) variables.options = options;

  const form = new FormData();
  form.append('operations', JSON.stringify({ query: UPLOAD_MEDIA.query, operationName: UPLOAD_MEDIA.operationName, variables }));
  form.append('map', JSON.stringify({ '0': ['variables.file'] }));
  form.append('0', file, filename);
  return form;
}
