import {
  EVENT_SHARDS,
  newestFirstId,
  oldestFirstId,
  shardOf,
  timeOfNewestFirstId,
  timeOfOldestFirstId,
} from "../kv/ids.ts";
import { assert, assertEquals } from "./assert.ts";

Deno.test("oldestFirstId() sorts in creation order within one millisecond and across", () => {
  const t = Date.UTC(2026, 10, 25);
  const ids = [oldestFirstId(t), oldestFirstId(t), oldestFirstId(t + 1), oldestFirstId(t + 1000)];
  assertEquals([...ids].sort(), ids);
  assertEquals(new Set(ids).size, ids.length);
  assertEquals(timeOfOldestFirstId(ids[3]), t + 1000);
});

Deno.test("newestFirstId() sorts later times first and keeps the time", () => {
  const t = Date.UTC(2026, 10, 25);
  const older = newestFirstId(t);
  const newer = newestFirstId(t + 1);
  assert(newer < older, "a newer id sorts first");
  assertEquals(timeOfNewestFirstId(newer), t + 1);
});

Deno.test("newestFirstId() sorts later ids of the same millisecond first", () => {
  const t = Date.UTC(2026, 10, 25, 12);
  const ids = [newestFirstId(t), newestFirstId(t), newestFirstId(t)];
  assertEquals([...ids].sort(), [...ids].reverse());
  assertEquals(ids.map(timeOfNewestFirstId), [t, t, t]);
});

Deno.test("shardOf() is stable and spreads persons over every shard", () => {
  assertEquals(shardOf("user-1"), shardOf("user-1"));
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(shardOf(`person-${i}`));
  assertEquals(seen.size, EVENT_SHARDS);
});
