/**
 * Cross-source reconciliation of the data-quality page: totals over the
 * checked order days, and the days that have findings.
 *
 * @module
 */

import type { CrossSourceDay } from "../../../pipeline/read/types.ts";
import { formatCount } from "../../../islands/format.ts";

const KINDS = [
  ["orders_unknown_sku", "Lines with unknown SKU"],
  ["orders_without_event", "Orders without event"],
  ["events_without_order", "Events without order"],
] as const;

/** The reconciliation table. */
export function Reconciliation(props: { days: CrossSourceDay[] }) {
  if (props.days.length === 0) return <p class="empty">No checks ran for these days.</p>;
  const withFindings = props.days.filter((d) => KINDS.some(([k]) => d[k] > 0));
  const total = (k: typeof KINDS[number][0]) => props.days.reduce((s, d) => s + d[k], 0);
  return (
    <>
      <p class="muted small">
        {props.days.length} order day{props.days.length === 1 ? "" : "s"} checked,{" "}
        {withFindings.length} with findings.
      </p>
      <div class="table-wrap">
        <table data-table="reconciliation">
          <thead>
            <tr>
              <th scope="col">Order day</th>
              {KINDS.map(([k, label]) => <th key={k} scope="col" class="num">{label}</th>)}
            </tr>
          </thead>
          <tbody>
            {[...withFindings].reverse().map((d) => (
              <tr key={d.date} data-day={d.date}>
                <th scope="row">{d.date}</th>
                {KINDS.map(([k]) => (
                  <td key={k} class="num" data-value={String(d[k])}>{formatCount(d[k])}</td>
                ))}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-day="total">
              <th scope="row">All checked days</th>
              {KINDS.map(([k]) => (
                <td key={k} class="num" data-value={String(total(k))}>
                  <strong>{formatCount(total(k))}</strong>
                </td>
              ))}
            </tr>
          </tfoot>
        </table>
      </div>
    </>
  );
}
