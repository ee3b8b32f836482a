/**
 * A chart card: the chart island and, under it, the same figures as a table
 * (folded by default; it is the chart's text equivalent, and what remains
 * when JavaScript is off).
 *
 * @module
 */

import Chart, { type ChartSeries } from "../../../islands/Chart.tsx";
import { formatValue, type Unit } from "../../../islands/format.ts";
import { Island } from "../render.ts";

/** Props of {@link ChartFigure}. */
export interface ChartFigureProps {
  /** Stable id: `data-chart` of the canvas and `data-table` of the table. */
  id: string;
  title: string;
  /** One line under the title. */
  subtitle?: string;
  /** Header of the label column of the table (e.g. `Day`). */
  labelHeader: string;
  labels: string[];
  series: ChartSeries[];
  unit: Unit;
  /** Spans the whole row of a grid. */
  wide?: boolean;
  /** Extra labels per row for the table (e.g. the previous period's day), by series index. */
  rowLabels?: Record<number, string[]>;
}

/** A chart with its table. */
export function ChartFigure(props: ChartFigureProps) {
  const summary = `${props.title}: ${
    props.series.map((s) => s.name).join(", ")
  }, ${props.labels.length} points. The table below has every figure.`;
  return (
    <section class={props.wide ? "card wide" : "card"} aria-labelledby={`${props.id}-title`}>
      <div class="card-head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.subtitle && <span class="muted small">{props.subtitle}</span>}
      </div>
      <Island
        of={Chart}
        props={{
          id: props.id,
          labels: props.labels,
          series: props.series,
          unit: props.unit,
          summary,
        }}
      />
      <details class="table-toggle">
        <summary>Table</summary>
        <div class="table-wrap">
          <table data-table={props.id}>
            <thead>
              <tr>
                <th scope="col">{props.labelHeader}</th>
                {props.series.map((s, i) => (
                  <>
                    {props.rowLabels?.[i] && <th scope="col">{s.name}: day</th>}
                    <th scope="col" class="num">{s.name}</th>
                  </>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.labels.map((label, row) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  {props.series.map((s, i) => {
                    const v = s.values[row];
                    return (
                      <>
                        {props.rowLabels?.[i] && <td>{props.rowLabels[i][row] ?? ""}</td>}
                        <td
                          class="num"
                          data-series={String(i)}
                          data-value={v === null || v === undefined ? "" : String(v)}
                        >
                          {v === null || v === undefined ? "—" : formatValue(v, props.unit)}
                        </td>
                      </>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
