import fc from "fast-check";
import { closeSink, openSink, writeText } from "../tasks/generate/sink.ts";
import { assert, assertEquals } from "./assert.ts";

/** Texts of every kind the sink may see: ASCII, any Unicode, lone surrogates, ropes, long runs. */
const piece = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom("\ud800", "\udfff", "é", "😀", "\n"),
  fc.integer({ min: 1, max: 30_000 }).map((n) => "x".repeat(n)),
);
const text = fc.array(piece, { maxLength: 6 }).map((parts) => parts.reduce((a, b) => a + b, ""));

Deno.test("writeText() writes what TextEncoder encodes, across buffer flushes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gen_sink_" });
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(text, { maxLength: 25 }), async (texts) => {
        const path = `${dir}/out.txt`;
        // A small buffer, so flushes and the oversized-text path are exercised.
        const sink = await openSink(path, 4096);
        for (const t of texts) await writeText(sink, t);
        await closeSink(sink);
        // Each call encodes its own text (a surrogate pair split across calls is two U+FFFD).
        const encoder = new TextEncoder();
        const want = new Uint8Array(texts.flatMap((t) => [...encoder.encode(t)]));
        const got = await Deno.readFile(path);
        assertEquals(got.length, want.length);
        assert(got.every((b, i) => b === want[i]), "The written bytes differ from TextEncoder's");
        assertEquals(sink.bytes, want.length);
      }),
      { numRuns: 150 },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
