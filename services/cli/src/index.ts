export { enhanceFile, type EnhanceContext, type EnhanceResult } from './enhance.ts';
export { main, type CliIo } from './main.ts';
export { parseCli, DEFAULT_URL, type Command, type Connection } from './cli-args.ts';
export {
  ExitCodes,
  GraphQLRequestError,
  LocalFileError,
  NetworkError,
  ResultDownloadError,
  UsageError,
  formatError,
  formatMediaFailure,
  type ServerError,
} from './errors.ts';
export type { ColorizeMode, EnhanceOptions, Media, MediaProgress, MediaStatus, ProgressUpdate, StageState } from './media.ts';
