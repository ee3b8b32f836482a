/**
 * The catalog vocabulary: categories, products, warehouses and the SKUs that
 * never reach a snapshot. Faker (seeded) supplies the words; the numbers
 * (prices, popularity, life cycle) come from the generator's own `Rng`.
 *
 * @module
 */

import { en, Faker } from "@faker-js/faker";
import { mondayOf } from "./calendar.ts";
import { DEFAULT_FX_D4 } from "./money.ts";
import { Rng } from "./prng.ts";

/** Currencies orders are placed in, in a fixed order (index = currency id). */
export const CURRENCIES = ["USD", "EUR", "GBP"] as const;

/** A currency of `CURRENCIES`. */
export type Currency = typeof CURRENCIES[number];

/** One product of the catalog. */
export interface Product {
  index: number;
  sku: string;
  /** Name in snapshots before `renameDay` (or always). */
  name: string;
  /** Name from the Monday `renameDay` on. */
  renamedTo?: string;
  renameDay?: number;
  category: string;
  /** Unit price per currency (index of `CURRENCIES`), in d4. */
  priceD4: [number, number, number];
  /** USD unit cost in d4; `undefined` when the catalog has none. */
  costD4?: number;
  /** Relative popularity (power law). */
  weight: number;
  /** First day it is sold and stocked (a Monday, or before the range). */
  launchDay: number;
  /** First day it is no longer sold or stocked (a Monday), or `Infinity`. */
  endDay: number;
}

/** A SKU sold but never stocked in any snapshot (gift cards, legacy codes). */
export interface UnknownSku {
  sku: string;
  name: string;
  priceD4: [number, number, number];
}

/** Everything the model draws names and prices from. */
export interface Catalog {
  categories: string[];
  products: Product[];
  warehouses: string[];
  unknownSkus: UnknownSku[];
  searchTerms: string[];
}

/** What the catalog depends on. */
export interface CatalogOptions {
  seed: number;
  startDay: number;
  endDay: number;
  /** Number of products (SKUs stocked in snapshots). */
  products: number;
}

function localPrices(usdCents: number, fineD4: number): [number, number, number] {
  const out: [number, number, number] = [0, 0, 0];
  CURRENCIES.forEach((code, i) => {
    // Price setting, not KPI money: a local list price near the USD one, in whole cents,
    // less a sub-cent offset for the few products priced to 4 decimals.
    const cents = code === "USD"
      ? usdCents
      : Math.max(Math.round((usdCents * 10_000) / DEFAULT_FX_D4[code]), 1);
    out[i] = Math.max(cents * 100 - fineD4, 5);
  });
  return out;
}

function distinct(make: () => string, count: number, tries = 400): string[] {
  const seen = new Set<string>();
  for (let i = 0; i < tries && seen.size < count; i++) seen.add(make());
  let n = 1;
  while (seen.size < count) seen.add(`${make()} ${++n}`);
  return [...seen];
}

/**
 * Builds the catalog for a seed.
 *
 * @example
 * ```ts
 * const c = buildCatalog({ seed: 42, startDay: 20000, endDay: 20029, products: 300 });
 * c.products.length; // 300
 * ```
 */
export function buildCatalog(opts: CatalogOptions): Catalog {
  const faker = new Faker({ locale: [en] });
  faker.seed(opts.seed);
  const rng = new Rng(`${opts.seed}/catalog`);
  const categories = distinct(() => faker.commerce.department(), 12).sort();
  const warehouses = distinct(() => `${faker.location.city()} DC`, 4);
  const searchTerms = distinct(() => faker.commerce.productAdjective().toLowerCase(), 20);

  const prefixes = new Map<string, string>();
  const usedPrefixes = new Set<string>();
  for (const c of categories) {
    let p = c.replace(/[^A-Za-z]/g, "").slice(0, 3).toUpperCase().padEnd(3, "X");
    for (let i = 2; usedPrefixes.has(p); i++) p = `${p.slice(0, 2)}${i}`;
    usedPrefixes.add(p);
    prefixes.set(c, p);
  }
  const catBase = categories.map(() => 8 + rng.next() * 60);

  // Mondays inside the range after its first week: when products launch, end, or are renamed.
  const mondays: number[] = [];
  for (let d = mondayOf(opts.startDay) + 7; d <= opts.endDay; d += 7) mondays.push(d);

  const order = Array.from({ length: opts.products }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const products: Product[] = [];
  for (let i = 0; i < opts.products; i++) {
    const ci = rng.int(0, categories.length - 1);
    const category = categories[ci];
    const premium = rng.chance(0.02);
    const usd = premium
      ? rng.int(1000, 2500) * 100 + rng.pick([0, 50, 99])
      : Math.max(199, Math.round(catBase[ci] * Math.exp(rng.normal() * 0.7)) * 100 - 1);
    const priceD4 = localPrices(usd, rng.chance(0.04) ? rng.int(1, 19) * 5 : 0);
    const costD4 = rng.chance(0.08)
      ? undefined
      : rng.chance(0.2)
      ? Math.round(priceD4[0] * (0.35 + rng.next() * 0.3))
      : Math.round(priceD4[0] * (0.35 + rng.next() * 0.3) / 100) * 100;
    let launchDay = opts.startDay - 400;
    let endDay = Infinity;
    let renameDay: number | undefined;
    let renamedTo: string | undefined;
    if (mondays.length > 0) {
      const r = rng.next();
      if (r < 0.04) launchDay = rng.pick(mondays);
      else if (r < 0.07) endDay = rng.pick(mondays);
      else if (r < 0.10) {
        renameDay = rng.pick(mondays);
        renamedTo = `${faker.commerce.productName()} (new)`;
      }
    }
    products.push({
      index: i,
      sku: `${prefixes.get(category)}-${String(1001 + i).padStart(4, "0")}`,
      name: faker.commerce.productName(),
      renamedTo,
      renameDay,
      category,
      priceD4,
      costD4,
      weight: 1 / Math.pow(order[i] + 1, 1.07),
      launchDay,
      endDay,
    });
  }
  const unknownSkus: UnknownSku[] = [
    { sku: "GIFT-CARD-25", name: "Gift card 25", usd: 2500 },
    { sku: "GIFT-CARD-50", name: "Gift card 50", usd: 5000 },
    { sku: "LEGACY-0042", name: faker.commerce.productName(), usd: 1999 },
    { sku: "LEGACY-0107", name: faker.commerce.productName(), usd: 4450 },
    { sku: "SAMPLE_PACK-3", name: "Sample pack", usd: 499 },
  ].map((u) => ({ sku: u.sku, name: u.name, priceD4: localPrices(u.usd, 0) }));
  return { categories, products, warehouses, unknownSkus, searchTerms };
}

/** The name a product has in the snapshot of the week starting `monday`. */
export function productNameOn(p: Product, monday: number): string {
  return p.renameDay !== undefined && monday >= p.renameDay ? p.renamedTo! : p.name;
}

/** Whether a product is sold and stocked on `day`. */
export function isActive(p: Product, day: number): boolean {
  return day >= p.launchDay && day < p.endDay;
}
