/**
 * Reading lint input: files and directories (recursively *.yaml, *.yml, *.json) and stdin, parsed with the
 * `yaml` Document API so every fact keeps its line and column. Unusable input (unreadable, binary, huge,
 * malformed YAML, duplicate keys, alias bombs) becomes one InputError naming file and line, never an
 * exception: the other files are still checked.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, loadAll as fastLoadAll } from 'js-yaml';
import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, Scalar, type Node } from 'yaml';
import type { SourceLocation } from '../snapshot.ts';

export interface InputError {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

export interface SourceDoc {
  file: string;
  /** 0-based index of the document in its file */
  index: number;
  /** the positioned parse; on the fast path built on first use (only documents a finding points into pay for it) */
  readonly doc: Document.Parsed;
  readonly lc: LineCounter;
  text: string;
  value: unknown;
}

/** A file larger than this is refused: rendered manifests are kilobytes, and a parser holds several copies. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** yaml's own default is generous; a manifest never needs more than a handful of alias expansions. */
const MAX_ALIAS_COUNT = 100;
const EXTENSIONS = /\.(ya?ml|json)$/i;

export type PathSeg = string | number;

export function errorLine(e: InputError): string {
  const where = e.line ? `${e.file}:${e.line}${e.column ? `:${e.column}` : ''}` : e.file;
  return `${where}: ${e.message}`;
}

/** Expand PATH arguments to files, in a stable order; `-` stays as stdin. */
export function expandPaths(paths: string[]): { files: string[]; errors: InputError[] } {
  const files: string[] = [];
  const errors: InputError[] = [];
  const seen = new Set<string>();
  const walk = (p: string, explicit: boolean): void => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      errors.push({ file: p, message: `cannot read: ${reason(e)}` });
      return;
    }
    if (st.isDirectory()) {
      let entries: string[];
      try {
        entries = readdirSync(p).sort();
      } catch (e) {
        errors.push({ file: p, message: `cannot read directory: ${reason(e)}` });
        return;
      }
      for (const name of entries) {
        if (name.startsWith('.')) continue; // .git, editor swap files
        walk(join(p, name), false);
      }
      return;
    }
    // A file named on the command line is read whatever its extension; in directories only manifests.
    if (!explicit && !EXTENSIONS.test(p)) return;
    if (!st.isFile() && !explicit) return;
    if (seen.has(p)) return;
    seen.add(p);
    files.push(p);
  };
  for (const p of paths) {
    if (p === '-') {
      if (!seen.has('-')) files.push('-');
      seen.add('-');
    } else {
      walk(p, true);
    }
  }
  return { files, errors };
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'no such file or directory';
  if (err?.code === 'EACCES') return 'permission denied';
  if (err?.code === 'EISDIR') return 'is a directory';
  return String(err?.message ?? e).split('\n')[0];
}

/** Read one file (or stdin for `-`) as UTF-8 text, refusing huge and binary content. */
export function readSource(file: string, stdin?: () => Buffer): { text?: string; error?: InputError } {
  let buf: Buffer;
  try {
    if (file === '-') {
      buf = stdin ? stdin() : readFileSync(0);
    } else {
      const st = statSync(file);
      if (st.size > MAX_FILE_BYTES) return { error: { file, message: `file too large (${st.size} bytes; the limit is ${MAX_FILE_BYTES})` } };
      buf = readFileSync(file);
    }
  } catch (e) {
    return { error: { file, message: `cannot read: ${reason(e)}` } };
  }
  if (buf.length > MAX_FILE_BYTES) return { error: { file, message: `input too large (${buf.length} bytes; the limit is ${MAX_FILE_BYTES})` } };
  const nul = buf.subarray(0, 8192).indexOf(0);
  if (nul !== -1) return { error: { file, message: 'binary file (contains NUL bytes), not YAML or JSON' } };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return { error: { file, message: 'not UTF-8 text (binary file?)' } };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text };
}

/**
 * Parse every YAML document of a text; each broken document gives one error and is skipped.
 *
 * The `yaml` Document API keeps positions but lexes at a few MB/s, too slow for a CI run over thousands of
 * rendered manifests. So values come from js-yaml (several times faster) and the positioned parse is made
 * only when a location is asked for. Anything js-yaml would treat differently from the strict parse takes the
 * strict path whole: anchors and aliases (alias-bomb limit), merge keys, and every js-yaml error, so that
 * error messages and positions always come from one parser.
 */
export function parseSource(file: string, text: string): { docs: SourceDoc[]; errors: InputError[] } {
  if (!/[&*]|<</.test(text)) {
    let values: unknown[] | undefined;
    try {
      values = fastLoadAll(text, null, { schema: CORE_SCHEMA });
    } catch {
      values = undefined;
    }
    if (values) return { docs: lazyDocs(file, text, values), errors: [] };
  }
  return parseStrict(file, text);
}

function lazyDocs(file: string, text: string, values: unknown[]): SourceDoc[] {
  let strict: { lc: LineCounter; docs: Document.Parsed[] } | undefined;
  // Both parsers agree on the non-empty documents; empty ones (stray `---`) may be counted differently.
  const positioned = (ordinal: number): { doc: Document.Parsed; lc: LineCounter } => {
    if (!strict) {
      const lc = new LineCounter();
      let all = parseAllDocuments(text, { lineCounter: lc, merge: true, prettyErrors: false }) as Document.Parsed[];
      if (!Array.isArray(all)) all = [];
      strict = { lc, docs: all.filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null)) };
    }
    return { doc: strict.docs[ordinal] ?? new Document(null) as Document.Parsed, lc: strict.lc };
  };
  const docs: SourceDoc[] = [];
  let ordinal = 0;
  values.forEach((value, index) => {
    if (value === null || value === undefined) return;
    const n = ordinal++;
    let cached: { doc: Document.Parsed; lc: LineCounter } | undefined;
    docs.push({
      file,
      index,
      text,
      value,
      get doc() {
        return (cached ??= positioned(n)).doc;
      },
      get lc() {
        return (cached ??= positioned(n)).lc;
      },
    });
  });
  return docs;
}

function parseStrict(file: string, text: string): { docs: SourceDoc[]; errors: InputError[] } {
  const lc = new LineCounter();
  const docs: SourceDoc[] = [];
  const errors: InputError[] = [];
  let parsed: Document.Parsed[];
  try {
    parsed = parseAllDocuments(text, { lineCounter: lc, merge: true, uniqueKeys: true, prettyErrors: false, strict: true }) as Document.Parsed[];
  } catch (e) {
    return { docs, errors: [{ file, message: `cannot parse: ${firstLine(e)}` }] };
  }
  if (!Array.isArray(parsed)) parsed = [parsed as unknown as Document.Parsed]; // EmptyStream
  parsed.forEach((doc, index) => {
    if (doc.errors.length) {
      const err = doc.errors[0];
      const pos = lc.linePos(err.pos[0]);
      errors.push({ file, line: pos.line, column: pos.col, message: yamlMessage(err.code, err.message) });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const start = doc.contents?.range?.[0] ?? 0;
      const pos = lc.linePos(start);
      const msg = /alias/i.test(firstLine(e)) ? `too many alias expansions (more than ${MAX_ALIAS_COUNT}): refusing a possible alias bomb` : firstLine(e);
      errors.push({ file, line: pos.line, column: pos.col, message: msg });
      return;
    }
    if (value === null || value === undefined) return; // empty document (`---` separators, comments only)
    docs.push({ file, index, doc, lc, text, value });
  });
  return { docs, errors };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].trim();
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').trim();
  if (code === 'DUPLICATE_KEY') return `duplicate key: ${first}`;
  return `invalid YAML: ${first}`;
}

/** The node at a path, and the offset of the deepest key or item found on the way. */
function walk(doc: Document, root: Node | null | undefined, path: PathSeg[]): { offset?: number; node?: Node | null; depth: number } {
  let node: Node | null | undefined = root;
  let offset = node?.range?.[0];
  let depth = 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc) as Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
    depth++;
  }
  return { offset, node, depth };
}

/** Line and column of the key at `path` (or of the deepest existing ancestor). */
export function locate(sd: SourceDoc, path: PathSeg[]): SourceLocation & { depth: number } {
  const w = walk(sd.doc, sd.doc.contents as Node | null, path);
  if (w.offset === undefined) return { file: sd.file, line: 1, column: 1, depth: 0 };
  const p = sd.lc.linePos(w.offset);
  return { file: sd.file, line: p.line, column: p.col, depth: w.depth };
}

/**
 * A key inside a YAML text embedded as a block scalar (a ConfigMap's `collector.yaml: |`, a v1alpha1 CR's
 * `config: |`): parse the scalar's text and shift its positions by where the block's content starts.
 * Quoted or folded strings do not map line for line: then the scalar's own key is the location.
 */
export function locateEmbedded(sd: SourceDoc, scalarPath: PathSeg[], inner: PathSeg[]): (SourceLocation & { depth: number }) | undefined {
  const w = walk(sd.doc, sd.doc.contents as Node | null, scalarPath);
  if (w.depth !== scalarPath.length) return undefined;
  const outer = locate(sd, scalarPath);
  const node = w.node;
  if (!isScalar(node) || typeof node.value !== 'string' || node.type !== Scalar.BLOCK_LITERAL || !node.range) return outer;
  const lc = new LineCounter();
  const inDoc = parseDocument(node.value, { lineCounter: lc, prettyErrors: false });
  if (inDoc.errors.length) return outer;
  const iw = walk(inDoc, inDoc.contents as Node | null, inner);
  if (iw.offset === undefined || iw.depth === 0) return outer;
  const ip = lc.linePos(iw.offset);
  // The header (`|`, `|-`, `|2`) ends its line; the content starts on the next one, indented.
  const headerEnd = sd.text.indexOf('\n', node.range[0]);
  if (headerEnd === -1) return outer;
  const headerLine = sd.lc.linePos(node.range[0]).line;
  const lines = sd.text.slice(headerEnd + 1, node.range[2] ?? node.range[1]).split('\n');
  const firstContent = lines.find((l) => l.trim() !== '');
  const indent = firstContent ? firstContent.length - firstContent.trimStart().length : 0;
  return { file: sd.file, line: headerLine + ip.line, column: indent + ip.col, depth: scalarPath.length + iw.depth };
}
