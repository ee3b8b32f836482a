import fc from "fast-check";
import { assertEquals } from "./assert.ts";
import { utf8Length } from "../pipeline/jobs/commit_size.ts";

Deno.test("utf8Length() equals the encoded length of any string, ASCII or not", () => {
  const encoder = new TextEncoder();
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" })),
      (s) => assertEquals(utf8Length(s), encoder.encode(s).length),
    ),
    { numRuns: 500 },
  );
});
