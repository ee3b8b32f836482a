/**
 * `deno task import`: a folder goes through the HTTP API, an interrupted
 * import resumes from its progress file, and re-running changes nothing.
 */

import { assert, assertEquals, assertRejects } from "./assert.ts";
import { bronzeEvents, goodEvent, quality, WRITE_KEY } from "./ingest_fixtures.ts";
import { INVENTORY_HEADER, inventoryRow, workbook } from "./ingest_xlsx_fixtures.ts";
import { testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import { committerFor } from "../pipeline/ingest/committer.ts";
import { importFolder } from "../tasks/import.ts";
import type { UploadRecord } from "../pipeline/ingest/upload_types.ts";

const HEADER = "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,status";

async function makeFolder(): Promise<{ dir: string; events: string[] }> {
  const dir = await Deno.makeTempDir({ prefix: "import_test_" });
  const old = new Date(Date.now() - 400 * 86_400_000).toISOString();
  const events = Array.from(
    { length: 40 },
    (_, i) => goodEvent({ timestamp: i % 2 ? old : undefined }),
  );
  const lines = events.map((e) => JSON.stringify(e));
  lines.splice(10, 0, '{"broken": ');
  await Deno.writeTextFile(`${dir}/events.ndjson`, lines.join("\n") + "\n");
  const day = (d: string, price: string) =>
    `${HEADER}\nO-${d},1,C1,${d}T10:00:00Z,SKU-1,1,${price},placed\n`;
  await Deno.writeTextFile(`${dir}/orders_2026-11-21.csv`, day("2026-11-21", "5.00"));
  await Deno.writeTextFile(`${dir}/orders_2026-11-20.csv`, day("2026-11-20", "4.00"));
  await Deno.writeTextFile(`${dir}/orders_2026-11-20_resend.csv`, day("2026-11-20", "4.00"));
  await Deno.writeFile(
    `${dir}/inventory_2026-11-23.xlsx`,
    workbook([{ name: "inventory", rows: [INVENTORY_HEADER, inventoryRow(1), inventoryRow(2)] }]),
  );
  await Deno.writeTextFile(`${dir}/expected.json`, "{}");
  return { dir, events: events.map((e) => e.messageId as string) };
}

Deno.test("importFolder() loads a folder, resumes after an interruption, and re-runs harmlessly", async () => {
  const kv = await Deno.openKv(":memory:");
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApp({ kv, config: testConfig() }).fetch,
  );
  const { dir, events } = await makeFolder();
  const host = `http://127.0.0.1:${server.addr.port}`;
  try {
    // Interrupted after the second acknowledged event chunk (progress is saved first).
    let chunks = 0;
    await assertRejects(() =>
      importFolder({
        folder: dir,
        host,
        writeKey: WRITE_KEY,
        chunkLines: 7,
        log: (m) => {
          if (m.includes(" bytes") && ++chunks === 2) throw new Error("interrupted");
        },
      })
    );
    const saved = JSON.parse(await Deno.readTextFile(`${dir}/.import-progress.json`));
    assert(saved.eventsOffset > 0, "progress was saved");

    const resumed = await importFolder({ folder: dir, host, writeKey: WRITE_KEY, chunkLines: 7 });
    assertEquals(resumed.events.duplicates, 0);
    assertEquals(resumed.orders, { files: 3, duplicateFiles: 1, rows: 3, quarantined: 0 });
    assertEquals(resumed.inventory, { files: 1, duplicateFiles: 0, rows: 2, quarantined: 0 });
    await committerFor(kv).idle();
    const landed = (await bronzeEvents(kv)).map((e) => e.messageId).sort();
    assertEquals(landed, [...events].sort());
    assert((await bronzeEvents(kv)).every((e) => e.historical === true), "imported as history");
    assertEquals((await quality(kv, "events"))["reason:malformed"], 1);

    // Orders went in date order, then name order.
    const uploads: UploadRecord[] = [];
    for await (const e of kv.list<UploadRecord>({ prefix: ["bronze", "uploads"] })) {
      uploads.push(e.value);
    }
    assertEquals(
      uploads.filter((u) => u.source === "orders").sort((a, b) => a.seq - b.seq).map((u) =>
        u.fileName
      ),
      ["orders_2026-11-20.csv", "orders_2026-11-20_resend.csv", "orders_2026-11-21.csv"],
    );

    // Nothing left to do; and a full restart only finds duplicates.
    const again = await importFolder({ folder: dir, host, writeKey: WRITE_KEY });
    assertEquals([again.events.accepted, again.orders.files, again.inventory.files], [0, 0, 0]);
    const restart = await importFolder({ folder: dir, host, writeKey: WRITE_KEY, restart: true });
    assertEquals([restart.events.accepted, restart.events.duplicates], [0, 40]);
    assertEquals([restart.orders.duplicateFiles, restart.inventory.duplicateFiles], [3, 1]);
    await committerFor(kv).idle();
    assertEquals((await bronzeEvents(kv)).length, 40);
  } finally {
    await server.shutdown();
    await committerFor(kv).idle();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
