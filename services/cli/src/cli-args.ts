import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { ColorizeModeValues, RepairModeValues, type EnhanceOptions } from './media.ts';

export const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';

/** Where to reach the gateway and as whom. */
export interface Connection {
  url: string;
  token: string | null;
}

/** A parsed command line. */
export type Command =
  | { kind: 'help' }
  | { kind: 'enhance'; files: string[]; outDir: string; options: EnhanceOptions; json: boolean; connection: Connection }
  | { kind: 'status'; id: string; json: boolean; connection: Connection };

export const USAGE = `Usage:
  revive enhance <files...> [options]   upload, follow progress, download the results
  revive status <id> [options]          show one item's state
  revive --help

Options:
  -o, --out DIR            where results go (default: .); named <name>.revive.<ext>
      --scale 1|2|4        super-resolution factor (server default: 2)
      --colorize auto|on|off   (server default: auto)
      --repair auto|on|off     remove cracks, scratches and dust (server default: auto)
      --fps-factor 1|2|4   video only: output frame-rate multiple (server default: 2)
      --url URL            GraphQL endpoint (default: $REVIVE_URL or ${DEFAULT_URL})
      --token T            bearer token (default: $REVIVE_TOKEN)
      --json               print only a JSON document on stdout
                           (one object for one file, an array for several)

Exit codes: 0 ok, 1 an item failed or the server rejected a request,
            2 the gateway could not be reached, 64 bad command line.`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  out: { type: 'string', short: 'o' },
  scale: { type: 'string' },
  colorize: { type: 'string' },
  repair: { type: 'string' },
  'fps-factor': { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/**
 * Parses argv (without the node and script entries). Checks what can be checked locally so a
 * typo fails fast, but the server stays the authority on what it accepts.
 */
export function parseCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs' own messages are already precise ("Unknown option '--sclae'").
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help' || command === undefined) return { kind: 'help' };

  if (command === 'enhance') {
    if (rest.length === 0) throw new UsageError('enhance needs at least one file');
    if (values.out === '') throw new UsageError('--out needs a directory');
    return {
      kind: 'enhance',
      files: rest,
      outDir: values.out ?? '.',
      options: enhanceOptions(values),
      json: values.json ?? false,
      connection: connection(values, env),
    };
  }
  if (command === 'status') {
    if (rest.length !== 1 || !rest[0]) throw new UsageError('status needs exactly one media id');
    rejectEnhanceOnly(values, 'status');
    return { kind: 'status', id: rest[0], json: values.json ?? false, connection: connection(values, env) };
  }
  throw new UsageError(`unknown command '${command}' (expected enhance or status)`);
}

type Values = { scale?: string; colorize?: string; repair?: string; 'fps-factor'?: string; out?: string; url?: string; token?: string };

function enhanceOptions(values: Values): EnhanceOptions {
  const options: EnhanceOptions = {};
  if (values.scale !== undefined) options.scale = factor('--scale', values.scale);
  if (values['fps-factor'] !== undefined) options.frameRateFactor = factor('--fps-factor', values['fps-factor']);
  if (values.colorize !== undefined) {
    options.colorize = oneOf('--colorize', values.colorize, ColorizeModeValues);
  }
  if (values.repair !== undefined) options.repair = oneOf('--repair', values.repair, RepairModeValues);
  return options;
}

/** A flag naming one of a schema enum's values, given in any case. */
function oneOf<T extends string>(flag: string, raw: string, values: readonly T[]): T {
  const value = values.find((v) => v === raw.toUpperCase());
  if (value === undefined) throw new UsageError(`${flag} must be ${listOfChoices(values.map((v) => v.toLowerCase()))} (got '${raw}')`);
  return value;
}

/** `auto, on or off` */
function listOfChoices(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function factor(flag: string, raw: string): 1 | 2 | 4 {
  if (raw === '1' || raw === '2' || raw === '4') return Number(raw) as 1 | 2 | 4;
  throw new UsageError(`${flag} must be 1, 2 or 4 (got '${raw}')`);
}

// Options that only make sense for enhance are an error elsewhere rather than silently ignored.
function rejectEnhanceOnly(values: Values, command: string): void {
  for (const flag of ['scale', 'colorize', 'repair', 'fps-factor', 'out'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not apply to ${command}`);
  }
}

function connection(values: Values, env: Readonly<Record<string, string | undefined>>): Connection {
  const url = values.url ?? (env.REVIVE_URL || DEFAULT_URL);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url must be http:// or https:// (got '${url}')`);
  }
  const token = values.token ?? env.REVIVE_TOKEN;
  return { url: parsed.href, token: token ? token : null };
}
