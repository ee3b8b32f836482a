import { assert, assertEquals, assertRejects } from "./assert.ts";
import { dumpGold, landEvents, landInventoryFile, landOrdersFile } from "./pipeline_fixtures.ts";
import { acceptedInput, assertMatchesOracle, oracle } from "./pipeline_oracle.ts";
import { type Dataset, FX, seededDataset, shuffled } from "./pipeline_datasets.ts";
import { testConfig } from "../config.ts";
import { cleanEvents, runAllJobs } from "../pipeline/jobs/mod.ts";
import { Fence } from "../pipeline/jobs/fence.ts";
import { WriteSet } from "../pipeline/jobs/write_set.ts";
import { acquireLease, LeaseLostError } from "../kv/lease.ts";
import { bronzeEventsAll, goldCounter } from "../kv/keys.ts";

const config = testConfig({ fxRates: FX });

async function landAll(kv: Deno.Kv, data: Dataset): Promise<void> {
  await landEvents(kv, data.events);
  for (const f of data.orders) await landOrdersFile(kv, f);
  for (const f of data.inventory) await landInventoryFile(kv, f);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

Deno.test("jobs aborted at random points and resumed give the same gold as one clean run", async () => {
  const data = seededDataset(7, 6);
  const clean = await Deno.openKv(":memory:");
  await landAll(clean, data);
  await runAllJobs(clean, config);
  const expected = await dumpGold(clean);
  await assertMatchesOracle(
    clean,
    oracle(acceptedInput(data.events, data.orders, data.inventory, FX)),
  );
  clean.close();

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const kv = await Deno.openKv(":memory:");
    try {
      await landAll(kv, data);
      const rand = rng(seed);
      let injected = 0;
      const points = new Set<string>();
      // Several faulty drains: each hook call throws with some probability,
      // between any two steps of any job (after a commit included).
      for (let attempt = 0; attempt < 6; attempt++) {
        await runAllJobs(kv, config, {
          batchSize: 3,
          timeoutMs: 5_000,
          hook: (point) => {
            points.add(point);
            if (rand() < 0.2) {
              injected++;
              throw new Error(`Injected fault at "${point}"`);
            }
          },
        });
      }
      assert(injected > 0, "no fault was injected");
      const final = await runAllJobs(kv, config, { batchSize: 3 });
      assertEquals(final.drained, true);
      assertEquals(await dumpGold(kv), expected, `seed ${seed}`);
      assert(points.has("committed") && points.has("computed") && points.has("read"));
    } finally {
      kv.close();
    }
  }
});

Deno.test("a worker whose lease was taken over cannot commit", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const stale = await acquireLease(kv, { name: "clean_events", shard: 0, owner: "a", ttlMs: 20 });
    assert(stale);
    await new Promise((r) => setTimeout(r, 40));
    const fresh = await acquireLease(kv, { name: "clean_events", shard: 0, owner: "b" });
    assert(fresh, "the expired lease can be taken over");
    const ws = new WriteSet();
    ws.counters.add(goldCounter("events", "all"), 1);
    await assertRejects(() => new Fence(kv, stale).commit(ws), LeaseLostError);
    assertEquals((await kv.get(goldCounter("events", "all"))).value, null);
    assert(await new Fence(kv, fresh).commit(ws));
  } finally {
    kv.close();
  }
});

Deno.test("a stalled worker loses its batch to the worker that took over, and gold is counted once", async () => {
  const data = seededDataset(11, 3);
  const kv = await Deno.openKv(":memory:");
  const ref = await Deno.openKv(":memory:");
  try {
    await landEvents(kv, data.events);
    await landEvents(ref, data.events);
    await cleanEvents(ref, config);
    let stalled = false;
    const slow = cleanEvents(kv, config, {
      leaseTtlMs: 30,
      batchSize: 5,
      concurrency: 1,
      owner: "slow",
      hook: async (point) => {
        if (point === "computed" && !stalled) {
          stalled = true;
          await new Promise((r) => setTimeout(r, 60));
          // Meanwhile another worker takes the expired lease and drains everything.
          await cleanEvents(kv, config, { owner: "fast" });
        }
      },
    });
    await assertRejects(() => slow, LeaseLostError);
    let left = 0;
    for await (const _ of kv.list({ prefix: bronzeEventsAll() })) left++;
    assertEquals(left, 0);
    assertEquals(
      (await kv.get(goldCounter("events", "all"))).value,
      (await ref.get(goldCounter("events", "all"))).value,
    );
  } finally {
    kv.close();
    ref.close();
  }
});

Deno.test("several worker processes draining one KV file give the same gold as one worker", async () => {
  const data = seededDataset(21, 30);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/pipeline.kv`;
  try {
    const file = await Deno.openKv(path);
    await landAll(file, { ...data, events: shuffled(data.events, 5) });
    let landed = 0;
    for await (const _ of file.list({ prefix: bronzeEventsAll() })) landed++;
    file.close();
    const workers = [1, 2, 3].map(() =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--unstable-kv",
          new URL("../tasks/pipeline.ts", import.meta.url).pathname,
        ],
        env: { KV_PATH: path, FX_RATES: "USD=1,EUR=1.08,GBP=1.27", PIPELINE_BATCH_SIZE: "3" },
        stdout: "piped",
        stderr: "piped",
      }).output()
    );
    const outputs = await Promise.all(workers);
    // How the shards split between workers depends on start-up timing; what must hold is
    // that together they cleaned every landed event exactly once.
    let cleaned = 0;
    for (const o of outputs) {
      const text = new TextDecoder().decode(o.stdout);
      assertEquals(o.code, 0, text + new TextDecoder().decode(o.stderr));
      const consumed = /clean_events\s+runs \d+\s+in (\d+)/.exec(text);
      cleaned += consumed ? Number(consumed[1]) : 0;
    }
    assertEquals(cleaned, landed);
    const kv = await Deno.openKv(path);
    const one = await Deno.openKv(":memory:");
    try {
      await landAll(one, data);
      await runAllJobs(one, config);
      assertEquals(await dumpGold(kv), await dumpGold(one));
    } finally {
      kv.close();
      one.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
