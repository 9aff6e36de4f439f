/**
 * The report timeline's bar units, UTC. Minutes, hours and days have a fixed length; weeks (from Monday, as ISO
 * weeks) are fixed too but not aligned with the epoch, a Thursday; months and years follow the calendar. A store
 * spanning ten years needs year or month bars to stay under the report's bar limit.
 */
export const BAR_UNITS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type BarUnit = (typeof BAR_UNITS)[number];

const FIXED = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;
/** 1969-12-29, the Monday before the epoch */
const MONDAY = -3 * FIXED.day;

/** Bars counted from a fixed origin: consecutive bars have consecutive numbers, whatever their length. */
export function barNumber(ms: number, unit: BarUnit): number {
  if (unit === 'week') return Math.floor((ms - MONDAY) / FIXED.week);
  if (unit === 'month' || unit === 'year') {
    const d = new Date(ms);
    return unit === 'year' ? d.getUTCFullYear() : d.getUTCFullYear() * 12 + d.getUTCMonth();
  }
  return Math.floor(ms / FIXED[unit]);
}

/** The start of bar number `n`, epoch ms. */
export function barStartOf(n: number, unit: BarUnit): number {
  if (unit === 'week') return MONDAY + n * FIXED.week;
  if (unit === 'month') return Date.UTC(Math.floor(n / 12), ((n % 12) + 12) % 12);
  if (unit === 'year') return Date.UTC(n, 0);
  return n * FIXED[unit];
}

/** The start of the bar holding `ms`. */
export function barStart(ms: number, unit: BarUnit): number {
  return barStartOf(barNumber(ms, unit), unit);
}

/** The finest unit that draws [from, to] in at most `max` bars (years when nothing is that coarse). */
export function finestUnit(from: number, to: number, max: number): BarUnit {
  return BAR_UNITS.find((u) => barNumber(to, u) - barNumber(from, u) < max) ?? 'year';
}
