import {
  addDays,
  addIsoWeeks,
  bucketKind,
  bucketsOf,
  dayOf,
  daysInRange,
  dayStartMs,
  isoWeekDiff,
  isoWeekOf,
  isoWeekOfDay,
  isoWeekOfMonday,
  isoWeeksInYear,
  mondayOfIsoWeek,
  monthOf,
  monthOfDay,
  weekdayOf,
} from "../pipeline/contracts/mod.ts";
import { assertEquals, assertThrows } from "./assert.ts";

const dayCases: Array<[number, string]> = [
  [0, "1970-01-01"],
  [-1, "1969-12-31"],
  [Date.UTC(2026, 10, 25, 23, 59, 59, 999), "2026-11-25"],
  [Date.UTC(2026, 10, 26), "2026-11-26"],
  [Date.UTC(2028, 1, 29, 12), "2028-02-29"],
  [Date.UTC(2026, 11, 31, 23, 59, 59, 999), "2026-12-31"],
  [Date.UTC(9999, 11, 31, 23, 59), "9999-12-31"],
];
for (const [ms, day] of dayCases) {
  Deno.test(`dayOf(${ms}) is ${day}`, () => {
    assertEquals(dayOf(ms), day);
    assertEquals(monthOf(ms), day.slice(0, 7));
  });
}

Deno.test("dayOf() refuses non-finite times", () => {
  assertThrows(() => dayOf(Number.NaN), RangeError);
  assertThrows(() => dayOf(Infinity), RangeError);
});

const weekCases: Array<[string, string]> = [
  ["2026-11-25", "2026-W48"],
  ["2026-11-23", "2026-W48"],
  ["2026-11-29", "2026-W48"],
  ["2026-11-30", "2026-W49"],
  ["2026-01-01", "2026-W01"], // a Thursday: week 1 of its own year
  ["2025-12-29", "2026-W01"],
  ["2025-12-28", "2025-W52"],
  ["2026-12-28", "2026-W53"],
  ["2026-12-31", "2026-W53"],
  ["2027-01-03", "2026-W53"],
  ["2027-01-04", "2027-W01"],
  ["2020-12-28", "2020-W53"],
  ["2021-01-03", "2020-W53"],
  ["2021-01-04", "2021-W01"],
  ["2024-12-29", "2024-W52"],
  ["2024-12-30", "2025-W01"],
  ["2008-12-29", "2009-W01"],
  ["2010-01-03", "2009-W53"],
  ["2016-01-01", "2015-W53"],
  ["2024-02-29", "2024-W09"],
  ["2000-01-01", "1999-W52"],
  ["1970-01-01", "1970-W01"],
];
for (const [day, week] of weekCases) {
  Deno.test(`isoWeekOfDay("${day}") is ${week}`, () => {
    assertEquals(isoWeekOfDay(day), week);
    assertEquals(isoWeekOf(dayStartMs(day) + 86_399_999), week);
  });
}

const mondayCases: Array<[string, string]> = [
  ["2026-W48", "2026-11-23"],
  ["2026-W01", "2025-12-29"],
  ["2026-W53", "2026-12-28"],
  ["2020-W53", "2020-12-28"],
  ["2021-W01", "2021-01-04"],
  ["2025-W01", "2024-12-30"],
  ["2009-W01", "2008-12-29"],
  ["2009-W53", "2009-12-28"],
  ["2015-W53", "2015-12-28"],
];
for (const [week, monday] of mondayCases) {
  Deno.test(`mondayOfIsoWeek("${week}") is ${monday} and back`, () => {
    assertEquals(mondayOfIsoWeek(week), monday);
    assertEquals(isoWeekOfMonday(monday), week);
    assertEquals(weekdayOf(monday), 1);
  });
}

const badWeeks = [
  "2025-W53",
  "2021-W53",
  "2026-W00",
  "2026-W54",
  "2026-W1",
  "2026W48",
  "2026-w48",
  "",
];
for (const week of badWeeks) {
  Deno.test(`mondayOfIsoWeek("${week}") throws`, () => {
    assertThrows(() => mondayOfIsoWeek(week), RangeError);
    assertEquals(bucketKind(week), null);
  });
}

const weeksInYearCases: Array<[number, number]> = [
  [2015, 53],
  [2020, 53],
  [2021, 52],
  [2024, 52],
  [2025, 52],
  [2026, 53],
  [2032, 53],
  [2037, 53],
];
for (const [year, weeks] of weeksInYearCases) {
  Deno.test(`isoWeeksInYear(${year}) is ${weeks}`, () => {
    assertEquals(isoWeeksInYear(year), weeks);
  });
}

Deno.test("isoWeekOfMonday() refuses a day that is not a Monday", () => {
  assertThrows(() => isoWeekOfMonday("2026-11-24"), RangeError, "Monday");
  assertThrows(() => isoWeekOfMonday("2026-02-30"), RangeError);
});

const addWeekCases: Array<[string, number, string]> = [
  ["2026-W52", 1, "2026-W53"],
  ["2026-W52", 2, "2027-W01"],
  ["2026-W53", 1, "2027-W01"],
  ["2020-W53", 1, "2021-W01"],
  ["2021-W01", -1, "2020-W53"],
  ["2025-W52", 1, "2026-W01"],
  ["2026-W48", 0, "2026-W48"],
  ["2026-W48", -52, "2025-W48"],
  ["2026-W48", 53, "2027-W48"],
];
for (const [week, k, expected] of addWeekCases) {
  Deno.test(`addIsoWeeks("${week}", ${k}) is ${expected}`, () => {
    assertEquals(addIsoWeeks(week, k), expected);
    assertEquals(isoWeekDiff(week, expected), k);
  });
}

const diffCases: Array<[string, string, number]> = [
  ["2026-W52", "2027-W01", 2],
  ["2027-W01", "2026-W52", -2],
  ["2020-W01", "2021-W01", 53],
  ["2021-W01", "2022-W01", 52],
  ["2026-W48", "2026-W48", 0],
];
for (const [a, b, k] of diffCases) {
  Deno.test(`isoWeekDiff("${a}", "${b}") is ${k}`, () => {
    assertEquals(isoWeekDiff(a, b), k);
  });
}

const addDayCases: Array<[string, number, string]> = [
  ["2028-02-28", 1, "2028-02-29"],
  ["2028-02-29", 1, "2028-03-01"],
  ["2027-02-28", 1, "2027-03-01"],
  ["2100-02-28", 1, "2100-03-01"],
  ["2000-02-28", 1, "2000-02-29"],
  ["2026-12-31", 1, "2027-01-01"],
  ["2026-01-01", -1, "2025-12-31"],
  ["2026-11-25", 0, "2026-11-25"],
  ["2026-11-25", 365, "2027-11-25"],
  ["2027-11-25", 366, "2028-11-25"],
  ["1970-01-01", -1, "1969-12-31"],
];
for (const [day, n, expected] of addDayCases) {
  Deno.test(`addDays("${day}", ${n}) is ${expected}`, () => {
    assertEquals(addDays(day, n), expected);
  });
}

Deno.test("daysInRange() lists every day inclusively across a year end", () => {
  assertEquals(daysInRange("2026-12-30", "2027-01-02"), [
    "2026-12-30",
    "2026-12-31",
    "2027-01-01",
    "2027-01-02",
  ]);
  assertEquals(daysInRange("2028-02-28", "2028-03-01"), ["2028-02-28", "2028-02-29", "2028-03-01"]);
  assertEquals(daysInRange("2026-11-25", "2026-11-25"), ["2026-11-25"]);
});

Deno.test("daysInRange() refuses reversed, invalid and over-long ranges", () => {
  assertThrows(() => daysInRange("2026-11-26", "2026-11-25"), RangeError, "after");
  assertThrows(() => daysInRange("2026-02-30", "2026-03-01"), RangeError);
  assertEquals(daysInRange("2020-01-01", addDays("2020-01-01", 3659)).length, 3660);
  assertThrows(() => daysInRange("2020-01-01", addDays("2020-01-01", 3660)), RangeError, "3660");
});

const kindCases: Array<[string, string | null]> = [
  ["all", "all"],
  ["2026-11-25", "day"],
  ["2028-02-29", "day"],
  ["2026-02-29", null],
  ["2026-04-31", null],
  ["2026-W48", "week"],
  ["2026-W53", "week"],
  ["2020-W53", "week"],
  ["2025-W53", null],
  ["2026-W00", null],
  ["2026-11", "month"],
  ["2026-01", "month"],
  ["2026-13", null],
  ["2026-00", null],
  ["2026-1", null],
  ["ALL", null],
  ["", null],
  ["2026-11-25T00:00", null],
  ["2026-11-5", null],
  ["26-11-25", null],
];
for (const [bucket, kind] of kindCases) {
  Deno.test(`bucketKind("${bucket}") is ${kind}`, () => {
    assertEquals(bucketKind(bucket), kind);
  });
}

const weekdayCases: Array<[string, number]> = [
  ["2026-11-23", 1],
  ["2026-11-25", 3],
  ["2026-11-29", 7],
  ["2000-01-01", 6],
  ["1970-01-01", 4],
  ["2028-02-29", 2],
];
for (const [day, weekday] of weekdayCases) {
  Deno.test(`weekdayOf("${day}") is ${weekday}`, () => {
    assertEquals(weekdayOf(day), weekday);
    assertEquals(weekdayOf(day), new Date(dayStartMs(day)).getUTCDay() || 7);
  });
}

Deno.test("dayStartMs() is midnight UTC and refuses impossible days", () => {
  assertEquals(dayStartMs("1970-01-01"), 0);
  assertEquals(dayStartMs("2026-11-25"), Date.UTC(2026, 10, 25));
  assertEquals(dayStartMs("0001-01-01"), new Date("0001-01-01T00:00:00Z").getTime());
  assertThrows(() => dayStartMs("2026-02-29"), RangeError);
  assertThrows(() => dayStartMs("2026-1-1"), RangeError);
});

Deno.test("bucketsOf() gives day, ISO week, month and all", () => {
  assertEquals(bucketsOf(Date.UTC(2026, 10, 25, 10)), ["2026-11-25", "2026-W48", "2026-11", "all"]);
  assertEquals(bucketsOf(Date.UTC(2021, 0, 3, 23, 59)), [
    "2021-01-03",
    "2020-W53",
    "2021-01",
    "all",
  ]);
  assertEquals(bucketsOf(Date.UTC(2027, 0, 1)), ["2027-01-01", "2026-W53", "2027-01", "all"]);
});

Deno.test("monthOfDay() validates the day", () => {
  assertEquals(monthOfDay("2026-11-25"), "2026-11");
  assertThrows(() => monthOfDay("2026-11-31"), RangeError);
});
