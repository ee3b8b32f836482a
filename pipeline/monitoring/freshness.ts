/**
 * Freshness of each source against its cadence (shared/spec/kpis.md, "Data
 * quality"; cadences in `config.freshness`):
 *
 * - orders: one file per business day D, due `ordersDueHours` after the end
 *   of D (06:00 UTC the next day);
 * - inventory: one workbook per ISO week, due `inventoryDueHours` after its
 *   Monday 00:00 (Tuesday 06:00 UTC);
 * - events: at least one every `eventsSilentMinutes` (15).
 *
 * A file source's cadence starts with its earliest delivered period, and a
 * source that never delivered is not late. A period is missed when, at a
 * check after its due time, no upload (of any outcome but an unfinished
 * staging) names it. Each missed period raises one alert (deterministic id);
 * each silence of the event stream raises one alert, identified by the time of
 * the last event before it.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { bronzeUploads, metaLastReceived } from "../../kv/keys.ts";
import { counterValue } from "../../kv/counters.ts";
import { addDays, dayOf, dayStartMs, weekdayOf } from "../contracts/buckets.ts";
import type { UploadRecord } from "../ingest/upload_types.ts";
import type { FreshnessRow } from "../read/types.ts";
import { alertId, raiseAlert, type StoredAlert } from "./alerts.ts";

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Missed periods older than this many days are no longer looked for. */
export const FRESHNESS_LOOKBACK_DAYS = 35;

/** One missed period of a file source. */
export interface MissedPeriod {
  source: "orders" | "inventory";
  /** The business day (orders) or the week's Monday (inventory). */
  period: string;
  /** Epoch ms the file was due. */
  dueAt: number;
}

/** The freshness of every source at one instant, and what was missed. */
export interface FreshnessState {
  rows: FreshnessRow[];
  missed: MissedPeriod[];
  /** The event stream's current silence, when it is longer than allowed. */
  silence: { lastReceivedAt: number; silentMs: number } | null;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function mondayOf(day: string): string {
  return addDays(day, 1 - weekdayOf(day));
}

async function deliveredPeriods(
  kv: Deno.Kv,
): Promise<{ orders: Set<string>; inventory: Set<string>; lastFile: Record<string, number> }> {
  const orders = new Set<string>();
  const inventory = new Set<string>();
  const lastFile: Record<string, number> = {};
  for await (const e of kv.list<UploadRecord>({ prefix: bronzeUploads() }, { batchSize: 500 })) {
    const u = e.value;
    // Unfinished uploads and replays of quarantined lines (no business date) are no delivery.
    if (u.status === "staging") continue;
    if (u.source === "orders" && u.date) orders.add(u.date);
    else if (u.source === "inventory" && u.week) inventory.add(mondayOf(u.week));
    else continue;
    lastFile[u.source] = Math.max(lastFile[u.source] ?? 0, u.receivedAt);
  }
  return { orders, inventory, lastFile };
}

function fileSource(
  source: "orders" | "inventory",
  delivered: Set<string>,
  lastReceivedAt: number | null,
  now: number,
  options: { step: number; dueMs: number; alignedPeriodOf: (day: string) => string },
): { row: FreshnessRow; missed: MissedPeriod[] } {
  const dueOf = (p: string) => dayStartMs(p) + options.dueMs;
  // The latest period already due at `now`.
  let latestDue = options.alignedPeriodOf(dayOf(now));
  while (dueOf(latestDue) > now) latestDue = addDays(latestDue, -options.step);
  const first = [...delivered].sort()[0];
  if (first === undefined) {
    return {
      row: {
        source,
        last_received_at: lastReceivedAt === null ? null : iso(lastReceivedAt),
        expected_by: iso(dueOf(addDays(latestDue, options.step))),
        late: false,
      },
      missed: [],
    };
  }
  const missed: MissedPeriod[] = [];
  const horizon = options.alignedPeriodOf(addDays(dayOf(now), -FRESHNESS_LOOKBACK_DAYS));
  let p = first > horizon ? first : horizon;
  for (; p <= latestDue; p = addDays(p, options.step)) {
    if (!delivered.has(p)) missed.push({ source, period: p, dueAt: dueOf(p) });
  }
  const late = latestDue >= first && !delivered.has(latestDue);
  return {
    row: {
      source,
      last_received_at: lastReceivedAt === null ? null : iso(lastReceivedAt),
      expected_by: iso(late ? dueOf(latestDue) : dueOf(addDays(latestDue, options.step))),
      late,
    },
    missed,
  };
}

/**
 * The freshness of every source at `now`, without raising anything.
 *
 * @example
 * ```ts
 * const { rows } = await readFreshness(kv, config, Date.now());
 * ```
 */
export async function readFreshness(
  kv: Deno.Kv,
  config: Config,
  now: number,
): Promise<FreshnessState> {
  const [periods, ...last] = await Promise.all([
    deliveredPeriods(kv),
    ...(["events", "orders", "inventory"] as const).map((s) => kv.get(metaLastReceived(s))),
  ]);
  const lastOf = (i: number, source: string): number | null => {
    const v = counterValue(last[i].value);
    const fromFiles = periods.lastFile[source] ?? 0;
    const t = Math.max(v, fromFiles);
    return t > 0 ? t : null;
  };
  const orders = fileSource("orders", periods.orders, lastOf(1, "orders"), now, {
    step: 1,
    dueMs: 86_400_000 + config.freshness.ordersDueHours * HOUR_MS,
    alignedPeriodOf: (d) => d,
  });
  const inventory = fileSource("inventory", periods.inventory, lastOf(2, "inventory"), now, {
    step: 7,
    dueMs: config.freshness.inventoryDueHours * HOUR_MS,
    alignedPeriodOf: mondayOf,
  });
  const eventsLast = lastOf(0, "events");
  const allowedMs = config.freshness.eventsSilentMinutes * MINUTE_MS;
  const eventsLate = eventsLast !== null && now - eventsLast > allowedMs;
  const eventsRow: FreshnessRow = {
    source: "events",
    last_received_at: eventsLast === null ? null : iso(eventsLast),
    expected_by: iso(eventsLast === null ? now + allowedMs : eventsLast + allowedMs),
    late: eventsLate,
  };
  return {
    rows: [eventsRow, orders.row, inventory.row],
    missed: [...orders.missed, ...inventory.missed],
    silence: eventsLate ? { lastReceivedAt: eventsLast!, silentMs: now - eventsLast! } : null,
  };
}

/** What {@link checkFreshness} saw and raised. */
export interface FreshnessCheck {
  rows: FreshnessRow[];
  /** Alerts raised by this call (earlier alerts of the same periods are not repeated). */
  raised: StoredAlert[];
}

/**
 * Raises one freshness alert per missed file period and per silence of the
 * event stream (the ones already raised are skipped).
 *
 * @example
 * ```ts
 * const { raised } = await checkFreshness(kv, config, Date.now());
 * ```
 */
export async function checkFreshness(
  kv: Deno.Kv,
  config: Config,
  now: number = Date.now(),
): Promise<FreshnessCheck> {
  const state = await readFreshness(kv, config, now);
  const candidates: StoredAlert[] = state.missed.map((m) => {
    const what = m.source === "orders"
      ? `orders file for "${m.period}"`
      : `inventory workbook for the week of "${m.period}"`;
    const identity = {
      kind: "freshness" as const,
      metric: "missing_file",
      source: m.source,
      day: m.period,
    };
    return {
      id: alertId(identity),
      ...identity,
      value: 0,
      baseline: null,
      score: null,
      direction: "down" as const,
      raised_at: iso(now),
      message: `No ${what} by ${iso(m.dueAt)}`,
    };
  });
  if (state.silence) {
    const lateSince = state.silence.lastReceivedAt +
      config.freshness.eventsSilentMinutes * MINUTE_MS;
    const identity = {
      kind: "freshness" as const,
      metric: "silence",
      source: "events",
      day: dayOf(lateSince),
      period: String(state.silence.lastReceivedAt),
    };
    candidates.push({
      id: alertId(identity),
      kind: identity.kind,
      metric: identity.metric,
      source: identity.source,
      day: identity.day,
      value: Math.floor(state.silence.silentMs / MINUTE_MS),
      baseline: config.freshness.eventsSilentMinutes,
      score: null,
      direction: "down",
      raised_at: iso(now),
      message: `No event received since ${iso(state.silence.lastReceivedAt)}`,
    });
  }
  const raised: StoredAlert[] = [];
  for (const alert of candidates) {
    if (await raiseAlert(kv, alert, now)) raised.push(alert);
  }
  return { rows: state.rows, raised };
}
