/**
 * Moving a retry into the customer's daytime, with Intl's time zone data (no clock reads):
 * a payment retried at 03:00 local time gains nothing and can trip issuers' velocity checks.
 */

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    // Throws RangeError for an unknown zone, which the caller reports.
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

function wallTime(ms: number, timeZone: string): WallTime {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour, minute: +parts.minute, second: +parts.second };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const wall = wallTime(ms, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** A local wall-clock hour on a calendar day (month 1-12). */
type WallHour = Pick<WallTime, 'year' | 'month' | 'day' | 'hour'>;

/** Local hours [startHour, endHour) in which a retry may happen. */
export interface LocalWindow {
  startHour: number;
  endHour: number;
}

/** The instant a local wall-clock time happens (the later reading across a DST change). */
function fromWallTime({ year, month, day, hour }: WallHour, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day, hour);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant itself when its local hour is within [startHour, endHour), otherwise the next
 * local startHour:00.
 */
export function intoLocalWindow(ms: number, timeZone: string, { startHour, endHour }: LocalWindow): number {
  const wall = wallTime(ms, timeZone);
  if (wall.hour >= startHour && wall.hour < endHour) return ms;
  const nextDay = wall.hour >= endHour ? 1 : 0;
  const date = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + nextDay));
  return fromWallTime({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: startHour }, timeZone);
}
