/**
 * The quarantine browser of the data-quality page: filters, one page of
 * records newest first with their raw form, and a replay form (POST with the
 * session's CSRF token) for the selected records.
 *
 * @module
 */

import type { QuarantineRecord } from "../../../pipeline/contracts/types.ts";
import { REASON_CODES } from "../../../pipeline/contracts/types.ts";
import { Card } from "./Card.tsx";

/** Props of {@link QuarantineBrowser}. */
export interface QuarantineBrowserProps {
  records: QuarantineRecord[];
  /** Cursor of the next page, or `null` on the last page. */
  nextCursor: string | null;
  source: string;
  reason: string;
  /** The page's query string without the quarantine parameters, kept by the forms. */
  keep: [string, string][];
  csrf: string;
}

function time(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** Records that a replay can act on (inventory rows are replaced by the next snapshot). */
function replayable(r: QuarantineRecord): boolean {
  return r.replayedAs === undefined && r.source !== "inventory";
}

/** The browser. */
export function QuarantineBrowser(props: QuarantineBrowserProps) {
  const keepInputs = props.keep.map(([k, v]) => <input key={k} type="hidden" name={k} value={v} />);
  const next = new URLSearchParams([
    ...props.keep,
    ["q_source", props.source],
    ["q_reason", props.reason],
    ["q_cursor", props.nextCursor ?? ""],
  ]);
  const back = new URLSearchParams([
    ...props.keep,
    ["q_source", props.source],
    ["q_reason", props.reason],
  ]);
  return (
    <Card title="Quarantined records" note="newest first" id="quarantine">
      <form method="get" action="/quality#quarantine" class="inline">
        {keepInputs}
        <label>
          Source
          <select name="q_source">
            {["", "events", "orders", "inventory"].map((s) => (
              <option value={s} selected={s === props.source}>{s || "All sources"}</option>
            ))}
          </select>
        </label>
        <label>
          Reason
          <select name="q_reason">
            {["", ...REASON_CODES].map((r) => (
              <option value={r} selected={r === props.reason}>{r || "All reasons"}</option>
            ))}
          </select>
        </label>
        <button type="submit" class="secondary">Filter</button>
      </form>
      {props.records.length === 0
        ? <p class="empty">No quarantined records match.</p>
        : (
          <form method="post" action="/quality/replay" data-form="replay">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <input type="hidden" name="back" value={back.toString()} />
            <div class="table-wrap">
              <table data-table="quarantine">
                <thead>
                  <tr>
                    <th scope="col">
                      <span class="sr-only">Select</span>
                    </th>
                    <th scope="col">Received</th>
                    <th scope="col">Source</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Record</th>
                  </tr>
                </thead>
                <tbody>
                  {props.records.map((r) => (
                    <tr data-record={r.id}>
                      <td>
                        <input
                          type="checkbox"
                          name="ids"
                          value={r.id}
                          disabled={!replayable(r)}
                          aria-label={`Select record ${r.id}`}
                        />
                      </td>
                      <td class="small">{time(r.receivedAt)}</td>
                      <td>{r.source}</td>
                      <td>
                        <span class="badge warn">{r.reason}</span>
                        {r.field && <div class="muted small">{r.field}</div>}
                      </td>
                      <td>
                        <div>{r.message}</div>
                        <div class="muted small">
                          {r.source === "events" ? "request" : "upload"}{" "}
                          {r.requestId}, #{r.position}
                          {r.date ? `, ${r.date}` : ""}
                          {r.replayedAs && (
                            <>
                              {" "}· <span class="badge ok">replayed</span>
                            </>
                          )}
                          {r.source === "inventory" && " · fixed by the next snapshot"}
                        </div>
                        <details>
                          <summary class="small">Raw</summary>
                          <pre class="raw">{r.raw}</pre>
                        </details>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p>
              <button type="submit" class="primary">Replay selected</button>{" "}
              <span class="muted small">
                Re-validates them under the current rules; those that pass are accepted once.
              </span>
            </p>
          </form>
        )}
      {props.nextCursor && (
        <p>
          <a href={`/quality?${next.toString()}#quarantine`}>Older records →</a>
        </p>
      )}
    </Card>
  );
}
