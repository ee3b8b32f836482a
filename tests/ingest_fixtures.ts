/**
 * Shared helpers of the ingest tests: an app on an in-memory KV, requests
 * with a write key, good events, and readers for bronze, quarantine and the
 * quality counters.
 *
 * @module
 */

import { type Config, testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import type { Hono } from "hono";
import { committerFor } from "../pipeline/ingest/committer.ts";
import { counterValue } from "../kv/counters.ts";
import { goldQualityOfDay, quarantineRecords, type Source } from "../kv/keys.ts";
import type { CleanEvent, QuarantineRecord } from "../pipeline/contracts/types.ts";
import { dayOf } from "../pipeline/contracts/buckets.ts";
import { type OrderHead, readOrderHeads } from "../pipeline/ingest/order_heads.ts";

/** The write key of `testConfig()`. */
export const WRITE_KEY = "test-write-key";

/** `Authorization` header values for the test key. */
export const BASIC = `Basic ${btoa(`${WRITE_KEY}:`)}`;

/** A test context: app, KV and configuration. */
export interface TestApp {
  app: Hono;
  kv: Deno.Kv;
  config: Config;
}

/**
 * Runs `fn` with an app on a fresh in-memory KV, waits for the committer and
 * closes the KV afterwards.
 */
export async function withApp(
  fn: (t: TestApp) => Promise<void>,
  overrides: Partial<Config> = {},
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  const config = { ...testConfig(), ...overrides };
  try {
    await fn({ app: createApp({ kv, config }), kv, config });
  } finally {
    await committerFor(kv).idle();
    kv.close();
  }
}

let seq = 0;

/** A valid track event with a unique `messageId`. */
export function goodEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    type: "track",
    event: "Product Viewed",
    messageId: `msg-${Date.now()}-${seq}-${Math.random().toString(36).slice(2, 8)}`,
    userId: `user-${seq % 7}`,
    properties: { sku: "SKU-1", price: 12.5 },
    ...overrides,
  };
}

/** POSTs a JSON body with the test key. */
export function postJson(
  app: Hono,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: BASIC, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  }));
}

/** POSTs raw bytes with the test key. */
export function postBytes(
  app: Hono,
  path: string,
  body: BodyInit | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(app.request(path, {
    method: "POST",
    headers: { authorization: BASIC, ...headers },
    body: body as BodyInit,
  }));
}

/** Every bronze event. */
export async function bronzeEvents(kv: Deno.Kv): Promise<CleanEvent[]> {
  const out: CleanEvent[] = [];
  for await (const e of kv.list<CleanEvent>({ prefix: ["bronze", "events"] })) out.push(e.value);
  return out;
}

/** Every quarantine record, newest first. */
export async function quarantined(kv: Deno.Kv): Promise<QuarantineRecord[]> {
  const out: QuarantineRecord[] = [];
  for await (const e of kv.list<QuarantineRecord>({ prefix: quarantineRecords() })) {
    out.push(e.value);
  }
  return out;
}

/** The quality counters of a source on a day (default today), as signed numbers. */
export async function quality(
  kv: Deno.Kv,
  source: Source,
  day: string = dayOf(Date.now()),
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for await (const e of kv.list({ prefix: [...goldQualityOfDay(day), source] })) {
    const v = counterValue(e.value);
    if (v !== 0) out[e.key[4] as string] = v;
  }
  return out;
}

/** gzip-compresses bytes. */
export async function gzip(data: Uint8Array | string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The ingest head of an order line (it must exist). */
export async function headOf(kv: Deno.Kv, orderId: string, lineNo: number): Promise<OrderHead> {
  const head = (await readOrderHeads(kv, [{ orderId, lineNo }])).get({ orderId, lineNo });
  if (!head) throw new Error(`No head for line ${lineNo} of order "${orderId}"`);
  return head;
}
