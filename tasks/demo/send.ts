/**
 * How the demo feeds the server: the events through the client SDK (lines no
 * SDK can send go as raw NDJSON) and the files through the upload API.
 *
 * @module
 */

import { createClient } from "../../sdk/mod.ts";
import type { Expected } from "../generate/expected.ts";

async function post(
  url: string,
  init: { body: BodyInit; type: string; auth: string },
): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: "POST",
    body: init.body,
    headers: { "content-type": init.type, authorization: init.auth },
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Sends every line of events.ndjson: objects through the SDK, the rest as raw NDJSON. */
export async function sendEvents(
  file: string,
  host: string,
  writeKey: string,
): Promise<{ viaSdk: number; raw: number }> {
  const raw: string[] = [];
  const client = createClient({
    writeKey,
    host,
    flushAt: 100,
    flushIntervalMs: 50,
    historical: true,
    browser: false,
    onError: (e) => {
      if (e.reason !== "quarantined") console.warn(`  SDK: ${e.message}`);
    },
  });
  let viaSdk = 0;
  const text = await Deno.readTextFile(file);
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      raw.push(line);
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      raw.push(line);
      continue;
    }
    // An event over the event limit is dropped by the SDK; send it raw so the
    // server quarantines it as too_large, as it would any client's.
    if (new TextEncoder().encode(line).length > 32 * 1024) {
      raw.push(line);
      continue;
    }
    client.send(value as Record<string, unknown>);
    // Backpressure: the SDK's queue is bounded, so let it drain every so often.
    if (++viaSdk % 1000 === 0) await client.flush();
  }
  await client.close();
  if (raw.length) {
    await post(`${host}/v1/events?historical=1`, {
      body: raw.join("\n") + "\n",
      type: "application/x-ndjson",
      auth: `Bearer ${writeKey}`,
    });
  }
  return { viaSdk, raw: raw.length };
}

/** Uploads every orders CSV and inventory workbook of the answer key's file list, in order. */
export async function uploadFiles(
  expected: Expected,
  dir: string,
  host: string,
  writeKey: string,
): Promise<number> {
  let n = 0;
  for (const { file, date } of expected.meta.files.orders) {
    await post(
      `${host}/v1/uploads/orders?date=${date}&filename=${encodeURIComponent(file)}`,
      { body: await Deno.readFile(`${dir}/${file}`), type: "text/csv", auth: `Bearer ${writeKey}` },
    );
    n++;
  }
  for (const { file, week } of expected.meta.files.inventory) {
    await post(`${host}/v1/uploads/inventory?week=${week}`, {
      body: await Deno.readFile(`${dir}/${file}`),
      type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      auth: `Bearer ${writeKey}`,
    });
    n++;
  }
  return n;
}
