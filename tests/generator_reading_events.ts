/**
 * The independent reader of the generator's tests, second part: events
 * (NDJSON) and inventory workbooks under sources.md §1 and §3.
 *
 * @module
 */

import * as XLSX from "xlsx";
import { absent, readInteger, type ReadResult, readTimestamp } from "./generator_reading.ts";

/** An event as this reader understands it. */
export interface ReadEvent {
  messageId: string;
  type: string;
  person: string;
  step: number;
  ts: number;
  orderId?: string;
}

const STEPS = ["product viewed", "product added", "checkout started", "order completed"];
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

function hasForbiddenKey(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (Array.isArray(v)) return v.some(hasForbiddenKey);
  return Object.getOwnPropertyNames(v).some((k) =>
    FORBIDDEN.has(k) || hasForbiddenKey((v as Record<string, unknown>)[k])
  );
}

/** Reads one NDJSON line under sources.md §1, as a historical import received at `receivedAt`. */
export function readEventLine(line: string, receivedAt: number): ReadResult<ReadEvent> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: null, reason: "malformed" };
  }
  if (new TextEncoder().encode(line).length > 32 * 1024) return { ok: null, reason: "too_large" };
  if (hasForbiddenKey(raw)) return { ok: null, reason: "invalid_value" };
  const reasons: string[] = [];
  if (absent(raw.type)) reasons.push("missing_required");
  if (absent(raw.messageId)) reasons.push("missing_required");
  if (absent(raw.userId) && absent(raw.anonymousId)) reasons.push("missing_required");
  const type = typeof raw.type === "string" ? raw.type.trim().toLowerCase() : "";
  if (type === "track" && absent(raw.event)) reasons.push("missing_required");
  if (!absent(raw.messageId) && typeof raw.messageId !== "string") reasons.push("invalid_type");
  for (const k of ["properties", "context", "traits"]) {
    const v = raw[k];
    if (v !== undefined && v !== null && (typeof v !== "object" || Array.isArray(v))) {
      reasons.push("invalid_type");
    }
  }
  const ts = absent(raw.timestamp) ? null : readTimestamp(raw.timestamp);
  if (ts === null) reasons.push("invalid_timestamp");
  else if (ts > receivedAt + 86_400_000) reasons.push("future_timestamp");
  if (!["track", "page", "identify"].includes(type)) reasons.push("unsupported_type");
  const order = [
    "missing_required",
    "invalid_type",
    "invalid_value",
    "invalid_timestamp",
    "future_timestamp",
    "unsupported_type",
  ];
  if (reasons.length > 0) return { ok: null, reason: order.find((r) => reasons.includes(r))! };
  const userId = absent(raw.userId) ? undefined : String(raw.userId).trim();
  const name = typeof raw.event === "string" ? raw.event.trim().toLowerCase() : "";
  const props = (raw.properties ?? {}) as Record<string, unknown>;
  return {
    ok: {
      messageId: raw.messageId as string,
      type,
      person: userId ?? String(raw.anonymousId).trim(),
      step: type === "track" ? STEPS.indexOf(name) + 1 : 0,
      ts: ts!,
      orderId: props.order_id === undefined ? undefined : String(props.order_id),
    },
    warnings: [],
  };
}

/** An inventory row as this reader understands it. */
export interface ReadInventoryRow {
  sku: string;
  warehouse: string;
  onHand: number;
  reorderPoint: number;
}

/**
 * Reads the data sheet of a workbook (named `inventory`, else the first
 * visible one): one result per data row.
 */
export function readInventoryWorkbook(bytes: Uint8Array): ReadResult<ReadInventoryRow>[] {
  const wb = XLSX.read(bytes, { dense: true });
  const visible = wb.SheetNames.filter((_, i) => !wb.Workbook?.Sheets?.[i]?.Hidden);
  const name = visible.find((n) => n.toLowerCase() === "inventory") ?? visible[0];
  const rows = XLSX.utils.sheet_to_json<unknown[]>(wb.Sheets[name], { header: 1, raw: true });
  const header = (rows[0] as string[]).map((h) => String(h).trim().toLowerCase());
  const col = (n: string) => header.indexOf(n);
  const data = (wb.Sheets[name]["!data"] ?? []) as (XLSX.CellObject | undefined)[][];
  const out: ReadResult<ReadInventoryRow>[] = [];
  for (let r = 1; r < data.length; r++) {
    const cells = data[r] ?? [];
    const value = (n: string) => cells[col(n)];
    const skuCell = value("sku");
    if (!skuCell || absent(skuCell.v)) {
      out.push({ ok: null, reason: "missing_required" });
      continue;
    }
    const onHandCell = value("on_hand");
    if (!onHandCell || onHandCell.t === "e" || onHandCell.v === undefined) {
      out.push({ ok: null, reason: onHandCell?.f ? "invalid_value" : "missing_required" });
      continue;
    }
    const onHand = typeof onHandCell.v === "number"
      ? onHandCell.v
      : readInteger(String(onHandCell.v));
    if (onHand === null || !Number.isInteger(onHand)) {
      out.push({ ok: null, reason: "invalid_type" });
      continue;
    }
    if (onHand < 0) {
      out.push({ ok: null, reason: "invalid_value" });
      continue;
    }
    const rp = value("reorder_point");
    out.push({
      ok: {
        sku: String(skuCell.v).trim().toUpperCase(),
        warehouse: String(value("warehouse")?.v ?? "").trim(),
        onHand,
        reorderPoint: !rp || absent(rp.v) ? 0 : Number(rp.v),
      },
      warnings: [],
    });
  }
  return out;
}
