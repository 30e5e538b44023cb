/**
 * Terminal text for the human formats: wrapping that never loses a character, hanging indents under a
 * label, and colour. Colour is added last, to text that is already sanitised and laid out, so an escape
 * from the cluster never reaches the screen and the codes never count towards a line's width.
 */
import type { Severity } from '../finding.ts';
import type { EvidenceSource } from '../../snapshot.ts';

/** The width when the caller knows none: what kubectl-style tools assume for a pipe. */
export const DEFAULT_WIDTH = 100;
/** Below this, nothing is readable; a narrower terminal gets lines of this length. */
export const MIN_WIDTH = 40;

export function widthOf(opts: { width?: number }): number {
  const w = opts.width;
  return w !== undefined && Number.isFinite(w) && w > 0 ? Math.max(MIN_WIDTH, Math.floor(w)) : DEFAULT_WIDTH;
}

/**
 * Greedy wrap to `width` columns. A break at a space drops that one space; a word longer than the width
 * is split (after a separator when one is near the end) so that nothing is cut: joining the lines back,
 * with a space where a break was at a space, gives the text again.
 */
export function wrapLine(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  let rest = text;
  while (rest.length > w) {
    let at = rest.lastIndexOf(' ', w);
    if (at > 0) {
      out.push(rest.slice(0, at));
      rest = rest.slice(at + 1);
      continue;
    }
    // One long word (a URL, a path): break after a separator in its last two thirds, else at the width.
    const seps = ['/', '.', ',', ':', '-', '=', '&', '?'].map((c) => rest.lastIndexOf(c, w - 1) + 1);
    at = Math.max(...seps);
    if (at <= w / 3) { at = w; }
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  out.push(rest);
  return out;
}

/** `label` then text, continuation lines indented under the text (a hanging indent). */
export function hanging(indent: number, label: string, text: string, width: number, paint: (s: string) => string = (s) => s): string[] {
  const col = indent + label.length;
  const lines = wrapLine(text, width - col);
  return lines.map((l, i) => (i === 0 ? `${' '.repeat(indent)}${label ? paint(label) : ''}${l}` : `${' '.repeat(col)}${l}`).trimEnd());
}

/**
 * A word too long for a line, cut into pieces that the shell joins again: a backslash-newline outside
 * quotes is removed (bash(1), QUOTING), and inside a single-quoted part the quote is closed before it
 * and reopened after, so `'ab'\` + `'cd'` reads as `abcd`.
 */
function splitWord(word: string, firstRoom: number, room: number): string[] {
  const pieces: string[] = [];
  let inQuote = false;
  let cur = '';
  for (let i = 0; i < word.length; i++) {
    const ch = word[i];
    // Room for the closing quote and the backslash of the continuation.
    if (cur.length >= (pieces.length ? room : firstRoom) - 2 && cur !== "'" && !cur.endsWith('\\')) {
      pieces.push(inQuote ? `${cur}'\\` : `${cur}\\`);
      cur = inQuote ? "'" : '';
    }
    if (ch === "'" && (inQuote || word[i - 1] !== '\\')) { inQuote = !inQuote; }
    cur += ch;
  }
  pieces.push(cur);
  return pieces;
}

/**
 * The command's words: split at spaces outside quotes and outside `$(...)` (shellQuote quotes a value with
 * spaces; a Helm line asks `helm get metadata` for the chart version inside "$(...)").
 */
function shellWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let sq = false;
  let dq = false;
  let depth = 0;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i];
    if (ch === "'" && (!dq || depth > 0) && (sq || cmd[i - 1] !== '\\')) { sq = !sq; }
    else if (ch === '"' && !sq) { dq = !dq; }
    else if (ch === '$' && cmd[i + 1] === '(' && !sq) { depth++; }
    else if (ch === ')' && !sq && depth > 0) { depth--; }
    if (ch === ' ' && !sq && !dq && depth === 0) {
      if (cur) { words.push(cur); }
      cur = '';
    } else { cur += ch; }
  }
  if (cur) { words.push(cur); }
  return words;
}

/**
 * A shell command wrapped at spaces with ` \` continuations, so it still pastes as one command. The
 * pieces of a word cut by splitWord start in column 0: spaces after a backslash-newline would split it.
 */
export function wrapCommand(cmd: string, width: number, indent: number): string[] {
  const out: string[] = [];
  const [first, ...body] = cmd.split('\n');
  // A flag and its value (`-n ns`, `--set k=v`) stay on one line.
  const words: string[][] = [];
  for (const w of shellWords(first)) {
    const prev = words.at(-1);
    if (prev?.length === 1 && /^-[\w-]+$/.test(prev[0]) && !w.startsWith('-')) { prev.push(w); } else { words.push([w]); }
  }
  const contIndent = indent + 4;
  const room = width - contIndent - 2;
  let line = '';
  let at = indent;
  const flush = (): void => {
    out.push(`${' '.repeat(at)}${line} \\`);
    line = '';
    at = contIndent;
  };
  for (const token of words) {
    // A pair too long for any line is two words again, and a word too long is cut as splitWord says.
    const joined = token.join(' ');
    const parts = joined.length > room ? token : [joined];
    for (const word of parts) {
      if (line && at + line.length + 1 + word.length + 2 > width) { flush(); }
      if (at + (line ? line.length + 1 : 0) + word.length <= width - 2) {
        line = line ? `${line} ${word}` : word;
        continue;
      }
      if (line) { flush(); }
      const pieces = splitWord(word, width - at, width);
      out.push(`${' '.repeat(at)}${pieces[0]}`);
      for (const p of pieces.slice(1, -1)) { out.push(p); }
      line = pieces.at(-1) as string;
      at = 0;
    }
  }
  out.push(`${' '.repeat(at)}${line}`);
  // A here-document body is pasted as is: indented with the command and only hard-wrapped past the width.
  for (const b of body) { for (const piece of wrapLine(b, width - indent)) { out.push(`${' '.repeat(indent)}${piece}`.trimEnd()); } }
  return out;
}

const SGR: Record<string, string> = {
  error: '31',
  warning: '33',
  info: '36',
  config: '34',
  api: '35',
  exec: '32',
  log: '33',
  bold: '1',
  dim: '2',
};

export type Paint = (s: string, style: Severity | EvidenceSource | 'bold' | 'dim') => string;

export function painter(color: boolean | undefined): Paint {
  return color === true ? (s, style) => (s ? `\x1b[${SGR[style]}m${s}\x1b[0m` : s) : (s) => s;
}

/** Cut to `n` columns with an ellipsis. */
export function ellipsis(s: string, n: number): string {
  if (s.length <= n) { return s; }
  return n <= 1 ? '…'.slice(0, Math.max(0, n)) : `${s.slice(0, n - 1)}…`;
}
