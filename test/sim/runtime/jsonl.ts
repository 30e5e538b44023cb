// JSON lines between the kubelet and its node agents. Not readline: it also ends lines at U+2028 and
// U+2029, which JSON.stringify leaves unescaped, so an env value holding one (cluster data) would cut a
// request in two and lose it. Here a line ends at '\n' only, and those two characters are escaped anyway.
import type { Readable } from 'node:stream';

export function encodeLine(value: unknown): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`) + '\n';
}

/** Calls onValue for every complete, parseable line of `input`; a line that is not JSON is skipped. */
export function readLines(input: Readable, onValue: (v: unknown) => void): void {
  let buf = '';
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line) { continue; }
      let v: unknown;
      try { v = JSON.parse(line); } catch { continue; }
      if (v !== null && typeof v === 'object') { onValue(v); }
    }
  });
}
