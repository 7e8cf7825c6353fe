// Request bodies: the byte limits, and uploads streamed to their resolver instead of held in memory.
export { parseMultipartRequest, type MultipartRequest } from './multipart-request.ts';
export { MAX_BODY_BYTES, requestBodyLimits } from './request-body.plugin.ts';
export { StreamedUpload } from './streamed-upload.ts';
