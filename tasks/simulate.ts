/**
 * `deno task simulate`: live, realistic traffic to a running server through
 * the client SDK — the generator's persons walking the funnel, stamped with
 * the current time, at about `--rate` events per second. Prints a progress
 * line every few seconds and a summary; Ctrl-C stops sending and flushes.
 * See docs/simulate.md.
 *
 * @module
 */

import { parseArgs, USAGE } from "./simulate/options.ts";
import { simulate, type SimulateProgress, type SimulateSummary } from "./simulate/mod.ts";

function progressLine(p: SimulateProgress): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.sent / seconds : 0;
  const failed = p.failedRequests > 0 ? `  failed requests ${p.failedRequests}` : "";
  return `${seconds.toFixed(1).padStart(7)}s  sent ${p.sent} (${rate.toFixed(1)}/s)  ` +
    `acked ${p.acked}  queued ${p.sent - p.acked - p.dropped}  errors ${
      p.dropped + p.quarantined
    }  ` +
    `requests ${p.requests}${failed}  ` +
    `model day ${p.modelDay}${p.flushing ? "  (flushing)" : ""}`;
}

function summaryText(s: SimulateSummary, host: string): string {
  const seconds = s.elapsedMs / 1000;
  const why = {
    events: "event count reached",
    duration: "duration reached",
    interrupted: "interrupted",
    rejected: "write key refused",
  }[s.stoppedBy];
  const funnel = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]
    .map((name) => `${name} ${s.byEvent[name] ?? 0}`).join(", ");
  return [
    `Done in ${seconds.toFixed(1)} s (${why}): sent ${s.sent} events ` +
    `(${(seconds > 0 ? s.sent / seconds : 0).toFixed(1)}/s, target ${s.pacing.rate}/s) ` +
    `from ${s.persons} persons to ${host} in ${s.requests} requests`,
    `  acknowledged ${s.acked} (accepted ${s.accepted}, duplicates ${s.duplicates}, ` +
    `quarantined ${s.quarantined}); dropped ${s.dropped}; failed requests ${s.failedRequests}`,
    `  pages ${s.byEvent.page ?? 0}, identifies ${s.byEvent.identify ?? 0}, ${funnel}`,
    ...(s.pacing.stalledMs >= 100
      ? [`  paused ${(s.pacing.stalledMs / 1000).toFixed(1)} s while the server caught up`]
      : []),
  ].join("\n");
}

async function reachable(host: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${host}/healthz`, { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseArgs(Deno.args, (name) => Deno.env.get(name));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const problem = await reachable(opts.host);
  if (problem !== undefined) {
    console.error(`Server "${opts.host}" is not reachable: ${problem}`);
    return 1;
  }

  const stop = new AbortController();
  let latest: SimulateProgress | undefined;
  const onSigint = () => {
    if (!stop.signal.aborted) {
      console.error("\nStopping: flushing queued events (Ctrl-C again to quit at once)");
      stop.abort();
      return;
    }
    if (latest) console.error(progressLine(latest));
    console.error("Quit without waiting for the queued events");
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSigint);
  const bound = [
    opts.events !== undefined ? `${opts.events} events` : "",
    opts.durationMs !== undefined ? `${opts.durationMs / 1000} s` : "",
  ].filter(Boolean).join(" or ");
  if (!opts.quiet) {
    console.log(
      `Simulating ${opts.persons} persons (seed ${opts.seed}) at ${opts.rate} events/s ` +
        `to ${opts.host} for ${bound}; Ctrl-C stops`,
    );
  }
  try {
    const summary = await simulate({
      host: opts.host,
      writeKey: opts.writeKey,
      rate: opts.rate,
      events: opts.events,
      durationMs: opts.durationMs,
      persons: opts.persons,
      seed: opts.seed,
      signal: stop.signal,
      progressEveryMs: opts.everyMs,
      onProgress: (p) => {
        latest = p;
        if (!opts.quiet) console.log(progressLine(p));
      },
      onError: (e) => console.error(`warning: ${e.message}`),
    });
    console.log(summaryText(summary, opts.host));
    if (summary.stoppedBy === "rejected") {
      console.error(`The server refused the write key (status ${summary.lastErrorStatus})`);
    }
    return summary.stoppedBy === "rejected" || summary.dropped > 0 || summary.quarantined > 0
      ? 1
      : 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

if (import.meta.main) Deno.exit(await main());
