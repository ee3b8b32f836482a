/**
 * Data quality: acceptance per source and received day, quarantine by
 * reason, refused requests, reconciliation across sources, freshness per
 * source, and the quarantine browser with replay.
 *
 * @module
 */

import type { ComponentChildren } from "preact";
import { dayOf } from "../../pipeline/contracts/buckets.ts";
import type { ReasonCode } from "../../pipeline/contracts/types.ts";
import {
  BadCursorError,
  isReasonCode,
  listQuarantine,
  readQuality,
} from "../../pipeline/monitoring/mod.ts";
import type { QualityDay } from "../../pipeline/read/types.ts";
import type { Source } from "../../kv/keys.ts";
import { formatRatio, perMille } from "../../islands/format.ts";
import { BarTable } from "./components/BarTable.tsx";
import { ChartFigure } from "./components/ChartFigure.tsx";
import { Kpi } from "./components/Kpi.tsx";
import { PeriodPicker } from "./components/PeriodPicker.tsx";
import { QuarantineBrowser } from "./components/QuarantineBrowser.tsx";
import { Reconciliation } from "./components/Reconciliation.tsx";
import type { PageContext, PageView } from "./pages.ts";
import { parsePeriod, periodDays, type PeriodKind, shortDay } from "./period.ts";
import { Card } from "./components/Card.tsx";

/** Kinds of period the quality page offers (default: the last 28 days). */
export const QUALITY_KINDS: PeriodKind[] = ["day", "week", "month", "custom"];

/** Quarantined records per page of the browser. */
export const QUARANTINE_PAGE = 20;

const SOURCES: Source[] = ["events", "orders", "inventory"];

function addTo(m: Map<string, number>, key: string, n: number): void {
  m.set(key, (m.get(key) ?? 0) + n);
}

/** A count's name with its source beside it, muted. */
function nameAndSource(r: { name: string; source: string }): ComponentChildren {
  return (
    <>
      {r.name} <span class="muted small">{r.source}</span>
    </>
  );
}

/** Totals of quality rows. */
export function qualityTotals(days: QualityDay[]) {
  const t = { received: 0, accepted: 0, quarantined: 0, duplicates: 0, updates: 0, rejected: 0 };
  const reasons = new Map<string, number>();
  const rejected = new Map<string, number>();
  for (const d of days) {
    t.received += d.received;
    t.accepted += d.accepted;
    t.quarantined += d.quarantined;
    t.duplicates += d.duplicates;
    t.updates += d.updates;
    for (const [k, v] of Object.entries(d.quarantined_by_reason)) {
      addTo(reasons, `${d.source}\u0000${k}`, v);
    }
    for (const [k, v] of Object.entries(d.rejected_requests)) {
      addTo(rejected, `${d.source}\u0000${k}`, v);
      t.rejected += v;
    }
  }
  const split = (m: Map<string, number>) =>
    [...m].map(([k, count]) => {
      const [source, name] = k.split("\u0000");
      return { source, name, count };
    }).sort((a, b) =>
      b.count - a.count || a.source.localeCompare(b.source) || a.name.localeCompare(b.name)
    );
  return { totals: t, reasons: split(reasons), rejected: split(rejected) };
}

function time(iso: string | null): string {
  return iso ? iso.slice(0, 16).replace("T", " ") : "never";
}

/** The notice after a replay (numbers only, from the redirect's query). */
function ReplayNotice(props: { params: URLSearchParams }) {
  const n = (k: string) => Number.parseInt(props.params.get(k) ?? "", 10);
  if (!props.params.has("replayed")) return null;
  const [selected, accepted, duplicates, still] = ["replayed", "accepted", "duplicates", "still"]
    .map(n);
  if ([selected, accepted, duplicates, still].some((v) => !Number.isSafeInteger(v))) return null;
  return (
    <p class="notice" role="status" data-notice="replay">
      Replayed {selected} record{selected === 1 ? "" : "s"}: {accepted} accepted, {duplicates}{" "}
      duplicate{duplicates === 1 ? "" : "s"}, {still} still quarantined.
    </p>
  );
}

/** Loads and renders the data-quality page. */
export async function loadQuality(ctx: PageContext): Promise<PageView> {
  const params = ctx.url.searchParams;
  const today = dayOf(ctx.now);
  const period = parsePeriod(params, { today, kinds: QUALITY_KINDS, fallback: "custom" });
  const qSource = params.get("q_source") ?? "";
  const qReason = params.get("q_reason") ?? "";
  const qCursor = params.get("q_cursor") || undefined;
  const source = (SOURCES as string[]).includes(qSource) ? qSource as Source : undefined;
  const reason = isReasonCode(qReason) ? qReason as ReasonCode : undefined;
  const list = (cursor: string | undefined) =>
    listQuarantine(ctx.kv, { source, reason, cursor, limit: QUARANTINE_PAGE });
  const [report, page] = await Promise.all([
    readQuality(ctx.kv, ctx.config, { from: period.from, to: period.to, now: ctx.now }),
    list(qCursor).catch((err) => {
      if (err instanceof BadCursorError) return list(undefined);
      throw err;
    }),
  ]);
  const { totals, reasons, rejected } = qualityTotals(report.days);
  const days = periodDays(period);
  const row = new Map(report.days.map((d) => [`${d.date}\u0000${d.source}`, d]));
  const acceptance = SOURCES.map((s, i) => ({
    name: s,
    tone: i + 1,
    values: days.map((d) => {
      const r = row.get(`${d}\u0000${s}`);
      return r && r.received > 0 ? perMille(r.accepted, r.received) : null;
    }),
  }));
  const keep: [string, string][] = [...params].filter(([k]) =>
    !k.startsWith("q_") && !["replayed", "accepted", "duplicates", "still"].includes(k)
  );
  return {
    title: "Data quality",
    tools: <PeriodPicker period={period} kinds={QUALITY_KINDS} action="/quality" today={today} />,
    body: (
      <>
        <ReplayNotice params={params} />
        <div class="kpis">
          <Kpi id="received" label="Records received" value={totals.received} unit="count" />
          <Kpi
            id="accepted"
            label="Accepted"
            value={totals.accepted}
            unit="count"
            note={`${formatRatio(totals.accepted, totals.received)} of received`}
          />
          <Kpi id="quarantined" label="Quarantined" value={totals.quarantined} unit="count" />
          <Kpi id="duplicates" label="Duplicates" value={totals.duplicates} unit="count" />
          <Kpi id="rejected" label="Requests refused" value={totals.rejected} unit="count" />
        </div>
        <ChartFigure
          id="acceptance"
          title="Acceptance per source and day"
          subtitle={`accepted ÷ received, by received day, ${period.label}`}
          labelHeader="Day"
          labels={days.map((d) => shortDay(d, false))}
          unit="percent"
          series={acceptance}
        />
        <div class="grid">
          <Card title="Quarantine by reason">
            <BarTable
              id="reasons"
              rows={reasons}
              labelHeader="Reason"
              label={nameAndSource}
              bar={(r) => r.count}
              barHeader="Records"
              barUnit="count"
              tone={4}
              empty="Nothing was quarantined in this period."
            />
            {rejected.length > 0 && (
              <>
                <h3>Requests refused whole</h3>
                <BarTable
                  id="rejected"
                  rows={rejected}
                  labelHeader="Status"
                  label={nameAndSource}
                  bar={(r) => r.count}
                  barHeader="Requests"
                  barUnit="count"
                  tone={6}
                  empty=""
                />
              </>
            )}
          </Card>
          <Card title="Freshness" note="last delivery per source">
            <div class="table-wrap">
              <table data-table="freshness">
                <thead>
                  <tr>
                    <th scope="col">Source</th>
                    <th scope="col">Last received (UTC)</th>
                    <th scope="col">Next due</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {report.freshness.map((f) => (
                    <tr data-source={f.source}>
                      <td>{f.source}</td>
                      <td>{time(f.last_received_at)}</td>
                      <td>{time(f.expected_by)}</td>
                      <td>
                        {f.late
                          ? <span class="badge late">late</span>
                          : <span class="badge ok">on time</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        </div>
        <Card title="Reconciliation" note="orders against events and inventory, by order day">
          <Reconciliation days={report.cross_source} />
        </Card>
        <Card title="Per source and day" note="received = accepted + quarantined + duplicates">
          {report.days.length === 0
            ? <p class="empty">Nothing was received in this period.</p>
            : (
              <div class="table-wrap">
                <table data-table="quality-days">
                  <thead>
                    <tr>
                      <th scope="col">Day</th>
                      <th scope="col">Source</th>
                      <th scope="col" class="num">Received</th>
                      <th scope="col" class="num">Accepted</th>
                      <th scope="col" class="num">Updates</th>
                      <th scope="col" class="num">Quarantined</th>
                      <th scope="col" class="num">Duplicates</th>
                      <th scope="col" class="num">Acceptance</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...report.days].reverse().map((d) => (
                      <tr data-day={d.date} data-source={d.source}>
                        <td>{d.date}</td>
                        <td>{d.source}</td>
                        <td class="num" data-value={String(d.received)}>{d.received}</td>
                        <td class="num" data-value={String(d.accepted)}>{d.accepted}</td>
                        <td class="num" data-value={String(d.updates)}>{d.updates}</td>
                        <td class="num" data-value={String(d.quarantined)}>{d.quarantined}</td>
                        <td class="num" data-value={String(d.duplicates)}>{d.duplicates}</td>
                        <td class="num">{formatRatio(d.accepted, d.received)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
        </Card>
        <QuarantineBrowser
          records={page.records}
          nextCursor={page.next_cursor}
          source={source ?? ""}
          reason={reason ?? ""}
          keep={keep}
          csrf={ctx.csrf}
        />
      </>
    ),
  };
}
