/**
 * A figure that keeps itself current by polling a small JSON endpoint, e.g.
 * "events today" on the overview. Polling pauses while the tab is hidden and
 * backs off after errors; the server-rendered value is shown until the first
 * answer arrives.
 *
 * @module
 */

import { useEffect, useState } from "preact/hooks";
import { formatCount } from "./format.ts";

/** Props of {@link LiveCount}. */
export interface LiveCountProps {
  /** Same-origin URL answering `{"value": number, "as_of": string}`. */
  url: string;
  /** The value at render time. */
  initial: number;
  /** Time of the initial value, ISO 8601. */
  asOf: string;
  /** Poll interval, milliseconds. */
  intervalMs: number;
}

/** Answer of the polled endpoint. */
export interface LiveValue {
  value: number;
  as_of: string;
}

/**
 * Renders the value with `data-live-value` (the raw number) and its time.
 *
 * @example
 * ```tsx
 * <Island of={LiveCount} props={{ url: "/live/events-today", initial: 42, asOf, intervalMs: 5000 }} />
 * ```
 */
export default function LiveCount(props: LiveCountProps) {
  const [state, setState] = useState({ value: props.initial, asOf: props.asOf, stale: false });
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const poll = async () => {
      if (!document.hidden) {
        try {
          const res = await fetch(props.url, { headers: { accept: "application/json" } });
          if (!res.ok) throw new Error(`Status ${res.status}`);
          const body = await res.json() as LiveValue;
          failures = 0;
          setState({ value: body.value, asOf: body.as_of, stale: false });
        } catch {
          failures++;
          setState((s) => ({ ...s, stale: true }));
        }
      }
      timer = setTimeout(poll, props.intervalMs * Math.min(2 ** failures, 12));
    };
    timer = setTimeout(poll, props.intervalMs);
    return () => clearTimeout(timer);
  }, []);
  return (
    <span class={state.stale ? "live stale" : "live"}>
      <span class="live-value" data-live-value={String(state.value)}>
        {formatCount(state.value)}
      </span>
      <span class="live-time">
        as of <time dateTime={state.asOf}>{state.asOf.slice(11, 19)} UTC</time>
        {state.stale ? " (not updating)" : ""}
      </span>
    </span>
  );
}
