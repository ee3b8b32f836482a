import { assertEquals } from "./assert.ts";
import { landInventoryFile, landOrdersFile, ORDER_MON, orderLine } from "./pipeline_fixtures.ts";
import { testConfig } from "../config.ts";
import { rebuild, runAllJobs } from "../pipeline/jobs/mod.ts";
import { readInventoryKpis, readOrderKpis } from "../pipeline/read/kpis.ts";
import type { InventoryRow, OrderLine } from "../pipeline/contracts/types.ts";

const config = testConfig({ fxRates: { USD: "1", EUR: "1.08", GBP: "1.27" } });
const MON = ORDER_MON;
const TUE = MON + 86_400_000;

function line(o: string, n: number, extra: Partial<OrderLine>): OrderLine {
  return orderLine({ orderId: o, lineNo: n, ...extra });
}

function row(sku: string, name: string, category: string, onHand = 5): InventoryRow {
  return { sku, productName: name, category, warehouse: "W1", onHand, reorderPoint: 2 };
}

Deno.test("a refund in a later file moves revenue; FX applies to lines processed afterwards until a rebuild", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landOrdersFile(kv, {
      date: "2026-11-23",
      lines: [
        line("o1", 1, { quantity: 2, unitPrice: "10.00" }),
        line("o1", 2, { sku: "SKU-B", unitPrice: "5", currency: "EUR" }),
        line("o2", 1, { orderTs: TUE, unitPrice: "3.335", currency: "GBP" }),
      ],
    });
    await runAllJobs(kv, config);
    let all = await readOrderKpis(kv, "all");
    assertEquals([all.revenue_cents, all.orders, all.units, all.refunded_cents], [2964, 2, 4, 0]);
    // An older file (earlier business date) uploaded later does not override.
    await landOrdersFile(kv, {
      date: "2026-11-22",
      lines: [line("o1", 1, { quantity: 2, unitPrice: "10.00", status: "cancelled" })],
    });
    await landOrdersFile(kv, {
      date: "2026-11-24",
      lines: [line("o1", 1, { quantity: 2, unitPrice: "10.00", status: "refunded" })],
    });
    await runAllJobs(kv, config);
    all = await readOrderKpis(kv, "all");
    // 540 (5 EUR × 1.08) + 424 (3.335 GBP × 1.27 = 4.23545, half up) = 964
    assertEquals(
      [all.revenue_cents, all.orders, all.units, all.customers, all.repeat_customers],
      [964, 2, 2, 1, 1],
    );
    assertEquals([all.refunded_cents, all.cancelled_lines, all.aov_cents], [2000, 0, 482]);
    assertEquals(all.top_products.map((p) => [p.sku, p.revenue_cents, p.category]), [
      ["SKU-B", 540, "unknown"],
      ["SKU-A", 424, "unknown"],
    ]);
    const monday = await readOrderKpis(kv, "2026-11-23");
    assertEquals([monday.revenue_cents, monday.orders, monday.repeat_customers], [540, 1, 0]);

    const eur2 = { ...config, fxRates: { ...config.fxRates, EUR: "2" } };
    await landOrdersFile(kv, {
      date: "2026-11-25",
      lines: [line("o3", 1, { currency: "EUR", unitPrice: "1" })],
    });
    await runAllJobs(kv, eur2);
    assertEquals((await readOrderKpis(kv, "all")).revenue_cents, 964 + 200);
    await rebuild(kv, eur2);
    assertEquals((await readOrderKpis(kv, "all")).revenue_cents, 1000 + 424 + 200);
  } finally {
    kv.close();
  }
});

Deno.test("the catalog takes names from the latest week and category spellings from the earliest", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landOrdersFile(kv, {
      date: "2026-11-24",
      lines: [line("o1", 1, {}), line("o1", 2, { sku: "SKU-B", unitPrice: "3" })],
    });
    await landInventoryFile(kv, {
      week: "2026-11-23",
      rows: [row("SKU-A", "Apple", "Fruit"), row("SKU-B", "Bean", "veg")],
    });
    await landInventoryFile(kv, { week: "2026-11-16", rows: [row("SKU-A", "Apple old", "FRUIT")] });
    await runAllJobs(kv, config);
    let all = await readOrderKpis(kv, "all");
    assertEquals(all.top_products.map((p) => [p.sku, p.name, p.category]), [
      ["SKU-A", "Apple", "FRUIT"],
      ["SKU-B", "Bean", "veg"],
    ]);
    // Replacing week 2026-11-23 without SKU-A: its latest week is now 2026-11-16.
    await landInventoryFile(kv, { week: "2026-11-23", rows: [row("SKU-B", "Bean", "Veg", 0)] });
    await runAllJobs(kv, config);
    all = await readOrderKpis(kv, "all");
    assertEquals(all.top_products.map((p) => [p.sku, p.name, p.category]), [
      ["SKU-A", "Apple old", "FRUIT"],
      ["SKU-B", "Bean", "Veg"],
    ]);
    assertEquals(all.categories.map((c) => c.category), ["FRUIT", "Veg"]);
    const inv = await readInventoryKpis(kv, "2026-W48");
    assertEquals([inv!.rows, inv!.skus, inv!.stockout_rows], [1, 1, 1]);
    const before = await readInventoryKpis(kv, "latest");
    assertEquals(before!.week, "2026-11-23");
    await rebuild(kv, config);
    assertEquals(await readOrderKpis(kv, "all"), all);
  } finally {
    kv.close();
  }
});

Deno.test("late orders change the days of cover of the following snapshot weeks", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landInventoryFile(kv, {
      week: "2026-11-30",
      rows: [row("SKU-A", "Apple", "Fruit", 10), {
        ...row("SKU-A", "Apple", "Fruit", 4),
        warehouse: "W2",
      }],
    });
    await runAllJobs(kv, config);
    assertEquals((await readInventoryKpis(kv, "latest"))!.days_of_cover, null);
    // 56 units in the 28 days before 2026-11-30: 14 on hand ÷ 2 per day = 7 days (not at risk).
    await landOrdersFile(kv, {
      date: "2026-11-05",
      lines: [line("o9", 1, { quantity: 56, orderTs: Date.UTC(2026, 10, 5) })],
    });
    await runAllJobs(kv, config);
    let inv = (await readInventoryKpis(kv, "latest"))!;
    assertEquals([inv.days_of_cover, inv.at_risk_skus.length], [7, 0]);
    await landOrdersFile(kv, {
      date: "2026-11-29",
      lines: [line("o9", 2, { quantity: 1, orderTs: Date.UTC(2026, 10, 29, 23) })],
    });
    await runAllJobs(kv, config);
    inv = (await readInventoryKpis(kv, "latest"))!;
    // 14 × 28 / 57 = 6.877… → 6.9, at risk
    assertEquals(inv.days_of_cover, 6.9);
    assertEquals(inv.at_risk_skus, [{
      sku: "SKU-A",
      name: "Apple",
      on_hand: 14,
      days_of_cover: 6.9,
    }]);
  } finally {
    kv.close();
  }
});
