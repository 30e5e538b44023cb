/**
 * Cluster data is hostile: a log line or env value can carry ANSI escapes that repaint a terminal, or
 * control characters that hide text. Everything that reaches output passes through here.
 */
// CSI / OSC / other ESC sequences, then any remaining C0/C1 control except tab and newline.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/**
 * Invisible format characters (Unicode category Cf) that reorder or hide text without any ESC: the bidi
 * embeddings, overrides and isolates of "Trojan Source" (U+202A-U+202E, U+2066-U+2069), the marks U+200E,
 * U+200F, U+061C, zero-width characters (U+200B-U+200D, U+2060-U+2064, U+FEFF), the soft hyphen U+00AD
 * (`local\u00adhost` displays as `localhost`), the tag characters U+E0000-U+E007F that smuggle hidden text,
 * and the rest of Cf, plus the line/paragraph separators U+2028/U+2029. A config value such as
 * `localhost\u202e7134:` would otherwise display as a different endpoint than the one it is. They are
 * shown as a visible escape rather than dropped, so the reader sees that the value is not what it looks
 * like (removing them would show a clean-looking value that does not match the file).
 */
const INVISIBLE = /[\p{Cf}\u2028\u2029]/gu;

function escapeCodePoint(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

export function sanitize(s: string, opts: { keepNewlines?: boolean } = {}): string {
  const out = s
    .replace(ANSI, '')
    .replace(CONTROL, '')
    .replace(INVISIBLE, escapeCodePoint);
  return opts.keepNewlines ? out : out.replace(/[\n\t]/g, ' ');
}

/** Deep-sanitise every string of a JSON-like value (newlines kept: JSON/YAML escape them). */
export function sanitizeDeep<T>(v: T): T {
  if (typeof v === 'string') { return sanitize(v, { keepNewlines: true }) as T; }
  if (Array.isArray(v)) { return v.map((x) => sanitizeDeep(x)) as T; }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) { out[sanitize(k)] = sanitizeDeep(x); }
    return out as T;
  }
  return v;
}
