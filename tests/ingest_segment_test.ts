/**
 * Segment compatibility under faults: the real `@segment/analytics-node`
 * client sends to a real server through a TCP proxy that forwards some
 * requests and then drops the connection before the answer, so the client
 * retries batches the server already committed. Every event must land once.
 */

import { Analytics } from "@segment/analytics-node";
import { assert, assertEquals } from "./assert.ts";
import { bronzeEvents, quality, WRITE_KEY } from "./ingest_fixtures.ts";
import { testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import { committerFor } from "../pipeline/ingest/committer.ts";

/** Counts of what the proxy did. */
interface ProxyStats {
  requests: number;
  dropped: number;
  retries: number;
}

function indexOf(haystack: Uint8Array, needle: number[], from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const CRLFCRLF = [13, 10, 13, 10];

/**
 * A minimal HTTP/1.1 proxy on raw TCP: reads each request (Content-Length
 * bodies), forwards it to `target`, and either relays the answer or, when
 * `drop` says so, closes the connection without answering.
 */
function startFaultProxy(
  target: string,
  drop: (n: number, isRetry: boolean) => boolean,
): { port: number; stats: ProxyStats; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const stats: ProxyStats = { requests: 0, dropped: 0, retries: 0 };
  const conns = new Set<Deno.Conn>();
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  async function serve(conn: Deno.Conn): Promise<void> {
    conns.add(conn);
    let buf: Uint8Array = new Uint8Array(0);
    const chunk = new Uint8Array(64 * 1024);
    const fill = async (): Promise<boolean> => {
      const n = await conn.read(chunk);
      if (n === null) return false;
      buf = concat(buf, chunk.subarray(0, n));
      return true;
    };
    try {
      while (true) {
        let end = indexOf(buf, CRLFCRLF);
        while (end < 0) {
          if (!(await fill())) return;
          end = indexOf(buf, CRLFCRLF);
        }
        const head = dec.decode(buf.subarray(0, end)).split("\r\n");
        const [method, path] = head[0].split(" ");
        const headers = new Headers();
        for (const h of head.slice(1)) {
          const i = h.indexOf(":");
          headers.append(h.slice(0, i).trim(), h.slice(i + 1).trim());
        }
        const length = Number(headers.get("content-length") ?? "0");
        while (buf.length < end + 4 + length) if (!(await fill())) return;
        const body = buf.slice(end + 4, end + 4 + length);
        buf = buf.slice(end + 4 + length);
        const isRetry = headers.has("x-retry-count");
        const n = stats.requests++;
        if (isRetry) stats.retries++;
        headers.delete("host");
        headers.delete("connection");
        const res = await fetch(`${target}${path}`, { method, headers, body });
        const answer = new Uint8Array(await res.arrayBuffer());
        if (drop(n, isRetry)) {
          stats.dropped++;
          conn.close();
          return;
        }
        const lines = [`HTTP/1.1 ${res.status} ${res.statusText || "OK"}`];
        res.headers.forEach((v, k) => {
          if (k !== "content-length" && k !== "transfer-encoding" && k !== "connection") {
            lines.push(`${k}: ${v}`);
          }
        });
        lines.push(`content-length: ${answer.length}`, "connection: keep-alive", "", "");
        await conn.write(concat(enc.encode(lines.join("\r\n")), answer));
      }
    } catch {
      // A client that went away ends its connection.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }
  (async () => {
    try {
      for await (const conn of listener) serve(conn);
    } catch {
      // listener closed
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    stats,
    close: () => {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

Deno.test({
  name: "Segment analytics-node events land exactly once when responses are lost",
  // analytics-node never reads the bodies of its responses; Deno < 2.8 would
  // report those as leaks of this test.
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const kv = await Deno.openKv(":memory:");
  const config = testConfig();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApp({ kv, config }).fetch,
  );
  // Every third first attempt is processed by the server but its answer is lost.
  const proxy = startFaultProxy(
    `http://127.0.0.1:${server.addr.port}`,
    (n, isRetry) => !isRetry && n % 3 === 1,
  );
  try {
    const analytics = new Analytics({
      writeKey: WRITE_KEY,
      host: `http://127.0.0.1:${proxy.port}`,
      flushAt: 20,
      flushInterval: 20,
      maxRetries: 6,
      httpRequestTimeout: 5000,
    });
    const failures: unknown[] = [];
    analytics.on("error", (err) => failures.push(err));
    const total = 240;
    for (let i = 0; i < total; i++) {
      analytics.track({
        userId: `user-${i % 17}`,
        event: i % 4 === 0 ? "Product Added" : "Product Viewed",
        properties: { i, sku: `SKU-${i % 9}` },
      });
    }
    await analytics.closeAndFlush({ timeout: 60_000 });
    await committerFor(kv).idle();
    assertEquals(failures, []);
    assert(proxy.stats.dropped > 0, "some answers were lost");
    assert(proxy.stats.retries >= proxy.stats.dropped, "the client retried every lost answer");
    const events = await bronzeEvents(kv);
    const seen = events.map((e) => (e.properties as { i: number }).i).sort((a, b) => a - b);
    assertEquals(seen, Array.from({ length: total }, (_, i) => i));
    assertEquals(new Set(events.map((e) => e.messageId)).size, total);
    const q = await quality(kv, "events");
    assertEquals(q.accepted, total);
    assertEquals(q.received, q.accepted + (q.duplicates ?? 0));
    assert((q.duplicates ?? 0) >= proxy.stats.dropped, "retried batches counted as duplicates");
  } finally {
    proxy.close();
    await server.shutdown();
    await committerFor(kv).idle();
    kv.close();
  }
});
