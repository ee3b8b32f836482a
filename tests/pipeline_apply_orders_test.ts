import { assert, assertEquals } from "./assert.ts";
import {
  counterAt,
  dumpGold,
  landOrdersFile,
  ORDER_MON,
  orderLine as line,
} from "./pipeline_fixtures.ts";
import { FX, seededDataset } from "./pipeline_datasets.ts";
import { testConfig } from "../config.ts";
import {
  bronzeUploads,
  goldCounter,
  metaPendingDeltasOf,
  silverCustomerBucket,
  silverCustomerBucketsAll,
  silverCustomerCountsAll,
} from "../kv/keys.ts";
import { listAll } from "../kv/mod.ts";
import { applyOrders, materialise, rebuild, runAllJobs } from "../pipeline/jobs/mod.ts";

const config = testConfig({ fxRates: FX });

async function customerState(kv: Deno.Kv): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const e of await listAll(kv, silverCustomerCountsAll())) {
    out[JSON.stringify(e.key)] = e.value;
  }
  return out;
}

Deno.test("applyOrders() folds the per-bucket customer counts of an older store into records and counts the same", async () => {
  const data = seededDataset(5, 8);
  const [first, rest] = [data.orders.slice(0, 3), data.orders.slice(3)];
  const fresh = await Deno.openKv(":memory:");
  const old = await Deno.openKv(":memory:");
  try {
    for (const kv of [fresh, old]) {
      for (const f of first) await landOrdersFile(kv, f);
      await runAllJobs(kv, config);
    }
    // Turn the old store's records back into the earlier one-key-per-bucket form.
    const records = await listAll<Record<string, number>>(old, silverCustomerCountsAll());
    assert(records.length > 0, "the dataset has revenue lines");
    const op = old.atomic();
    for (const r of records) {
      op.delete(r.key);
      for (const [bucket, n] of Object.entries(r.value)) {
        op.set(silverCustomerBucket(r.key[2] as string, bucket), n);
      }
    }
    assert((await op.commit()).ok);
    for (const kv of [fresh, old]) {
      for (const f of rest) await landOrdersFile(kv, f);
      await runAllJobs(kv, config);
    }
    assertEquals((await listAll(old, silverCustomerBucketsAll())).length, 0);
    assertEquals(await customerState(old), await customerState(fresh));
    assertEquals(await dumpGold(old), await dumpGold(fresh));
  } finally {
    fresh.close();
    old.close();
  }
});

Deno.test("applyOrders() marks each upload applied in the batch that takes its last row", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const lines = Array.from({ length: 7 }, (_, i) => line({ orderId: `o${i}`, lineNo: 1 }));
    await landOrdersFile(kv, { date: "2026-11-25", lines });
    const commits: string[] = [];
    await applyOrders(kv, config, {
      batchSize: 3,
      hook: (point) => void commits.push(point),
    });
    // Batches of 3, 3 and 1 rows: the short one closes the upload, no fourth commit.
    assertEquals(commits.filter((p) => p === "committed").length, 3);
    await materialise(kv, config);
    const all = await runAllJobs(kv, config);
    assertEquals(all.drained, true);
    assertEquals(all.jobs.find((j) => j.name === "apply_orders")?.records_in, 0);
  } finally {
    kv.close();
  }
});

Deno.test("applyOrders() folds its landed batches before it reads state again after a failed commit", async () => {
  const data = seededDataset(7, 8);
  const clean = await Deno.openKv(":memory:");
  const hit = await Deno.openKv(":memory:");
  try {
    for (const kv of [clean, hit]) {
      for (const f of data.orders) await landOrdersFile(kv, f);
    }
    await applyOrders(clean, config, { batchSize: 4 });
    let computed = 0;
    let touched = 0;
    await applyOrders(hit, config, {
      batchSize: 4,
      hook: async (point) => {
        // Every third batch: rewrite the uploads, so that batch's cursor check fails
        // while the customer-count deltas of the batches before are not folded yet.
        if (point !== "computed" || ++computed % 3 !== 0) return;
        for (const u of await listAll(hit, bronzeUploads())) {
          await hit.set(u.key, u.value);
          touched++;
        }
      },
    });
    assert(touched > 0, "the hook rewrote uploads");
    await applyOrders(hit, config);
    assertEquals(await customerState(hit), await customerState(clean));
    for (const kv of [clean, hit]) await runAllJobs(kv, config);
    assertEquals(await dumpGold(hit), await dumpGold(clean));
  } finally {
    clean.close();
    hit.close();
  }
});

Deno.test("applyOrders() runs a batch on into the next uploads, each marked applied by the commit that takes its last row", async () => {
  const kv = await Deno.openKv(":memory:");
  const one = await Deno.openKv(":memory:");
  try {
    for (const db of [kv, one]) {
      for (const [d, date] of ["2026-11-23", "2026-11-24", "2026-11-25"].entries()) {
        const lines = [1, 2].map((n) => line({ orderId: `o${d}`, lineNo: n, quantity: d + n }));
        await landOrdersFile(db, { date, lines });
      }
    }
    const points: string[] = [];
    await applyOrders(kv, config, { batchSize: 5, hook: (p) => void points.push(p) });
    // Rows 2 + 2 + 1 in the first commit, the last row in the second.
    assertEquals(points.filter((p) => p === "committed").length, 2);
    const uploads = await listAll<{ status: string }>(kv, bronzeUploads());
    assertEquals(uploads.map((u) => u.value.status), ["applied", "applied", "applied"]);
    await applyOrders(one, config, { batchSize: 1 });
    for (const db of [kv, one]) await runAllJobs(db, config);
    assertEquals(await dumpGold(kv), await dumpGold(one));
    assertEquals(await customerState(kv), await customerState(one));
  } finally {
    kv.close();
    one.close();
  }
});

Deno.test("applyOrders() over several runs leaves the customer counts records a rebuild writes", async () => {
  const data = seededDataset(9, 8);
  const kv = await Deno.openKv(":memory:");
  try {
    const half = Math.ceil(data.orders.length / 2);
    for (const files of [data.orders.slice(0, half), data.orders.slice(half)]) {
      for (const f of files) await landOrdersFile(kv, f);
      await applyOrders(kv, config, { batchSize: 7 });
    }
    const incremental = await customerState(kv);
    assert(Object.keys(incremental).length > 0, "the dataset has revenue lines");
    await rebuild(kv, config);
    assertEquals(await customerState(kv), incremental);
  } finally {
    kv.close();
  }
});

Deno.test("applyOrders() folds a day's counters into a later batch's commit once two newer batches have landed", async () => {
  const kv = await Deno.openKv(":memory:");
  const plain = await Deno.openKv(":memory:");
  try {
    const DAY = 86_400_000;
    const days = [0, 1, 2, 3, 4].map((d) =>
      new Date(ORDER_MON + d * DAY).toISOString().slice(0, 10)
    );
    for (const db of [kv, plain]) {
      for (const [d, date] of days.entries()) {
        const lines = [line({ orderId: `o${d}`, orderTs: ORDER_MON + d * DAY, quantity: d + 1 })];
        await landOrdersFile(db, { date, lines });
      }
    }
    const seen: [number, number][] = [];
    await applyOrders(kv, config, {
      batchSize: 1,
      hook: async (point) => {
        if (point !== "committed") return;
        seen.push([
          await counterAt(kv, goldCounter("revenue_cents", days[0])),
          await counterAt(kv, goldCounter("revenue_cents", days[3])),
        ]);
      },
    });
    // One batch per day, and one that closes the last upload. A batch leaves the
    // partitions of the two newest landed batches (and the one in flight) alone:
    // the first day's counters land with batch 4 or 5 (as commits land), the fourth
    // day's only with the fold at the end of the run.
    assertEquals(seen.length, 6);
    assertEquals([seen[2][0] > 0, seen[4][0] > 0], [false, true]);
    assertEquals(seen.map(([, fourth]) => fourth > 0), [false, false, false, false, false, false]);
    assertEquals((await listAll(kv, metaPendingDeltasOf("apply_orders"))).length, 0);
    await applyOrders(plain, config);
    assertEquals(await dumpGold(kv), await dumpGold(plain));
  } finally {
    kv.close();
    plain.close();
  }
});
