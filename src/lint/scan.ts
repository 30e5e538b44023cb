/**
 * Where a key path sits in a block-style YAML document, found by reading lines and indentation instead of
 * lexing the file: locating a finding used to lex every file that had one with yaml's CST parser, most of
 * a large run's time after parsing. Only the plainest layout is trusted: block maps and `- ` sequences,
 * plain or simply quoted keys, no tabs, no flow collection on the way, no anchors, tags or `? ` keys, no
 * directives or `...`. Anything else is `undefined`, and the caller lexes as before. The answer matches
 * the CST walk's: the deepest segment that exists, the key's position for a map entry and the item's
 * value for a sequence entry (test/lint/scan.test.ts compares the two over real files).
 */
import type { PathSeg } from './source.ts';

export interface Scanned {
  line: number;
  col: number;
  depth: number;
}

export interface ScanText {
  lines: string[];
  /** per js-yaml document index, its first and past-last line */
  docs: { start: number; end: number }[];
}

const KEY = /^(?:([A-Za-z0-9_][A-Za-z0-9_./-]*)|"([^"\\]*)"|'([^']*)')[ \t]*:(?:[ \t]+|$)/;
const ITEM = /^-(?: +|$)/;
const CORE_PLAIN = /^(?:[-+]?[.0-9]|0[xo]|~$|(?:true|false|null)$)/i;

/** Lines and document ranges, counted as js-yaml counts documents; undefined for texts the scan leaves alone. */
export function scanText(text: string): ScanText | undefined {
  if (text.includes('\t') || text.includes('\r') || /^(\.\.\.|%)/m.test(text)) { return undefined; }
  const lines = text.split('\n');
  const docs: { start: number; end: number }[] = [];
  let start = 0;
  let content = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^---(\s|$)/.test(lines[i])) {
      // A `---` after only comments and blank lines opens the first document rather than a second one.
      if (content) { docs.push({ start, end: i }); }
      if (lines[i].trim() !== '---') { return undefined; } // content after the marker: not this scan's layout
      start = i + 1;
      content = true;
      continue;
    }
    const t = lines[i].trim();
    if (!content && t !== '' && !t.startsWith('#')) { content = true; }
  }
  docs.push({ start, end: lines.length });
  return { lines, docs };
}

function indentOf(l: string): number {
  return l.length - l.trimStart().length;
}

function isContent(l: string): boolean {
  const t = l.trim();
  return t !== '' && !t.startsWith('#');
}

/** The value on a line after `key:` or `- `: empty, a comment, or something the scan must not step into. */
function steppable(rest: string): boolean {
  const r = rest.trim();
  return r === '' || r.startsWith('#');
}

/**
 * A node: its first line, the column its content starts at, and the text there (for an item or an entry on
 * the same line as its parent's `- `); `end` is past its last line.
 */
interface Node {
  line: number;
  col: number;
  end: number;
}

/** The path's position in document `doc`, or undefined when the layout is not one the scan trusts. */
export function scanFind(st: ScanText, doc: number, path: PathSeg[]): Scanned | undefined {
  const range = st.docs[doc];
  if (!range) { return undefined; }
  const { lines } = st;
  let first = range.start;
  while (first < range.end && !isContent(lines[first])) { first++; }
  if (first >= range.end) { return undefined; }
  // The document's root node: from its first content line to the end.
  let node: Node = { line: first, col: indentOf(lines[first]), end: range.end };
  let at: Scanned = { line: first + 1, col: node.col + 1, depth: 0 };
  for (const seg of path) {
    const text = lines[node.line].slice(node.col);
    if (/^[&!*?[{|>"']/.test(text) && !KEY.test(text)) { return undefined; }
    if (typeof seg === 'string') {
      const hit = entry(lines, node, seg);
      if (hit === undefined) { return undefined; }
      if (hit === null) { return at; }
      at = { line: hit.line + 1, col: hit.col + 1, depth: at.depth + 1 };
      node = hit.value;
    } else {
      const hit = item(lines, node, seg);
      if (hit === undefined) { return undefined; }
      if (hit === null) { return at; }
      at = { line: hit.line + 1, col: hit.col + 1, depth: at.depth + 1 };
      node = hit;
    }
    if (node.line < 0) { return at.depth === path.length ? at : undefined; }
  }
  return at;
}

/**
 * The entry `key` of the block map at `node`: its key position and its value node (line -1 when the value
 * is a scalar on the key's line: nothing to step into). null: the map has no such key; undefined: not a
 * plain block map.
 */
function entry(lines: string[], node: Node, key: string): { line: number; col: number; value: Node } | null | undefined {
  const col = node.col;
  for (let i = node.line; i < node.end; i++) {
    const l = lines[i];
    // The node's first line may start mid-line (after `- `); later lines sit at the map's column.
    const part = i === node.line ? l.slice(col) : l;
    if (i !== node.line) {
      if (!isContent(l)) { continue; }
      const ind = indentOf(l);
      if (ind < col) { return undefined; } // the node ended earlier than its range says
      if (ind > col) { continue; } // inside an entry's value
    }
    const text = i === node.line ? part : l.slice(col);
    const m = KEY.exec(text);
    if (!m) {
      if (i === node.line || /^[^\s#]/.test(text)) { return undefined; }
      continue;
    }
    // A plain key the core schema reads as a number, boolean or null is not spelt as its string.
    if (m[1] !== undefined && CORE_PLAIN.test(m[1])) { return undefined; }
    const k = m[1] ?? m[2] ?? m[3];
    if (k !== key) { continue; }
    const rest = text.slice(m[0].length);
    // The value: the lines below, more indented (or `- ` items at the key's own column).
    let end = i + 1;
    for (; end < node.end; end++) {
      const x = lines[end];
      if (!isContent(x)) { continue; }
      const ind = indentOf(x);
      if (ind > col || (ind === col && ITEM.test(x.slice(col)))) { continue; }
      break;
    }
    if (!steppable(rest)) {
      // `key: value` on one line: fine as the last segment, not to step into (a flow map, a block scalar).
      return { line: i, col, value: { line: -1, col: 0, end: 0 } };
    }
    let v = i + 1;
    while (v < end && !isContent(lines[v])) { v++; }
    if (v >= end) { return { line: i, col, value: { line: -1, col: 0, end: 0 } }; }
    return { line: i, col, value: { line: v, col: indentOf(lines[v]), end } };
  }
  return null;
}

/** Item `n` of the block sequence at `node`: where its value starts. null: fewer items; undefined: not a sequence. */
function item(lines: string[], node: Node, n: number): Node | null | undefined {
  const col = node.col;
  let count = -1;
  for (let i = node.line; i < node.end; i++) {
    const l = lines[i];
    if (i !== node.line && !isContent(l)) { continue; }
    if (i !== node.line) {
      const ind = indentOf(l);
      if (ind < col) { return undefined; }
      if (ind > col) { continue; }
    }
    const text = l.slice(col);
    const m = ITEM.exec(text);
    if (!m) { return undefined; }
    count++;
    if (count !== n) { continue; }
    let end = i + 1;
    for (; end < node.end; end++) {
      const x = lines[end];
      if (!isContent(x)) { continue; }
      if (indentOf(x) <= col) { break; }
    }
    const rest = text.slice(m[0].length);
    if (rest.trim() === '' || rest.trim().startsWith('#')) {
      let v = i + 1;
      while (v < end && !isContent(lines[v])) { v++; }
      if (v >= end) { return { line: -1, col: 0, end: 0 }; }
      return { line: v, col: indentOf(lines[v]), end };
    }
    // `- name: x` (an entry on the item's line) or `- scalar`.
    return { line: i, col: col + m[0].length, end };
  }
  return null;
}
