/**
 * Browsing the findings of the checks job, per order day and kind.
 *
 * @module
 */

import { goldReconciliationOf } from "../../kv/keys.ts";
import {
  RECONCILIATION_KINDS,
  type ReconciliationItem,
  type ReconciliationKind,
} from "./reconciliation_types.ts";
import { decodeCursor, encodeCursor } from "./quarantine_list.ts";

/** Options of {@link listReconciliation}. */
export interface ListReconciliationOptions {
  day: string;
  kind: ReconciliationKind;
  /** The `next_cursor` of the previous page. */
  cursor?: string;
  /** Findings per page (default 50, at most 500). */
  limit?: number;
}

/** One page of findings, by SKU or order id ascending. */
export interface ReconciliationPage {
  items: ReconciliationItem[];
  next_cursor: string | null;
}

/** True for a kind of reconciliation finding. */
export function isReconciliationKind(value: string): value is ReconciliationKind {
  return (RECONCILIATION_KINDS as readonly string[]).includes(value);
}

/**
 * Browses the findings of one order day and kind, as of the last checks run.
 *
 * @example
 * ```ts
 * const page = await listReconciliation(kv, { day: "2026-11-25", kind: "orders_without_event" });
 * ```
 */
export async function listReconciliation(
  kv: Deno.Kv,
  options: ListReconciliationOptions,
): Promise<ReconciliationPage> {
  const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 50)), 500);
  const prefix = goldReconciliationOf(options.day, options.kind);
  const after = options.cursor !== undefined ? decodeCursor(options.cursor) : undefined;
  const selector: Deno.KvListSelector = after !== undefined
    ? { prefix, start: [...prefix, `${after}\u0000`] }
    : { prefix };
  const items: ReconciliationItem[] = [];
  let last: string | null = null;
  let more = false;
  for await (const e of kv.list<ReconciliationItem>(selector, { limit: limit + 1 })) {
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(e.value);
    last = e.key[e.key.length - 1] as string;
  }
  return { items, next_cursor: more && last !== null ? encodeCursor(last) : null };
}
