/**
 * Cluster data is hostile: a log line or env value can carry ANSI escapes that repaint a terminal, or
 * control characters that hide text. Everything that reaches output passes through here.
 */
// CSI / OSC / other ESC sequences, then any remaining C0/C1 control except tab and newline.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

export function sanitize(s: string, opts: { keepNewlines?: boolean } = {}): string {
  const out = s.replace(ANSI, '').replace(CONTROL, '');
  return opts.keepNewlines ? out : out.replace(/[\n\t]/g, ' ');
}

/** Deep-sanitise every string of a JSON-like value (newlines kept: JSON/YAML escape them). */
export function sanitizeDeep<T>(v: T): T {
  if (typeof v === 'string') return sanitize(v, { keepNewlines: true }) as T;
  if (Array.isArray(v)) return v.map((x) => sanitizeDeep(x)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[sanitize(k)] = sanitizeDeep(x);
    return out as T;
  }
  return v;
}
