/**
 * The event bodies a visit uses most, prebuilt once per run as strings and
 * as UTF-8 bytes (which the line writer copies instead of encoding): product
 * pages, `Product Viewed` per currency, `Product Added` per currency and
 * quantity, and the Home page.
 *
 * @module
 */

import { type Catalog, CURRENCIES } from "./vocab.ts";

const encoder = new TextEncoder();

/** The Home page body. */
export const HOME_BODY = `"name":"Home","properties":{"path":"/","title":"Home"}`;
/** The Home page body as UTF-8. */
export const HOME_BYTES = encoder.encode(HOME_BODY);

/** Largest `Product Added` quantity of a visit. */
export const ADDED_QUANTITY_MAX = 3;

/** Prebuilt bodies by product index. */
export interface EventBodies {
  /** `Product Viewed` by product and currency. */
  views: string[][];
  viewBytes: Uint8Array[][];
  /** Product pages by product. */
  pages: string[];
  pageBytes: Uint8Array[];
  /** `Product Added` by `addedSlot()`. */
  added: string[];
  addedBytes: Uint8Array[];
}

/**
 * UTF-8 bytes of each text, from one encoding of them all (one
 * `TextEncoder` call per text costs more than the encoding itself); each is
 * a view of one shared buffer. The texts must not contain a newline.
 *
 * @example
 * ```ts
 * encodeEach(["a", "é"]); // [Uint8Array [97], Uint8Array [195, 169]]
 * ```
 */
export function encodeEach(texts: string[]): Uint8Array[] {
  for (const t of texts) {
    if (t.includes("\n")) throw new RangeError(`Text "${t}" contains a newline`);
  }
  const all = encoder.encode(texts.join("\n"));
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= all.length; i++) {
    if (i === all.length || all[i] === 10) {
      out.push(all.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

/** Index of the `Product Added` body of product `p`, currency `cur` and `quantity` (1–3). */
export function addedSlot(p: number, cur: number, quantity: number): number {
  return (p * CURRENCIES.length + cur) * ADDED_QUANTITY_MAX + quantity - 1;
}

/**
 * Prebuilds the bodies of every product from its event members
 * (`productMembers().products`).
 *
 * @example
 * ```ts
 * eventBodies(catalog, productMembers(catalog).products).pages[0]; // "\"name\":\"Product\",…"
 * ```
 */
export function eventBodies(catalog: Catalog, products: string[][]): EventBodies {
  const views = products.map((row) => row.map((members) => `"properties":{${members}}`));
  const pages = catalog.products.map((p) =>
    `"name":"Product","properties":{"path":"/products/${p.sku.toLowerCase()}","title":"Product"}`
  );
  const added: string[] = [];
  products.forEach((row, p) =>
    row.forEach((members, cur) => {
      for (let q = 1; q <= ADDED_QUANTITY_MAX; q++) {
        added[addedSlot(p, cur, q)] = `"properties":{${members},"quantity":${q}}`;
      }
    })
  );
  const flatViews = encodeEach(views.flat());
  const perProduct = CURRENCIES.length;
  return {
    views,
    viewBytes: views.map((_, p) => flatViews.slice(p * perProduct, (p + 1) * perProduct)),
    pages,
    pageBytes: encodeEach(pages),
    added,
    addedBytes: encodeEach(added),
  };
}
