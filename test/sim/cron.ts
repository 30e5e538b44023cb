// CronJob schedules as the CronJob controller reads them (robfig/cron/v3's standard parser: five fields
// minute hour day-of-month month day-of-week, `*`, `?`, ranges, steps, lists, JAN-DEC and SUN-SAT names,
// and the @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly descriptors; `CRON_TZ=`/`TZ=`
// prefixes and spec.timeZone other than UTC are refused here rather than guessed). Day-of-month and
// day-of-week, when both are restricted, match if either does (cron's rule, robfig's dayMatches).
export interface Cron { minute: Set<number>; hour: Set<number>; dom: Set<number>; month: Set<number>; dow: Set<number>; domStar: boolean; dowStar: boolean }

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function field(text: string, lo: number, hi: number, names: string[] = [], nameBase = 0): Set<number> {
  const out = new Set<number>();
  const num = (s: string) => {
    const i = names.indexOf(s.toLowerCase());
    const n = i >= 0 ? i + nameBase : Number(s);
    if (!Number.isInteger(n) || n < lo || n > hi) { throw new Error(`value ${s} out of range [${lo}, ${hi}]`); }
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) { throw new Error(`bad step in ${part}`); }
    let a: number;
    let b: number;
    if (range === '*' || range === '?') { a = lo; b = hi; } else if (range.includes('-')) {
      const [x, y] = range.split('-');
      a = num(x);
      b = num(y);
    } else {
      a = num(range);
      b = stepText === undefined ? a : hi;
    }
    if (a > b) { throw new Error(`beginning of range (${a}) beyond end of range (${b}): ${part}`); }
    for (let v = a; v <= b; v += step) { out.add(v); }
  }
  return out;
}

export function parseCron(schedule: string, timeZone?: string): Cron {
  if (timeZone && timeZone !== 'UTC' && timeZone !== 'Etc/UTC') { throw new Error(`time zone ${timeZone} is not modelled`); }
  const text = DESCRIPTORS[schedule.trim()] ?? schedule.trim();
  const f = text.split(/\s+/);
  if (f.length !== 5) { throw new Error(`expected exactly 5 fields, found ${f.length}: ${schedule}`); }
  const dow = field(f[4], 0, 7, DAYS);
  if (dow.has(7)) { dow.delete(7); dow.add(0); }
  return {
    minute: field(f[0], 0, 59), hour: field(f[1], 0, 23), dom: field(f[2], 1, 31), month: field(f[3], 1, 12, MONTHS, 1), dow,
    // robfig's starBit: a bare `*` or `?` (a step over 1 clears it, so `*/2` restricts the day).
    domStar: /^[*?](\/1)?$/.test(f[2]), dowStar: /^[*?](\/1)?$/.test(f[4]),
  };
}

/** The first scheduled instant strictly after `afterMs` (UTC, whole minutes), within five years, else undefined. */
export function nextCronTime(c: Cron, afterMs: number): number | undefined {
  let t = Math.floor(afterMs / 60_000) * 60_000 + 60_000;
  const limit = afterMs + 5 * 366 * 86_400_000;
  while (t <= limit) {
    const d = new Date(t);
    if (!c.month.has(d.getUTCMonth() + 1)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      continue;
    }
    const domOk = c.dom.has(d.getUTCDate());
    const dowOk = c.dow.has(d.getUTCDay());
    const dayOk = c.domStar || c.dowStar ? domOk && dowOk : domOk || dowOk;
    if (!dayOk) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
      continue;
    }
    if (!c.hour.has(d.getUTCHours())) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
      continue;
    }
    if (c.minute.has(d.getUTCMinutes())) { return t; }
    t += 60_000;
  }
  return undefined;
}
