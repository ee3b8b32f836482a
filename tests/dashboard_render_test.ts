import fc from "fast-check";
import { h } from "preact";
import Chart from "../islands/Chart.tsx";
import LiveCount from "../islands/LiveCount.tsx";
import { PROPS_SCRIPT_ID } from "../islands/protocol.ts";
import { escapeHtml, island, renderPage, serialiseProps } from "../routes/pages/render.ts";
import type { IslandManifest } from "../tasks/build.ts";
import { assert, assertEquals, assertThrows } from "./assert.ts";

const MANIFEST: IslandManifest = {
  version: 1,
  sourceHash: "test",
  builtAt: "2026-11-25T00:00:00.000Z",
  boot: "boot-aaaaaaaaaa.js",
  islands: { Chart: "Chart-bbbbbbbbbb.js", LiveCount: "LiveCount-cccccccccc.js" },
  css: "dashboard-dddddddddd.css",
  imports: {
    "boot-aaaaaaaaaa.js": ["chunk-PREACT.js"],
    "Chart-bbbbbbbbbb.js": ["chunk-PREACT.js", "chart_setup-XYZ.js"],
    "LiveCount-cccccccccc.js": ["chunk-PREACT.js"],
    "chunk-PREACT.js": [],
    "chart_setup-XYZ.js": [],
  },
  sizes: {},
};

function chartProps(name: string) {
  return {
    id: "revenue",
    labels: ["2026-11-24", "2026-11-25"],
    series: [{ name, values: [100, 250] }],
    unit: "cents" as const,
    summary: "Revenue per day",
  };
}

/** The text of the JSON props script of a rendered page. */
function propsScript(html: string): string {
  const m = new RegExp(`<script type="application/json" id="${PROPS_SCRIPT_ID}">(.*?)</script>`)
    .exec(html);
  assert(m, "the page has a props script");
  return m[1];
}

Deno.test("serialiseProps() never emits <, > or & and parses back to the same value", () => {
  fc.assert(
    fc.property(fc.array(fc.jsonValue()), (values) => {
      const text = serialiseProps(values);
      assert(!/[<>&\u2028\u2029]/.test(text), `unescaped character in ${text}`);
      assertEquals(JSON.parse(text), JSON.parse(JSON.stringify(values)));
    }),
  );
});

Deno.test("serialiseProps() escapes </script> and <!-- inside strings", () => {
  const text = serialiseProps([{ a: "</script><script>alert(1)</script>", b: "<!-- x -->" }]);
  assert(!text.includes("</script"), text);
  assert(!text.includes("<!--"), text);
  assertEquals(JSON.parse(text)[0].a, "</script><script>alert(1)</script>");
});

Deno.test("renderPage() marks each island, ships its props once, and boots with the nonce", () => {
  const { html, islands } = renderPage({
    title: "Test <page>",
    nonce: "n0nce+/=",
    manifest: MANIFEST,
    body: h("main", null, [
      island(Chart, chartProps("Revenue </script><!--")),
      island(LiveCount, {
        url: "/live",
        initial: 7,
        asOf: "2026-11-25T10:00:00.000Z",
        intervalMs: 5000,
      }),
    ]),
  });
  assertEquals(islands, ["Chart", "LiveCount"]);
  assert(html.includes("<!--island:Chart:0-->"), "opening marker of island 0");
  assert(html.includes("<!--/island:0-->"), "closing marker of island 0");
  assert(html.includes("<!--island:LiveCount:1-->"), "opening marker of island 1");
  assert(html.includes("<title>Test &#60;page&#62;</title>"), "the title is escaped");
  const props = JSON.parse(propsScript(html));
  assertEquals(props[0].series[0].name, "Revenue </script><!--");
  assertEquals(props[1].initial, 7);
  // Exactly two scripts: the JSON data block and the nonce'd boot module.
  assertEquals(html.match(/<script/g)?.length, 2);
  const boot = /<script type="module" nonce="([^"]+)">(.*?)<\/script>/.exec(html);
  assert(boot, "a module boot script");
  assertEquals(boot[1], "n0nce+/=");
  assert(boot[2].startsWith('import{boot}from"/static/build/boot-aaaaaaaaaa.js";'), boot[2]);
  assert(boot[2].includes('from"/static/build/Chart-bbbbbbbbbb.js"'), boot[2]);
  assert(boot[2].endsWith("boot({Chart:i0,LiveCount:i1});"), boot[2]);
  for (const file of ["boot-aaaaaaaaaa.js", "chunk-PREACT.js", "chart_setup-XYZ.js"]) {
    assert(html.includes(`<link rel="modulepreload" href="/static/build/${file}">`), file);
  }
  assert(html.includes('href="/static/build/dashboard-dddddddddd.css"'), "hashed stylesheet");
});

Deno.test("renderPage() imports only the islands the page uses", () => {
  const { html } = renderPage({
    title: "Only live",
    nonce: "abc",
    manifest: MANIFEST,
    body: island(LiveCount, {
      url: "/live",
      initial: 1,
      asOf: "2026-11-25T10:00:00.000Z",
      intervalMs: 5000,
    }),
  });
  assert(!html.includes("Chart-bbbbbbbbbb.js"), "the chart island is not imported");
  assert(!html.includes("chart_setup-XYZ.js"), "Chart.js is not preloaded");
  assert(html.includes("boot({LiveCount:i0});"), "boots the live island");
});

Deno.test("a page without islands ships no JavaScript at all", () => {
  const { html, islands } = renderPage({
    title: "Static",
    nonce: "abc",
    manifest: MANIFEST,
    body: h("p", null, "Hello"),
  });
  assertEquals(islands, []);
  assert(!html.includes("<script"), "no script element");
  assert(!html.includes("modulepreload"), "no preload");
});

Deno.test("without a build, pages render server-side with the source stylesheet", () => {
  const { html } = renderPage({
    title: "No build",
    nonce: "abc",
    manifest: null,
    body: island(Chart, chartProps("Revenue")),
  });
  assert(html.includes("<canvas"), "the island's HTML is rendered");
  assert(!html.includes("<script"), "nothing to boot");
  assert(html.includes('href="/static/dashboard.css"'), "source stylesheet");
});

Deno.test("Island refuses props that would not survive JSON", () => {
  const render = (props: unknown) =>
    renderPage({
      title: "x",
      nonce: "n",
      manifest: MANIFEST,
      body: island(LiveCount, props as never),
    });
  assertThrows(
    () => render({ url: "/", initial: 1, asOf: new Date(), intervalMs: 1 }),
    Error,
    "plain data",
  );
  assertThrows(() => render({ url: () => "/", initial: 1 }), Error, "function");
  assertThrows(() => render({ url: "/", initial: Number.NaN }), Error, "not finite");
});

Deno.test("Island refuses a component that is not registered", () => {
  const NotAnIsland = () => h("p", null, "x");
  assertThrows(
    () =>
      renderPage({
        title: "x",
        nonce: "n",
        manifest: MANIFEST,
        body: island(NotAnIsland, {}),
      }),
    Error,
    "not a registered island",
  );
});

Deno.test("escapeHtml() escapes the five HTML specials", () => {
  assertEquals(
    escapeHtml(`<a href="x">'&'</a>`),
    "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;",
  );
});
