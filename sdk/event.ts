/**
 * Building one event from a call: identity, timestamps, context, and the checks that keep a
 * bad call from reaching the queue.
 *
 * @module
 */

import { uuid } from "./ids.ts";
import type { CallOptions, DeliveryErrorReason, JsonObject, SdkEvent } from "./types.ts";
import { type Pending, toPending } from "./wire.ts";

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True for a string of 1 to `max` characters (the spec's id rules). */
export function validId(v: unknown, max: number): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= max;
}

/** What {@link buildEvent} needs. */
export interface EventInput {
  /** `track`, `page` or `identify`. */
  type: SdkEvent["type"];
  /** The type's own fields (`event`, `name`, `properties`, `traits`, `userId`). */
  fields: Partial<SdkEvent>;
  /** The caller's overrides. */
  opts?: CallOptions;
  /** The client's anonymous id. */
  anonymousId: string;
  /** The client's user id, if known. */
  userId?: string;
  /** The SDK's context (library, page); `opts.context` is merged over it. */
  context: JsonObject;
  /** Largest JSON of one event. */
  maxEventBytes: number;
}

/** Either the queued form of the event, or why it was refused. */
export type Built =
  | { pending: Pending }
  | { reason: DeliveryErrorReason; message: string; messageId: string };

/**
 * Builds and checks one event: a fresh `messageId` and the call time unless given, ids of
 * 1–256 characters, object-valued properties, traits and context, JSON-serialisable, and at
 * most `maxEventBytes` of JSON.
 *
 * @example
 * ```ts
 * const built = buildEvent({
 *   type: "track", fields: { event: "Signed Up", properties: {} },
 *   anonymousId: "a-1", context: {}, maxEventBytes: 32_768,
 * });
 * if ("pending" in built) console.log(built.pending.event.messageId);
 * ```
 */
export function buildEvent(input: EventInput): Built {
  const o = input.opts ?? {};
  const messageId = o.messageId ?? uuid();
  const ts = o.timestamp ?? new Date();
  const event: SdkEvent = {
    type: input.type,
    messageId,
    timestamp: typeof ts === "string" ? ts : ts.toISOString(),
    anonymousId: o.anonymousId ?? input.anonymousId,
    userId: o.userId ?? input.userId,
    ...input.fields,
    context: { ...input.context, ...o.context },
  };
  const invalid = (message: string): Built => ({ reason: "invalid", message, messageId });
  if (!validId(messageId, 100)) {
    return invalid(`Message id "${messageId}" must be 1 to 100 characters`);
  }
  if (
    !validId(event.anonymousId, 256) ||
    (event.userId !== undefined && !validId(event.userId, 256))
  ) {
    return invalid("User and anonymous ids must be 1 to 256 characters");
  }
  if (
    [event.properties, event.traits, o.context].some((v) => v !== undefined && !isObject(v))
  ) {
    return invalid("Properties, traits and context must be objects");
  }
  let pending: Pending;
  try {
    pending = toPending(event);
  } catch {
    return invalid(`Event "${messageId}" is not serialisable as JSON`);
  }
  if (pending.bytes > input.maxEventBytes) {
    return {
      reason: "too_large",
      message:
        `Event "${messageId}" is ${pending.bytes} bytes, over the ${input.maxEventBytes} limit`,
      messageId,
    };
  }
  return { pending };
}
