/** The input is not an image we can decode, or breaks a limit; retrying will not help. */
export class InvalidImageError extends Error {
  override readonly name = 'InvalidImageError';
  readonly retryable = false;
  constructor(
    message: string,
    readonly code: 'UNSUPPORTED_MEDIA' | 'EMPTY_UPLOAD' | 'IMAGE_TOO_LARGE' | 'CORRUPT_IMAGE',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
