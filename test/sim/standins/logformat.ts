// Log formatting shared by the stand-ins: the collector's zap console/JSON lines per version, Go's
// `log` package timestamps, Go's %q quoting. Formats come from /work/shared/reference/collector-logs.md.

export interface Version { major: number; minor: number; patch: number; text: string }

/** The newest collector version whose log format we model (reference §1.3 has 0.160.0 lines). */
export const NEWEST: Version = { major: 0, minor: 160, patch: 0, text: '0.160.0' };

export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!m) { return undefined; }
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text: `${m[1]}.${m[2]}.${m[3]}` };
}

/** Minor version on the 0.x line; a 1.x collector is treated as newer than anything we model. */
export function minorOf(v: Version): number {
  return v.major >= 1 ? 10_000 : v.minor;
}

/** zap's console encoder writes fields as JSON with ": " and ", " separators (see every paste in §1.3). */
export function zapConsoleJson(value: unknown): string {
  if (value === null || value === undefined) { return 'null'; }
  if (Array.isArray(value)) { return '[' + value.map(zapConsoleJson).join(', ') + ']'; }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return '{' + entries.map(([k, v]) => JSON.stringify(k) + ': ' + zapConsoleJson(v)).join(', ') + '}';
  }
  return JSON.stringify(value);
}

export type Fields = Record<string, unknown>;

export interface ZapLogger {
  info(caller: string, msg: string, fields?: Fields): void;
  warn(caller: string, msg: string, fields?: Fields): void;
  error(caller: string, msg: string, fields?: Fields): void;
}

/**
 * A zap production logger: console encoding by default (`<ts>\t<level>\t<caller>\t<msg>\t<fields>`),
 * or JSON when `service.telemetry.logs.encoding: json` (§1.4: `ts` is epoch seconds before 0.115).
 */
export function zapLogger(write: (line: string) => void, opts: { json: boolean; version: Version; base?: () => Fields }): ZapLogger {
  const isoTs = minorOf(opts.version) >= 115;
  const emit = (level: string, caller: string, msg: string, fields?: Fields): void => {
    const all: Fields = { ...(opts.base?.() ?? {}), ...(fields ?? {}) };
    const now = new Date();
    if (opts.json) {
      const ts: unknown = isoTs ? now.toISOString() : now.getTime() / 1000;
      write(JSON.stringify({ level, ts, caller, msg, ...all }) + '\n');
      return;
    }
    const tail = Object.keys(all).length > 0 ? '\t' + zapConsoleJson(all) : '';
    write(`${now.toISOString()}\t${level}\t${caller}\t${msg}${tail}\n`);
  };
  return {
    info: (c, m, f) => emit('info', c, m, f),
    warn: (c, m, f) => emit('warn', c, m, f),
    error: (c, m, f) => emit('error', c, m, f),
  };
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Go's standard `log` prefix (`log.LstdFlags`): `2023/10/17 23:27:05`, local time (UTC in containers). */
export function goLogTime(d = new Date()): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Go's `%q` for a byte string: printable ASCII kept, `"` and `\` escaped, the rest as \xNN or C escapes. */
export function goQuote(bytes: Uint8Array | string): string {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  let out = '"';
  for (const c of b) {
    if (c === 0x22) { out += '\\"'; }
    else if (c === 0x5c) { out += '\\\\'; }
    else if (c === 0x07) { out += '\\a'; }
    else if (c === 0x08) { out += '\\b'; }
    else if (c === 0x0c) { out += '\\f'; }
    else if (c === 0x0a) { out += '\\n'; }
    else if (c === 0x0d) { out += '\\r'; }
    else if (c === 0x09) { out += '\\t'; }
    else if (c === 0x0b) { out += '\\v'; }
    else if (c >= 0x20 && c < 0x7f) { out += String.fromCharCode(c); }
    else { out += '\\x' + c.toString(16).padStart(2, '0'); }
  }
  return out + '"';
}

/** Go's time.Duration.String() for a duration in nanoseconds (e.g. `12.56420005s`, `1m2.5s`, `1h0m0s`). */
export function goDuration(ns: bigint): string {
  if (ns === 0n) { return '0s'; }
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let s: string;
  if (u < 1_000n) { s = `${u}ns`; }
  else if (u < 1_000_000n) { s = fracString(u, 1_000n) + 'µs'; }
  else if (u < 1_000_000_000n) { s = fracString(u, 1_000_000n) + 'ms'; }
  else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    const sec = fracString(u, 1_000_000_000n) + 's';
    s = h > 0n ? `${h}h${m}m${sec}` : m > 0n ? `${m}m${sec}` : sec;
  }
  return neg ? '-' + s : s;
}

function fracString(v: bigint, unit: bigint): string {
  const whole = v / unit;
  const frac = v % unit;
  if (frac === 0n) { return String(whole); }
  const digits = unit.toString().length - 1;
  return `${whole}.${frac.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Go's RFC3339Nano in UTC (trailing zeros of the fraction trimmed): `2024-10-07T10:00:08.004685295Z`. */
export function goRfc3339Nano(epochNs: bigint): string {
  const ms = Number(epochNs / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = (epochNs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return base + (frac ? '.' + frac : '') + 'Z';
}

/** Wall-clock now in ns, with sub-ms precision from the monotonic clock. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}
