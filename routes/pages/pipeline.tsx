/**
 * Pipeline: every job with its recent runs (status, duration, records,
 * errors), run durations as a chart, each stage's backlog and lag, and a
 * button that runs every job until drained.
 *
 * @module
 */

import { readPipelineReport } from "../../pipeline/monitoring/mod.ts";
import type { JobRun } from "../../pipeline/read/types.ts";
import { formatCount, formatSeconds } from "../../islands/format.ts";
import { ChartFigure } from "./components/ChartFigure.tsx";
import { Kpi } from "./components/Kpi.tsx";
import type { PageContext, PageView } from "./pages.ts";
import { Card } from "./components/Card.tsx";

/** Runs listed and charted per job. */
export const RUNS_PER_JOB = 10;

/** Duration of a run in seconds (to now for a running one). */
export function runSeconds(run: JobRun, now: number): number {
  const start = Date.parse(run.started_at);
  const end = run.finished_at ? Date.parse(run.finished_at) : now;
  return Math.max(0, (end - start) / 1000);
}

function time(iso: string): string {
  return iso.slice(0, 19).replace("T", " ");
}

function Status(props: { status: JobRun["status"] }) {
  return <span class={`badge ${props.status}`}>{props.status}</span>;
}

/** The notice after a run (numbers only, from the redirect's query). */
function RunNotice(props: { params: URLSearchParams }) {
  const runs = Number.parseInt(props.params.get("runs") ?? "", 10);
  if (!Number.isSafeInteger(runs)) return null;
  const drained = props.params.get("drained") === "1";
  return (
    <p class="notice" role="status" data-notice="run">
      Ran {runs} job run{runs === 1 ? "" : "s"};{" "}
      {drained ? "every stage is drained." : "some work is still pending (held by another worker)."}
    </p>
  );
}

/** Loads and renders the pipeline page. */
export async function loadPipeline(ctx: PageContext): Promise<PageView> {
  const report = await readPipelineReport(ctx.kv, { now: ctx.now, runsPerJob: RUNS_PER_JOB });
  const ran = report.jobs.filter((j) => j.runs.length > 0);
  const longest = Math.max(0, ...ran.map((j) => j.runs.length));
  const labels = Array.from(
    { length: longest },
    (_, i) => i === longest - 1 ? "latest" : `−${longest - 1 - i}`,
  );
  const series = ran.map((j, i) => {
    const oldestFirst = [...j.runs].reverse();
    const pad = longest - oldestFirst.length;
    return {
      name: j.name,
      tone: (i % 6) + 1,
      values: labels.map((_, k) => (k < pad ? null : runSeconds(oldestFirst[k - pad], ctx.now))),
    };
  });
  const backlog = report.stages.reduce((s, st) => s + st.backlog, 0);
  const lag = Math.max(0, ...report.stages.map((s) => s.lag_seconds));
  const errors = ran.filter((j) => j.runs[0]?.status === "error").length;
  return {
    title: "Pipeline",
    tools: (
      <form method="post" action="/pipeline/run" class="inline" data-form="run">
        <input type="hidden" name="_csrf" value={ctx.csrf} />
        <button type="submit" class="primary">Run pipeline now</button>
      </form>
    ),
    body: (
      <>
        <RunNotice params={ctx.url.searchParams} />
        <div class="kpis">
          <Kpi id="backlog" label="Records waiting" value={backlog} unit="count" />
          <Kpi id="lag" label="Oldest waiting" value={lag} unit="seconds" />
          <Kpi id="failing" label="Jobs failing" value={errors} unit="count" />
        </div>
        <div class="grid">
          <Card title="Stages" note="received but not yet processed">
            <div class="table-wrap">
              <table data-table="stages">
                <thead>
                  <tr>
                    <th scope="col">Stage</th>
                    <th scope="col" class="num">Backlog</th>
                    <th scope="col" class="num">Lag</th>
                  </tr>
                </thead>
                <tbody>
                  {report.stages.map((s) => (
                    <tr data-stage={s.stage}>
                      <td>{s.stage}</td>
                      <td class="num" data-value={String(s.backlog)}>{formatCount(s.backlog)}</td>
                      <td class="num" data-value={String(s.lag_seconds)}>
                        {formatSeconds(s.lag_seconds)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
          <Card title="Jobs" note="latest run">
            <div class="table-wrap">
              <table data-table="jobs">
                <thead>
                  <tr>
                    <th scope="col">Job</th>
                    <th scope="col">Status</th>
                    <th scope="col">Started (UTC)</th>
                    <th scope="col" class="num">Took</th>
                    <th scope="col" class="num">In → out</th>
                  </tr>
                </thead>
                <tbody>
                  {report.jobs.map((j) => {
                    const last = j.runs[0];
                    return (
                      <tr data-job={j.name}>
                        <td>{j.name}</td>
                        <td>
                          {last
                            ? <Status status={last.status} />
                            : <span class="badge">never run</span>}
                        </td>
                        <td class="small">{last ? time(last.started_at) : ""}</td>
                        <td class="num">{last ? formatSeconds(runSeconds(last, ctx.now)) : ""}</td>
                        <td class="num">
                          {last
                            ? `${formatCount(last.records_in)} → ${formatCount(last.records_out)}`
                            : ""}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </Card>
        </div>
        {series.length > 0 && (
          <ChartFigure
            id="durations"
            title="Run durations"
            subtitle={`last ${RUNS_PER_JOB} runs of each job`}
            labelHeader="Run"
            labels={labels}
            unit="seconds"
            series={series}
          />
        )}
        <Card title="Recent runs" note="newest first">
          {ran.length === 0 && <p class="empty">No job has run yet.</p>}
          {ran.map((j) => {
            const failed = j.runs.some((r) => r.status === "error");
            return (
              <details data-runs={j.name} open={failed}>
                <summary>
                  <strong>{j.name}</strong> · {j.runs.length} run{j.runs.length === 1 ? "" : "s"}
                  {failed && (
                    <>
                      {" "}· <span class="badge error">errors</span>
                    </>
                  )}
                </summary>
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Started (UTC)</th>
                        <th scope="col">Status</th>
                        <th scope="col" class="num">Took</th>
                        <th scope="col" class="num">In</th>
                        <th scope="col" class="num">Out</th>
                        <th scope="col">Error</th>
                      </tr>
                    </thead>
                    <tbody>
                      {j.runs.map((r) => (
                        <tr>
                          <td class="small">{time(r.started_at)}</td>
                          <td>
                            <Status status={r.status} />
                          </td>
                          <td class="num">{formatSeconds(runSeconds(r, ctx.now))}</td>
                          <td class="num">{formatCount(r.records_in)}</td>
                          <td class="num">{formatCount(r.records_out)}</td>
                          <td class="small">{r.error ?? ""}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </details>
            );
          })}
        </Card>
      </>
    ),
  };
}
