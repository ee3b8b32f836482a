/**
 * Upload records and staged rows: written by ingest, read by the apply jobs.
 * See docs/pipeline.md, "Files".
 *
 * @module
 */

import type {
  InventoryRow,
  LineVersion,
  OrderLine,
  ReasonCode,
  Rejection,
} from "../contracts/types.ts";

/** Lifecycle of an upload. Only `classified` uploads are applied by the pipeline. */
export type UploadStatus = "staging" | "committed" | "classified" | "duplicate" | "applied";

/** An upload of an orders CSV or an inventory XLSX (`bronze/uploads/<id>`). */
export interface UploadRecord {
  /** Upload id, `oldestFirstId()`: sorts in upload order. */
  id: string;
  source: "orders" | "inventory";
  /** Global upload sequence number, the `upload` part of a line version. */
  seq: number;
  /** Orders: business date `YYYY-MM-DD`. */
  date?: string;
  /** Inventory: the ISO week's Monday `YYYY-MM-DD`. */
  week?: string;
  fileName?: string;
  sha256?: string;
  receivedAt: number;
  /** UTC day of `receivedAt`: the quality counters' day. */
  receivedDay: string;
  status: UploadStatus;
  /** Data rows in the file. */
  rows: number;
  accepted: number;
  updates: number;
  duplicates: number;
  quarantined: number;
  quarantinedByReason: Partial<Record<ReasonCode, number>>;
  warningsByField: Record<string, number>;
  unknownColumns: string[];
  /** Last staged row classified (0 before classification). */
  classifyCursor: number;
  /** Last staged row applied to silver by the pipeline (0 before). */
  applyCursor: number;
  /** For a `duplicate` upload: the upload whose bytes it repeats. */
  duplicateOf?: string;
  /** Orders: the header row as received (to re-read a quarantined line for a replay). */
  header?: string[];
  /**
   * Classification was finished by a later request's crash recovery, so the
   * upload's own client never got its answer: the first re-upload of the same
   * bytes gets this upload's answer instead of `duplicate_file` (and clears it).
   */
  recovered?: boolean;
  /** A replay of quarantined rows (`replayOrderLines`), not a file: no hash, no freshness. */
  replay?: boolean;
}

/** A staged data row of an upload (`bronze/upload_rows/<id>/<row>`). */
export type StagedRow =
  | {
    kind: "line";
    line: OrderLine;
    version: LineVersion;
    warnings: string[];
    raw: string;
    /** Set on a row of a replay upload: the quarantined record it replays. */
    replayOf?: ReplayOf;
  }
  | { kind: "inventory"; row: InventoryRow; warnings: string[]; raw: string }
  | { kind: "rejected"; rejection: Rejection; raw: string };

/** The quarantined record a replayed row stands for (its counters move on its own day). */
export interface ReplayOf {
  /** Quarantine record id. */
  id: string;
  /** UTC day the record was received (the quality counters' day). */
  day: string;
  /** Its quarantine reason. */
  reason: ReasonCode;
}
