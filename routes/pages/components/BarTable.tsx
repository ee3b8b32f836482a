/**
 * Server-rendered bar charts: a table whose first value column carries a bar
 * (an SVG whose rect width is an attribute, so no inline style and no
 * JavaScript). Used for categorical comparisons; the table is its own text
 * equivalent.
 *
 * @module
 */

import type { ComponentChildren } from "preact";
import { formatValue, type Unit } from "../../../islands/format.ts";

/** One column of a bar table. */
export interface BarColumn<R> {
  header: string;
  /** The cell; numbers are right-aligned and formatted with `unit`. */
  value: (row: R) => number | null | ComponentChildren;
  unit?: Unit;
  /** Text column: left-aligned. */
  text?: boolean;
}

/** Props of {@link BarTable}. */
export interface BarTableProps<R> {
  /** Stable id: `data-table` of the table. */
  id: string;
  caption?: string;
  rows: R[];
  /** The row's label (first column). */
  label: (row: R) => ComponentChildren;
  labelHeader: string;
  /** The barred figure. */
  bar: (row: R) => number;
  /** What a full bar stands for in this row (default: the largest figure of the table). */
  barMax?: (row: R) => number;
  barHeader: string;
  barUnit: Unit;
  /** Palette slot of the bars. */
  tone?: number;
  /** More columns after the bar. */
  columns?: BarColumn<R>[];
  /** Shown when there are no rows. */
  empty: string;
}

/** A horizontal bar `<svg>` of `value` out of `max`. */
export function Bar(props: { value: number; max: number; tone?: number }) {
  const width = props.max > 0 ? Math.max(0, Math.min(100, (props.value / props.max) * 100)) : 0;
  return (
    <svg
      class={`bar tone-${props.tone ?? 1}`}
      viewBox="0 0 100 1"
      preserveAspectRatio="none"
      aria-hidden="true"
      focusable="false"
    >
      <rect x="0" y="0" width={width.toFixed(2)} height="1" />
    </svg>
  );
}

/** A table with a bar per row. */
export function BarTable<R>(props: BarTableProps<R>) {
  if (props.rows.length === 0) return <p class="empty">{props.empty}</p>;
  const max = Math.max(0, ...props.rows.map(props.bar));
  return (
    <div class="table-wrap">
      <table class="bars" data-table={props.id}>
        {props.caption && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            <th scope="col">{props.labelHeader}</th>
            <th scope="col" class="num">{props.barHeader}</th>
            <th scope="col" class="bar-cell">
              <span class="sr-only">Bar</span>
            </th>
            {props.columns?.map((c) => (
              <th key={c.header} scope="col" class={c.text ? undefined : "num"}>{c.header}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => {
            const v = props.bar(row);
            return (
              <tr>
                <th scope="row">{props.label(row)}</th>
                <td class="num" data-value={String(v)}>{formatValue(v, props.barUnit)}</td>
                <td class="bar-cell">
                  <Bar value={v} max={props.barMax ? props.barMax(row) : max} tone={props.tone} />
                </td>
                {props.columns?.map((c, i) => {
                  const cell = c.value(row);
                  return typeof cell === "number"
                    ? (
                      <td key={i} class="num" data-value={String(cell)}>
                        {formatValue(cell, c.unit ?? "count")}
                      </td>
                    )
                    : <td key={i} class={c.text ? undefined : "num"}>{cell ?? "—"}</td>;
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
