/**
 * The period picker: a plain GET form (works without JavaScript; the custom
 * range fields show through CSS `:has()` when "Custom range" is chosen), and
 * links to the previous and next period.
 *
 * @module
 */

import {
  nextPeriod,
  type Period,
  type PeriodKind,
  periodQuery,
  previousPeriod,
} from "../period.ts";

const KIND_LABELS: Record<PeriodKind, string> = {
  day: "Day",
  week: "Week",
  month: "Month",
  custom: "Custom range",
  all: "All time",
};

/** Props of {@link PeriodPicker}. */
export interface PeriodPickerProps {
  period: Period;
  kinds: PeriodKind[];
  /** Path of the page the form submits to. */
  action: string;
  /** Today (UTC): no link to a period that starts after it. */
  today?: string;
  /** Other query parameters of the page to keep. */
  keep?: Record<string, string>;
}

/** The picker. */
export function PeriodPicker(props: PeriodPickerProps) {
  const p = props.period;
  const prev = previousPeriod(p);
  const following = nextPeriod(p);
  const next = following && (!props.today || following.from <= props.today) ? following : null;
  const keep = props.keep ?? {};
  const extra = Object.entries(keep).map(([k, v]) => `&${k}=${encodeURIComponent(v)}`).join("");
  return (
    <div class="period-picker">
      <form method="get" action={props.action} class="inline period" data-period={p.kind}>
        <label>
          Period
          <select name="period">
            {props.kinds.map((k) => (
              <option value={k} selected={k === p.kind}>{KIND_LABELS[k]}</option>
            ))}
          </select>
        </label>
        {props.kinds.some((k) => k !== "custom" && k !== "all") && (
          <label class="anchor">
            Including
            <input
              type="date"
              name="date"
              value={p.kind === "custom" || p.kind === "all" ? p.to : p.from}
            />
          </label>
        )}
        {props.kinds.includes("custom") && (
          <>
            <label class="custom">
              From
              <input type="date" name="from" value={p.from} />
            </label>
            <label class="custom">
              To
              <input type="date" name="to" value={p.to} />
            </label>
          </>
        )}
        {Object.entries(keep).map(([k, v]) => <input key={k} type="hidden" name={k} value={v} />)}
        <button type="submit" class="secondary">Apply</button>
      </form>
      <div class="period-nav">
        {prev && (
          <a href={`${props.action}?${periodQuery(prev)}${extra}`} rel="prev">← {prev.label}</a>
        )}
        <strong data-period-label>{p.label}</strong>
        {next && (
          <a href={`${props.action}?${periodQuery(next)}${extra}`} rel="next">{next.label} →</a>
        )}
      </div>
    </div>
  );
}
