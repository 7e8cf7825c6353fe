import { DEFAULT_OPTIONS, type EnhanceOptions } from '../api/operations.ts';

const KEY = 'revive.options';
const FACTORS = new Set([1, 2, 4]);
const MODES = new Set(['AUTO', 'ON', 'OFF']);

/** The options last used in this browser, each field checked; anything unreadable falls back to the server's default. */
export function readStoredOptions(storage: Pick<Storage, 'getItem'> | null): EnhanceOptions {
  let saved: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(KEY) ?? '{}');
    if (parsed && typeof parsed === 'object') saved = parsed as Record<string, unknown>;
  } catch {
    // A hand-edited or foreign value: start from the defaults.
  }
  const factor = (value: unknown, fallback: EnhanceOptions['scale']) =>
    FACTORS.has(value as number) ? (value as EnhanceOptions['scale']) : fallback;
  const mode = <T extends string>(value: unknown, fallback: T) => (MODES.has(value as string) ? (value as T) : fallback);
  return {
    scale: factor(saved.scale, DEFAULT_OPTIONS.scale),
    frameRateFactor: factor(saved.frameRateFactor, DEFAULT_OPTIONS.frameRateFactor),
    colorize: mode(saved.colorize, DEFAULT_OPTIONS.colorize),
    repair: mode(saved.repair, DEFAULT_OPTIONS.repair),
  };
}

/** Remembers the options for the next visit; a browser that refuses storage just forgets. */
export function storeOptions(storage: Pick<Storage, 'setItem'> | null, options: EnhanceOptions): void {
  try {
    storage?.setItem(KEY, JSON.stringify(options));
  } catch {
    // Private mode or a full quota: the form still works, it only forgets.
  }
}
