import { runAllJobs } from "../pipeline/jobs/run_all.ts";
import { runMonitoringJobs } from "../pipeline/monitoring/jobs.ts";
import { escapeLabelValue, renderMetrics } from "../pipeline/monitoring/metrics.ts";
import { goodEvent, postBytes, postJson, withApp } from "./ingest_fixtures.ts";
import { assert, assertEquals, assertThrows } from "./assert.ts";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Family {
  name: string;
  type: string;
  help: string | null;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(text: string, line: number): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new Error(`Line ${line}: value "${text}" is not a number`);
  }
  return Number(text);
}

/** Reads `{a="x",b="y"}` from `text` at `i`; returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (text[i] === "}") return [labels, i + 1];
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`Line ${line}: label without "="`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`Line ${line}: label name "${name}" is invalid`);
    if (Object.hasOwn(labels, name)) throw new Error(`Line ${line}: label "${name}" repeats`);
    if (text[eq + 1] !== '"') throw new Error(`Line ${line}: label value is not quoted`);
    let value = "";
    let j = eq + 2;
    for (;; j++) {
      const ch = text[j];
      if (ch === undefined) throw new Error(`Line ${line}: label value is not closed`);
      if (ch === "\\") {
        const next = text[++j];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new Error(`Line ${line}: escape "\\${next}" is invalid`);
      } else if (ch === '"') break;
      else value += ch;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new Error(`Line ${line}: expected "," or "}" after a label`);
  }
}

/**
 * A strict reader of the Prometheus text format 0.0.4: every family has one
 * TYPE line before its samples and at most one HELP line, a family's samples
 * are contiguous, names and labels are well formed, no series repeats, and the
 * text ends with a line feed.
 */
function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith("\n")) throw new Error("Text does not end with a line feed");
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: string | null = null;
  const closed = new Set<string>();
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") throw new Error(`Line ${line}: blank line`);
    if (raw.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m;
      if (!METRIC_NAME.test(name)) {
        throw new Error(`Line ${line}: metric name "${name}" is invalid`);
      }
      if (closed.has(name)) throw new Error(`Line ${line}: family "${name}" is split`);
      if (current !== null && current !== name) closed.add(current);
      current = name;
      const family = families.get(name) ?? { name, type: "", help: null, samples: [] };
      families.set(name, family);
      if (kind === "TYPE") {
        if (family.type) throw new Error(`Line ${line}: second TYPE for "${name}"`);
        if (family.samples.length) throw new Error(`Line ${line}: TYPE after samples of "${name}"`);
        if (!TYPES.has(rest)) throw new Error(`Line ${line}: type "${rest}" is unknown`);
        family.type = rest;
      } else {
        if (family.help !== null) throw new Error(`Line ${line}: second HELP for "${name}"`);
        family.help = rest;
      }
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`Line ${line}: no metric name`);
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`Line ${line}: metric name "${name}" is invalid`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (raw[i] === "{") [labels, i] = parseLabels(raw, i, line);
    if (raw[i] !== " ") throw new Error(`Line ${line}: expected a space before the value`);
    const parts = raw.slice(i + 1).split(" ");
    if (parts.length > 2) throw new Error(`Line ${line}: too many fields`);
    const value = parseValue(parts[0], line);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) {
      throw new Error(`Line ${line}: timestamp "${parts[1]}" is invalid`);
    }
    const family = families.get(name);
    if (!family || !family.type) {
      throw new Error(`Line ${line}: sample of "${name}" before its TYPE`);
    }
    if (current !== name) throw new Error(`Line ${line}: samples of "${name}" are not contiguous`);
    const id = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(id)) throw new Error(`Line ${line}: series ${id} repeats`);
    series.add(id);
    family.samples.push({ name, labels, value });
  });
  return families;
}

function sample(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  return families.get(name)?.samples.find((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
    Object.keys(s.labels).length === Object.keys(labels).length
  )?.value;
}

Deno.test("parsePrometheus() refuses malformed exposition text", () => {
  const ok = '# HELP a_total A thing\n# TYPE a_total counter\na_total{x="1"} 3\n';
  assertEquals(parsePrometheus(ok).get("a_total")!.samples[0].value, 3);
  for (
    const bad of [
      "a_total 3\n",
      "# TYPE a_total counter\na_total 3",
      '# TYPE a_total counter\na_total{x="1} 3\n',
      "# TYPE a_total counter\na_total{x=1} 3\n",
      "# TYPE a_total counter\na_total three\n",
      "# TYPE a_total counter\na_total 1\na_total 2\n",
      "# TYPE a_total counter\n# TYPE b gauge\nb 1\na_total 2\n",
      "# TYPE a_total countr\na_total 1\n",
      '# TYPE a_total counter\na_total{x="\\t"} 1\n',
    ]
  ) assertThrows(() => parsePrometheus(bad), Error);
});

Deno.test("escapeLabelValue() escapes backslash, quote and line feed", () => {
  assertEquals(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});

Deno.test("renderMetrics() is valid exposition text with ingest, jobs, backlog, lag and alerts", async () => {
  await withApp(async ({ app, kv, config }) => {
    await postJson(app, "/v1/batch", { batch: [goodEvent(), goodEvent(), { type: "track" }] });
    await postJson(app, "/v1/track", goodEvent(), { authorization: "Bearer nope" });
    const csv = "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,currency,status\n" +
      "A1,1,C1,2026-11-20T10:00:00Z,SKU-1,1,5,XXX,placed\nA2,1,C1,2026-11-20T10:00:00Z,SKU-1,1,5,USD,placed\n";
    await postBytes(app, "/v1/uploads/orders?date=2026-11-20", csv, { "content-type": "text/csv" });
    const pending = parsePrometheus(await renderMetrics(kv, config));
    assertEquals(sample(pending, "pipeline_stage_backlog_records", { stage: "events" }), 2);
    assertEquals(sample(pending, "pipeline_stage_backlog_records", { stage: "orders" }), 1);

    await runAllJobs(kv, config);
    await runMonitoringJobs(kv, config);
    const families = parsePrometheus(await renderMetrics(kv, config));
    assertEquals(families.get("pipeline_ingest_records_total")!.type, "counter");
    assertEquals(
      sample(families, "pipeline_ingest_records_total", { source: "events", outcome: "received" }),
      3,
    );
    assertEquals(
      sample(families, "pipeline_ingest_records_total", { source: "events", outcome: "accepted" }),
      2,
    );
    assertEquals(
      sample(families, "pipeline_ingest_records_total", {
        source: "orders",
        outcome: "quarantined",
      }),
      1,
    );
    assertEquals(
      sample(families, "pipeline_ingest_quarantined_by_reason_total", {
        source: "orders",
        reason: "unknown_currency",
      }),
      1,
    );
    assertEquals(
      sample(families, "pipeline_ingest_rejected_requests_total", {
        source: "events",
        status: "401",
      }),
      1,
    );
    for (const stage of ["events", "orders", "inventory"]) {
      assertEquals(sample(families, "pipeline_stage_backlog_records", { stage }), 0);
      assertEquals(sample(families, "pipeline_stage_lag_seconds", { stage }), 0);
    }
    for (const job of ["clean_events", "apply_orders", "materialise", "checks", "anomalies"]) {
      const seconds = sample(families, "pipeline_job_last_run_duration_seconds", { job });
      assert(seconds !== undefined && seconds >= 0, `duration of ${job}: ${seconds}`);
      assertEquals(sample(families, "pipeline_job_last_run_success", { job }), 1);
    }
    // The orders file of 2026-11-20 is there, the ones of the days since are not: freshness alerts.
    const freshness = sample(families, "pipeline_alerts_total", { kind: "freshness" })!;
    assert(freshness >= 1, `freshness alerts ${freshness}`);
    assertEquals(sample(families, "pipeline_alert_outbox_pending", {}), freshness);
    assertEquals(sample(families, "pipeline_source_late", { source: "orders" }), 1);
  });
});
