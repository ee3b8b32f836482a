/**
 * Configuration, read once from the environment (shared/spec/api.md).
 *
 * Only `main.ts` and task entry points call {@link loadConfig}; everything else
 * receives the resulting {@link Config} (or the part it needs) as a parameter.
 *
 * @module
 */

/** Byte, count and rate limits of the ingest edge. */
export interface Limits {
  /** Largest JSON request body (decompressed), bytes. */
  jsonBytes: number;
  /** Largest single event, bytes of JSON. */
  eventBytes: number;
  /** Largest NDJSON stream (decompressed), bytes. */
  streamBytes: number;
  /** Largest upload (decompressed), bytes. */
  uploadBytes: number;
  /** Largest uncompressed size of all parts of an XLSX workbook, bytes. */
  xlsxUncompressedBytes: number;
  /** Most cells read from one sheet. */
  xlsxCells: number;
  /** Sustained requests per second per write key. */
  ratePerSecond: number;
  /** Requests a write key may send at once above the sustained rate. */
  rateBurst: number;
}

/** When each source is expected to have delivered (kpis.md, Freshness). */
export interface Freshness {
  /** Orders for day D are due by this many hours after the end of D (06:00 next day = 6). */
  ordersDueHours: number;
  /** Inventory for a week is due this many hours after its Monday 00:00 (Tuesday 06:00 = 30). */
  inventoryDueHours: number;
  /** Events are late when none arrived for this many minutes. */
  eventsSilentMinutes: number;
}

/** The whole configuration of one process. */
export interface Config {
  port: number;
  hostname: string;
  /** Deno KV path; `undefined` means the platform default (Deno Deploy). */
  kvPath: string | undefined;
  writeKeys: string[];
  adminToken: string;
  /** Secret that signs dashboard session cookies; derived from the admin token when unset. */
  sessionSecret: string;
  corsOrigins: string[];
  alertWebhookUrl: string | undefined;
  /** Exchange rates: currency code → USD per unit, as an exact decimal string. */
  fxRates: Record<string, string>;
  limits: Limits;
  freshness: Freshness;
  /** True when started by the demo: secrets were generated for this run. */
  demo: boolean;
}

/** Default exchange-rate table of shared/spec/sources.md. */
export const DEFAULT_FX_RATES = "USD=1,EUR=1.08,GBP=1.27";

/** Default limits of shared/spec/api.md. */
export const DEFAULT_LIMITS: Limits = {
  jsonBytes: 512 * 1024,
  eventBytes: 32 * 1024,
  streamBytes: 256 * 1024 * 1024,
  uploadBytes: 256 * 1024 * 1024,
  xlsxUncompressedBytes: 512 * 1024 * 1024,
  xlsxCells: 5_000_000,
  ratePerSecond: 1000,
  rateBurst: 2000,
};

/** Default cadences of shared/spec/kpis.md. */
export const DEFAULT_FRESHNESS: Freshness = {
  ordersDueHours: 6,
  inventoryDueHours: 30,
  eventsSilentMinutes: 15,
};

/** A configuration that cannot be used, with a message that names the variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses an `FX_RATES` value such as `USD=1,EUR=1.08`.
 *
 * @example
 * ```ts
 * parseFxRates("USD=1,EUR=1.08"); // { USD: "1", EUR: "1.08" }
 * ```
 */
export function parseFxRates(text: string): Record<string, string> {
  const rates: Record<string, string> = {};
  for (const part of text.split(",")) {
    const [code, rate] = part.split("=").map((s) => s.trim());
    if (!code || !/^[A-Za-z]{3}$/.test(code) || !rate || !/^\d+(\.\d{1,8})?$/.test(rate)) {
      throw new ConfigError(`FX_RATES entry "${part}" is not CODE=RATE`);
    }
    rates[code.toUpperCase()] = rate;
  }
  if (!rates.USD) rates.USD = "1";
  return rates;
}

function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

function int(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new ConfigError(`${name} "${raw}" is not a whole number`);
  }
  return n;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Demo mode: generate missing secrets instead of refusing to start. */
  demo?: boolean;
  /** KV path used when `KV_PATH` is unset and not on Deno Deploy. */
  defaultKvPath?: string;
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "");
}

/**
 * Reads the configuration from an environment map.
 *
 * Outside demo mode a missing `WRITE_KEYS` or `ADMIN_TOKEN` throws: the server
 * must not start open to the world.
 *
 * @example
 * ```ts
 * const config = loadConfig(Deno.env.toObject());
 * ```
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: LoadConfigOptions = {},
): Config {
  const demo = options.demo ?? env.DEMO === "1";
  let writeKeys = list(env.WRITE_KEYS);
  let adminToken = env.ADMIN_TOKEN ?? "";
  if (!demo && writeKeys.length === 0) {
    throw new ConfigError("WRITE_KEYS is required outside demo mode");
  }
  if (!demo && adminToken === "") {
    throw new ConfigError("ADMIN_TOKEN is required outside demo mode");
  }
  if (writeKeys.length === 0) writeKeys = [`wk_${randomSecret()}`];
  if (adminToken === "") adminToken = `adm_${randomSecret()}`;
  const onDeploy = env.DENO_DEPLOYMENT_ID !== undefined;
  const kvPath = env.KV_PATH ||
    (onDeploy ? undefined : options.defaultKvPath ?? "./data/pipeline.kv");
  return {
    port: int(env, "PORT", 8000),
    hostname: env.HOSTNAME || "127.0.0.1",
    kvPath,
    writeKeys,
    adminToken,
    sessionSecret: env.SESSION_SECRET || `session:${adminToken}`,
    corsOrigins: list(env.CORS_ORIGINS),
    alertWebhookUrl: env.ALERT_WEBHOOK_URL || undefined,
    fxRates: parseFxRates(env.FX_RATES || DEFAULT_FX_RATES),
    limits: {
      jsonBytes: int(env, "LIMIT_JSON_BYTES", DEFAULT_LIMITS.jsonBytes),
      eventBytes: int(env, "LIMIT_EVENT_BYTES", DEFAULT_LIMITS.eventBytes),
      streamBytes: int(env, "LIMIT_STREAM_BYTES", DEFAULT_LIMITS.streamBytes),
      uploadBytes: int(env, "LIMIT_UPLOAD_BYTES", DEFAULT_LIMITS.uploadBytes),
      xlsxUncompressedBytes: int(
        env,
        "LIMIT_XLSX_UNCOMPRESSED_BYTES",
        DEFAULT_LIMITS.xlsxUncompressedBytes,
      ),
      xlsxCells: int(env, "LIMIT_XLSX_CELLS", DEFAULT_LIMITS.xlsxCells),
      ratePerSecond: int(env, "RATE_PER_SECOND", DEFAULT_LIMITS.ratePerSecond),
      rateBurst: int(env, "RATE_BURST", DEFAULT_LIMITS.rateBurst),
    },
    freshness: {
      ordersDueHours: int(env, "ORDERS_DUE_HOURS", DEFAULT_FRESHNESS.ordersDueHours),
      inventoryDueHours: int(env, "INVENTORY_DUE_HOURS", DEFAULT_FRESHNESS.inventoryDueHours),
      eventsSilentMinutes: int(
        env,
        "EVENTS_SILENT_MINUTES",
        DEFAULT_FRESHNESS.eventsSilentMinutes,
      ),
    },
    demo,
  };
}

/**
 * A configuration for tests: fixed secrets, in-memory KV, default limits.
 *
 * @example
 * ```ts
 * const config = testConfig({ fxRates: { USD: "1", CAD: "0.73" } });
 * ```
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({
    WRITE_KEYS: "test-write-key",
    ADMIN_TOKEN: "test-admin-token",
    KV_PATH: ":memory:",
  });
  return { ...base, ...overrides };
}
