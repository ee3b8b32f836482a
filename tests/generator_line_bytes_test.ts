import fc from "fast-check";
import type { EventEmitter, LogicalEvent } from "../tasks/generate/event_format.ts";
import { cleanLine, writeCleanLine } from "../tasks/generate/event_line.ts";
import { createEventQueue } from "../tasks/generate/event_queue.ts";
import {
  copyLine,
  createLineArena,
  type LineSlab,
  reserveLine,
} from "../tasks/generate/line_arena.ts";
import { newDirtTally } from "../tasks/generate/dirt.ts";
import { Rng } from "../tasks/generate/prng.ts";
import { closeSink, openSink } from "../tasks/generate/sink.ts";
import { createEventTally, type TalliedEvent, tallyEvent } from "../tasks/generate/truth_events.ts";
import {
  closeAllEventBuckets,
  eventKpisOf,
  retentionOf,
} from "../tasks/generate/truth_event_kpis.ts";
import { assert, assertEquals } from "./assert.ts";

function emitter(tag: string): EventEmitter {
  return {
    rng: new Rng("test"),
    rate: 0,
    tally: newDirtTally(),
    tag,
    seq: 0,
    lastDay: 0,
    queue: createEventQueue(),
  };
}

/** Text of any kind: ASCII, any Unicode, lone surrogates. */
const anyText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 15 }),
  fc.string({ unit: "binary", maxLength: 15 }),
  fc.constantFrom("é", "😀", "\ud800", "\udfff", "Café \u2603"),
);

const logicalEvent = fc.record({
  type: fc.constantFrom("track" as const, "page" as const, "identify" as const),
  event: fc.option(fc.constantFrom("Product Viewed", "Order Completed", "Ünïcode"), {
    nil: undefined,
  }),
  // The whole range of Date, extended years and instants before 1970 included.
  ts: fc.integer({ min: -8.64e15, max: 8.64e15 - 86_400_000 }),
  userId: fc.option(anyText, { nil: undefined }),
  anonymousId: anyText,
  body: anyText,
  withBytes: fc.boolean(),
  context: fc.constantFrom(`{"a":1}`, `{"library":{"name":"x"},"locale":"é"}`),
});

Deno.test("writeCleanLine() writes exactly the UTF-8 bytes of cleanLine() for any event", () => {
  const encoder = new TextEncoder();
  fc.assert(
    fc.property(
      fc.array(logicalEvent, { minLength: 1, maxLength: 12 }),
      fc.constantFrom("42", "0", "4294967295"),
      fc.integer({ min: 0, max: 2 ** 40 }),
      (events, tag, firstSeq) => {
        const em = emitter(tag);
        const arena = createLineArena({ sinkBytes: 1024, slabBytes: 4096, slabs: 2 });
        events.forEach((e, i) => {
          const ev: LogicalEvent = {
            type: e.type,
            event: e.event,
            ts: e.ts,
            userId: e.userId,
            anonymousId: e.anonymousId,
            anonJson: `"anonymousId":${JSON.stringify(e.anonymousId)}`,
            body: `"properties":{"q":${JSON.stringify(e.body)}}`,
            context: e.context,
          };
          if (e.withBytes) ev.bodyBytes = encoder.encode(ev.body);
          const seq = firstSeq + i;
          const sent = e.ts + 40 + i;
          const want = encoder.encode(cleanLine(em, ev, `msg_${tag}_${seq}`, sent));
          const start = writeCleanLine(em, arena, ev, seq, sent);
          const got = arena.slab.bytes.subarray(start, arena.slab.used);
          assertEquals([...got], [...want]);
        });
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("copyLine() writes lines in release order and reuses slabs once they are written out", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gen_arena_" });
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 60 }),
        fc.infiniteStream(fc.nat()),
        async (texts, picks) => {
          const encoder = new TextEncoder();
          // Tiny slabs: lines cross slab boundaries, and pinned slabs force slabs of their own.
          const arena = createLineArena({ sinkBytes: 8192, slabBytes: 1024, slabs: 2 });
          const sink = await openSink(`${dir}/out.txt`, arena.sinkBuffer);
          const queued: { slab: LineSlab; start: number; end: number; text: string }[] = [];
          const written: string[] = [];
          const pick = picks[Symbol.iterator]();
          const releaseOne = () => {
            const line = queued.splice(pick.next().value % queued.length, 1)[0];
            copyLine(arena, sink, line);
            written.push(line.text);
          };
          for (const text of texts) {
            const bytes = encoder.encode(text);
            const slab = reserveLine(arena, bytes.length);
            const start = slab.used;
            slab.bytes.set(bytes, start);
            slab.used += bytes.length;
            slab.live++;
            queued.push({ slab, start, end: slab.used, text });
            if (pick.next().value % 3 === 0) releaseOne();
          }
          while (queued.length > 0) releaseOne();
          assert(arena.free.length <= 2, "More shared slabs than the arena has");
          await closeSink(sink);
          assertEquals(await Deno.readTextFile(`${dir}/out.txt`), written.join(""));
        },
      ),
      { numRuns: 100 },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tallyEvent() gives the same answer key whatever the person hints and id numbers", () => {
  const persons = ["u_1", "u_2", "anon-a", "anon-b", "anon-c"];
  const event = fc.record({
    person: fc.integer({ min: 0, max: persons.length - 1 }),
    hint: fc.integer({ min: -1, max: 6 }),
    type: fc.constantFrom("track" as const, "page" as const),
    event: fc.constantFrom("Product Viewed", "Product Added", "Order Completed", "Other"),
    // A few days, and ids that repeat (duplicates).
    ts: fc.integer({ min: 20_000 * 86_400_000, max: 20_010 * 86_400_000 }),
    id: fc.integer({ min: 1, max: 40 }),
  });
  fc.assert(
    fc.property(fc.array(event, { maxLength: 80 }), (events) => {
      const plain = createEventTally("7");
      const hinted = createEventTally("7");
      const sorted = [...events].sort((a, b) => a.ts - b.ts);
      for (const e of sorted) {
        const norm = {
          messageId: `msg_7_${e.id}`,
          type: e.type,
          event: e.type === "track" ? e.event : undefined,
          userId: persons[e.person].startsWith("u_") ? persons[e.person] : undefined,
          anonymousId: persons[e.person],
          ts: e.ts,
        };
        tallyEvent(plain, norm);
        const fast: TalliedEvent = { ...norm, messageId: "", idSeq: e.id, personHint: e.hint };
        tallyEvent(hinted, fast);
      }
      closeAllEventBuckets(plain);
      closeAllEventBuckets(hinted);
      assertEquals(hinted.quality, plain.quality);
      assertEquals(eventKpisOf(hinted, "all"), eventKpisOf(plain, "all"));
      assertEquals(retentionOf(hinted), retentionOf(plain));
      assertEquals([...hinted.closed.entries()], [...plain.closed.entries()]);
    }),
    { numRuns: 300 },
  );
});
