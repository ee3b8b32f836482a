import { generate } from "../tasks/generate/mod.ts";
import { assert, assertEquals, assertNotEquals } from "./assert.ts";

const BASE = { seed: 7, days: 7, persons: 150, dirty: 0.1, end: "2026-11-24" };

async function filesOf(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
  for (const name of names.sort()) out.set(name, await Deno.readFile(`${dir}/${name}`));
  return out;
}

Deno.test("generate() writes byte-identical files for the same seed and arguments", async () => {
  const a = await Deno.makeTempDir({ prefix: "gen_a_" });
  const b = await Deno.makeTempDir({ prefix: "gen_b_" });
  try {
    await generate({ ...BASE, out: a });
    await generate({ ...BASE, out: b });
    const fa = await filesOf(a);
    const fb = await filesOf(b);
    assertEquals([...fa.keys()], [...fb.keys()]);
    assert(fa.has("events.ndjson") && fa.has("expected.json"), "Core outputs are missing");
    assert([...fa.keys()].some((n) => n.endsWith(".xlsx")), "No workbook was written");
    for (const [name, bytes] of fa) assertEquals(bytes, fb.get(name)!, `File "${name}" differs`);
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("generate() writes different data for a different seed", async () => {
  const a = await Deno.makeTempDir({ prefix: "gen_a_" });
  const b = await Deno.makeTempDir({ prefix: "gen_b_" });
  try {
    await generate({ ...BASE, out: a });
    await generate({ ...BASE, seed: 8, out: b });
    const fa = await filesOf(a);
    const fb = await filesOf(b);
    assertNotEquals(fa.get("events.ndjson"), fb.get("events.ndjson"));
    assertNotEquals(fa.get("orders_2026-11-20.csv"), fb.get("orders_2026-11-20.csv"));
    const ea = JSON.parse(new TextDecoder().decode(fa.get("expected.json")));
    const eb = JSON.parse(new TextDecoder().decode(fb.get("expected.json")));
    assertNotEquals(ea.orders.all.revenue_cents, eb.orders.all.revenue_cents);
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("generate() replaces its own earlier files and leaves other files alone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gen_" });
  try {
    await Deno.writeTextFile(`${dir}/orders_2001-01-01.csv`, "stale");
    await Deno.writeTextFile(`${dir}/notes.txt`, "mine");
    await generate({ ...BASE, days: 3, out: dir });
    const names = [...(await filesOf(dir)).keys()];
    assert(!names.includes("orders_2001-01-01.csv"), "A stale orders file survived");
    assert(names.includes("notes.txt"), "An unrelated file was removed");
    assertEquals(names.filter((n) => /^orders_\d{4}-\d{2}-\d{2}\.csv$/.test(n)).length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate() with dirty 0 writes only clean records", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gen_" });
  try {
    const { expected } = await generate({ ...BASE, dirty: 0, out: dir });
    const q = expected.quality;
    assertEquals([q.events.quarantined, q.events.duplicates], [0, 0]);
    for (const f of Object.values(q.orders)) {
      assertEquals([f.quarantined, f.duplicates, f.duplicate_file], [0, 0, false], f.file);
      assertEquals(f.warnings_by_field, {}, f.file);
    }
    for (const f of Object.values(q.inventory)) assertEquals([f.quarantined, f.duplicates], [0, 0]);
    assertEquals(expected.dirt.events.dirtied + expected.dirt.orders.dirtied, 0);
    const names = [...(await filesOf(dir)).keys()];
    assert(!names.some((n) => n.includes("_resend")), "A duplicate file was written without dirt");
    for (const n of names.filter((n) => n.endsWith(".csv"))) {
      const text = await Deno.readTextFile(`${dir}/${n}`);
      assert(
        text.startsWith("order_id,line_no,customer_id,order_ts,sku,"),
        `File "${n}" has an odd header`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
