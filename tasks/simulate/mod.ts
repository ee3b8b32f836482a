/**
 * `simulate()`: live traffic to a running server through the client SDK, at
 * about `rate` events per second, until a number of events or a duration is
 * reached or the caller aborts. See docs/simulate.md.
 *
 * @module
 */

import { createClient, type DeliveryError } from "../../sdk/mod.ts";
import { dayNumber, dayOfMs, dayString } from "../generate/calendar.ts";
import {
  countDrop,
  countingFetch,
  type DeliveryStats,
  newDeliveryStats,
  sendEvent,
} from "./delivery.ts";
import { createPacer, tryTake, waitMs } from "./pacer.ts";
import { createTraffic, type SimEvent } from "./traffic.ts";

/** What to simulate and where to send it. */
export interface SimulateOptions {
  /** Base URL of the server. */
  host: string;
  writeKey: string;
  /** Events per second. */
  rate: number;
  /** Stop after this many events. */
  events?: number;
  /** Stop after this long (ms). At least one of `events` and `durationMs` is required. */
  durationMs?: number;
  /** Population size. */
  persons: number;
  seed: number;
  /** Stops sending, then flushes what is queued (Ctrl-C). */
  signal?: AbortSignal;
  /** Called every `progressEveryMs` (default 5,000) until the end of the final flush. */
  onProgress?: (p: SimulateProgress) => void;
  progressEveryMs?: number;
  /** Receives the SDK's reports of dropped or quarantined events. */
  onError?: (e: DeliveryError) => void;
  /** Sees each event as it is handed to the SDK. */
  onEvent?: (e: SimEvent) => void;
  /** First model day, `YYYY-MM-DD` (default: today, UTC). Timestamps are always the send time. */
  modelStart?: string;
  /** Middle part of order ids (default `<seed>-<base-36 start second>`, unique per run). */
  orderTag?: string;
  /** SDK batching: events per request and longest wait (default: the SDK's, 20 and 10 s). */
  flushAt?: number;
  flushIntervalMs?: number;
  /** The transport under the counting wrapper (tests). */
  fetch?: typeof fetch;
}

/** A snapshot of a run. */
export interface SimulateProgress extends DeliveryStats {
  /** Events handed to the SDK. */
  sent: number;
  elapsedMs: number;
  /** The model day the traffic is in, `YYYY-MM-DD`. */
  modelDay: string;
  /** True once sending stopped and the final flush is under way. */
  flushing: boolean;
}

/** Why sending stopped. */
export type StopReason = "events" | "duration" | "interrupted" | "rejected";

/** The end of a run. */
export interface SimulateSummary extends SimulateProgress {
  stoppedBy: StopReason;
  /** Events handed to the SDK, by event name (`page` and `identify` by type). */
  byEvent: Record<string, number>;
  /** Distinct persons (`userId`, else `anonymousId`). */
  persons: number;
  pacing: {
    rate: number;
    burst: number;
    /** Largest excess of events sent over `rate × elapsed` at any send (at most 1). */
    maxAhead: number;
    /** Time spent waiting for the server to catch up (backpressure), ms. */
    stalledMs: number;
  };
}

/**
 * Events per SDK request for a rate: the SDK's 20, up to 100 at high rates, since the SDK
 * has one request in flight at a time.
 *
 * @example
 * ```ts
 * defaultFlushAt(50); // 20
 * defaultFlushAt(2000); // 100
 * ```
 */
export function defaultFlushAt(rate: number): number {
  return Math.min(100, Math.max(20, Math.ceil(rate / 20)));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Runs the simulation and returns its summary once the last batch was
 * acknowledged or dropped. Never throws for delivery problems: they are
 * counted (and, with `onError`, reported); a key the server refuses (401 or
 * 403) stops the run with `stoppedBy: "rejected"`.
 *
 * @example
 * ```ts
 * const s = await simulate({
 *   host: "http://127.0.0.1:8000", writeKey: "wk_1", rate: 50, durationMs: 60_000,
 *   persons: 500, seed: 7, onProgress: (p) => console.log(p.sent, p.acked),
 * });
 * console.log(s.stoppedBy, s.sent, s.acked);
 * ```
 */
export async function simulate(opts: SimulateOptions): Promise<SimulateSummary> {
  if (opts.events === undefined && opts.durationMs === undefined) {
    throw new RangeError("Either events or a duration is required");
  }
  const startedAt = Date.now();
  const startDay = opts.modelStart ? dayNumber(opts.modelStart) : dayOfMs(startedAt);
  const traffic = createTraffic({
    seed: opts.seed,
    persons: opts.persons,
    startDay,
    orderTag: opts.orderTag ?? `${opts.seed}-${Math.floor(startedAt / 1000).toString(36)}`,
  });
  const stats = newDeliveryStats();
  let refused = false;
  const flushAt = Math.max(1, opts.flushAt ?? defaultFlushAt(opts.rate));
  // At most about two seconds of traffic waits for the server: past that, sending pauses, so
  // that the rate shown is what the server absorbs and the final flush stays short. The SDK's
  // queue is larger still, so it never drops an event for being full.
  const window = Math.max(5 * flushAt, Math.ceil(opts.rate * 2));
  const maxQueueSize = Math.max(1000, window + flushAt);
  const client = createClient({
    writeKey: opts.writeKey,
    host: opts.host,
    flushAt,
    flushIntervalMs: opts.flushIntervalMs,
    maxQueueSize,
    browser: false,
    fetch: countingFetch(stats, opts.fetch),
    onError: (e) => {
      countDrop(stats, e);
      if (e.reason === "rejected" && (e.status === 401 || e.status === 403)) refused = true;
      opts.onError?.(e);
    },
  });

  const byEvent: Record<string, number> = {};
  const persons = new Set<string>();
  let sent = 0;
  let flushing = false;
  const start = performance.now();
  const snapshot = (): SimulateProgress => ({
    ...stats,
    sent,
    elapsedMs: performance.now() - start,
    modelDay: dayString(traffic.day()),
    flushing,
  });
  const ticker = opts.onProgress
    ? setInterval(() => opts.onProgress!(snapshot()), opts.progressEveryMs ?? 5000)
    : undefined;

  const pacer = createPacer(opts.rate, start);
  let maxAhead = 0;
  let stalledMs = 0;
  let stoppedBy: StopReason;
  try {
    for (;;) {
      if (opts.signal?.aborted) {
        stoppedBy = "interrupted";
        break;
      }
      if (refused) {
        stoppedBy = "rejected";
        break;
      }
      if (opts.events !== undefined && sent >= opts.events) {
        stoppedBy = "events";
        break;
      }
      const now = performance.now();
      if (opts.durationMs !== undefined && now - start >= opts.durationMs) {
        stoppedBy = "duration";
        break;
      }
      if (sent - stats.acked - stats.dropped >= window) {
        await sleep(10, opts.signal);
        stalledMs += performance.now() - now;
        continue;
      }
      if (!tryTake(pacer, now)) {
        // Timers are coarse: at high rates a wake-up releases a few tokens at once.
        await sleep(Math.max(2, waitMs(pacer)), opts.signal);
        continue;
      }
      const e = traffic.next();
      opts.onEvent?.(e);
      sendEvent(client, e);
      sent++;
      maxAhead = Math.max(maxAhead, sent - (opts.rate * (now - start)) / 1000);
      const name = e.type === "track" ? e.event! : e.type;
      byEvent[name] = (byEvent[name] ?? 0) + 1;
      persons.add(e.userId ?? e.anonymousId);
    }
    flushing = true;
    await client.close();
  } finally {
    clearInterval(ticker);
  }
  return {
    ...snapshot(),
    stoppedBy,
    byEvent,
    persons: persons.size,
    pacing: { rate: opts.rate, burst: pacer.burst, maxAhead, stalledMs },
  };
}
