/**
 * HTTP errors and their single mapping to responses.
 *
 * @module
 */

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * An error with an HTTP status and a stable code, answered as
 * `{"error": code, "message": text}` by {@link onError}.
 *
 * @example
 * ```ts
 * throw new HttpError(415, "unsupported_media_type", `Content type "${type}" is not accepted`);
 * ```
 */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Hook called with every refused request (for quality counters); set by the app. */
export type RejectionHook = (c: Context, error: HttpError) => void | Promise<void>;

/**
 * The app's only error handler: known errors keep their status and code,
 * anything else is a `500` whose details stay in the server log.
 */
export function errorHandler(onRejected?: RejectionHook) {
  return async function onError(err: Error, c: Context): Promise<Response> {
    if (err instanceof HttpError) {
      if (onRejected) await onRejected(c, err);
      return c.json({ error: err.code, message: err.message }, err.status, err.headers);
    }
    console.error("Unhandled error", err);
    return c.json({ error: "internal", message: "Internal server error" }, 500);
  };
}
