/**
 * Table exports: declared tables, typed cells, CSV/NDJSON/Parquet encoders and
 * the streaming export used by `GET /v1/export/{layer}/{table}`.
 * docs/exports.md describes the formats and decisions.
 *
 * @module
 */

export * from "./columns.ts";
export * from "./cells.ts";
export * from "./tables.ts";
export * from "./csv.ts";
export * from "./ndjson.ts";
export * from "./parquet.ts";
export * from "./rows.ts";
export * from "./stream.ts";
