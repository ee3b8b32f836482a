/**
 * A bounded HTTP load generator for the ingest benchmark, run as its own
 * process so it does not share the server's core:
 *
 * `deno run -A bench/ingest_load.ts <url> <ms> <connections> <events per request> <authorization>`
 *
 * It POSTs Segment-shaped JSON (one track call, or a batch of N) with unique
 * `messageId`s over keep-alive connections for `<ms>` milliseconds, then
 * prints one JSON line: `{"requests", "events", "seconds", "errors"}`.
 *
 * @module
 */

/** What one run measured. */
export interface LoadResult {
  requests: number;
  events: number;
  seconds: number;
  errors: number;
}

/** Builds request bodies with unique message ids. */
function bodyMaker(eventsPerRequest: number): () => string {
  const prefix = crypto.randomUUID().slice(0, 8);
  let n = 0;
  const one = () => {
    n++;
    return `{"type":"track","event":"Product Viewed","messageId":"${prefix}-${n}",` +
      `"userId":"user-${n % 5000}","timestamp":"${new Date().toISOString()}",` +
      `"properties":{"sku":"SKU-${n % 300}","price":19.99,"currency":"USD"}}`;
  };
  if (eventsPerRequest <= 1) return one;
  return () => {
    const events: string[] = [];
    for (let i = 0; i < eventsPerRequest; i++) events.push(one());
    return `{"batch":[${events.join(",")}],"sentAt":"${new Date().toISOString()}"}`;
  };
}

/**
 * Sends for `ms` milliseconds over `connections` concurrent loops.
 *
 * @example
 * ```ts
 * const r = await runLoad({ url, ms: 3000, connections: 32, eventsPerRequest: 1, authorization });
 * ```
 */
export async function runLoad(o: {
  url: string;
  ms: number;
  connections: number;
  eventsPerRequest: number;
  authorization: string;
}): Promise<LoadResult> {
  const make = bodyMaker(o.eventsPerRequest);
  let requests = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + o.ms;
  await Promise.all(Array.from({ length: o.connections }, async () => {
    while (performance.now() < end) {
      try {
        const res = await fetch(o.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: o.authorization },
          body: make(),
        });
        await res.arrayBuffer();
        if (res.status === 200) requests++;
        else errors++;
      } catch {
        errors++;
      }
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  return { requests, events: requests * Math.max(1, o.eventsPerRequest), seconds, errors };
}

if (import.meta.main) {
  const [url, ms, connections, perRequest, authorization] = Deno.args;
  const result = await runLoad({
    url,
    ms: Number(ms),
    connections: Number(connections),
    eventsPerRequest: Number(perRequest),
    authorization,
  });
  console.log(JSON.stringify(result));
}
