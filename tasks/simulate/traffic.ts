/**
 * The simulator's traffic: the generator's population and visit model
 * (persons.ts, session.ts) run day after model day, with no dirt and no
 * orders files, its events released in model-time order like the lines of
 * `events.ndjson` and turned into SDK calls. Model time only orders the
 * stream: the SDK stamps each event with the moment it is sent.
 *
 * @module
 */

import type { JsonObject } from "../../sdk/mod.ts";
import { DAY_MS } from "../generate/calendar.ts";
import { newDirtTally } from "../generate/dirt.ts";
import type { EventEmitter } from "../generate/event_format.ts";
import { createEventQueue, next, type PendingEvent } from "../generate/event_queue.ts";
import type { OrderBook } from "../generate/order_book.ts";
import { buildPersons, type Person, scheduleVisits, type Visit } from "../generate/persons.ts";
import { Rng, weightedSampler } from "../generate/prng.ts";
import { productMembers, runSession, type World } from "../generate/session.ts";
import { createStock, planRestocks, receiveRestocks, type Stock } from "../generate/stock.ts";
import { buildCatalog, type Catalog } from "../generate/vocab.ts";

/** Model days over which the population arrives (the generator's `--days`). */
export const HORIZON_DAYS = 28;

/** One event of the traffic, as the SDK will be asked to send it. */
export interface SimEvent {
  type: "track" | "page" | "identify";
  /** `track`: the event name. */
  event?: string;
  /** `page`: the page name. */
  name?: string;
  /** `track` and `page` properties; money as decimal strings. */
  properties?: JsonObject;
  /** `identify` traits. */
  traits?: JsonObject;
  userId?: string;
  anonymousId: string;
  /** The generator's app or web context, without `library` (the SDK names itself). */
  context: JsonObject;
}

/** What the traffic depends on. */
export interface TrafficOptions {
  /** Seed of the generator's streams: with the same `--persons`, the generator's population. */
  seed: number;
  /** Population size. */
  persons: number;
  /** First model day (days since 1970-01-01). */
  startDay: number;
  /** Middle part of order ids (`ORD-<orderTag>-<seq>`), unique per run. */
  orderTag: string;
}

/** A never-ending, seeded stream of events. */
export interface Traffic {
  /** The next event in model-time order. */
  next(): SimEvent;
  /** The model day being simulated. */
  day(): number;
}

// Money is kept as the decimal text the model wrote, so that no float touches it.
const MONEY = /"(price|revenue|value)":(-?\d+(?:\.\d+)?)(?=[,}])/g;

/**
 * Turns one line the generator's event writer produced (a clean line: the
 * traffic draws no dirt) into an SDK call's fields.
 *
 * @example
 * ```ts
 * toSimEvent(pending).properties; // { product_id: "GAR-1001", price: "19.99", … }
 * ```
 */
export function toSimEvent(e: PendingEvent): SimEvent {
  const raw = JSON.parse(e.line.replace(MONEY, '"$1":"$2"')) as JsonObject;
  const context = { ...(raw.context as JsonObject) };
  delete context.library;
  const out: SimEvent = { type: e.type, anonymousId: e.anonymousId!, context };
  if (e.userId !== undefined) out.userId = e.userId;
  if (e.type === "track") out.event = e.event;
  if (typeof raw.name === "string") out.name = raw.name;
  if (raw.properties !== undefined) out.properties = raw.properties as JsonObject;
  if (raw.traits !== undefined) out.traits = raw.traits as JsonObject;
  return out;
}

interface DayState {
  day: number;
  visits: Visit[];
  index: number;
}

function buildWorld(opts: TrafficOptions): { world: World; persons: Person[] } {
  const { seed, startDay } = opts;
  const catalog: Catalog = buildCatalog({
    seed,
    startDay,
    endDay: startDay + HORIZON_DAYS - 1,
    products: Math.min(500, 200 + Math.floor(opts.persons / 20)),
  });
  const persons = buildPersons({ seed, count: opts.persons, startDay, days: HORIZON_DAYS });
  const stock: Stock = createStock(catalog, opts.persons * 0.04, new Rng(`${seed}/stock`));
  const emitter: EventEmitter = {
    rng: new Rng(`${seed}/events-dirt`),
    rate: 0,
    tally: newDirtTally(),
    tag: "live",
    seq: 0,
    lastDay: Number.POSITIVE_INFINITY,
    queue: createEventQueue(),
  };
  const book: OrderBook = {
    rng: new Rng(`${seed}/orders`),
    // No orders files are written live: keeping no line versions keeps memory flat.
    endDay: Number.NEGATIVE_INFINITY,
    tag: opts.orderTag,
    seq: 0,
    pending: new Map(),
    placed: 0,
  };
  const members = productMembers(catalog);
  const world: World = {
    rng: new Rng(`${seed}/model`),
    catalog,
    stock,
    emitter,
    book,
    sampleProduct: weightedSampler(catalog.products.map((p) => p.weight)),
    productJson: members.products,
    unknownJson: members.unknown,
    limitMs: Number.POSITIVE_INFINITY,
    endDay: Number.POSITIVE_INFINITY,
    dirty: 0,
  };
  return { world, persons };
}

/**
 * Builds the traffic of a population: visits of each model day in start
 * order, each walking the funnel (page, identify, search, Product Viewed →
 * Product Added → Checkout Started → Order Completed with the model's
 * drop-off), with restocks between days.
 *
 * @example
 * ```ts
 * const traffic = createTraffic({ seed: 7, persons: 500, startDay: 20_600, orderTag: "7-x" });
 * traffic.next(); // { type: "page", name: "Home", anonymousId: "…", … }
 * ```
 */
export function createTraffic(opts: TrafficOptions): Traffic {
  const { world, persons } = buildWorld(opts);
  const restockRng = new Rng(`${opts.seed}/restock`);
  const queue = world.emitter.queue;
  const state: DayState = { day: opts.startDay - 1, visits: [], index: 0 };

  function openDay(day: number): void {
    receiveRestocks(world.stock, day);
    const progress = Math.min(1, (day - opts.startDay) / HORIZON_DAYS);
    state.day = day;
    state.visits = scheduleVisits(persons, { day, progress, rng: world.rng });
    state.index = 0;
  }

  openDay(opts.startDay);
  return {
    next(): SimEvent {
      for (;;) {
        const visit = state.visits[state.index];
        // Visits run in start order, so an event is final once it precedes the next visit.
        const upTo = visit ? visit.start : (state.day + 1) * DAY_MS;
        const e = next(queue, upTo);
        if (e) return toSimEvent(e);
        if (visit) {
          state.index++;
          runSession(world, visit.person, visit.start);
          continue;
        }
        planRestocks(world.stock, world.catalog, state.day, restockRng);
        openDay(state.day + 1);
      }
    },
    day: () => state.day,
  };
}
