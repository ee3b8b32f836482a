/**
 * Orders as the model places them, and the schedule of their line versions:
 * each line is first exported in the file of its order day (a few a day
 * late), and status changes (shipped, delivered, cancelled, refunded) arrive
 * as updated lines in later days' files. Versions that would fall after the
 * last day are never written.
 *
 * @module
 */

import type { Rng } from "./prng.ts";
import type { Status } from "./records.ts";

/** One order line as placed. Money is in d4 of the line's currency. */
export interface OrderLineModel {
  orderId: string;
  lineNo: number;
  customerId: string;
  /** Whole seconds, epoch ms. */
  orderTs: number;
  sku: string;
  /** Catalog index, or -1 for a SKU never in a snapshot. */
  product: number;
  quantity: number;
  priceD4: number;
  /** Index of `CURRENCIES`. */
  currency: number;
  discountD4: number;
  country: string;
  channel: "web" | "app" | "marketplace";
}

/** One version of a line, waiting for its file. */
export interface PendingRow {
  line: OrderLineModel;
  status: Status;
  /** A later version of an already exported line. */
  update: boolean;
  /** File day of this key's next version, or Infinity. */
  nextDay: number;
}

/** The order schedule. */
export interface OrderBook {
  rng: Rng;
  endDay: number;
  tag: string;
  seq: number;
  /** Versions by file day. */
  pending: Map<number, PendingRow[]>;
  /** Orders placed (with lines written) so far. */
  placed: number;
}

/**
 * A new order id, `ORD-<seed>-<seq>`; ids of orders never written (payment
 * failed after the event) come from the same sequence.
 */
export function nextOrderId(book: OrderBook): string {
  return `ORD-${book.tag}-${String(++book.seq).padStart(7, "0")}`;
}

function trajectory(rng: Rng, f0: number): [number, Status][] {
  const r = rng.next();
  let steps: [number, Status][];
  if (r < 0.015) steps = [[f0, "cancelled"]];
  else if (r < 0.05) steps = [[f0, "placed"], [f0 + 1, "cancelled"]];
  else if (r < 0.15) steps = [[f0, "placed"]];
  else if (r < 0.5) steps = [[f0, "placed"], [f0 + rng.int(1, 2), "shipped"]];
  else if (r < 0.85) {
    const s = f0 + 1;
    steps = [[f0, "placed"], [s, "shipped"], [s + rng.int(2, 4), "delivered"]];
  } else steps = [[f0, "shipped"], [f0 + rng.int(2, 4), "delivered"]];
  return steps;
}

function add(book: OrderBook, day: number, row: PendingRow): void {
  let list = book.pending.get(day);
  if (!list) book.pending.set(day, list = []);
  list.push(row);
}

/**
 * Schedules every version of an order's lines, first exported on `fileDay`.
 *
 * @example
 * ```ts
 * scheduleOrder(book, lines, dayOfMs(lines[0].orderTs));
 * ```
 */
export function scheduleOrder(book: OrderBook, lines: OrderLineModel[], fileDay: number): void {
  const rng = book.rng;
  const steps = trajectory(rng, fileDay);
  const last = steps[steps.length - 1];
  let refund: { day: number; line: number } | null = null;
  if ((last[1] === "shipped" || last[1] === "delivered") && rng.chance(0.07)) {
    refund = {
      day: last[0] + rng.int(3, 12),
      line: rng.chance(0.6) ? -1 : rng.int(1, lines.length),
    };
  }
  book.placed++;
  for (const line of lines) {
    const versions = steps.slice();
    if (refund && (refund.line === -1 || refund.line === line.lineNo)) {
      versions.push([refund.day, "refunded"]);
    }
    const kept = versions.filter(([d]) => d <= book.endDay);
    kept.forEach(([d, status], i) =>
      add(book, d, {
        line,
        status,
        update: i > 0,
        nextDay: i + 1 < kept.length ? kept[i + 1][0] : Infinity,
      })
    );
  }
}

/**
 * Removes and returns the versions of one file day: new lines by order time,
 * then updates in the order they were scheduled.
 */
export function takeOrderDay(book: OrderBook, day: number): PendingRow[] {
  const list = book.pending.get(day) ?? [];
  book.pending.delete(day);
  const fresh = list.filter((r) => !r.update).sort((a, b) =>
    a.line.orderTs - b.line.orderTs ||
    (a.line.orderId === b.line.orderId ? 0 : a.line.orderId < b.line.orderId ? -1 : 1) ||
    a.line.lineNo - b.line.lineNo
  );
  return [...fresh, ...list.filter((r) => r.update)];
}
