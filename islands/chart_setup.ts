/**
 * Chart.js with only the parts the dashboard draws, registered once: the line
 * controller, its elements, the linear scale and the decimation plugin. No
 * tooltip or legend plugin: the island renders its own legend and hover
 * read-out, and every chart has a table next to it.
 *
 * Why no bar controller: Chart.js's core alone is ~43 KiB gzipped; line +
 * bar + category scale + decimation came to ~54 KiB, which with Preact and
 * the islands went past the 60 KB budget of the heaviest page. Categorical
 * comparisons are server-rendered HTML bars instead (no JavaScript, exact
 * figures, see docs/dashboard.md).
 *
 * @module
 */

import {
  Chart,
  Decimation,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
} from "chart.js";

Chart.register(Decimation, LinearScale, LineController, LineElement, PointElement);

export { Chart };
