/**
 * Time helpers: wall-clock times in an IANA zone to UTC, ISO output, and the --since/--until syntax.
 * Zone offsets come from Intl and are cached per zone and hour, so converting millions of syslog stamps is cheap.
 */
import { UsageError } from '../errors.js';

export const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function isValidZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();

function formatter(tz: string): Intl.DateTimeFormat {
  let fmt = formatters.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, fmt);
  }
  return fmt;
}

/** Offset of `tz` from UTC in ms at the instant `utcMs` (positive east of Greenwich). */
export function zoneOffsetAt(tz: string, utcMs: number): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
  const hourKey = `${tz}|${Math.floor(utcMs / 3_600_000)}`;
  const cached = offsetCache.get(hourKey);
  if (cached !== undefined) return cached;
  const parts = formatter(tz).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offset = asUtc - Math.floor(utcMs / 1000) * 1000;
  if (offsetCache.size > 100_000) offsetCache.clear();
  offsetCache.set(hourKey, offset);
  return offset;
}

/**
 * UTC ms for a wall-clock time in `tz`. The offsets in force 12 hours before and after are both tried: in the
 * repeated autumn hour both fit and the earlier instant wins; in the spring gap neither fits and the time is
 * shifted forward (the usual choice of date libraries).
 */
export function wallToUtc(
  tz: string,
  year: number,
  month0: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number {
  const naive = Date.UTC(year, month0, day, hour, minute, second, ms);
  if (tz === 'UTC' || tz === 'Etc/UTC') return naive;
  const before = zoneOffsetAt(tz, naive - 43_200_000);
  const after = zoneOffsetAt(tz, naive + 43_200_000);
  const early = naive - before;
  if (before === after) return early;
  const late = naive - after;
  const earlyFits = zoneOffsetAt(tz, early) === before;
  const lateFits = zoneOffsetAt(tz, late) === after;
  if (earlyFits && lateFits) return Math.min(early, late);
  if (earlyFits) return early;
  if (lateFits) return late;
  return early;
}

/**
 * How far the clock goes back after `utcMs` when that instant is the first pass of a wall-clock time `tz` repeats
 * (the autumn hour), else 0. wallToUtc reads such a time as its first pass; this is what a later pass is off by.
 */
export function repeatedBy(tz: string, utcMs: number): number {
  const now = zoneOffsetAt(tz, utcMs);
  const back = now - zoneOffsetAt(tz, utcMs + 43_200_000);
  return back > 0 && zoneOffsetAt(tz, utcMs + back) === now - back ? back : 0;
}

/** How far back a stream's zoneless times may step (lines a few seconds out of order) before it is read as a fold. */
const FOLD_SLACK = 60_000;

/**
 * The second pass of a repeated hour, told from the order of one stream's lines. wallToUtc alone reads 02:05 as the
 * first 02:05 of the night the clocks go back, so the lines written after the change would sort an hour early,
 * before lines written earlier. A line whose time, so read, lies more than a minute before the stream's previous
 * zoneless time is from the later pass and moves forward by the change. One per stream; a stream that a later run
 * resumes (or a new file continues, after rotation) starts from the instant its earlier part had reached, so a run
 * that begins inside the second pass is not read as the first.
 */
export class FoldReader {
  private hour = NaN;
  private back = 0;

  /** `last`: the instant the stream's previous zoneless time was read as, in an earlier run */
  constructor(
    private readonly tz: string,
    private last = -Infinity,
  ) {}

  /** The instant the stream's latest zoneless time was read as (-Infinity before any): what a later run starts from. */
  get reached(): number {
    return this.last;
  }

  /** `ts` read from a zoneless time in the stream's zone, in line order: the instant the line means. */
  next(ts: number): number {
    const hour = Math.floor(ts / 3_600_000);
    if (hour !== this.hour) {
      this.hour = hour;
      this.back = repeatedBy(this.tz, ts);
    }
    if (this.back > 0 && ts < this.last - FOLD_SLACK) ts += this.back;
    this.last = ts;
    return ts;
  }
}

/** "+0200", "+02:00", "Z", "-05" -> offset in ms; NaN when not an offset. */
export function parseOffset(text: string): number {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d\d):?(\d\d)?$/.exec(text);
  if (!m) return NaN;
  const mins = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return (m[1] === '-' ? -1 : 1) * mins * 60_000;
}

export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "15m", "2h", "7d" -> ms; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

/** The widest offset any zone has used is +14:00 (Kiribati); a larger one is a typo, not a place. */
const MAX_OFFSET_MINUTES = 14 * 60;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

/**
 * True when the date and clock time exist. Date.UTC rolls impossible values over without a word (2026-02-30 is
 * 2 March, 25:00 the next day's 01:00), and for prune that deletes another range than the one named. 24:00 and
 * leap seconds are refused: ISO 8601 dropped the first, and the store's epoch times cannot hold the second.
 */
function isRealTime(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = mo === 2 && isLeapYear(y) ? 29 : MONTH_DAYS[mo - 1];
  return d <= days && h <= 23 && mi <= 59 && s <= 59;
}

/** Offset text that parseOffset reads, with minutes under 60 and at most 14 hours from UTC. */
function isRealOffset(zone: string): boolean {
  const m = /^[+-](\d\d):?(\d\d)$/.exec(zone);
  if (!m) return zone.toUpperCase() === 'Z';
  const minutes = Number(m[2]);
  return minutes <= 59 && Number(m[1]) * 60 + minutes <= MAX_OFFSET_MINUTES;
}

/**
 * --since / --until, @timestamp in queries and prune --older-than: an ISO date or date-time (a date-time without a
 * zone is read in `tz`), or a duration meaning that long before `now`. The one parser of times typed by users.
 */
export function parseTimeArg(text: string, tz: string = 'UTC', now: number = Date.now()): number {
  const dur = parseDuration(text);
  if (dur !== undefined) return now - dur;
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d\d:?\d\d)?)?$/i.exec(text.trim());
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
    if (isRealTime(+y, +mo, +d, +h, +mi, +s) && (!zone || isRealOffset(zone))) {
      const ms = Number(frac.padEnd(3, '0').slice(0, 3));
      if (zone) return Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms) - parseOffset(zone.toUpperCase());
      return wallToUtc(tz, +y, +mo - 1, +d, +h, +mi, +s, ms);
    }
  }
  if (/^\d{10,13}$/.test(text)) return text.length === 13 ? Number(text) : Number(text) * 1000;
  throw new UsageError(`cannot read "${text}" as a time`, 'use an ISO date (2026-11-14, 2026-11-14T03:00:00Z) or a duration (15m, 2h, 7d)');
}
