/**
 * Every exportable table, declared once: its layer, name, where its rows come
 * from (a KV key prefix, or the daily KPI reader) and its typed columns. The
 * route, the encoders, the tests and docs/exports.md all derive from this list.
 *
 * Values written by the producers are read tolerantly (see `columns.ts` and
 * `cells.ts`): a field that is missing or of another kind becomes null.
 *
 * @module
 */

import {
  goldAlerts,
  goldCountersAll,
  goldQualityAll,
  goldQualityOfDay,
  goldRetentionAll,
  goldSkuCountersAll,
  goldViewsOf,
  quarantineRecords,
  silverCatalogAll,
  silverEventBlocksAll,
  silverEvents,
  silverInventoryRowsAll,
  silverInventoryRowsOfWeek,
  silverOrderBlocksAll,
  silverOrderLines,
} from "../../kv/keys.ts";
import { type BlockSource, eventBlockRecords, orderBlockRecords } from "./blocks.ts";
import { type Column, column, field, fieldOrKey, keyPart } from "./columns.ts";

/** The layers of the export URL, `/v1/export/{layer}/{table}`. */
export type ExportLayer = "silver" | "gold";

/** Where a table's rows come from. */
export type TableSource =
  /**
   * Every entry under a KV prefix, in key order. `dayPrefix`, for tables whose
   * first key part after the prefix is a `YYYY-MM-DD` day: the key builder of
   * one day's entries, so `from`/`to` select a key range.
   */
  | { kind: "prefix"; prefix: Deno.KvKey; dayPrefix?: (day: string) => Deno.KvKey }
  /** One row per day of a range, from the gold daily KPIs (`from`/`to`). */
  | { kind: "daily" }
  /** One row per record of each block under a prefix (see `blocks.ts`). */
  | BlockSource;

/** A declared export table. */
export interface ExportTable {
  layer: ExportLayer;
  name: string;
  /** One sentence for docs and errors. */
  description: string;
  source: TableSource;
  columns: readonly Column[];
}

const value: Column["get"] = (v) => v;

/** A field of an order line, nested under `line` (silver) or flat. */
function lineField(name: string): Column["get"] {
  return field(`line.${name}`, name);
}

/** A field of an order line, or the key part that carries it. */
function lineOrKey(name: string, index: number): Column["get"] {
  const get = lineField(name);
  return (v, key) => get(v, key) ?? key[index];
}

/** Signed counter tables: key parts then the `Deno.KvU64` value. */
function counterColumns(keyColumns: Column[], valueName = "value"): Column[] {
  return [...keyColumns, column(valueName, "int64", value)];
}

/** Every exportable table, in the order docs/exports.md lists them. */
export const EXPORT_TABLES: readonly ExportTable[] = [
  {
    layer: "silver",
    name: "events",
    description: "Clean events, by shard then ingest id",
    source: {
      kind: "blocks",
      legacy: silverEvents(),
      prefix: silverEventBlocksAll(),
      records: eventBlockRecords,
    },
    columns: [
      column("id", "string", fieldOrKey("id", 1)),
      column("message_id", "string", field("messageId")),
      column("type", "string", field("type")),
      column("event", "string", field("event")),
      column("user_id", "string", field("userId")),
      column("anonymous_id", "string", field("anonymousId")),
      column("person", "string", field("person")),
      column("ts", "timestamp", field("ts")),
      column("received_at", "timestamp", field("receivedAt")),
      column("step", "int32", field("step")),
      column("order_id", "string", field("orderId")),
      column("revenue", "decimal", field("revenue")),
      column("historical", "boolean", field("historical")),
      column("properties", "json", field("properties")),
      column("context", "json", field("context")),
      column("traits", "json", field("traits")),
    ],
  },
  {
    layer: "silver",
    name: "order_lines",
    description:
      "The current version of every order line with its value in US cents, by order and line",
    source: {
      kind: "blocks",
      legacy: silverOrderLines(),
      prefix: silverOrderBlocksAll(),
      records: orderBlockRecords,
    },
    // Value: pipeline/silver/orders.ts `SilverLine` = {line, version, cents},
    // with the key parts [order, line]; a flat OrderLine is read too.
    columns: [
      column("order_id", "string", lineOrKey("orderId", 0)),
      column("line_no", "int32", lineOrKey("lineNo", 1)),
      column("customer_id", "string", lineField("customerId")),
      column("order_ts", "timestamp", lineField("orderTs")),
      column("sku", "string", lineField("sku")),
      column("quantity", "int32", lineField("quantity")),
      column("unit_price", "decimal", lineField("unitPrice")),
      column("currency", "string", lineField("currency")),
      column("discount", "decimal", lineField("discount")),
      column("status", "string", lineField("status")),
      column("country", "string", lineField("country")),
      column("channel", "string", lineField("channel")),
      column("value_cents", "int64", field("cents", "valueCents", "value_cents")),
      column("version_date", "date", field("version.date")),
      column("version_upload", "int64", field("version.upload")),
      column("version_row", "int32", field("version.row")),
    ],
  },
  {
    layer: "silver",
    name: "inventory_rows",
    description: "Rows of every weekly inventory snapshot, by week (Monday), SKU and warehouse",
    source: {
      kind: "prefix",
      prefix: silverInventoryRowsAll(),
      dayPrefix: silverInventoryRowsOfWeek,
    },
    columns: [
      column("week", "date", keyPart(0)),
      column("sku", "string", fieldOrKey("sku", 1)),
      column("warehouse", "string", fieldOrKey("warehouse", 2)),
      column("product_name", "string", field("productName", "name")),
      column("category", "string", field("category")),
      column("on_hand", "int32", field("onHand")),
      column("reorder_point", "int32", field("reorderPoint")),
      column("unit_cost", "decimal", field("unitCost")),
      column("upload_id", "string", field("upload")),
      column("upload_row", "int32", field("row")),
    ],
  },
  {
    layer: "silver",
    name: "catalog",
    description: "Name and category of every SKU, from the latest week containing it",
    source: { kind: "prefix", prefix: silverCatalogAll() },
    columns: [
      column("sku", "string", fieldOrKey("sku", 0)),
      column("name", "string", field("name", "productName")),
      column("category", "string", field("category")),
      column("week", "date", field("week")),
    ],
  },
  {
    layer: "gold",
    name: "daily",
    description: "Daily KPIs, one row per day of the range, zeros included",
    source: { kind: "daily" },
    columns: [
      column("date", "date", field("date")),
      column("revenue_cents", "int64", field("revenue_cents")),
      column("orders", "int64", field("orders")),
      column("units", "int64", field("units")),
      column("aov_cents", "int64", field("aov_cents")),
      column("events", "int64", field("events")),
      column("persons", "int64", field("persons")),
    ],
  },
  {
    layer: "gold",
    name: "orders",
    description: "Materialised order KPIs, one row per bucket",
    source: { kind: "prefix", prefix: goldViewsOf("orders") },
    columns: [
      column("bucket", "string", fieldOrKey("bucket", 0)),
      column("revenue_cents", "int64", field("revenue_cents")),
      column("orders", "int64", field("orders")),
      column("units", "int64", field("units")),
      column("aov_cents", "int64", field("aov_cents")),
      column("customers", "int64", field("customers")),
      column("repeat_customers", "int64", field("repeat_customers")),
      column("refunded_cents", "int64", field("refunded_cents")),
      column("cancelled_lines", "int64", field("cancelled_lines")),
      column("top_products", "json", field("top_products")),
      column("categories", "json", field("categories")),
    ],
  },
  {
    layer: "gold",
    name: "events",
    description: "Materialised event KPIs, one row per bucket",
    source: { kind: "prefix", prefix: goldViewsOf("events") },
    columns: [
      column("bucket", "string", fieldOrKey("bucket", 0)),
      column("events", "int64", field("events")),
      column("persons", "int64", field("persons")),
      column("page_views", "int64", field("page_views")),
      column("funnel", "json", field("funnel")),
      column("cart_persons", "int64", field("cart_persons")),
      column("cart_abandoned_persons", "int64", field("cart_abandoned_persons")),
    ],
  },
  {
    layer: "gold",
    name: "inventory",
    description: "Materialised inventory KPIs, one row per week",
    source: { kind: "prefix", prefix: goldViewsOf("inventory") },
    columns: [
      column("week", "date", fieldOrKey("week", 0)),
      column("skus", "int64", field("skus")),
      column("rows", "int64", field("rows")),
      column("on_hand_units", "int64", field("on_hand_units")),
      column("stockout_rows", "int64", field("stockout_rows")),
      column("low_stock_rows", "int64", field("low_stock_rows")),
      column("stock_value_cents", "int64", field("stock_value_cents")),
      column("days_of_cover", "double", field("days_of_cover")),
      column("at_risk_skus", "json", field("at_risk_skus")),
      column("stockouts", "json", field("stockouts")),
      column("low_stock", "json", field("low_stock")),
    ],
  },
  {
    layer: "gold",
    name: "retention",
    description: "Persons of each cohort week active k weeks later",
    source: { kind: "prefix", prefix: goldRetentionAll() },
    columns: counterColumns([
      column("cohort", "string", keyPart(0)),
      column("week_offset", "int32", keyPart(1)),
    ], "persons"),
  },
  {
    layer: "gold",
    name: "counters",
    description: "Every KPI counter, by bucket and metric",
    source: { kind: "prefix", prefix: goldCountersAll() },
    columns: counterColumns([
      column("bucket", "string", keyPart(0)),
      column("metric", "string", keyPart(1)),
    ]),
  },
  {
    layer: "gold",
    name: "sku_counters",
    description: "Per-SKU counters, by bucket, SKU and metric",
    source: { kind: "prefix", prefix: goldSkuCountersAll() },
    columns: counterColumns([
      column("bucket", "string", keyPart(0)),
      column("sku", "string", keyPart(1)),
      column("metric", "string", keyPart(2)),
    ]),
  },
  {
    layer: "gold",
    name: "quality",
    description: "Data-quality counters, by received day, source and metric",
    source: { kind: "prefix", prefix: goldQualityAll(), dayPrefix: goldQualityOfDay },
    columns: counterColumns([
      column("date", "date", keyPart(0)),
      column("source", "string", keyPart(1)),
      column("metric", "string", keyPart(2)),
    ]),
  },
  {
    layer: "gold",
    name: "alerts",
    description: "Anomaly and freshness alerts, newest first",
    source: { kind: "prefix", prefix: goldAlerts() },
    columns: [
      column("id", "string", fieldOrKey("id", 0)),
      column("kind", "string", field("kind")),
      column("metric", "string", field("metric")),
      column("source", "string", field("source")),
      column("day", "date", field("day")),
      column("value", "double", field("value")),
      column("baseline", "double", field("baseline")),
      column("score", "double", field("score")),
      column("direction", "string", field("direction")),
      column("raised_at", "timestamp", field("raised_at", "raisedAt")),
      column("message", "string", field("message")),
    ],
  },
  {
    layer: "gold",
    name: "quarantine",
    description: "Quarantined records with their raw form and reason, newest first",
    source: { kind: "prefix", prefix: quarantineRecords() },
    columns: [
      column("id", "string", fieldOrKey("id", 0)),
      column("source", "string", field("source")),
      column("reason", "string", field("reason")),
      column("field", "string", field("field")),
      column("message", "string", field("message")),
      column("raw", "string", field("raw")),
      column("request_id", "string", field("requestId")),
      column("position", "int32", field("position")),
      column("received_at", "timestamp", field("receivedAt")),
      column("historical", "boolean", field("historical")),
      column("date", "date", field("date")),
      column("replayed_as", "string", field("replayedAs")),
    ],
  },
];

/**
 * The declared table `layer/name`, or undefined.
 *
 * @example
 * ```ts
 * findTable("silver", "order_lines")?.columns.length; // 16
 * ```
 */
export function findTable(layer: string, name: string): ExportTable | undefined {
  return EXPORT_TABLES.find((t) => t.layer === layer && t.name === name);
}

/** Whether a table takes a `from`/`to` day range. */
export function isDated(table: ExportTable): boolean {
  const source = table.source;
  return source.kind === "daily" || (source.kind === "prefix" && source.dayPrefix !== undefined);
}
