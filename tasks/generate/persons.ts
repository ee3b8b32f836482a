/**
 * The population: who visits, when, and as whom. Registered persons always
 * send their `userId`; anonymous ones only an `anonymousId`; converters start
 * anonymous and identify on their conversion day. Arrivals grow over the
 * range, and each person's visit rate decays from their first visit, which
 * shapes the retention cohorts.
 *
 * @module
 */

import { CURRENCIES, type Currency } from "./vocab.ts";
import { DAY_MS, weekdayOf } from "./calendar.ts";
import { keyedSampler, Rng, weightedSampler } from "./prng.ts";

/** One simulated person. */
export interface Person {
  index: number;
  anonymousId: string;
  /** Known from the start (registered persons). */
  userId?: string;
  /** Converters: the userId they get on `convertDay`. */
  laterUserId?: string;
  convertDay?: number;
  /** Day of the first visit. */
  joinDay: number;
  /** Base visits per day. */
  rate: number;
  country: string;
  currency: number;
  channel: "web" | "app";
  /** Product indices left in the cart by an abandoned session. */
  cart: number[];
  /** JSON fragment `"anonymousId":"…"`, built once. */
  anonJson: string;
}

const COUNTRIES: Record<string, number> = {
  US: 48,
  GB: 14,
  DE: 10,
  FR: 8,
  CA: 7,
  NL: 5,
  ES: 4,
  IT: 4,
};
const COUNTRY_CURRENCY: Record<string, Currency> = {
  US: "USD",
  CA: "USD",
  GB: "GBP",
  DE: "EUR",
  FR: "EUR",
  NL: "EUR",
  ES: "EUR",
  IT: "EUR",
};

/** Relative traffic by weekday, Monday first (weekend peak). */
export const WEEKDAY_FACTOR = [0.95, 0.95, 1.0, 1.0, 1.08, 1.25, 1.2];

/**
 * Builds `count` persons for a range of days.
 *
 * @example
 * ```ts
 * buildPersons({ seed: 42, count: 200, startDay: 20000, days: 14 }).length; // 200
 * ```
 */
export function buildPersons(
  opts: { seed: number; count: number; startDay: number; days: number },
): Person[] {
  const rng = new Rng(`${opts.seed}/persons`);
  const country = keyedSampler(COUNTRIES);
  const persons: Person[] = [];
  for (let i = 0; i < opts.count; i++) {
    const anonymousId = rng.uuid();
    const kind = rng.next();
    // Established persons joined before the range; newcomers arrive ever faster (growth).
    const joinDay = rng.chance(0.55)
      ? opts.startDay - rng.int(0, 60)
      : opts.startDay + Math.floor(opts.days * Math.sqrt(rng.next()));
    const c = country(rng);
    const p: Person = {
      index: i,
      anonymousId,
      joinDay,
      rate: Math.min(0.9, 0.22 * Math.exp(rng.normal() * 0.8)),
      country: c,
      currency: CURRENCIES.indexOf(COUNTRY_CURRENCY[c]),
      channel: rng.chance(0.3) ? "app" : "web",
      cart: [],
      // Flat (joined), like the ids: see Rng.uuid().
      anonJson: ['"anonymousId":"', anonymousId, '"'].join(""),
    };
    const userId = `u_${String(100_000 + i)}`;
    if (kind < 0.55) p.userId = userId;
    else if (kind < 0.70) {
      p.laterUserId = userId;
      p.convertDay = Math.max(joinDay, opts.startDay) + rng.int(0, Math.max(1, opts.days));
    }
    persons.push(p);
  }
  return persons;
}

/**
 * Probability that a person visits on `day` (`progress` = share of the range elapsed).
 *
 * @example
 * ```ts
 * visitChance(person, person.joinDay, 0); // 1: everyone visits on their first day
 * ```
 */
export function visitChance(p: Person, day: number, weekday: number, progress: number): number {
  if (day < p.joinDay) return 0;
  if (day === p.joinDay) return 1;
  const age = day - p.joinDay;
  const decay = 0.4 + 0.6 * Math.exp(-age / 12);
  return Math.min(0.95, p.rate * WEEKDAY_FACTOR[weekday] * decay * (1 + 0.3 * progress));
}

/** Relative traffic by hour of day (UTC), midnight first. */
export const HOUR_WEIGHTS = [
  1,
  0.6,
  0.4,
  0.3,
  0.3,
  0.5,
  1,
  2,
  3,
  4,
  4.5,
  5,
  5.5,
  5,
  5,
  5,
  5.5,
  6,
  7,
  7.5,
  7,
  6,
  4,
  2,
];
const hourOf = weightedSampler(HOUR_WEIGHTS);

/** One visit of a day. */
export interface Visit {
  start: number;
  person: Person;
}

/**
 * The visits of one day, in start order (ties in person order): who visits,
 * once or twice, and when.
 *
 * @example
 * ```ts
 * for (const v of scheduleVisits(persons, { day, progress: 0.5, rng })) runSession(world, v.person, v.start);
 * ```
 */
export function scheduleVisits(
  persons: Person[],
  opts: { day: number; progress: number; rng: Rng },
): Visit[] {
  const { day, rng } = opts;
  const weekday = weekdayOf(day);
  const visits: Visit[] = [];
  for (const person of persons) {
    if (!rng.chance(visitChance(person, day, weekday, opts.progress))) continue;
    const count = rng.chance(0.12) ? 2 : 1;
    for (let v = 0; v < count; v++) {
      visits.push({
        start: day * DAY_MS + hourOf(rng) * 3_600_000 + rng.int(0, 3_599_999),
        person,
      });
    }
  }
  return visits.sort((a, b) => a.start - b.start);
}
