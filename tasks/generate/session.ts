/**
 * The behaviour model: a visit walks the funnel Product Viewed → Product
 * Added → Checkout Started → Order Completed with drop-off at each step,
 * around page, search and identify events; a completed checkout places an
 * order (its lines scheduled in the orders files) and depletes stock.
 *
 * @module
 */

import { DAY_MS, dayOfMs } from "./calendar.ts";
import {
  APP_CONTEXT,
  emitEvent,
  type EventEmitter,
  type LogicalEvent,
  WEB_CONTEXT,
} from "./event_format.ts";
import { addedSlot, type EventBodies, eventBodies, HOME_BODY, HOME_BYTES } from "./event_bodies.ts";
import { formatD4 } from "./money.ts";
import { nextOrderId, type OrderBook, type OrderLineModel, scheduleOrder } from "./order_book.ts";
import type { Person } from "./persons.ts";
import type { Rng } from "./prng.ts";
import { type Stock, takeStock } from "./stock.ts";
import { type Catalog, CURRENCIES, isActive } from "./vocab.ts";

/** One item in a cart: a catalog product, or (product −1) an unknown SKU. */
interface CartItem {
  product: number;
  unknown: number;
  quantity: number;
}

/** Shares of the cross-source reconciliation (documented in docs/generator.md). */
export const SHARES = {
  /** Web/app orders whose `Order Completed` event never arrives (blocked tracker). */
  orderWithoutEvent: 0.012,
  /** `Order Completed` events whose order is never exported (payment failed). */
  eventWithoutOrder: 0.01,
  /** Orders exported in the next day's file. */
  lateExport: 0.03,
} as const;

/** What a day's simulation works with. */
export interface World {
  rng: Rng;
  catalog: Catalog;
  stock: Stock;
  emitter: EventEmitter;
  book: OrderBook;
  /** Popularity sampler over catalog indices. */
  sampleProduct: (rng: Rng) => number;
  /** `"product_id":…,"currency":…` JSON members per product and currency. */
  productJson: string[][];
  unknownJson: string[][];
  /** Prebuilt bodies (strings and bytes) per product; built on first use. */
  bodies?: EventBodies;
  /** End of the last day, epoch ms (exclusive): nothing is timed at or after it. */
  limitMs: number;
  endDay: number;
  dirty: number;
}

function pickActive(w: World, day: number): number {
  for (let i = 0; i < 6; i++) {
    const p = w.sampleProduct(w.rng);
    if (isActive(w.catalog.products[p], day)) return p;
  }
  return -1;
}

/**
 * Prebuilds the product members of e-commerce event properties.
 *
 * @example
 * ```ts
 * productMembers(catalog).products[0][0]; // "\"product_id\":\"GAR-1001\",…,\"currency\":\"USD\""
 * ```
 */
export function productMembers(catalog: Catalog): { products: string[][]; unknown: string[][] } {
  const members = (sku: string, name: string, category: string, price: number[]) =>
    CURRENCIES.map((code, i) =>
      `"product_id":"${sku}","sku":"${sku}","name":${JSON.stringify(name)},"category":${
        JSON.stringify(category)
      },"price":${formatD4(price[i])},"currency":"${code}"`
    );
  return {
    products: catalog.products.map((p) => members(p.sku, p.name, p.category, p.priceD4)),
    unknown: catalog.unknownSkus.map((u) => members(u.sku, u.name, "Gift cards", u.priceD4)),
  };
}

/**
 * Simulates one visit starting at `startMs`.
 *
 * @example
 * ```ts
 * runSession(world, person, dayStartMs + 9 * 3_600_000);
 * ```
 */
export function runSession(w: World, person: Person, startMs: number): void {
  const rng = w.rng;
  const day = dayOfMs(startMs);
  let t = startMs;
  const bodies = w.bodies ??= eventBodies(w.catalog, w.productJson);
  // One event object per visit, refilled for each event (the writer does not keep it).
  const ev: LogicalEvent = {
    type: "page",
    event: undefined,
    ts: t,
    userId: person.userId,
    anonymousId: person.anonymousId,
    anonJson: person.anonJson,
    body: "",
    bodyBytes: undefined,
    context: person.channel === "app" ? APP_CONTEXT : WEB_CONTEXT,
    orderId: undefined,
    person: person.index,
  };
  const emit = (
    type: "track" | "page" | "identify",
    event: string | undefined,
    body: string,
    orderId?: string,
    bodyBytes?: Uint8Array,
  ): boolean => {
    if (t >= w.limitMs) return false;
    ev.type = type;
    ev.event = event;
    ev.ts = t;
    ev.userId = person.userId;
    ev.body = body;
    ev.bodyBytes = bodyBytes;
    ev.orderId = orderId;
    emitEvent(w.emitter, ev);
    t += rng.int(4_000, 90_000);
    return true;
  };
  const cur = person.currency;

  if (!emit("page", undefined, HOME_BODY, undefined, HOME_BYTES)) return;
  if (person.laterUserId && !person.userId && day >= person.convertDay!) {
    person.userId = person.laterUserId;
    const traits =
      `"traits":{"email":"${person.userId}@example.com","country":"${person.country}"}`;
    if (!emit("identify", undefined, traits)) return;
  } else if (person.userId && rng.chance(0.1)) {
    if (!emit("identify", undefined, `"traits":{"country":"${person.country}"}`)) return;
  }
  if (rng.chance(0.1)) {
    const q = JSON.stringify(rng.pick(w.catalog.searchTerms));
    if (!emit("track", "Products Searched", `"properties":{"query":${q}}`)) return;
  }

  let cart: CartItem[] = [];
  if (person.cart.length > 0 && rng.chance(0.4)) {
    // Back to a cart left earlier: straight to checkout, no view or add today.
    cart = person.cart
      .filter((p) => isActive(w.catalog.products[p], day) && w.stock.totals[p] > 0)
      .map((p) => ({ product: p, unknown: -1, quantity: 1 }));
  } else {
    const viewed: number[] = [];
    let views = 1;
    while (views < 8 && rng.chance(0.55)) views++;
    for (let i = 0; i < views; i++) {
      const p = pickActive(w, day);
      if (p < 0) continue;
      if (rng.chance(0.6)) {
        if (!emit("page", undefined, bodies.pages[p], undefined, bodies.pageBytes[p])) return;
      }
      const view = bodies.views[p][cur];
      if (!emit("track", "Product Viewed", view, undefined, bodies.viewBytes[p][cur])) return;
      viewed.push(p);
    }
    const candidates = rng.chance(0.32) ? viewed.slice(0, rng.int(1, 2)) : [];
    if (rng.chance(0.04)) {
      const p = pickActive(w, day);
      if (p >= 0) candidates.push(p); // quick add from a list page, never viewed
    }
    for (const p of candidates) {
      if (w.stock.totals[p] <= 0 || cart.some((c) => c.product === p)) continue;
      const quantity = rng.chance(0.8) ? 1 : rng.int(2, 3);
      const i = addedSlot(p, cur, quantity);
      if (!emit("track", "Product Added", bodies.added[i], undefined, bodies.addedBytes[i])) return;
      cart.push({ product: p, unknown: -1, quantity });
    }
    if (cart.length > 0 && rng.chance(w.dirty * 0.5)) {
      const u = rng.int(0, w.catalog.unknownSkus.length - 1);
      const body = `"properties":{${w.unknownJson[u][cur]},"quantity":1}`;
      if (!emit("track", "Product Added", body)) return;
      cart.push({ product: -1, unknown: u, quantity: 1 });
    }
  }
  if (cart.length === 0) return;
  person.cart = cart.filter((c) => c.product >= 0).map((c) => c.product);
  if (!rng.chance(0.55)) return;
  const lines = buildLines(w, person, cart, 0);
  const items = lines.map((l) =>
    `{"product_id":"${l.sku}","sku":"${l.sku}","price":${
      formatD4(l.priceD4)
    },"quantity":${l.quantity}}`
  ).join(",");
  const total = lines.reduce((s, l) => s + l.quantity * l.priceD4 - l.discountD4, 0);
  const code = CURRENCIES[cur];
  const checkout = `"properties":{"value":${
    formatD4(total)
  },"currency":"${code}","products":[${items}]}`;
  if (!emit("track", "Checkout Started", checkout)) return;
  if (!rng.chance(0.75)) return;
  if (t >= w.limitMs) return;
  const orderId = nextOrderId(w.book);
  const orderTs = Math.floor(t / 1000) * 1000;
  const noEvent = rng.chance(SHARES.orderWithoutEvent);
  const noOrder = !noEvent && rng.chance(SHARES.eventWithoutOrder);
  if (!noEvent) {
    const body = `"properties":{"order_id":"${orderId}","revenue":${
      formatD4(total)
    },"currency":"${code}","products":[${items}]}`;
    emit("track", "Order Completed", body, orderId);
  }
  person.cart = [];
  if (noOrder) return;
  for (const l of lines) {
    l.orderId = orderId;
    l.orderTs = orderTs;
  }
  placeOrder(w, lines);
}

function buildLines(w: World, person: Person, cart: CartItem[], orderTs: number): OrderLineModel[] {
  const rng = w.rng;
  const customerId = person.userId ?? `guest_${person.anonymousId.slice(0, 8)}`;
  return cart.map((c, i) => {
    const priceD4 = c.product >= 0
      ? w.catalog.products[c.product].priceD4[person.currency]
      : w.catalog.unknownSkus[c.unknown].priceD4[person.currency];
    const gross = priceD4 * c.quantity;
    // Whole-cent discounts of 10–20 %, on some lines; always less than the line.
    const discountD4 = rng.chance(0.15)
      ? Math.floor((gross * rng.int(10, 20)) / 100 / 100) * 100
      : 0;
    return {
      orderId: "",
      lineNo: i + 1,
      customerId,
      orderTs,
      sku: c.product >= 0
        ? w.catalog.products[c.product].sku
        : w.catalog.unknownSkus[c.unknown].sku,
      product: c.product,
      quantity: c.quantity,
      priceD4,
      currency: person.currency,
      discountD4,
      country: person.country,
      channel: person.channel,
    };
  });
}

function placeOrder(w: World, lines: OrderLineModel[]): void {
  for (const l of lines) if (l.product >= 0) takeStock(w.stock, l.product, l.quantity);
  let fileDay = dayOfMs(lines[0].orderTs);
  if (fileDay < w.endDay && w.rng.chance(SHARES.lateExport)) fileDay++;
  scheduleOrder(w.book, lines, fileDay);
}

/**
 * Places the day's marketplace orders: no web session, so no events.
 *
 * @example
 * ```ts
 * runMarketplace(world, persons, day, 3);
 * ```
 */
export function runMarketplace(w: World, persons: Person[], day: number, count: number): void {
  const rng = w.rng;
  for (let i = 0; i < count; i++) {
    const person = persons[rng.int(0, persons.length - 1)];
    if (person.joinDay > day) continue;
    const cart: CartItem[] = [];
    const n = rng.chance(0.8) ? 1 : 2;
    for (let k = 0; k < n; k++) {
      const p = pickActive(w, day);
      if (p >= 0 && w.stock.totals[p] > 0 && !cart.some((c) => c.product === p)) {
        cart.push({ product: p, unknown: -1, quantity: rng.chance(0.85) ? 1 : 2 });
      }
    }
    if (cart.length === 0) continue;
    const orderTs = Math.min(w.limitMs - 1000, day * DAY_MS + rng.int(0, 86_399) * 1000);
    const lines = buildLines(w, person, cart, orderTs);
    const orderId = nextOrderId(w.book);
    for (const l of lines) {
      l.orderId = orderId;
      l.channel = "marketplace";
    }
    placeOrder(w, lines);
  }
}
