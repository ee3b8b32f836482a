/**
 * The inventory part of the products page: a snapshot week's figures, its
 * at-risk SKUs with days of cover, stock-outs, and rows at or below their
 * reorder point.
 *
 * @module
 */

import type { InventoryKpis } from "../../../pipeline/read/types.ts";
import { formatDecimal } from "../../../islands/format.ts";
import { BarTable } from "./BarTable.tsx";
import { Kpi } from "./Kpi.tsx";
import { Card } from "./Card.tsx";

/** Rows shown per inventory table (the rest is counted). */
const MAX_ROWS = 50;

function More(props: { shown: number; total: number }) {
  return props.total > props.shown
    ? <p class="muted small">Showing {props.shown} of {props.total}.</p>
    : null;
}

/** The inventory snapshot: figures, at-risk SKUs, stock-outs and low stock. */
export function Inventory(props: { inv: InventoryKpis | null }) {
  const inv = props.inv;
  if (!inv) return <p class="empty">No inventory snapshot has been processed yet.</p>;
  return (
    <>
      <div class="kpis">
        <Kpi id="inv-skus" label="SKUs" value={inv.skus} unit="count" />
        <Kpi id="inv-on-hand" label="Units on hand" value={inv.on_hand_units} unit="count" />
        <Kpi id="inv-value" label="Stock value" value={inv.stock_value_cents} unit="cents" />
        <Kpi id="inv-stockouts" label="Stock-out rows" value={inv.stockout_rows} unit="count" />
        <Kpi id="inv-low" label="Low-stock rows" value={inv.low_stock_rows} unit="count" />
        <Kpi
          id="inv-cover"
          label="Median days of cover"
          value={inv.days_of_cover}
          unit="days"
          note={inv.days_of_cover === null ? "No SKU sold in the 28 days before" : undefined}
        />
      </div>
      <div class="grid">
        <Card title="At-risk SKUs" note="under 7 days of cover, or sold out after selling">
          {inv.at_risk_skus.length === 0
            ? <p class="empty">No SKU is at risk.</p>
            : (
              <div class="table-wrap">
                <table data-table="at-risk">
                  <thead>
                    <tr>
                      <th scope="col">SKU</th>
                      <th scope="col">Product</th>
                      <th scope="col" class="num">On hand</th>
                      <th scope="col" class="num">Days of cover</th>
                    </tr>
                  </thead>
                  <tbody>
                    {inv.at_risk_skus.slice(0, MAX_ROWS).map((r) => (
                      <tr>
                        <td>{r.sku}</td>
                        <td>{r.name}</td>
                        <td class="num" data-value={String(r.on_hand)}>{r.on_hand}</td>
                        <td
                          class="num"
                          data-value={r.days_of_cover === null ? "" : String(r.days_of_cover)}
                        >
                          {r.days_of_cover === null
                            ? "sold out"
                            : formatDecimal(r.days_of_cover, 1)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          <More
            shown={Math.min(MAX_ROWS, inv.at_risk_skus.length)}
            total={inv.at_risk_skus.length}
          />
        </Card>
        <Card title="Stock-outs" note="on hand = 0">
          {inv.stockouts.length === 0
            ? <p class="empty">Nothing is out of stock.</p>
            : (
              <div class="table-wrap">
                <table data-table="stockouts">
                  <thead>
                    <tr>
                      <th scope="col">SKU</th>
                      <th scope="col">Warehouse</th>
                      <th scope="col">Product</th>
                    </tr>
                  </thead>
                  <tbody>
                    {inv.stockouts.slice(0, MAX_ROWS).map((r) => (
                      <tr>
                        <td>{r.sku}</td>
                        <td>{r.warehouse}</td>
                        <td>{r.name}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          <More shown={Math.min(MAX_ROWS, inv.stockouts.length)} total={inv.stockouts.length} />
        </Card>
      </div>
      <Card title="Low stock" note="0 < on hand ≤ reorder point">
        <BarTable
          id="low-stock"
          rows={inv.low_stock.slice(0, MAX_ROWS)}
          labelHeader="SKU · warehouse"
          label={(r) => `${r.sku} · ${r.warehouse}`}
          bar={(r) => r.on_hand}
          barMax={(r) => r.reorder_point}
          barHeader="On hand"
          barUnit="count"
          tone={4}
          columns={[
            { header: "Reorder point", value: (r) => r.reorder_point },
            { header: "Product", value: (r) => r.name, text: true },
          ]}
          empty="No row is at or below its reorder point."
        />
        <More shown={Math.min(MAX_ROWS, inv.low_stock.length)} total={inv.low_stock.length} />
      </Card>
    </>
  );
}
