/**
 * The group committer: commit limits, racing retries across processes,
 * replays, isolation of a record KV cannot store, and the counter invariant
 * received = accepted + quarantined + duplicates (a property test).
 */

import fc from "fast-check";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import {
  bronzeEvents,
  goodEvent,
  postBytes,
  postJson,
  quality,
  quarantined,
  withApp,
} from "./ingest_fixtures.ts";
import {
  commitEvents,
  type CommitItem,
  committerFor,
  GroupCommitter,
} from "../pipeline/ingest/committer.ts";
import { normaliseEvent } from "../pipeline/contracts/events.ts";
import type { CleanEvent, QuarantineRecord } from "../pipeline/contracts/types.ts";
import { oldestFirstId } from "../kv/ids.ts";
import { metaBacklog, metaEventDedup, metaReplayed, quarantineRecord } from "../kv/keys.ts";
import { counterValue } from "../kv/counters.ts";
import { quarantineRecordOf } from "../pipeline/ingest/quarantine.ts";

function cleanEvent(messageId: string, extra: Record<string, unknown> = {}): CleanEvent {
  const r = normaliseEvent(
    { type: "track", event: "Product Added", messageId, userId: `u-${messageId}`, ...extra },
    { id: oldestFirstId(), receivedAt: Date.now(), historical: false },
  );
  if (!r.ok) throw new Error(r.rejection.message);
  return r.value;
}

function eventItem(messageId: string, extra: Record<string, unknown> = {}): CommitItem {
  return { kind: "event", event: cleanEvent(messageId, extra), warnings: [], bytes: 400 };
}

Deno.test("GroupCommitter shares commits between requests and keeps each within 90 checks", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const c = new GroupCommitter(kv, { lingerMs: 2 });
    const requests = Array.from(
      { length: 50 },
      (_, r) => c.submit(Array.from({ length: 10 }, (_, i) => eventItem(`m-${r}-${i}`))),
    );
    const outcomes = (await Promise.all(requests)).flat();
    assertEquals(outcomes.filter((o) => o === "accepted").length, 500);
    assert(c.commits >= Math.ceil(500 / 90), `${c.commits} commits hold at most 90 events each`);
    assert(c.commits <= 25, `${c.commits} commits: requests shared commits`);
    assertEquals((await bronzeEvents(kv)).length, 500);
    assertEquals(counterValue((await kv.get(metaBacklog("events"))).value), 500);
  } finally {
    kv.close();
  }
});

Deno.test("GroupCommitter lands racing retries from two processes exactly once", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    // Two committers on one KV behave like two server processes.
    const a = new GroupCommitter(kv, { lingerMs: 1 });
    const b = new GroupCommitter(kv, { lingerMs: 0 });
    const ids = Array.from({ length: 300 }, (_, i) => `race-${i}`);
    const sends = [];
    for (let i = 0; i < ids.length; i += 30) {
      const chunk = ids.slice(i, i + 30);
      sends.push(a.submit(chunk.map((id) => eventItem(id))));
      sends.push(b.submit([...chunk].reverse().map((id) => eventItem(id))));
    }
    const outcomes = (await Promise.all(sends)).flat();
    assertEquals(outcomes.filter((o) => o === "accepted").length, 300);
    assertEquals(outcomes.filter((o) => o === "duplicate").length, 300);
    const landed = (await bronzeEvents(kv)).map((e) => e.messageId).sort();
    assertEquals(landed, [...ids].sort());
    const marker = await kv.get<string>(metaEventDedup("race-7"));
    assert(landed.length === 300 && typeof marker.value === "string", "markers name the ingest id");
  } finally {
    kv.close();
  }
});

Deno.test("GroupCommitter fails only the request whose record KV cannot store", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const c = new GroupCommitter(kv, { lingerMs: 5 });
    const huge = eventItem("huge", { properties: { pad: "x".repeat(70_000) } });
    const bad = c.submit([huge]);
    const good = c.submit([eventItem("fine-1"), eventItem("fine-2")]);
    await assertRejects(() => bad);
    assertEquals(await good, ["accepted", "accepted"]);
    assertEquals((await bronzeEvents(kv)).map((e) => e.messageId).sort(), ["fine-1", "fine-2"]);
  } finally {
    kv.close();
  }
});

Deno.test("commitEvents() accepts a replayed quarantined event exactly once", async () => {
  await withApp(async ({ app, kv }) => {
    const bad = goodEvent({ currency: "x", timestamp: "yesterday" });
    const res = await postJson(app, "/v1/batch", { batch: [bad] });
    assertEquals((await res.json()).quarantined, 1);
    const [record] = await quarantined(kv);
    const fixed = { ...JSON.parse(record.raw), timestamp: undefined };
    const replay = (): CommitItem => ({
      kind: "event",
      event: cleanEvent(fixed.messageId, { properties: fixed.properties }),
      warnings: [],
      bytes: 500,
      replay: { record },
    });
    const [first, second] = await Promise.all([
      commitEvents(kv, [replay()]),
      commitEvents(kv, [replay()]),
    ]);
    assertEquals([first[0], second[0]].sort(), ["accepted", "already_replayed"]);
    assertEquals((await bronzeEvents(kv)).length, 1);
    const stored = (await kv.get<QuarantineRecord>(quarantineRecord(record.id))).value!;
    const marker = (await kv.get<string>(metaReplayed(record.id))).value;
    assertEquals(stored.replayedAs, marker);
    // The record moved from quarantined to accepted on its own day; zero counters are omitted.
    assertEquals(await quality(kv, "events"), { received: 1, accepted: 1 });
  });
});

Deno.test("Quarantine records written by the committer carry an index by source", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const record = quarantineRecordOf({
      source: "events",
      rejection: { reason: "malformed", message: "Event is not a JSON object" },
      raw: "3",
      requestId: "r1",
      position: 0,
      receivedAt: Date.now(),
    });
    assertEquals(await committerFor(kv).submit([{ kind: "quarantine", record }]), ["quarantined"]);
    const index = await kv.get(["quarantine", "by_source", "events", record.id]);
    assertEquals(index.versionstamp !== null, true);
  } finally {
    await committerFor(kv).idle();
    kv.close();
  }
});

type Piece = { kind: "good" } | { kind: "dup"; of: number } | { kind: "bad"; how: number };

const piece: fc.Arbitrary<Piece> = fc.oneof(
  fc.constant<Piece>({ kind: "good" }),
  fc.nat(50).map((of): Piece => ({ kind: "dup", of })),
  fc.nat(4).map((how): Piece => ({ kind: "bad", how })),
);

function badEvent(how: number): unknown {
  switch (how) {
    case 0:
      return goodEvent({ messageId: undefined });
    case 1:
      return goodEvent({ type: "screen" });
    case 2:
      return 7;
    case 3:
      return goodEvent({ properties: { pad: "p".repeat(33_000) } });
    default:
      return goodEvent({ timestamp: "soon" });
  }
}

Deno.test("Ingest counters satisfy received = accepted + quarantined + duplicates for any mix", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ ndjson: fc.boolean(), items: fc.array(piece, { maxLength: 12 }) }), {
        minLength: 1,
        maxLength: 6,
      }),
      async (requests) => {
        await withApp(async ({ app, kv }) => {
          const sent: string[] = [];
          const bodies = requests.map((r) =>
            r.items.map((p) => {
              if (p.kind === "bad") return badEvent(p.how);
              if (p.kind === "dup" && sent.length > 0) {
                return goodEvent({ messageId: sent[p.of % sent.length] });
              }
              const e = goodEvent();
              sent.push(e.messageId as string);
              return e;
            })
          );
          // Requests run concurrently, so duplicates race with their originals.
          const answers = await Promise.all(
            bodies.map((events, i) =>
              requests[i].ndjson
                ? postBytes(app, "/v1/events", events.map((e) => JSON.stringify(e)).join("\n"), {
                  "content-type": "application/x-ndjson",
                })
                : postJson(app, "/v1/batch", { batch: events })
            ),
          );
          const totals = { accepted: 0, duplicates: 0, quarantined: 0 };
          for (const res of answers) {
            assertEquals(res.status, 200);
            const body = await res.json();
            totals.accepted += body.accepted;
            totals.duplicates += body.duplicates;
            totals.quarantined += body.quarantined;
          }
          const q = await quality(kv, "events");
          const received = bodies.reduce((n, b) => n + b.length, 0);
          assertEquals(q.received ?? 0, received);
          assertEquals(
            (q.accepted ?? 0) + (q.quarantined ?? 0) + (q.duplicates ?? 0),
            q.received ?? 0,
          );
          assertEquals(
            {
              accepted: q.accepted ?? 0,
              duplicates: q.duplicates ?? 0,
              quarantined: q.quarantined ?? 0,
            },
            totals,
          );
          assertEquals((await bronzeEvents(kv)).length, new Set(sent).size);
          assertEquals((await quarantined(kv)).length, totals.quarantined);
          assertEquals(counterValue((await kv.get(metaBacklog("events"))).value), totals.accepted);
        });
      },
    ),
    { numRuns: 30 },
  );
});

Deno.test("GroupCommitter starts a second commit once overlapAt records wait, else hands the first one's slot to them", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (const [overlapAt, waiting] of [[5, 0], [90, 5]] as const) {
      const c = new GroupCommitter(kv, { lingerMs: 0, overlapAt });
      const first = c.submit([eventItem(`first-${overlapAt}`)]);
      const rest = Array.from(
        { length: 5 },
        (_, i) => c.submit([eventItem(`rest-${overlapAt}-${i}`)]),
      );
      assertEquals(c.pending, waiting, `overlapAt ${overlapAt}`);
      await first;
      // The finished commit handed its slot to the waiting records before answering.
      assertEquals(c.pending, 0, `overlapAt ${overlapAt}, after the first commit`);
      assertEquals((await Promise.all(rest)).flat().length, 5);
      assertEquals(c.commits, 2);
      await c.idle();
    }
    assertEquals((await bronzeEvents(kv)).length, 12);
  } finally {
    kv.close();
  }
});
