import { assert, assertEquals } from "./assert.ts";
import { counterAt, dumpGold, landEvents } from "./pipeline_fixtures.ts";
import { seededDataset } from "./pipeline_datasets.ts";
import { testConfig } from "../config.ts";
import {
  bronzeEvent,
  bronzeEventsAll,
  metaBacklog,
  silverPersonBucket,
  silverPersonBucketsAll,
  silverPersonMasks,
  silverPersonMasksAll,
  silverPersonsAll,
} from "../kv/keys.ts";
import { listAll } from "../kv/mod.ts";
import { addToCounter } from "../kv/counters.ts";
import { oldestFirstId, shardOf } from "../kv/ids.ts";
import type { CleanEvent } from "../pipeline/contracts/types.ts";
import type { PersonState } from "../pipeline/silver/events.ts";
import { acquireLease } from "../kv/lease.ts";
import { cleanEvents, materialise } from "../pipeline/jobs/mod.ts";

const config = testConfig();

async function maskRecords(kv: Deno.Kv): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const e of await listAll(kv, silverPersonMasksAll())) out[JSON.stringify(e.key)] = e.value;
  return out;
}

/**
 * Moves every person's `all` mask out of the person record into a
 * `silverPersonMasks(p, "all")` record, as stores made before it moved kept it.
 */
async function toOlderAllRecords(kv: Deno.Kv): Promise<number> {
  const persons = await listAll<PersonState>(kv, silverPersonsAll());
  for (const { key, value: { mask, ...person } } of persons) {
    assert(mask !== undefined, "a person record holds its all mask");
    const p = key[2] as string;
    const op = kv.atomic().set(key, person).set(silverPersonMasks(p, "all"), { all: mask });
    assert((await op.commit()).ok);
  }
  return persons.length;
}

/** Per person: the record with its `all` mask, wherever that is kept. */
async function personStates(kv: Deno.Kv): Promise<Record<string, PersonState>> {
  const out: Record<string, PersonState> = {};
  for (const { key, value } of await listAll<PersonState>(kv, silverPersonsAll())) {
    const p = key[2] as string;
    const older = await kv.get<Record<string, number>>(silverPersonMasks(p, "all"));
    if (value.mask !== undefined) {
      assertEquals(older.value, null, `person "${p}" has its all mask in one place only`);
    }
    out[p] = { ...value, mask: value.mask ?? older.value?.all };
  }
  return out;
}

/**
 * Two stores that cleaned the first half of a seeded dataset's events: `old`
 * to be turned into an older layout, `fresh` to compare with; `rest` is the
 * other half.
 */
async function halfCleaned(seed: number) {
  const data = seededDataset(seed, 8);
  const half = Math.floor(data.events.length / 2);
  const fresh = await Deno.openKv(":memory:");
  const old = await Deno.openKv(":memory:");
  for (const kv of [fresh, old]) {
    await landEvents(kv, data.events.slice(0, half));
    await cleanEvents(kv, config);
  }
  return { rest: data.events.slice(half), fresh, old };
}

Deno.test("cleanEvents() reads the all masks an older store kept apart, moves those of persons it writes, and counts the same", async () => {
  const { rest, fresh, old } = await halfCleaned(11);
  try {
    const persons = await toOlderAllRecords(old);
    assert(persons > 0, "the dataset has persons");
    for (const kv of [fresh, old]) {
      await landEvents(kv, rest);
      await cleanEvents(kv, config, { batchSize: 7 });
      await materialise(kv, config);
    }
    const left = (await listAll(old, silverPersonMasksAll())).filter((e) => e.key[3] === "all");
    assert(left.length < persons, "persons written since hold their all mask");
    assertEquals(await personStates(old), await personStates(fresh));
    assertEquals(await dumpGold(old), await dumpGold(fresh));
  } finally {
    fresh.close();
    old.close();
  }
});

Deno.test("cleanEvents() folds the per-bucket step masks of an older store into records and counts the same", async () => {
  const { rest, fresh, old } = await halfCleaned(9);
  try {
    // Turn the old store's records back into the earlier one-key-per-bucket form.
    const records = await listAll<Record<string, number>>(old, silverPersonMasksAll());
    assert(records.length > 0, "the dataset has events");
    for (const r of records) {
      const op = old.atomic().delete(r.key);
      for (const [b, mask] of Object.entries(r.value)) {
        op.set(silverPersonBucket(r.key[2] as string, b), mask);
      }
      assert((await op.commit()).ok);
    }
    // While another worker holds a shard, nothing is drained: the fold needs every shard.
    const busy = await acquireLease(old, { name: "clean_events", shard: 3, owner: "other" });
    assert(busy);
    await landEvents(old, rest);
    const blocked = await cleanEvents(old, config);
    assertEquals([blocked.records_in, blocked.busy], [0, 8]);
    await old.atomic().delete(busy.key).commit();
    await landEvents(fresh, rest);
    for (const kv of [fresh, old]) {
      await cleanEvents(kv, config);
      await materialise(kv, config);
    }
    assertEquals((await listAll(old, silverPersonBucketsAll())).length, 0);
    assertEquals((await listAll(old, bronzeEventsAll())).length, 0);
    assertEquals(await maskRecords(old), await maskRecords(fresh));
    assertEquals(await dumpGold(old), await dumpGold(fresh));
  } finally {
    fresh.close();
    old.close();
  }
});

/** Lands a copy of `ev` under an id older than every other (behind any listing cursor). */
async function landBehind(kv: Deno.Kv, ev: CleanEvent): Promise<void> {
  const id = oldestFirstId(1);
  const late: CleanEvent = { ...ev, id, messageId: `late-${ev.messageId}` };
  const op = kv.atomic().set(bronzeEvent(shardOf(late.person), id), late);
  addToCounter(op, metaBacklog("events"), 1);
  assert((await op.commit()).ok);
}

Deno.test("cleanEvents() computing each batch while the one before commits consumes every event once, late ones included", async () => {
  const data = seededDataset(13, 10);
  const a = await Deno.openKv(":memory:");
  const b = await Deno.openKv(":memory:");
  try {
    await landEvents(a, data.events);
    await landEvents(b, data.events);
    let late: CleanEvent | null = null;
    const out = await cleanEvents(a, config, {
      batchSize: 4,
      concurrency: 1,
      hook: async (point) => {
        // Once, while a batch is about to commit: an event lands behind the shard's cursor.
        if (point === "computed" && !late) {
          const [first] = await listAll<CleanEvent>(a, bronzeEventsAll(), { limit: 1 });
          late = first.value;
          await landBehind(a, late);
        }
      },
    });
    assert(late);
    await landBehind(b, late);
    const ref = await cleanEvents(b, config);
    assertEquals(out.records_in, ref.records_in);
    assertEquals(out.records_in, data.events.length + 1);
    assertEquals((await listAll(a, bronzeEventsAll())).length, 0);
    assertEquals(await counterAt(a, metaBacklog("events")), 0);
    for (const kv of [a, b]) await materialise(kv, config);
    assertEquals(await dumpGold(a), await dumpGold(b));
  } finally {
    a.close();
    b.close();
  }
});
