import { acquireLease, fenceWithLease, leaseRenewed, releaseLease } from "../kv/lease.ts";
import { assert, assertEquals } from "./assert.ts";

Deno.test("acquireLease() refuses a lease another owner holds", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const a = await acquireLease(kv, { name: "job", owner: "a", ttlMs: 10_000 });
    assert(a !== null, "first owner gets the lease");
    const b = await acquireLease(kv, { name: "job", owner: "b", ttlMs: 10_000 });
    assertEquals(b, null);
    const otherShard = await acquireLease(kv, { name: "job", shard: 1, owner: "b" });
    assert(otherShard !== null, "another shard is free");
  } finally {
    kv.close();
  }
});

Deno.test("acquireLease() takes over an expired lease", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const now = Date.now();
    const a = await acquireLease(kv, { name: "job", owner: "a", ttlMs: 1000, now });
    assert(a !== null);
    const b = await acquireLease(kv, { name: "job", owner: "b", ttlMs: 1000, now: now + 5000 });
    assert(b !== null, "an expired lease is free");
  } finally {
    kv.close();
  }
});

Deno.test("fenceWithLease() stops a holder whose lease was taken over", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const now = Date.now();
    let a = (await acquireLease(kv, { name: "job", owner: "a", ttlMs: 1000, now }))!;
    const first = await fenceWithLease(kv.atomic(), a).set(["silver", "x"], 1).commit();
    assert(first.ok, "the holder commits");
    a = leaseRenewed(a, first.ok ? first.versionstamp : "");
    const b = await acquireLease(kv, { name: "job", owner: "b", ttlMs: 1000, now: now + 60_000 });
    assert(b !== null);
    const stale = await fenceWithLease(kv.atomic(), a).set(["silver", "x"], 2).commit();
    assertEquals(stale.ok, false);
    assertEquals((await kv.get(["silver", "x"])).value, 1);
    await releaseLease(kv, a);
    const stillB = await acquireLease(kv, {
      name: "job",
      owner: "c",
      ttlMs: 1000,
      now: now + 60_001,
    });
    assertEquals(stillB, null, "releasing a lost lease leaves the new owner's lease");
  } finally {
    kv.close();
  }
});
