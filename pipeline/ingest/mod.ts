/**
 * The ingest edge's public pieces for other modules (replays, tasks, tests).
 * See docs/ingest.md and docs/pipeline.md ("Ingest").
 *
 * @module
 */

export {
  commitEvents,
  type CommitItem,
  type CommitOutcome,
  committerFor,
  type EventCommitItem,
  GroupCommitter,
} from "./committer.ts";
export {
  type EventIngestResult,
  type EventRequestContext,
  ingestEvents,
  prepareEvent,
} from "./events.ts";
export { ingestNdjson } from "./events_ndjson.ts";
export { ingestInventoryUpload, ingestOrdersUpload, recoverUploads } from "./uploads.ts";
export {
  type OrderReplayItem,
  type OrderReplayOutcome,
  renormaliseOrderRecord,
  replayOrderLines,
} from "./replay.ts";
export type { UploadAnswer } from "./upload_store.ts";
export type { OrderHead } from "./order_heads.ts";
