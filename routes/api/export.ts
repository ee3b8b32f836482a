/**
 * `GET /v1/export/{silver|gold}/{table}?format=csv|ndjson|parquet` (admin):
 * streams a declared table (pipeline/export/tables.ts) for other tools.
 *
 * @module
 */

import { Hono } from "hono";
import type { AppDeps } from "../deps.ts";
import { HttpError } from "../errors.ts";
import { adminAuth } from "./auth.ts";
import {
  EXPORT_FORMATS,
  exportFileName,
  type ExportFormat,
  exportStream,
  findTable,
  FORMAT_INFO,
  isDated,
  isExportFormat,
} from "../../pipeline/export/mod.ts";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function dayParam(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new HttpError(
      400,
      "invalid_parameter",
      `Parameter "${name}" "${value}" is not a YYYY-MM-DD date`,
    );
  }
  return value;
}

function formatParam(value: string | undefined): ExportFormat {
  if (value === undefined || value === "") return "csv";
  if (!isExportFormat(value)) {
    throw new HttpError(
      400,
      "invalid_parameter",
      `Format "${value}" is not one of ${EXPORT_FORMATS.map((f) => `"${f}"`).join(", ")}`,
    );
  }
  return value;
}

/**
 * The export routes, behind the admin token.
 *
 * @example
 * ```ts
 * app.route("/", exportRoutes(deps));
 * const res = await app.request("/v1/export/silver/order_lines?format=csv", {
 *   headers: { authorization: `Bearer ${deps.config.adminToken}` },
 * });
 * ```
 */
export function exportRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.use("/v1/export/*", adminAuth(deps.config));
  app.get("/v1/export/:layer/:table", (c) => {
    const layer = c.req.param("layer");
    const name = c.req.param("table");
    const table = findTable(layer, name);
    if (!table) {
      throw new HttpError(404, "not_found", `Table "${layer}/${name}" does not exist`);
    }
    const format = formatParam(c.req.query("format"));
    const from = dayParam("from", c.req.query("from"));
    const to = dayParam("to", c.req.query("to"));
    if (!isDated(table) && (from !== undefined || to !== undefined)) {
      throw new HttpError(
        400,
        "invalid_parameter",
        `Table "${layer}/${name}" has no date range: "from" and "to" do not apply`,
      );
    }
    if (from !== undefined && to !== undefined && from > to) {
      throw new HttpError(400, "invalid_parameter", `Range "${from}" to "${to}" is reversed`);
    }
    const fileName = exportFileName(table, format);
    return new Response(exportStream(deps.kv, table, format, { from, to }), {
      status: 200,
      headers: {
        "content-type": FORMAT_INFO[format].contentType,
        "content-disposition": `attachment; filename="${fileName}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  });
  return app;
}
