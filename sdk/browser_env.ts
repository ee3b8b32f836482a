/**
 * What the client uses only in browsers: localStorage, page context, lifecycle hooks, and
 * sending at page hide with `fetch(..., {keepalive: true})` or `navigator.sendBeacon`.
 *
 * Every access is guarded: storage can throw (private modes, disabled cookies) and older
 * browsers lack keepalive or sendBeacon.
 *
 * @module
 */

import type { JsonObject } from "./types.ts";

/** Browsers allow this many bytes of keepalive (and beacon) bodies in flight per page. */
export const KEEPALIVE_BYTES = 65536;

/** The browser facilities, present only when running in a page. */
export interface BrowserEnv {
  /** Reads a localStorage entry, or `undefined`. */
  load(key: string): string | undefined;
  /** Writes (or, with `undefined`, removes) a localStorage entry; failures are ignored. */
  store(key: string, value: string | undefined): void;
  /** Removes every localStorage entry whose key starts with `prefix` and returns the values. */
  claim(prefix: string): string[];
  /** True when `navigator.onLine` is false. */
  offline(): boolean;
  /** `context` fields of the page: `page` and `userAgent`. */
  context(): JsonObject;
  /** `page` properties: path, url, title, referrer, search. */
  pageProperties(): JsonObject;
  /** Calls `onHide` on `visibilitychange` to hidden and on `pagehide`, `onOnline` on `online`. */
  hook(onHide: () => void, onOnline: () => void): () => void;
  /**
   * Sends a body that outlives the page: keepalive fetch while the per-page budget allows and
   * the browser supports it, else `sendBeacon`. Resolves to the HTTP status (0 on a network
   * error), or 202 when the beacon was queued and -1 when it was refused.
   */
  sendAtExit(url: string, body: string, bytes: number, doFetch: typeof fetch): Promise<number>;
}

/** The browser facilities, or `undefined` outside a page (Deno, Node, workers). */
export function browserEnv(): BrowserEnv | undefined {
  const g = globalThis as unknown as Window & typeof globalThis;
  if (typeof g.document === "undefined" || typeof g.addEventListener !== "function") return;
  let keepaliveInFlight = 0;
  const storage = (): Storage | undefined => {
    try {
      return g.localStorage;
    } catch {
      return undefined;
    }
  };
  return {
    load(key) {
      try {
        return storage()?.getItem(key) ?? undefined;
      } catch {
        return undefined;
      }
    },
    store(key, value) {
      try {
        if (value === undefined) storage()?.removeItem(key);
        else storage()?.setItem(key, value);
      } catch {
        // Quota exceeded or storage disabled: the in-memory queue still works.
      }
    },
    claim(prefix) {
      const values: string[] = [];
      try {
        const s = storage();
        for (const key of s ? Object.keys(s) : []) {
          if (!key.startsWith(prefix)) continue;
          values.push(s!.getItem(key) ?? "");
          s!.removeItem(key);
        }
      } catch {
        // Storage disabled: nothing to claim.
      }
      return values;
    },
    offline: () => g.navigator.onLine === false,
    context: () => ({ page: pageInfo(g), userAgent: g.navigator.userAgent }),
    pageProperties: () => pageInfo(g),
    hook(onHide, onOnline) {
      const visibility = () => g.document.visibilityState === "hidden" && onHide();
      g.document.addEventListener("visibilitychange", visibility);
      g.addEventListener("pagehide", onHide);
      g.addEventListener("online", onOnline);
      return () => {
        g.document.removeEventListener("visibilitychange", visibility);
        g.removeEventListener("pagehide", onHide);
        g.removeEventListener("online", onOnline);
      };
    },
    async sendAtExit(url, body, bytes, doFetch) {
      const canKeepalive = typeof Request !== "undefined" && "keepalive" in Request.prototype;
      if (canKeepalive && keepaliveInFlight + bytes <= KEEPALIVE_BYTES) {
        keepaliveInFlight += bytes;
        try {
          // text/plain keeps it a simple request (no CORS preflight); the key is in the body.
          const res = await doFetch(url, {
            method: "POST",
            body,
            keepalive: true,
            headers: { "Content-Type": "text/plain" },
          });
          await res.body?.cancel();
          return res.status;
        } catch {
          return 0;
        } finally {
          keepaliveInFlight -= bytes;
        }
      }
      try {
        return g.navigator.sendBeacon?.(url, body) ? 202 : -1;
      } catch {
        return -1;
      }
    },
  };
}

function pageInfo(g: Window): JsonObject {
  const l = g.location;
  return {
    path: l.pathname,
    url: l.href,
    search: l.search,
    title: g.document.title,
    referrer: g.document.referrer,
  };
}
