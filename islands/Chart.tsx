/**
 * The chart island: a Chart.js line chart of one or more series over a shared
 * x axis (days, runs, week offsets), with an HTML legend and a hover
 * read-out. The server renders the legend and an empty canvas box; the
 * browser loads Chart.js (a lazily imported chunk, so the server never loads
 * it) and draws. Pages render the same figures as a table next to every
 * chart (routes/pages/components/ChartFigure.tsx).
 *
 * @module
 */

import { useEffect, useRef, useState } from "preact/hooks";
import { formatCompact, formatValue, type Unit } from "./format.ts";

/** One series of a chart. */
export interface ChartSeries {
  name: string;
  /** One value per label; `null` leaves a gap. */
  values: (number | null)[];
  /** Palette slot 1–8 (CSS `--chart-N`); defaults to the series' position. */
  tone?: number;
  /** Drawn dashed (e.g. the previous period). */
  dashed?: boolean;
}

/** Props of {@link Chart}: plain data only (they travel to the browser as JSON). */
export interface ChartProps {
  /** Stable id; the canvas gets `data-chart="<id>"`. */
  id: string;
  /** One label per x position (dates, run times, week offsets). */
  labels: string[];
  series: ChartSeries[];
  unit: Unit;
  /** What the chart shows, for screen readers (the table has the figures). */
  summary: string;
  /** Start the value axis at zero (default true). */
  fromZero?: boolean;
}

/** Long series are decimated (LTTB) to about this many points. */
const DECIMATE_TO = 120;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

// Chart.js's configuration types are large generics; the island builds a
// plain object and lets Chart.js validate it at run time.
// deno-lint-ignore no-explicit-any
type Any = any;

function chartConfig(props: ChartProps, onHover: (index: number | null) => void): Any {
  const text = cssVar("--chart-text", "#555");
  const grid = cssVar("--chart-grid", "#e5e5e5");
  const last = props.labels.length - 1;
  return {
    type: "line",
    data: {
      datasets: props.series.map((s, i) => {
        const color = cssVar(`--chart-${s.tone ?? i + 1}`, "#3b6ea5");
        return {
          label: s.name,
          data: s.values.map((y, x) => ({ x, y })),
          borderColor: color,
          backgroundColor: color,
          borderWidth: 2,
          borderDash: s.dashed ? [5, 4] : undefined,
          // Points only where a series is short enough for them to read as points.
          pointRadius: props.labels.length <= 31 ? 2.5 : 0,
          pointHoverRadius: 3,
          spanGaps: false,
        };
      }),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: "index", intersect: false },
      onHover: (e: { x: number }, _elements: unknown, chart: Any) => {
        // Decimated datasets renumber their points: read the x value under the pointer.
        const x = Math.round(chart.scales.x.getValueForPixel(e.x));
        onHover(x >= 0 && x <= last ? x : null);
      },
      scales: {
        x: {
          type: "linear",
          min: 0,
          max: Math.max(last, 1),
          grid: { display: false },
          ticks: {
            color: text,
            maxRotation: 0,
            autoSkipPadding: 16,
            precision: 0,
            callback: (v: number) => (Number.isInteger(v) ? props.labels[v] ?? "" : ""),
          },
        },
        y: {
          beginAtZero: props.fromZero ?? true,
          grid: { color: grid },
          ticks: { color: text, callback: (v: number) => formatCompact(v, props.unit) },
        },
      },
      plugins: {
        decimation: {
          enabled: true,
          algorithm: "lttb",
          samples: DECIMATE_TO,
          threshold: DECIMATE_TO,
        },
      },
    },
  };
}

/**
 * A line chart island. The canvas carries `data-drawn="1"` once Chart.js has
 * drawn it, and `data-points` (points of the first series after decimation).
 *
 * @example
 * ```tsx
 * <Island of={Chart} props={{ id: "revenue", labels, series, unit: "cents", summary }} />
 * ```
 */
export default function Chart(props: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  useEffect(() => {
    let chart: { destroy(): void } | undefined;
    let cancelled = false;
    import("./chart_setup.ts").then(({ Chart: ChartJs }) => {
      if (cancelled || !canvas.current) return;
      const drawn = new ChartJs(canvas.current, chartConfig(props, setHover));
      chart = drawn;
      // Points actually drawn after decimation, for tests and the curious.
      canvas.current.dataset.points = String(drawn.getDatasetMeta(0).data.length);
      canvas.current.dataset.drawn = "1";
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, []);
  const readout = hover === null ? "\u00a0" : `${props.labels[hover]}: ${
    props.series.map((s) => {
      const v = s.values[hover];
      return `${s.name} ${v === null || v === undefined ? "—" : formatValue(v, props.unit)}`;
    }).join(" · ")
  }`;
  return (
    <div class="chart">
      <ul class="legend" aria-hidden="true">
        {props.series.map((s, i) => (
          <li key={s.name} class={`tone-${s.tone ?? i + 1}${s.dashed ? " dashed" : ""}`}>
            {s.name}
          </li>
        ))}
      </ul>
      <div class="chart-box">
        <canvas ref={canvas} data-chart={props.id} role="img" aria-label={props.summary} />
      </div>
      <p class="readout" aria-hidden="true">{readout}</p>
    </div>
  );
}
