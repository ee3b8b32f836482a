/**
 * The answer key for orders: an ideal pipeline over the normalised rows, in
 * upload order (files by business date, rows by position). It recognises a
 * re-uploaded file by its SHA-256, an exact duplicate by comparing every
 * normalised field with the current version of the line key, and applies
 * updates latest-wins. KPIs are computed from the current versions only.
 *
 * @module
 */

import { emptyQuality, type QualityFigures } from "./truth_events.ts";
import type { NormLine, Outcome } from "./records.ts";

/** Quality of one orders file (keyed by business date in expected.json). */
export interface OrderFileQuality extends QualityFigures {
  file: string;
  /** A byte-identical copy of this file was uploaded again (and changed nothing). */
  duplicate_file: boolean;
  /** Every file uploaded for this date, in upload order. */
  files: string[];
}

/** The running orders answer key. */
export interface OrderTally {
  current: Map<string, NormLine>;
  hashes: Set<string>;
  files: Map<string, OrderFileQuality>;
}

/** A new orders tally. */
export function createOrderTally(): OrderTally {
  return { current: new Map(), hashes: new Set(), files: new Map() };
}

function sameLine(a: NormLine, b: NormLine): boolean {
  return a.orderId === b.orderId && a.lineNo === b.lineNo && a.customerId === b.customerId &&
    a.orderTs === b.orderTs && a.sku === b.sku && a.quantity === b.quantity &&
    a.priceD4 === b.priceD4 && a.currency === b.currency && a.discountD4 === b.discountD4 &&
    a.status === b.status && a.country === b.country && a.channel === b.channel;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Reads one uploaded orders file. Returns true when it was a duplicate file.
 *
 * @example
 * ```ts
 * await tallyOrderFile(t, { date: "2026-11-24", file: "orders_2026-11-24.csv", bytes, outcomes });
 * ```
 */
export async function tallyOrderFile(
  t: OrderTally,
  upload: {
    date: string;
    file: string;
    bytes: Uint8Array<ArrayBuffer>;
    outcomes: Outcome<NormLine>[];
  },
): Promise<boolean> {
  const hash = await sha256(upload.bytes);
  let q = t.files.get(upload.date);
  if (!q) {
    q = { file: upload.file, ...emptyQuality(), duplicate_file: false, files: [] };
    t.files.set(upload.date, q);
  }
  q.files.push(upload.file);
  if (t.hashes.has(hash)) {
    q.duplicate_file = true;
    return true;
  }
  t.hashes.add(hash);
  for (const outcome of upload.outcomes) {
    q.received++;
    if (outcome.ok === null) {
      q.quarantined++;
      q.quarantined_by_reason[outcome.reason] = (q.quarantined_by_reason[outcome.reason] ?? 0) +
        1;
      continue;
    }
    const line = outcome.ok;
    const key = `${line.orderId}\u0000${line.lineNo}`;
    const previous = t.current.get(key);
    if (previous && sameLine(previous, line)) {
      q.duplicates++;
      continue;
    }
    q.accepted++;
    if (previous) q.updates++;
    t.current.set(key, line);
    for (const field of outcome.warnings ?? []) {
      q.warnings_by_field[field] = (q.warnings_by_field[field] ?? 0) + 1;
    }
  }
  return false;
}
