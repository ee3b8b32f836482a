/**
 * A fake ingest server for the SDK tests: `Deno.serve` on a loopback port behind a tiny TCP
 * relay, so that besides statuses and slow answers it can also drop connections.
 *
 * It deduplicates by `messageId` the way the real server does, and records every request.
 *
 * @module
 */

/** A fault injected into one request; faults are consumed in order, one per request. */
export type Fault =
  /** Close the connection without an answer; with `commit`, after recording the events. */
  | { kind: "drop"; commit?: boolean }
  /** Answer this status (with `Retry-After` and a body if given); `commit` records the events. */
  | { kind: "status"; status: number; retryAfter?: string; body?: string; commit?: boolean }
  /** Record the events, then answer 200 after `ms`. */
  | { kind: "slow"; ms: number };

/** One request as the fake server saw it. */
export interface SeenRequest {
  /** `performance.now()` at arrival. */
  at: number;
  /** Path of the request. */
  path: string;
  /** The answer: an HTTP status, or `"drop"`. */
  outcome: number | "drop";
  /** The batch's messageIds, in order. */
  messageIds: string[];
  /** The batch-level `sentAt`. */
  sentAt?: string;
  /** The events of the batch. */
  events: Record<string, unknown>[];
  /** How the write key came: the `Authorization` header or the body's `writeKey`. */
  auth: "header" | "body" | "none";
  /** The request's `Content-Type`. */
  contentType: string;
  /** Bytes of the body. */
  bytes: number;
}

/** Options of {@link startFakeServer}. */
export interface FakeServerOptions {
  /** The accepted write key. */
  writeKey: string;
  /** Extra routes (e.g. a page and the built SDK for the browser test). */
  routes?: Record<string, () => Response | Promise<Response>>;
}

/** A running fake server. */
export interface FakeServer {
  /** Base URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** Faults for the next requests to `/v1/batch`. */
  faults: Fault[];
  /** Every `/v1/batch` request, in arrival order. */
  requests: SeenRequest[];
  /** Events accepted, by messageId (first copy wins, as in the real server). */
  accepted: Map<string, Record<string, unknown>>;
  /** Resolves once `predicate()` holds, or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Stops the relay and the server. */
  close(): Promise<void>;
}

const DROP_MARKER = "x-fake-drop";

/** Starts a fake ingest server on 127.0.0.1 with a random port. */
export function startFakeServer(options: FakeServerOptions): FakeServer {
  const faults: Fault[] = [];
  const requests: SeenRequest[] = [];
  const accepted = new Map<string, Record<string, unknown>>();
  const sleepers = new Map<ReturnType<typeof setTimeout>, () => void>();
  const expectedAuth = "Basic " + btoa(options.writeKey + ":");

  async function batch(req: Request): Promise<Response> {
    const text = await req.text();
    let body: { batch?: Record<string, unknown>[]; sentAt?: string; writeKey?: string };
    try {
      body = JSON.parse(text);
    } catch {
      return Response.json({ error: "malformed", message: "Body is not JSON" }, { status: 400 });
    }
    const header = req.headers.get("authorization");
    const auth = header === expectedAuth
      ? "header"
      : body.writeKey === options.writeKey
      ? "body"
      : "none";
    const events = body.batch ?? [];
    const seen: SeenRequest = {
      at: performance.now(),
      path: new URL(req.url).pathname,
      outcome: 200,
      messageIds: events.map((e) => String(e.messageId)),
      sentAt: body.sentAt,
      events,
      auth,
      contentType: req.headers.get("content-type") ?? "",
      bytes: new TextEncoder().encode(text).length,
    };
    requests.push(seen);
    if (auth === "none") {
      seen.outcome = 401;
      return Response.json({ error: "unauthorized", message: "Bad write key" }, { status: 401 });
    }
    const fault = faults.shift();
    const commit = () => {
      for (const e of events) {
        if (!accepted.has(String(e.messageId))) accepted.set(String(e.messageId), e);
      }
    };
    if (fault?.kind === "drop") {
      if (fault.commit) commit();
      seen.outcome = "drop";
      return new Response(null, { headers: { [DROP_MARKER]: "1" } });
    }
    if (fault?.kind === "status") {
      if (fault.commit) commit();
      seen.outcome = fault.status;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (fault.retryAfter) headers["retry-after"] = fault.retryAfter;
      return new Response(fault.body ?? `{"error":"fault","message":"Injected"}`, {
        status: fault.status,
        headers,
      });
    }
    commit();
    if (fault?.kind === "slow") {
      await new Promise<void>((resolve) => {
        const id = setTimeout(() => {
          sleepers.delete(id);
          resolve();
        }, fault.ms);
        sleepers.set(id, resolve);
      });
    }
    return Response.json({ success: true, accepted: events.length, duplicates: 0 });
  }

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "POST" && path === "/v1/batch") return batch(req);
    const route = options.routes?.[path];
    return route ? route() : new Response("Not found", { status: 404 });
  });

  // The relay: each client connection gets its own backend connection; an answer carrying
  // the drop marker is swallowed and both connections are closed instead.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const relays = new Set<Promise<void>>();
  const closeConn = (c: Deno.Conn) => {
    if (!conns.delete(c)) return;
    try {
      c.close();
    } catch {
      // Already closed by the peer.
    }
  };
  async function relay(client: Deno.Conn): Promise<void> {
    const backend = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    conns.add(backend);
    const up = (async () => {
      const reader = client.readable.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          await backend.write(value);
        }
      } catch {
        // The connection went away.
      } finally {
        reader.releaseLock();
      }
    })();
    const down = (async () => {
      const reader = backend.readable.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done || decoder.decode(value).toLowerCase().includes(DROP_MARKER)) break;
          await client.write(value);
        }
      } catch {
        // The connection went away.
      } finally {
        reader.releaseLock();
        closeConn(client);
        closeConn(backend);
      }
    })();
    await Promise.all([up, down]);
  }
  const accepting = (async () => {
    for await (const client of listener) {
      conns.add(client);
      const p = relay(client).catch(() => closeConn(client));
      relays.add(p);
      p.finally(() => relays.delete(p));
    }
  })().catch(() => {});

  return {
    url: `http://127.0.0.1:${listener.addr.port}`,
    faults,
    requests,
    accepted,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      while (!predicate()) {
        if (performance.now() > deadline) throw new Error("Timed out waiting for the fake server");
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      listener.close();
      await accepting;
      for (const c of [...conns]) closeConn(c);
      await Promise.all([...relays]);
      for (const [id, wake] of sleepers) {
        clearTimeout(id);
        wake();
      }
      await server.shutdown();
    },
  };
}
