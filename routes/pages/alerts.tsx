/**
 * Alerts: anomaly and freshness alerts of a range of days, newest first. No
 * islands, so the page ships no JavaScript.
 *
 * @module
 */

import { dayOf } from "../../pipeline/contracts/buckets.ts";
import { readAlerts } from "../../pipeline/monitoring/mod.ts";
import type { Alert } from "../../pipeline/read/types.ts";
import { formatCents, formatDecimal, formatValue } from "../../islands/format.ts";
import { PeriodPicker } from "./components/PeriodPicker.tsx";
import type { PageContext, PageView } from "./pages.ts";
import { parsePeriod, type PeriodKind } from "./period.ts";
import { Card } from "./components/Card.tsx";

/** Kinds of period the alerts page offers (default: the last 28 days). */
export const ALERTS_KINDS: PeriodKind[] = ["week", "month", "custom"];

/** A metric's value in its unit: money for revenue, percent for rates (0–100), counts otherwise. */
export function alertValue(metric: string, value: number | null): string {
  if (value === null) return "—";
  if (metric.includes("revenue")) return formatCents(Math.round(value));
  if (metric.endsWith("_rate")) return `${formatDecimal(value, 1)}%`;
  return Number.isInteger(value) ? formatValue(value, "count") : formatDecimal(value, 1);
}

/** Loads and renders the alerts page. */
export async function loadAlerts(ctx: PageContext): Promise<PageView> {
  const today = dayOf(ctx.now);
  const period = parsePeriod(ctx.url.searchParams, {
    today,
    kinds: ALERTS_KINDS,
    fallback: "custom",
  });
  const alerts = await readAlerts(ctx.kv, { from: period.from, to: period.to });
  return {
    title: "Alerts",
    tools: <PeriodPicker period={period} kinds={ALERTS_KINDS} action="/alerts" today={today} />,
    body: (
      <Card
        title={<>{alerts.length} alert{alerts.length === 1 ? "" : "s"}</>}
        note={<>newest first · {period.label}</>}
      >
        {alerts.length === 0
          ? <p class="empty">No alerts in this period.</p>
          : (
            <div class="table-wrap">
              <table data-table="alerts">
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    <th scope="col">Kind</th>
                    <th scope="col">What</th>
                    <th scope="col" class="num">Value</th>
                    <th scope="col" class="num hide-phone">Baseline</th>
                    <th scope="col" class="num">Score</th>
                    <th scope="col" class="hide-phone">Raised (UTC)</th>
                  </tr>
                </thead>
                <tbody>
                  {alerts.map((a: Alert & { message?: string }) => (
                    <tr data-alert={a.id}>
                      <td class="nowrap">{a.day}</td>
                      <td>
                        <span class={`badge ${a.kind === "freshness" ? "late" : "warn"}`}>
                          {a.kind}
                        </span>
                      </td>
                      <td>
                        <div>
                          {a.metric}
                          {a.source ? <span class="muted">· {a.source}</span> : null}{" "}
                          <span class={a.direction === "up" ? "up" : "down"}>
                            {a.direction === "up" ? "▲" : "▼"}
                          </span>
                        </div>
                        {a.message && <div class="muted small">{a.message}</div>}
                      </td>
                      <td class="num" data-value={String(a.value)}>
                        {alertValue(a.metric, a.value)}
                      </td>
                      <td class="num hide-phone">{alertValue(a.metric, a.baseline)}</td>
                      <td class="num">{a.score === null ? "—" : formatDecimal(a.score, 1)}</td>
                      <td class="small hide-phone">{a.raised_at.slice(0, 16).replace("T", " ")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </Card>
    ),
  };
}
