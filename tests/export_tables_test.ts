/**
 * The declared export tables: unique names, snake_case columns, and
 * docs/exports.md listing every table with every column and type.
 */

import { assert, assertEquals } from "./assert.ts";
import { EXPORT_TABLES, findTable } from "../pipeline/export/mod.ts";

Deno.test("every declared table has a unique name in its layer and unique snake_case columns", () => {
  const ids = EXPORT_TABLES.map((t) => `${t.layer}/${t.name}`);
  assertEquals(new Set(ids).size, ids.length);
  for (const t of EXPORT_TABLES) {
    const names = t.columns.map((c) => c.name);
    assertEquals(new Set(names).size, names.length, `columns of ${t.layer}/${t.name}`);
    for (const n of names) assert(/^[a-z][a-z0-9_]*$/.test(n), `column "${n}" is snake_case`);
    assert(findTable(t.layer, t.name) === t);
  }
  assertEquals(findTable("silver", "nope"), undefined);
  assertEquals(findTable("bronze", "events"), undefined);
});

Deno.test("docs/exports.md lists every table with each column and its type", async () => {
  const doc = await Deno.readTextFile(new URL("../docs/exports.md", import.meta.url));
  for (const t of EXPORT_TABLES) {
    const id = `${t.layer}/${t.name}`;
    const line = doc.split("\n").find((l) => l.startsWith(`| \`${id}\``));
    assert(line, `docs/exports.md has a row for ${id}`);
    const listed = [...line.matchAll(/`([a-z0-9_]+)` ([a-z0-9]+)/g)].map((m) => [m[1], m[2]]);
    assertEquals(listed, t.columns.map((c) => [c.name, c.type]), `columns of ${id} in the docs`);
  }
});
