/**
 * Products: top products and categories of a period, each category's share
 * of revenue, units sold per day, and the inventory snapshot's stock-outs,
 * low stock and at-risk SKUs with their days of cover.
 *
 * @module
 */

import { readDaily, readInventoryKpis, readOrderKpis } from "../../pipeline/read/mod.ts";
import type { CategoryFigures } from "../../pipeline/read/types.ts";
import { formatRatio, perMille } from "../../islands/format.ts";
import { BarTable } from "./components/BarTable.tsx";
import { Inventory } from "./components/Inventory.tsx";
import { ChartFigure } from "./components/ChartFigure.tsx";
import { PeriodPicker } from "./components/PeriodPicker.tsx";
import type { PageContext, PageView } from "./pages.ts";
import { parsePeriod, periodDays, type PeriodKind, shortDay } from "./period.ts";
import {
  bucketKind,
  dayOf,
  isoWeekOfDay,
  mondayOfIsoWeek,
} from "../../pipeline/contracts/buckets.ts";
import { Card } from "./components/Card.tsx";

/** Kinds of period the products page offers. */
export const PRODUCTS_KINDS: PeriodKind[] = ["day", "week", "month", "all"];

/** The inventory week asked for (`inv_week=2026-W48` or a Monday), else `latest`. */
export function inventoryWeekParam(params: URLSearchParams): string {
  const w = params.get("inv_week") ?? "";
  if (bucketKind(w) === "week") return mondayOfIsoWeek(w);
  return "latest";
}

/** The category share bar: one rect per category, widths in percent of revenue. */
function ShareBar(props: { categories: CategoryFigures[]; total: number }) {
  let x = 0;
  return (
    <svg
      class="share"
      viewBox="0 0 100 1"
      preserveAspectRatio="none"
      aria-hidden="true"
      focusable="false"
    >
      {props.categories.map((c, i) => {
        const w = props.total > 0 ? (c.revenue_cents / props.total) * 100 : 0;
        const rect = (
          <rect
            class={`tone-${(i % 6) + 1}`}
            x={x.toFixed(3)}
            y="0"
            width={w.toFixed(3)}
            height="1"
          />
        );
        x += w;
        return rect;
      })}
    </svg>
  );
}

/** Loads and renders the products page. */
export async function loadProducts(ctx: PageContext): Promise<PageView> {
  const today = dayOf(ctx.now);
  const period = parsePeriod(ctx.url.searchParams, {
    today,
    kinds: PRODUCTS_KINDS,
    fallback: "month",
  });
  const invWeek = inventoryWeekParam(ctx.url.searchParams);
  const [orders, daily, inv] = await Promise.all([
    readOrderKpis(ctx.kv, period.bucket!),
    readDaily(ctx.kv, period.from, period.to),
    readInventoryKpis(ctx.kv, invWeek),
  ]);
  const total = orders.categories.reduce((s, c) => s + c.revenue_cents, 0);
  const days = periodDays(period);
  const keep: Record<string, string> = invWeek === "latest"
    ? {}
    : { inv_week: ctx.url.searchParams.get("inv_week")! };
  return {
    title: "Products",
    tools: (
      <PeriodPicker
        period={period}
        kinds={PRODUCTS_KINDS}
        action="/products"
        today={today}
        keep={keep}
      />
    ),
    body: (
      <>
        <div class="grid">
          <Card title="Top products" note={<>by revenue, {period.label}</>}>
            <BarTable
              id="top-products"
              rows={orders.top_products}
              labelHeader="Product"
              label={(p) => (
                <>
                  {p.name}
                  <br />
                  <span class="muted small">{p.sku} · {p.category}</span>
                </>
              )}
              bar={(p) => p.revenue_cents}
              barHeader="Revenue"
              barUnit="cents"
              columns={[{ header: "Units", value: (p) => p.units }]}
              empty="No sales in this period."
            />
          </Card>
          <Card title="Categories" note="share of revenue">
            {orders.categories.length > 0 && (
              <ShareBar categories={orders.categories} total={total} />
            )}
            <BarTable
              id="categories"
              rows={orders.categories}
              labelHeader="Category"
              label={(c) => (
                <>
                  <span class={`swatch tone-${(orders.categories.indexOf(c) % 6) + 1}`} />
                  {c.category}
                </>
              )}
              bar={(c) => c.revenue_cents}
              barHeader="Revenue"
              barUnit="cents"
              tone={3}
              columns={[
                {
                  header: "Share",
                  value: (c) => (
                    <span data-value={String(perMille(c.revenue_cents, total) ?? "")}>
                      {formatRatio(c.revenue_cents, total)}
                    </span>
                  ),
                },
                { header: "Units", value: (c) => c.units },
              ]}
              empty="No sales in this period."
            />
          </Card>
        </div>
        <ChartFigure
          id="units"
          title="Units sold per day"
          subtitle={period.kind === "all" ? `last ${days.length} days` : period.label}
          labelHeader="Day"
          labels={days.map((d) => shortDay(d, false))}
          unit="count"
          series={[{ name: "Units", values: daily.days.map((d) => d.units), tone: 3 }]}
        />
        <div class="page-head">
          <h2>Inventory</h2>
          <form method="get" action="/products" class="inline">
            {[...ctx.url.searchParams].filter(([k]) => k !== "inv_week").map(([k, v]) => (
              <input key={k} type="hidden" name={k} value={v} />
            ))}
            <label>
              Snapshot week
              <input
                type="week"
                name="inv_week"
                value={inv ? isoWeekOfDay(inv.week) : ""}
              />
            </label>
            <button type="submit" class="secondary">Show</button>
            {inv && <span class="muted small">Week of {shortDay(inv.week)}</span>}
          </form>
        </div>
        <Inventory inv={inv} />
      </>
    ),
  };
}
