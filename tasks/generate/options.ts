/**
 * Command-line options of `deno task generate`.
 *
 * @module
 */

import { dayString } from "./calendar.ts";
import type { GenerateOptions } from "./mod.ts";

/** Usage text of the command. */
export const USAGE = `Usage: deno task generate [options]

  --seed N        PRNG seed (default 42)
  --days N        number of business days (default 30)
  --persons N     population size (default 2000)
  --dirty X       share of records with dirt, 0 to 0.5 (default 0.05)
  --out DIR       output folder (default out/data)
  --end DATE      last business day, YYYY-MM-DD (default: yesterday, UTC)
  --memory-report print peak memory as JSON on stderr at the end
  --quiet         no progress output
`;

/** Parsed command line. */
export interface CliOptions extends Omit<GenerateOptions, "onDay"> {
  help: boolean;
  memoryReport: boolean;
  quiet: boolean;
}

/**
 * Parses arguments (`--name value` or `--name=value`); `now` fixes the default `--end`.
 *
 * @example
 * ```ts
 * parseArgs(["--seed", "7", "--end=2026-11-24"]).seed; // 7
 * ```
 */
export function parseArgs(args: string[], now: Date = new Date()): CliOptions {
  const opts: CliOptions = {
    seed: 42,
    days: 30,
    persons: 2000,
    dirty: 0.05,
    out: "out/data",
    end: dayString(Math.floor(now.getTime() / 86_400_000) - 1),
    help: false,
    memoryReport: false,
    quiet: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      opts.help = true;
      continue;
    }
    if (arg === "--memory-report") {
      opts.memoryReport = true;
      continue;
    }
    if (arg === "--quiet") {
      opts.quiet = true;
      continue;
    }
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new RangeError(`Argument "${arg}" is not an option`);
    const name = m[1];
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new RangeError(`Option "--${name}" needs a value`);
    const number = () => {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n)) {
        throw new RangeError(`Option "--${name}" must be a number, got "${value}"`);
      }
      return n;
    };
    switch (name) {
      case "seed":
        opts.seed = number();
        break;
      case "days":
        opts.days = number();
        break;
      case "persons":
        opts.persons = number();
        break;
      case "dirty":
        opts.dirty = number();
        break;
      case "out":
        opts.out = value;
        break;
      case "end":
        opts.end = value;
        break;
      default:
        throw new RangeError(`Option "--${name}" is unknown`);
    }
  }
  return opts;
}
