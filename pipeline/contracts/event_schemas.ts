/**
 * Structural zod schemas of Segment-shaped events and batches (shared/spec/
 * sources.md §1), declared once for validation and documentation, and the
 * batch envelope check.
 *
 * @module
 */

import { z } from "zod";
import { findForbiddenKey } from "./forbidden_keys.ts";
import { isAbsent, quote } from "./values.ts";

const jsonObject = z.record(z.string(), z.unknown());
const textField = z.string().nullish();
const timeField = z.union([z.string(), z.number()]).nullish();

/**
 * Structural schema of one Segment-shaped event. Values are loose on purpose:
 * absent tokens, trimming, lengths and timestamp formats are the contract's
 * rules (see `normaliseEvent`), not zod's. Unknown fields pass through.
 */
export const segmentEventSchema = z.looseObject({
  type: textField.describe("`track`, `page` or `identify`, case-insensitive"),
  messageId: textField.describe("1–100 chars; the idempotency key"),
  userId: textField.describe("1–256 chars; userId or anonymousId is required"),
  anonymousId: textField.describe("1–256 chars"),
  event: textField.describe("1–200 chars; required for track"),
  timestamp: timeField.describe("when it happened; absent → receivedAt"),
  sentAt: timeField.describe("client clock when sent; overrides the batch's sentAt"),
  properties: jsonObject.nullish().describe("JSON object"),
  context: jsonObject.nullish().describe("JSON object; merged over the batch's context"),
  traits: jsonObject.nullish().describe("JSON object"),
});

/** Structural schema of a Segment batch body (`POST /v1/batch`). */
export const segmentBatchSchema = z.looseObject({
  batch: z.array(z.unknown()).describe("the events, each with its own type"),
  sentAt: timeField.describe("client clock when the batch was sent"),
  context: jsonObject.nullish().describe("context shared by every event of the batch"),
});

/** A Segment-shaped event as the schema types it. */
export type SegmentEvent = z.infer<typeof segmentEventSchema>;

/** A valid batch envelope. */
export interface BatchEnvelope {
  items: unknown[];
  sentAt?: unknown;
  context?: Record<string, unknown>;
}

/**
 * Checks the envelope of a batch body (not its events). `null` sentAt or
 * context count as absent.
 *
 * @example
 * ```ts
 * parseBatchEnvelope({ batch: [{ type: "page" }] }); // { ok: true, value: { items: [...] } }
 * ```
 */
export function parseBatchEnvelope(
  raw: unknown,
): { ok: true; value: BatchEnvelope } | { ok: false; message: string } {
  const forbidden = findForbiddenKey(
    raw && typeof raw === "object" && !Array.isArray(raw)
      ? { ...raw as Record<string, unknown>, batch: undefined }
      : raw,
  );
  if (forbidden) return { ok: false, message: `Batch has the forbidden key ${quote(forbidden)}` };
  const parsed = segmentBatchSchema.safeParse(raw);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.join(".") || "batch";
    return { ok: false, message: `Batch field "${path}" is not valid` };
  }
  const body = raw as Record<string, unknown>;
  const value: BatchEnvelope = { items: body.batch as unknown[] };
  if (!isAbsent(body.sentAt)) value.sentAt = body.sentAt;
  if (body.context !== undefined && body.context !== null) {
    value.context = body.context as Record<string, unknown>;
  }
  return { ok: true, value };
}
