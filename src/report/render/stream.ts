/**
 * JSON and YAML documents written piece by piece. A report of 10,000 apps is ~30 MB of JSON: built as one
 * string it costs that string, the sanitised copy of the whole report it is made from and the
 * serialiser's own buffers all at once (over 150 MB of heap at 150,000 pods). Here each element of a
 * top-level array is sanitised and serialised alone and handed to the writer, so what is held at once is
 * one element. The bytes are exactly those of `JSON.stringify(value, null, 2)` and of yaml's `stringify`
 * on the whole value (test/report/stream.test.ts holds both to it).
 */
import { stringify as yamlStringify } from 'yaml';

/** How each top-level entry's pieces are prepared (sanitised, internal keys dropped) before serialising. */
export type PieceMap = (key: string, value: unknown) => unknown;

const same: PieceMap = (_k, v) => v;

/** Keys JSON.stringify keeps in an object: not undefined, not a function or symbol. */
function kept(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
}

/**
 * `JSON.stringify(obj, null, 2)` (plus a final newline) in chunks: an element of a top-level array per
 * chunk. `piece` maps each element (or each non-array value) before it is serialised; `keyOf` the keys.
 */
export function* jsonChunks(obj: Record<string, unknown>, piece: PieceMap = same, keyOf: (k: string) => string = (k) => k): Generator<string> {
  const entries = Object.entries(obj).filter(([, v]) => kept(v));
  if (entries.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{\n';
  for (const [i, [k, v]] of entries.entries()) {
    const key = `  ${JSON.stringify(keyOf(k))}: `;
    const end = i === entries.length - 1 ? '\n' : ',\n';
    if (!Array.isArray(v) || v.length === 0) {
      const text = JSON.stringify(piece(k, v), null, 2) ?? 'null';
      yield `${key}${text.replace(/\n/g, '\n  ')}${end}`;
      continue;
    }
    yield `${key}[\n`;
    for (let j = 0; j < v.length; j++) {
      // An element JSON cannot hold (undefined, a function) is null in an array, as JSON.stringify writes it.
      const text = JSON.stringify(piece(k, v[j]), null, 2) ?? 'null';
      // JSON strings never hold a raw newline, so every newline is a line of the layout.
      yield `    ${text.replace(/\n/g, '\n    ')}${j === v.length - 1 ? '\n' : ',\n'}`;
    }
    yield `  ]${end}`;
  }
  yield '}\n';
}

/**
 * Indents every non-empty line by two spaces (yaml writes empty lines of block scalars bare). Lines end at
 * \n only: a regex's multiline ^ would also start one after U+2028, which yaml leaves inside a scalar.
 */
function indentYaml(text: string): string {
  return (text.startsWith('\n') ? text : `  ${text}`).replace(/\n(?=[^\n])/g, '\n  ');
}

/**
 * yaml's `stringify(obj, { lineWidth: 0 })` in chunks: a top-level block map, each element of a top-level
 * sequence serialised alone (a sequence in a map is indented under its key, yaml's indentSeq default).
 */
export function* yamlChunks(obj: Record<string, unknown>, piece: PieceMap = same, keyOf: (k: string) => string = (k) => k): Generator<string> {
  const opts = { lineWidth: 0 };
  const entries = Object.entries(obj).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    yield yamlStringify({}, opts);
    return;
  }
  for (const [k, v] of entries) {
    const key = keyOf(k);
    if (!Array.isArray(v) || v.length === 0) {
      yield yamlStringify({ [key]: piece(k, v) }, opts);
      continue;
    }
    // The key alone, as yaml writes it (quoted where it must be): the line of a map with an empty value.
    yield yamlStringify({ [key]: null }, opts).replace(/ null\n$/, '\n');
    for (const x of v) { yield indentYaml(yamlStringify([piece(k, x)], opts)); }
  }
}

/**
 * Chunks gathered into writes of about `size` characters: one write per element would cost a syscall
 * each. Kept under V8's large-object size (128 KB), so each joined write is young garbage, not a page of
 * the old generation that only a full GC gives back.
 */
export async function writeChunks(chunks: Iterable<string>, write: (text: string) => Promise<void> | void, size = 1 << 15): Promise<void> {
  let buf: string[] = [];
  let n = 0;
  for (const c of chunks) {
    buf.push(c);
    n += c.length;
    if (n >= size) {
      await write(buf.join(''));
      buf = [];
      n = 0;
    }
  }
  if (n > 0) { await write(buf.join('')); }
}
