/**
 * What every replay path answers per record.
 *
 * @module
 */

import type { ReasonCode } from "../contracts/types.ts";

/** The outcome of one selected record. */
export type ReplayStatus =
  | "accepted"
  | "duplicate"
  | "still_rejected"
  | "already_replayed"
  | "not_found"
  | "not_replayable";

/** One record's outcome. */
export interface ReplayResultItem {
  id: string;
  status: ReplayStatus;
  /** For `still_rejected`: the reason under the current rules. */
  reason?: ReasonCode;
  field?: string;
  message?: string;
  /** For `accepted`: the new ingest id (events) or `<replay upload>/<row>` (orders). */
  replayed_as?: string;
}

/** The outcome of a record that fails again, with the reason under the current rules. */
export function rejectedItem(
  id: string,
  rejection: { reason: ReasonCode; field?: string; message: string },
): ReplayResultItem {
  const item: ReplayResultItem = { id, status: "still_rejected", reason: rejection.reason };
  if (rejection.field !== undefined) item.field = rejection.field;
  item.message = rejection.message;
  return item;
}
