/**
 * Command-line options of `deno task simulate`.
 *
 * @module
 */

/** Usage text of the command. */
export const USAGE = `Usage: deno task simulate [options]

  --rate N         events per second (default 50)
  --host URL       server base URL (default http://127.0.0.1:8000)
  --write-key K    ingest write key (default: env WRITE_KEY)
  --duration D     stop after D: 90, 90s, 1500ms, 5m, 1h (default 60s)
  --events N       stop after N events (with --duration: whichever comes first)
  --persons N      population size (default 500)
  --seed N         seed of the population and its behaviour (default 7)
  --every D        progress line interval (default 5s)
  --quiet          only the final summary
`;

/** Parsed command line. */
export interface CliOptions {
  rate: number;
  host: string;
  writeKey: string;
  durationMs?: number;
  events?: number;
  persons: number;
  seed: number;
  everyMs: number;
  quiet: boolean;
  help: boolean;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a duration: a number with an optional unit `ms`, `s`, `m`
 * or `h` (a bare number is seconds).
 *
 * @example
 * ```ts
 * parseDuration("90s"); // 90000
 * parseDuration("1.5m"); // 90000
 * ```
 */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  const ms = m ? Number(m[1]) * UNITS[m[2] ?? "s"] : Number.NaN;
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new RangeError(`Duration "${text}" must be a positive number with ms, s, m or h`);
  }
  return ms;
}

function integer(name: string, value: string, lo: number, hi: number): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < lo || n > hi) {
    throw new RangeError(
      `Option "--${name}" must be an integer from ${lo} to ${hi}, got "${value}"`,
    );
  }
  return n;
}

function hostUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(`Option "--host" must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RangeError(`Option "--host" must be an http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * Parses arguments (`--name value` or `--name=value`); `env` supplies
 * `WRITE_KEY` when `--write-key` is absent. Throws a RangeError naming the
 * bad value.
 *
 * @example
 * ```ts
 * parseArgs(["--rate", "20", "--events=100"], () => "wk_1").events; // 100
 * ```
 */
export function parseArgs(
  args: string[],
  env: (name: string) => string | undefined,
): CliOptions {
  const opts: CliOptions = {
    rate: 50,
    host: "http://127.0.0.1:8000",
    writeKey: "",
    persons: 500,
    seed: 7,
    everyMs: 5000,
    quiet: false,
    help: false,
  };
  let writeKey: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      opts.help = true;
      continue;
    }
    if (arg === "--quiet") {
      opts.quiet = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new RangeError(`Argument "${arg}" is not an option`);
    const name = m[1];
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new RangeError(`Option "--${name}" needs a value`);
    switch (name) {
      case "rate": {
        const n = Number(value);
        if (value.trim() === "" || !(n > 0) || n > 100_000) {
          throw new RangeError(
            `Option "--rate" must be a number above 0 up to 100000, got "${value}"`,
          );
        }
        opts.rate = n;
        break;
      }
      case "host":
        opts.host = hostUrl(value);
        break;
      case "write-key":
        writeKey = value;
        break;
      case "duration":
        opts.durationMs = parseDuration(value);
        break;
      case "events":
        opts.events = integer(name, value, 1, Number.MAX_SAFE_INTEGER);
        break;
      case "persons":
        opts.persons = integer(name, value, 1, 1_000_000);
        break;
      case "seed":
        opts.seed = integer(name, value, 0, 2 ** 32 - 1);
        break;
      case "every":
        opts.everyMs = parseDuration(value);
        break;
      default:
        throw new RangeError(`Option "--${name}" is unknown`);
    }
  }
  if (opts.help) return opts;
  opts.writeKey = writeKey ?? env("WRITE_KEY") ?? "";
  if (opts.writeKey === "") {
    throw new RangeError(`A write key is required: pass "--write-key" or set "WRITE_KEY"`);
  }
  if (opts.durationMs === undefined && opts.events === undefined) opts.durationMs = 60_000;
  return opts;
}
