/**
 * `generate()`: the seeded dataset and its answer key. Days are simulated in
 * order; each day's events are appended to `events.ndjson`, its orders file
 * and (on Mondays) the week's inventory workbook are written as soon as the
 * day is done, so memory stays flat as the range grows. See docs/generator.md.
 *
 * @module
 */

import { DAY_MS, dayNumber, dayString, mondayOf, weekdayOf } from "./calendar.ts";
import { countDirt, newDirtTally } from "./dirt.ts";
import type { EventEmitter } from "./event_format.ts";
import { createEventQueue, next, openDay, queuedCount } from "./event_queue.ts";
import { copyLine, createLineArena } from "./line_arena.ts";
import { buildExpected, type Expected } from "./expected.ts";
import { DEFAULT_FX_D4 } from "./money.ts";
import { type OrderBook, takeOrderDay } from "./order_book.ts";
import { FILE_VARIANTS, formatOrderFile, layoutFor, type OrderFormatter } from "./order_format.ts";
import { buildPersons, scheduleVisits } from "./persons.ts";
import { Rng, weightedSampler } from "./prng.ts";
import { productMembers, runMarketplace, runSession, type World } from "./session.ts";
import { bufferText, closeSink, flushSink, openSink, sinkRoom } from "./sink.ts";
import { createStock, planRestocks, receiveRestocks, snapshotRows } from "./stock.ts";
import { closeEventBuckets } from "./truth_event_kpis.ts";
import { createEventTally, tallyEvent } from "./truth_events.ts";
import { createInventoryTally, tallyInventoryWeek } from "./truth_inventory.ts";
import { createOrderTally, tallyOrderFile } from "./truth_orders.ts";
import { buildCatalog } from "./vocab.ts";
import { buildWorkbook, type InventoryFormatter } from "./workbook.ts";

/** What to generate. */
export interface GenerateOptions {
  seed: number;
  days: number;
  persons: number;
  /** Share of records that get dirt, 0–0.5. */
  dirty: number;
  /** Output folder (created; earlier generator files in it are replaced). */
  out: string;
  /** Last business day, `YYYY-MM-DD`. */
  end: string;
  /** Called after each simulated day (progress, memory sampling). */
  onDay?: (date: string) => void;
}

/** What was written. */
export interface GenerateSummary {
  files: string[];
  eventLines: number;
  orderRows: number;
  inventoryRows: number;
  expected: Expected;
}

/**
 * Buffer room kept free while releasing lines: more than any line takes (the
 * largest, `too_large`, is about 41,000 characters).
 */
const SINK_MARGIN = 256 << 10;

/** Events are never written more than this many days after their own day. */
export const LATE_DAYS_MAX = 3;

const OUTPUT =
  /^(events\.ndjson|expected\.json|orders_\d{4}-\d{2}-\d{2}(_resend)?\.csv|inventory_\d{4}-\d{2}-\d{2}\.xlsx)$/;

/** Checks options; throws a RangeError naming the bad value. */
export function validateOptions(o: GenerateOptions): void {
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new RangeError(`Option "--${name}" must be an integer from ${lo} to ${hi}, got "${v}"`);
    }
  };
  int("seed", o.seed, 0, 2 ** 32 - 1);
  int("days", o.days, 1, 3660);
  int("persons", o.persons, 1, 1_000_000);
  if (!(o.dirty >= 0 && o.dirty <= 0.5)) {
    throw new RangeError(`Option "--dirty" must be a number from 0 to 0.5, got "${o.dirty}"`);
  }
  dayNumber(o.end);
}

async function clearOutputs(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && OUTPUT.test(entry.name)) await Deno.remove(`${dir}/${entry.name}`);
  }
}

/**
 * Generates the dataset into `opts.out` and returns what was written.
 *
 * @example
 * ```ts
 * await generate({ seed: 42, days: 7, persons: 200, dirty: 0.05, out: "out/data", end: "2026-11-24" });
 * ```
 */
export async function generate(opts: GenerateOptions): Promise<GenerateSummary> {
  validateOptions(opts);
  const endDay = dayNumber(opts.end);
  const startDay = endDay - opts.days + 1;
  const out = opts.out.replace(/\/+$/, "") || ".";
  await clearOutputs(out);
  const seed = opts.seed;
  const catalog = buildCatalog({
    seed,
    startDay,
    endDay,
    products: Math.min(500, 200 + Math.floor(opts.persons / 20)),
  });
  const persons = buildPersons({ seed, count: opts.persons, startDay, days: opts.days });
  const rng = new Rng(`${seed}/model`);
  const stock = createStock(catalog, opts.persons * 0.04, new Rng(`${seed}/stock`));
  const stockRng = new Rng(`${seed}/restock`);
  const dirt = { events: newDirtTally(), orders: newDirtTally(), inventory: newDirtTally() };
  const emitter: EventEmitter = {
    rng: new Rng(`${seed}/events-dirt`),
    rate: opts.dirty,
    tally: dirt.events,
    tag: String(seed),
    seq: 0,
    lastDay: endDay,
    queue: createEventQueue(),
    arena: createLineArena(),
  };
  const book: OrderBook = {
    rng: new Rng(`${seed}/orders`),
    endDay,
    tag: String(seed),
    seq: 0,
    pending: new Map(),
    placed: 0,
  };
  const orderFmt: OrderFormatter = {
    rng: new Rng(`${seed}/orders-dirt`),
    rate: opts.dirty,
    tally: dirt.orders,
    endDay,
    dups: new Map(),
  };
  const invFmt: InventoryFormatter = {
    rng: new Rng(`${seed}/inventory-dirt`),
    rate: opts.dirty,
    tally: dirt.inventory,
  };
  const members = productMembers(catalog);
  const world: World = {
    rng,
    catalog,
    stock,
    emitter,
    book,
    sampleProduct: weightedSampler(catalog.products.map((p) => p.weight)),
    productJson: members.products,
    unknownJson: members.unknown,
    limitMs: (endDay + 1) * DAY_MS,
    endDay,
    dirty: opts.dirty,
  };
  const truth = {
    events: createEventTally(String(seed)),
    orders: createOrderTally(),
    inventory: createInventoryTally(),
  };
  const fileRng = new Rng(`${seed}/files`);
  const variantOffset = fileRng.int(0, FILE_VARIANTS.length - 1);
  const resendDay = opts.dirty > 0 && opts.days >= 3
    ? startDay + fileRng.int(1, opts.days - 2)
    : -1;
  const encoder = new TextEncoder();
  const files: string[] = ["events.ndjson"];
  const meta = {
    seed,
    days: opts.days,
    persons: opts.persons,
    dirty: opts.dirty,
    start: dayString(startDay),
    end: opts.end,
    ingest: { events_historical: true as const, received_after: dayString(endDay + 1) },
    files: {
      events: "events.ndjson",
      orders: [] as { file: string; date: string }[],
      inventory: [] as { file: string; week: string }[],
    },
  };
  let eventLines = 0, orderRows = 0, inventoryRows = 0, weekIndex = 0;

  const arena = emitter.arena!;
  const sink = await openSink(`${out}/events.ndjson`, arena.sinkBuffer);
  // Clean lines are bytes already (line_arena.ts) and are copied into the
  // sink's buffer; releasing is synchronous and stops when the buffer is
  // nearly full, so a visit awaits only then.
  const release = (upTo: number): boolean => {
    const queue = emitter.queue;
    while (sinkRoom(sink) >= SINK_MARGIN) {
      const e = next(queue, upTo);
      if (e === undefined) return false;
      tallyEvent(truth.events, e, e.reason);
      if (e.slab !== undefined) {
        copyLine(arena, sink, e);
      } else {
        bufferText(sink, e.line);
      }
      eventLines++;
    }
    return true;
  };
  try {
    for (let day = startDay; day <= endDay; day++) {
      const date = dayString(day);
      if (day === startDay || weekdayOf(day) === 0) {
        const monday = mondayOf(day);
        const rows = snapshotRows(stock, catalog, monday);
        const wb = buildWorkbook(invFmt, { monday, weekIndex: weekIndex++, rows });
        const file = `inventory_${dayString(monday)}.xlsx`;
        await Deno.writeFile(`${out}/${file}`, wb.bytes);
        tallyInventoryWeek(truth.inventory, { monday, file, outcomes: wb.outcomes });
        files.push(file);
        meta.files.inventory.push({ file, week: dayString(monday) });
        inventoryRows += wb.outcomes.length;
      }
      receiveRestocks(stock, day);
      openDay(emitter.queue, day);
      const progress = (day - startDay) / opts.days;
      const placedBefore = book.placed;
      // Visits run in start order, so each line can be written once no later
      // visit can produce an earlier one.
      const visits = scheduleVisits(persons, { day, progress, rng });
      for (const visit of visits) {
        while (release(visit.start)) await flushSink(sink);
        runSession(world, visit.person, visit.start);
      }
      runMarketplace(
        world,
        persons,
        day,
        Math.floor((book.placed - placedBefore) * 0.05 + rng.next()),
      );
      planRestocks(stock, catalog, day, stockRng);
      while (release((day + 1) * DAY_MS)) await flushSink(sink);
      closeEventBuckets(truth.events, day - LATE_DAYS_MAX + 1);

      const variant = opts.dirty > 0
        ? FILE_VARIANTS[(day - startDay + variantOffset) % FILE_VARIANTS.length]
        : "plain";
      if (variant !== "plain") countDirt(dirt.orders, `file_${variant}`);
      const formatted = formatOrderFile(
        orderFmt,
        takeOrderDay(book, day),
        day,
        layoutFor(variant, orderFmt.rng),
      );
      const bytes = encoder.encode(formatted.text);
      const file = `orders_${date}.csv`;
      await Deno.writeFile(`${out}/${file}`, bytes);
      await tallyOrderFile(truth.orders, { date, file, bytes, outcomes: formatted.outcomes });
      files.push(file);
      meta.files.orders.push({ file, date });
      orderRows += formatted.outcomes.length;
      if (day === resendDay) {
        const resend = `orders_${date}_resend.csv`;
        await Deno.writeFile(`${out}/${resend}`, bytes);
        await tallyOrderFile(truth.orders, {
          date,
          file: resend,
          bytes,
          outcomes: formatted.outcomes,
        });
        countDirt(dirt.orders, "duplicate_file");
        files.push(resend);
        meta.files.orders.push({ file: resend, date });
      }
      opts.onDay?.(date);
    }
  } finally {
    await closeSink(sink);
  }
  if (queuedCount(emitter.queue) > 0 || book.pending.size > 0 || orderFmt.dups.size > 0) {
    throw new Error(`Records were scheduled after the last day "${opts.end}"`);
  }
  const expected = buildExpected({
    meta,
    fxD4: DEFAULT_FX_D4,
    startDay,
    endDay,
    events: truth.events,
    orders: truth.orders,
    inventory: truth.inventory,
    dirt,
  });
  await Deno.writeTextFile(`${out}/expected.json`, JSON.stringify(expected, null, 1) + "\n");
  files.push("expected.json");
  return { files, eventLines, orderRows, inventoryRows, expected };
}
