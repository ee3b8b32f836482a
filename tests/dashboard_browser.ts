/**
 * Helpers of the dashboard's browser tests: Debian's chromium driven by
 * playwright-core, and page probes (canvas ink, CSP violations).
 *
 * @module
 */

import { type Browser, chromium, type Page } from "playwright-core";

/** Where Debian installs chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser tests can run here. */
export const hasChromium: boolean = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

/** Prints why browser tests are skipped (once per test file). */
export function warnIfNoChromium(file: string): void {
  if (!hasChromium) {
    console.warn(
      `${file}: browser tests skipped, ${CHROMIUM} is missing (apt-get install chromium)`,
    );
  }
}

/** Launches headless chromium with the flags this machine needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    headless: true,
  });
}

/**
 * Records CSP violations and console errors of a page into `window.__violations`
 * and the returned list. Init scripts run through the DevTools protocol, so
 * the page's CSP does not block them.
 */
export async function watchPage(page: Page): Promise<{ errors: string[] }> {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.addInitScript(() => {
    const w = globalThis as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { errors };
}

/** The CSP violations recorded by {@link watchPage}. */
export function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { __violations: string[] }).__violations);
}

/**
 * Pixels with any ink on each drawn chart canvas of the page, by `data-chart`
 * id, after waiting until every chart canvas is drawn.
 */
export async function chartInk(page: Page): Promise<Record<string, number>> {
  await page.waitForFunction(
    () => {
      const canvases = [...document.querySelectorAll("canvas[data-chart]")];
      return canvases.every((c) => (c as HTMLCanvasElement).dataset.drawn === "1");
    },
    undefined,
    { timeout: 15_000 },
  );
  return await page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const el of document.querySelectorAll("canvas[data-chart]")) {
      const canvas = el as HTMLCanvasElement;
      const ctx = canvas.getContext("2d");
      if (!ctx || canvas.width === 0 || canvas.height === 0) {
        out[canvas.dataset.chart!] = 0;
        continue;
      }
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
      out[canvas.dataset.chart!] = ink;
    }
    return out;
  });
}
