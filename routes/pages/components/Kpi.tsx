/**
 * A KPI tile: a figure, its unit, and the change against the previous period.
 *
 * @module
 */

import type { ComponentChildren } from "preact";
import { formatPerMille, formatValue, perMille, type Unit } from "../../../islands/format.ts";

/** Props of {@link Kpi}. */
export interface KpiProps {
  /** Stable id: the tile gets `data-kpi="<id>"` and the value `data-value`. */
  id: string;
  label: string;
  /** The figure; `null` when it cannot be computed for this period. */
  value: number | null;
  unit: Unit;
  /** The same figure in the previous period, for the change line. */
  previous?: number | null;
  /** What the previous period is called ("previous week"). */
  previousLabel?: string;
  /** A note under the figure (replaces the change line). */
  note?: ComponentChildren;
  /** Custom content instead of the formatted value (the live island). */
  children?: ComponentChildren;
}

/** The change line: `▲ 12.5% vs previous week`. */
function Delta(props: { value: number; previous: number; label: string; unit: Unit }) {
  if (props.previous === 0) {
    return (
      <p class="delta">
        {props.value === 0 ? "no change" : "new"} vs {props.label}
      </p>
    );
  }
  // Percent figures compare in points, the rest relatively.
  const change = props.unit === "percent"
    ? props.value - props.previous
    : perMille(props.value - props.previous, Math.abs(props.previous)) ?? 0;
  const cls = change > 0 ? "up" : change < 0 ? "down" : "";
  const arrow = change > 0 ? "▲" : change < 0 ? "▼" : "";
  const text = props.unit === "percent"
    ? `${formatPerMille(Math.abs(change)).replace("%", "")} pts`
    : formatPerMille(Math.abs(change));
  return (
    <p class="delta" data-previous={String(props.previous)}>
      <span class={cls}>{arrow} {text}</span> vs {props.label}{" "}
      <span class="muted">({formatValue(props.previous, props.unit)})</span>
    </p>
  );
}

/** A KPI tile. */
export function Kpi(props: KpiProps) {
  return (
    <div class="kpi" data-kpi={props.id}>
      <p class="label">{props.label}</p>
      {props.children ?? (
        <p class="value" data-value={props.value === null ? "" : String(props.value)}>
          {props.value === null ? "—" : formatValue(props.value, props.unit)}
        </p>
      )}
      {props.note
        ? <p class="delta">{props.note}</p>
        : props.value !== null && props.previous !== undefined && props.previous !== null
        ? (
          <Delta
            value={props.value}
            previous={props.previous}
            label={props.previousLabel ?? "previous period"}
            unit={props.unit}
          />
        )
        : null}
    </div>
  );
}
