import { UPLOAD_MEDIA, type EnhanceOptions } from './operations.ts';

/**
 * The GraphQL multipart request (jaydenseric's spec) for `uploadMedia`: `operations`, then
 * `map`, then the file. The order matters: the server reads the first two to know where the
 * file goes before its bytes arrive, so it can stream them.
 */
export function buildUploadForm(file: Blob, filename: string, options: EnhanceOptions): FormData {
  const form = new FormData();
  // The file travels as the multipart part the map names; the variable itself is null.
  const variables = { file: null, options };
  form.append('operations', JSON.stringify({ query: UPLOAD_MEDIA.query, operationName: UPLOAD_MEDIA.operationName, variables }));
  form.append('map', JSON.stringify({ '0': ['variables.file'] }));
  form.append('0', file, filename);
  return form;
}
