// Results leaving the gateway: one converted on the fly, or several as one streamed ZIP.
export { downloadRoutes } from './download-route.ts';
export { archiveUrlOf, DEFAULT_QUALITY, downloadUrlOf, originalDownloadUrlOf, type DownloadFormat } from './download-urls.ts';
