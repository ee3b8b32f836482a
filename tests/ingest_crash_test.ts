/**
 * Crash safety: a server process on a KV file is killed with SIGKILL while
 * clients send concurrently, then restarted on the same file. Every event
 * that got a 200 is in bronze, and re-sending what was not acknowledged
 * yields no duplicates.
 */

import { assert, assertEquals } from "./assert.ts";
import { BASIC, goodEvent } from "./ingest_fixtures.ts";
import type { CleanEvent } from "../pipeline/contracts/types.ts";

interface Server {
  port: number;
  child: Deno.ChildProcess;
}

async function startServer(kvPath: string): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./ingest_crash_server.ts", import.meta.url).pathname],
    env: { KV_PATH: kvPath, DISABLE_CRON: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening (\d+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Server exited before listening: ${text}`);
    text += value;
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  (async () => {
    while (!(await reader.read().catch(() => ({ done: true }))).done) { /* drain */ }
  })();
  return { port: Number(/listening (\d+)/.exec(text)![1]), child };
}

type Batch = { events: Record<string, unknown>[]; ndjson: boolean };

function send(port: number, batch: Batch): Promise<Response> {
  const body = batch.ndjson
    ? batch.events.map((e) => JSON.stringify(e)).join("\n")
    : JSON.stringify({ batch: batch.events });
  return fetch(`http://127.0.0.1:${port}${batch.ndjson ? "/v1/events" : "/v1/batch"}`, {
    method: "POST",
    headers: {
      authorization: BASIC,
      "content-type": batch.ndjson ? "application/x-ndjson" : "application/json",
    },
    body,
  });
}

async function bronzeIds(kvPath: string): Promise<string[]> {
  const kv = await Deno.openKv(kvPath);
  try {
    const ids: string[] = [];
    for await (const e of kv.list<CleanEvent>({ prefix: ["bronze", "events"] })) {
      ids.push(e.value.messageId);
    }
    return ids;
  } finally {
    kv.close();
  }
}

Deno.test("A SIGKILLed server loses no acknowledged event and re-sends land once", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/crash.kv`;
  const batches: Batch[] = Array.from({ length: 200 }, (_, i) => ({
    events: Array.from({ length: 20 }, () => goodEvent()),
    ndjson: i % 2 === 1,
  }));
  const acked = new Set<number>();
  let server = await startServer(kvPath);
  try {
    let next = 0;
    let killed = false;
    const clients = Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        const i = next++;
        try {
          const res = await send(server.port, batches[i]);
          const body = await res.json();
          if (res.status === 200 && body.accepted + body.duplicates === 20) acked.add(i);
        } catch {
          if (killed) return;
        }
      }
    });
    // Kill mid-stream: after some batches were acknowledged, while others are in flight.
    while (acked.size < 40) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    server.child.kill("SIGKILL");
    await server.child.status;
    await Promise.all(clients);
    assert(acked.size < batches.length, "the kill interrupted the clients");

    const afterCrash = new Set(await bronzeIds(kvPath));
    for (const i of acked) {
      for (const e of batches[i].events) {
        assert(
          afterCrash.has(e.messageId as string),
          `acknowledged event of batch ${i} is durable`,
        );
      }
    }

    server = await startServer(kvPath);
    const missing = batches.map((_, i) => i).filter((i) => !acked.has(i));
    let duplicates = 0;
    for (let k = 0; k < missing.length; k += 8) {
      const results = await Promise.all(
        missing.slice(k, k + 8).map(async (i) => (await send(server.port, batches[i])).json()),
      );
      for (const r of results) duplicates += r.duplicates;
    }
    // The acknowledged ones again, too: all duplicates.
    const again = await (await send(server.port, batches[[...acked][0]])).json();
    assertEquals([again.accepted, again.duplicates], [0, 20]);
    server.child.kill("SIGTERM");
    await server.child.status;

    const ids = await bronzeIds(kvPath);
    assertEquals(ids.length, batches.length * 20);
    assertEquals(new Set(ids).size, ids.length);
    assertEquals(duplicates, afterCrash.size - acked.size * 20);
  } finally {
    try {
      server.child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await server.child.status.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
