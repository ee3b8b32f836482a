/**
 * Shared set-up of the SDK tests: a client wired to a fake server with short timings.
 *
 * @module
 */

import { createClient } from "../sdk/mod.ts";
import type { Client, ClientOptions, DeliveryError } from "../sdk/mod.ts";
import { type FakeServer, startFakeServer } from "./sdk_fake_server.ts";

/** The write key every SDK test uses. */
export const WRITE_KEY = "wk_test_sdk";

/** A fake server, a client of it, and what the client reported. */
export interface Rig {
  /** The fake server. */
  server: FakeServer;
  /** The client under test. */
  client: Client;
  /** Every `onError` report, in order. */
  errors: DeliveryError[];
  /** Closes the client, then the server. */
  done(): Promise<void>;
}

/** Starts a fake server and a client with fast retries; `overrides` win. */
export function rig(overrides: Partial<ClientOptions> = {}): Rig {
  const server = startFakeServer({ writeKey: WRITE_KEY });
  const errors: DeliveryError[] = [];
  const client = createClient({
    writeKey: WRITE_KEY,
    host: server.url,
    flushAt: 100,
    flushIntervalMs: 60_000,
    retryBaseMs: 5,
    retryMaxMs: 20,
    timeoutMs: 2_000,
    onError: (e) => errors.push(e),
    ...overrides,
  });
  return {
    server,
    client,
    errors,
    async done() {
      await client.close();
      await server.close();
    },
  };
}

/** The `n` property of each event, as tests number their events with it. */
export function numbers(events: Iterable<Record<string, unknown>>): number[] {
  return [...events].map((e) => (e.properties as { n: number }).n).sort((a, b) => a - b);
}

/** `[0, 1, …, n - 1]`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
