/** The most items one page may hold. */
export const MAX_PAGE_SIZE = 100;

/** Where a page ends: the sort key of its last item. */
export interface CursorPosition {
  readonly createdAt: string;
  readonly id: string;
}

/** A client sent a cursor this API never issued (or mangled one): their input, not our fault. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  readonly code = 'BAD_USER_INPUT';
  readonly retryable = false;
  constructor(options?: ErrorOptions) {
    super('invalid cursor: pass an endCursor or edge cursor this API returned', options);
  }
}

/** A page size outside 0..MAX_PAGE_SIZE. */
export class InvalidPageSizeError extends Error {
  override readonly name = 'InvalidPageSizeError';
  readonly code = 'BAD_USER_INPUT';
  readonly retryable = false;
  constructor(readonly first: number) {
    super(`first must be an integer from 0 to ${MAX_PAGE_SIZE}, got ${first}`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Exactly what Date#toISOString writes, so PostgreSQL reads back what we encoded. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An opaque cursor: clients page with it but must not build or parse it. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (e) {
    throw new InvalidCursorError({ cause: e });
  }
  if (!Array.isArray(value) || value.length !== 2) throw new InvalidCursorError();
  const [createdAt, id] = value as unknown[];
  if (
    typeof createdAt !== 'string' ||
    !ISO.test(createdAt) ||
    Number.isNaN(Date.parse(createdAt)) ||
    typeof id !== 'string' ||
    !UUID.test(id)
  )
    throw new InvalidCursorError();
  return { createdAt, id };
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function checkPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) throw new InvalidPageSizeError(first);
  return first;
}
