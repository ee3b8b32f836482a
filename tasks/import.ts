/**
 * `deno task import <folder> [--host URL] [--write-key KEY] [--chunk-lines N] [--restart]`
 *
 * Loads a folder made by `deno task generate` through the HTTP API: the
 * events of `events.ndjson` as NDJSON chunks with `?historical=1`, then every
 * `orders_YYYY-MM-DD*.csv` in date then name order, then every
 * `inventory_YYYY-MM-DD.xlsx` by week. Progress is kept in
 * `<folder>/.import-progress.json` after each acknowledged request, so an
 * interrupted import resumes where it stopped; re-sending is harmless anyway
 * (events are deduplicated by `messageId`, files by their SHA-256).
 * The write key comes from `--write-key` or `WRITE_KEY`.
 *
 * @module
 */

/** What has been acknowledged so far. */
export interface ImportProgress {
  version: 1;
  /** Bytes of `events.ndjson` acknowledged (always at a line end). */
  eventsOffset: number;
  /** Upload files acknowledged. */
  files: string[];
}

/** Totals of one import run. */
export interface ImportTotals {
  events: { accepted: number; duplicates: number; quarantined: number };
  orders: { files: number; duplicateFiles: number; rows: number; quarantined: number };
  inventory: { files: number; duplicateFiles: number; rows: number; quarantined: number };
}

/** Options of {@link importFolder}. */
export interface ImportOptions {
  folder: string;
  host: string;
  writeKey: string;
  /** Event lines per request (bounded by 4 MiB of text too). */
  chunkLines?: number;
  /** Ignore saved progress. */
  restart?: boolean;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
}

const PROGRESS_FILE = ".import-progress.json";
const ORDERS_FILE = /^orders_(\d{4}-\d{2}-\d{2}).*\.csv$/;
const INVENTORY_FILE = /^inventory_(\d{4}-\d{2}-\d{2}).*\.xlsx$/;
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

async function readProgress(folder: string): Promise<ImportProgress> {
  try {
    const p = JSON.parse(await Deno.readTextFile(`${folder}/${PROGRESS_FILE}`));
    if (p?.version === 1 && typeof p.eventsOffset === "number" && Array.isArray(p.files)) return p;
  } catch {
    // absent or unreadable: start over
  }
  return { version: 1, eventsOffset: 0, files: [] };
}

async function saveProgress(folder: string, progress: ImportProgress): Promise<void> {
  const tmp = `${folder}/${PROGRESS_FILE}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(progress));
  await Deno.rename(tmp, `${folder}/${PROGRESS_FILE}`);
}

/** An HTTP answer that is not worth retrying. */
export class ImportError extends Error {
  override name = "ImportError";
}

/**
 * POSTs with retries on network errors, `429` (honouring `Retry-After`) and
 * `5xx`, with exponential backoff and jitter; other answers are returned.
 */
async function post(
  url: string,
  init: () => RequestInit,
  log: (m: string) => void,
): Promise<Record<string, unknown>> {
  for (let attempt = 0;; attempt++) {
    let wait = Math.min(30_000, 250 * 2 ** attempt) * (0.5 + Math.random());
    try {
      const res = await fetch(url, init());
      const text = await res.text();
      if (res.status === 200) return JSON.parse(text);
      if (res.status !== 429 && res.status < 500) {
        throw new ImportError(`${url} answered ${res.status}: ${text.slice(0, 300)}`);
      }
      const retryAfter = Number(res.headers.get("retry-after"));
      if (Number.isFinite(retryAfter) && retryAfter > 0) wait = retryAfter * 1000;
      log(`  ${res.status} from the server; retrying in ${Math.round(wait)} ms`);
    } catch (err) {
      if (err instanceof ImportError) throw err;
      log(`  ${(err as Error).message}; retrying in ${Math.round(wait)} ms`);
    }
    if (attempt >= 12) throw new ImportError(`${url} kept failing`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Reads `events.ndjson` from `offset` in chunks that end at line ends. */
async function* eventChunks(
  path: string,
  offset: number,
  maxLines: number,
): AsyncGenerator<{ bytes: Uint8Array; end: number; lines: number }> {
  const file = await Deno.open(path, { read: true });
  try {
    await file.seek(offset, Deno.SeekMode.Start);
    let pending = new Uint8Array(0);
    let pos = offset;
    const buf = new Uint8Array(1024 * 1024);
    let eof = false;
    while (!eof || pending.length > 0) {
      // Fill until the chunk has enough lines or bytes, or the file ends.
      let lines = 0;
      let cut = 0;
      for (let i = 0; i < pending.length; i++) {
        if (pending[i] === 10) {
          lines++;
          cut = i + 1;
          if (lines >= maxLines || cut >= MAX_CHUNK_BYTES) break;
        }
      }
      if (!eof && lines < maxLines && cut < MAX_CHUNK_BYTES) {
        const n = await file.read(buf);
        if (n === null) eof = true;
        else {
          const next = new Uint8Array(pending.length + n);
          next.set(pending);
          next.set(buf.subarray(0, n), pending.length);
          pending = next;
        }
        continue;
      }
      if (eof && cut < pending.length && lines < maxLines && cut < MAX_CHUNK_BYTES) {
        cut = pending.length; // a last line without a newline
        lines++;
      }
      if (cut === 0) break;
      const bytes = pending.slice(0, cut);
      pending = pending.slice(cut);
      pos += cut;
      yield { bytes, end: pos, lines };
    }
  } finally {
    file.close();
  }
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Imports a folder through the API; resumable and idempotent.
 *
 * @example
 * ```ts
 * const totals = await importFolder({ folder: "out/demo", host: "http://127.0.0.1:8000", writeKey });
 * ```
 */
export async function importFolder(options: ImportOptions): Promise<ImportTotals> {
  const log = options.log ?? (() => {});
  const folder = options.folder.replace(/\/+$/, "");
  const host = options.host.replace(/\/+$/, "");
  const auth = `Basic ${btoa(`${options.writeKey}:`)}`;
  const progress = options.restart
    ? { version: 1 as const, eventsOffset: 0, files: [] }
    : await readProgress(folder);
  const totals: ImportTotals = {
    events: { accepted: 0, duplicates: 0, quarantined: 0 },
    orders: { files: 0, duplicateFiles: 0, rows: 0, quarantined: 0 },
    inventory: { files: 0, duplicateFiles: 0, rows: 0, quarantined: 0 },
  };
  const names: string[] = [];
  for await (const e of Deno.readDir(folder)) if (e.isFile) names.push(e.name);

  if (names.includes("events.ndjson")) {
    const size = (await Deno.stat(`${folder}/events.ndjson`)).size;
    log(`events.ndjson: from byte ${progress.eventsOffset} of ${size}`);
    for await (
      const chunk of eventChunks(
        `${folder}/events.ndjson`,
        progress.eventsOffset,
        options.chunkLines ?? 5000,
      )
    ) {
      const body = await gzip(chunk.bytes);
      const answer = await post(`${host}/v1/events?historical=1`, () => ({
        method: "POST",
        headers: {
          authorization: auth,
          "content-type": "application/x-ndjson",
          "content-encoding": "gzip",
        },
        body,
      }), log);
      totals.events.accepted += Number(answer.accepted);
      totals.events.duplicates += Number(answer.duplicates);
      totals.events.quarantined += Number(answer.quarantined);
      progress.eventsOffset = chunk.end;
      await saveProgress(folder, progress);
      log(`  ${chunk.end} / ${size} bytes`);
    }
  }

  const orders = names.filter((n) => ORDERS_FILE.test(n)).sort((a, b) => {
    const da = ORDERS_FILE.exec(a)![1];
    const db = ORDERS_FILE.exec(b)![1];
    return da < db ? -1 : da > db ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
  const inventory = names.filter((n) => INVENTORY_FILE.test(n)).sort();
  const uploads = [
    ...orders.map((name) => ({
      name,
      source: "orders" as const,
      url: `${host}/v1/uploads/orders?date=${ORDERS_FILE.exec(name)![1]}&filename=${
        encodeURIComponent(name)
      }`,
      type: "text/csv",
    })),
    ...inventory.map((name) => ({
      name,
      source: "inventory" as const,
      url: `${host}/v1/uploads/inventory?week=${INVENTORY_FILE.exec(name)![1]}&filename=${
        encodeURIComponent(name)
      }`,
      type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    })),
  ];
  for (const u of uploads) {
    if (progress.files.includes(u.name)) continue;
    const bytes = await Deno.readFile(`${folder}/${u.name}`);
    const answer = await post(u.url, () => ({
      method: "POST",
      headers: { authorization: auth, "content-type": u.type },
      body: bytes,
    }), log);
    const t = totals[u.source];
    t.files++;
    if (answer.duplicate_file) t.duplicateFiles++;
    t.rows += Number(answer.rows);
    t.quarantined += Number(answer.quarantined);
    progress.files.push(u.name);
    await saveProgress(folder, progress);
    log(
      `${u.name}: ${answer.rows} rows, ${answer.accepted} accepted, ${answer.duplicates} duplicates, ` +
        `${answer.quarantined} quarantined${answer.duplicate_file ? " (duplicate file)" : ""}`,
    );
  }
  return totals;
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function main(): Promise<void> {
  const args = Deno.args;
  const valued = new Set(["--host", "--write-key", "--chunk-lines"]);
  const folder = args.find((a, i) => !a.startsWith("--") && !valued.has(args[i - 1]));
  const writeKey = argValue(args, "--write-key") ?? Deno.env.get("WRITE_KEY");
  if (!folder || !writeKey) {
    console.error(
      "Usage: deno task import <folder> [--host http://127.0.0.1:8000] [--write-key KEY | WRITE_KEY=KEY] [--chunk-lines 5000] [--restart]",
    );
    Deno.exit(2);
  }
  try {
    const totals = await importFolder({
      folder,
      host: argValue(args, "--host") ?? "http://127.0.0.1:8000",
      writeKey,
      chunkLines: Number(argValue(args, "--chunk-lines") ?? 5000),
      restart: args.includes("--restart"),
      log: (m) => console.log(m),
    });
    console.log(JSON.stringify(totals, null, 2));
  } catch (err) {
    console.error(`Import stopped: ${(err as Error).message}`);
    Deno.exit(1);
  }
}

if (import.meta.main) await main();
