import { bronzeUpload, metaLastReceived } from "../kv/keys.ts";
import { oldestFirstId } from "../kv/ids.ts";
import { testConfig } from "../config.ts";
import { dayOf, dayStartMs } from "../pipeline/contracts/buckets.ts";
import type { UploadRecord } from "../pipeline/ingest/upload_types.ts";
import { checkFreshness, readFreshness } from "../pipeline/monitoring/freshness.ts";
import { readAlerts } from "../pipeline/monitoring/alerts.ts";
import { assertEquals } from "./assert.ts";

const H = 3_600_000;

async function upload(
  kv: Deno.Kv,
  source: "orders" | "inventory",
  period: string,
  receivedAt: number,
  status: UploadRecord["status"] = "applied",
): Promise<void> {
  const id = oldestFirstId(receivedAt);
  const record: UploadRecord = {
    id,
    source,
    seq: 1,
    receivedAt,
    receivedDay: dayOf(receivedAt),
    status,
    rows: 10,
    accepted: 10,
    updates: 0,
    duplicates: 0,
    quarantined: 0,
    quarantinedByReason: {},
    warningsByField: {},
    unknownColumns: [],
    classifyCursor: 10,
    applyCursor: 10,
  };
  // An empty period stands for a replay upload, which has no business date.
  if (period && source === "orders") record.date = period;
  else if (period) record.week = period;
  await kv.set(bronzeUpload(id), record);
}

Deno.test("checkFreshness() raises one alert per missing orders file, once", async () => {
  using kv = await Deno.openKv(":memory:");
  const config = testConfig();
  for (const d of ["2026-11-20", "2026-11-21", "2026-11-23"]) {
    await upload(kv, "orders", d, dayStartMs(d) + 26 * H);
  }
  // 2026-11-25 05:00: files up to 2026-11-23 are due (2026-11-24's is due at 06:00).
  const early = await checkFreshness(kv, config, dayStartMs("2026-11-25") + 5 * H);
  assertEquals(early.raised.map((a) => [a.kind, a.metric, a.source, a.day]), [
    ["freshness", "missing_file", "orders", "2026-11-22"],
  ]);
  assertEquals(
    early.raised[0].message,
    `No orders file for "2026-11-22" by 2026-11-23T06:00:00.000Z`,
  );
  const orders = early.rows.find((r) => r.source === "orders")!;
  assertEquals([orders.late, orders.expected_by], [false, "2026-11-25T06:00:00.000Z"]);

  const later = await checkFreshness(kv, config, dayStartMs("2026-11-25") + 7 * H);
  assertEquals(later.raised.map((a) => a.day), ["2026-11-24"]);
  const late = later.rows.find((r) => r.source === "orders")!;
  assertEquals([late.late, late.expected_by], [true, "2026-11-25T06:00:00.000Z"]);

  // The file arrives late: no new alert, the alerts stay, the source is on time again.
  await upload(kv, "orders", "2026-11-24", dayStartMs("2026-11-25") + 8 * H);
  const after = await checkFreshness(kv, config, dayStartMs("2026-11-25") + 9 * H);
  assertEquals(after.raised, []);
  assertEquals(after.rows.find((r) => r.source === "orders")!.late, false);
  assertEquals((await readAlerts(kv)).map((a) => a.day), ["2026-11-24", "2026-11-22"]);
});

Deno.test("checkFreshness() expects one inventory workbook per ISO week by Tuesday 06:00", async () => {
  using kv = await Deno.openKv(":memory:");
  const config = testConfig();
  await upload(kv, "inventory", "2026-11-02", dayStartMs("2026-11-02") + 3 * H);
  await upload(kv, "inventory", "2026-11-16", dayStartMs("2026-11-16") + 3 * H);
  // Monday 2026-11-23 10:00: this week's workbook is not due before Tuesday 06:00.
  const monday = await checkFreshness(kv, config, dayStartMs("2026-11-23") + 10 * H);
  assertEquals(monday.raised.map((a) => [a.source, a.day]), [["inventory", "2026-11-09"]]);
  const row = monday.rows.find((r) => r.source === "inventory")!;
  assertEquals([row.late, row.expected_by], [false, "2026-11-24T06:00:00.000Z"]);
  const tuesday = await checkFreshness(kv, config, dayStartMs("2026-11-24") + 6 * H);
  assertEquals(tuesday.raised.map((a) => a.day), ["2026-11-23"]);
  assertEquals(tuesday.rows.find((r) => r.source === "inventory")!.late, true);
});

Deno.test("checkFreshness() raises one alert per silence of the event stream", async () => {
  using kv = await Deno.openKv(":memory:");
  const config = testConfig();
  const t0 = Date.UTC(2026, 10, 25, 12, 0);
  await kv.atomic().max(metaLastReceived("events"), BigInt(t0)).commit();
  assertEquals((await checkFreshness(kv, config, t0 + 15 * 60_000)).raised, []);
  const silent = await checkFreshness(kv, config, t0 + 16 * 60_000);
  assertEquals(silent.raised.map((a) => [a.metric, a.source, a.day, a.value]), [
    ["silence", "events", "2026-11-25", 16],
  ]);
  assertEquals((await checkFreshness(kv, config, t0 + 60 * 60_000)).raised, []);
  // Events flow again, then stop again: a new silence, a new alert.
  const t1 = t0 + 90 * 60_000;
  await kv.atomic().max(metaLastReceived("events"), BigInt(t1)).commit();
  assertEquals((await checkFreshness(kv, config, t1 + 60_000)).raised, []);
  assertEquals((await checkFreshness(kv, config, t1 + 20 * 60_000)).raised.length, 1);
  assertEquals((await readAlerts(kv)).filter((a) => a.metric === "silence").length, 2);
});

Deno.test("readFreshness() holds no source late that never delivered, and honours the configured cadence", async () => {
  using kv = await Deno.openKv(":memory:");
  const now = Date.UTC(2026, 10, 25, 12);
  const state = await readFreshness(kv, testConfig(), now);
  assertEquals(state.rows.map((r) => [r.source, r.last_received_at, r.late]), [
    ["events", null, false],
    ["orders", null, false],
    ["inventory", null, false],
  ]);
  await upload(kv, "orders", "2026-11-23", Date.UTC(2026, 10, 24, 1));
  // Orders due 30 h after the end of their day: 2026-11-24's file is not late at 2026-11-25 12:00.
  const lenient = testConfig({
    freshness: { ordersDueHours: 30, inventoryDueHours: 30, eventsSilentMinutes: 15 },
  });
  assertEquals((await readFreshness(kv, lenient, now)).rows[1].late, false);
  assertEquals((await readFreshness(kv, testConfig(), now)).rows[1].late, true);
});

Deno.test("readFreshness() ignores staging uploads and replay uploads without a business date", async () => {
  using kv = await Deno.openKv(":memory:");
  await upload(kv, "orders", "2026-11-20", Date.UTC(2026, 10, 21, 1));
  await upload(kv, "orders", "2026-11-21", Date.UTC(2026, 10, 22, 1), "staging");
  await upload(kv, "orders", "", Date.UTC(2026, 10, 22, 5), "classified");
  const state = await readFreshness(kv, testConfig(), Date.UTC(2026, 10, 22, 7));
  assertEquals(state.missed.map((m) => m.period), ["2026-11-21"]);
  assertEquals(state.rows[1].last_received_at, "2026-11-21T01:00:00.000Z");
});
