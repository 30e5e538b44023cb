/**
 * Reading lint input: files and directories (recursively *.yaml, *.yml, *.json) and stdin, parsed with the
 * `yaml` Document API so every fact keeps its line and column. Unusable input (unreadable, binary, huge,
 * malformed YAML, duplicate keys, alias bombs) becomes one InputError naming file and line, never an
 * exception: the other files are still checked.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { basename, join } from 'node:path';
import { CORE_SCHEMA, loadAll as fastLoadAll } from 'js-yaml';
import { MERGE_KEY, fastParseHolds } from '../yaml-fast.ts';
import { CST, Document, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, parseAllDocuments, parseDocument, Scalar, type Node } from 'yaml';
import type { SourceLocation } from '../snapshot.ts';
import { scanFind, scanText, type ScanText, type Scanned } from './scan.ts';

export interface InputError {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

/** A file or document that is well-formed but not for otel-doctor (a CI workflow, another chart's values). */
export interface Skipped {
  file: string;
  line?: number;
  column?: number;
  reason: string;
}

export interface SourceDoc {
  file: string;
  /** 0-based index of the document in its file */
  index: number;
  text: string;
  value: unknown;
  /** Where the node at `path` is in `text`; only called for findings and input errors, so it may parse lazily. */
  find(path: PathSeg[]): Found;
  /** 1-based line and column of an offset in `text` */
  linePos(offset: number): { line: number; col: number };
  /** Where `path` is, read from lines without lexing (scan.ts); undefined when the layout needs the lexer. */
  scan?(path: PathSeg[]): Scanned | undefined;
}

/** The deepest key or item on a path that exists: its offset, how many segments matched, and the node if a scalar. */
export interface Found {
  offset?: number;
  depth: number;
  scalar?: { value: unknown; type?: string; range: [number, number, number] };
}

/** A file larger than this is refused: rendered manifests are kilobytes, and a parser holds several copies. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** yaml's own default is generous; a manifest never needs more than a handful of alias expansions. */
const MAX_ALIAS_COUNT = 100;
const EXTENSIONS = /\.(ya?ml|json)$/i;
const DEPENDENCY_DIRS = new Set(['node_modules']);
/** kustomize also reads a file named `Kustomization` (no extension). */
const EXTRA_NAMES = new Set(['Kustomization']);

export type PathSeg = string | number;

export function errorLine(e: InputError): string {
  const where = e.line ? `${e.file}:${e.line}${e.column ? `:${e.column}` : ''}` : e.file;
  return `${where}: ${e.message}`;
}

/** Expand PATH arguments to files, in a stable order; `-` stays as stdin. */
export function expandPaths(paths: string[]): { files: string[]; errors: InputError[]; skipped: Skipped[] } {
  const files: string[] = [];
  const errors: InputError[] = [];
  const skipped: Skipped[] = [];
  const seen = new Set<string>();
  // Symbolic links are followed, so identity is the inode, not the path: a link back up the tree must
  // not loop, and the same file named twice (`x.yaml ./x.yaml`, a link to it) is linted once.
  const seenInodes = new Set<string>();
  const walk = (p: string, explicit: boolean): void => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      errors.push({ file: p, message: `cannot read: ${reason(e)}` });
      return;
    }
    const id = `${st.dev}:${st.ino}`;
    if (st.isDirectory()) {
      if (seenInodes.has(id)) { return; }
      seenInodes.add(id);
      let entries: string[];
      try {
        entries = readdirSync(p).sort();
      } catch (e) {
        errors.push({ file: p, message: `cannot read directory: ${reason(e)}` });
        return;
      }
      for (const name of entries) {
        if (name.startsWith('.')) {
          continue; // .git, editor swap files
        }
        if (DEPENDENCY_DIRS.has(name)) {
          // Installed dependencies (thousands of package.json files), not a repository's manifests.
          skipped.push({ file: join(p, name), reason: 'installed dependencies, not walked (name the folder to lint it)' });
          continue;
        }
        walk(join(p, name), false);
      }
      return;
    }
    // A file named on the command line is read whatever its extension; in directories only manifests.
    if (!explicit && !EXTENSIONS.test(p) && !EXTRA_NAMES.has(basename(p))) { return; }
    if (!st.isFile() && !explicit) { return; }
    if (seen.has(p) || seenInodes.has(id)) { return; }
    seen.add(p);
    seenInodes.add(id);
    files.push(p);
  };
  for (const p of paths) {
    if (p === '-') {
      if (!seen.has('-')) { files.push('-'); }
      seen.add('-');
    } else {
      walk(p, true);
    }
  }
  return { files, errors, skipped };
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') { return 'no such file or directory'; }
  if (err?.code === 'EACCES') { return 'permission denied'; }
  if (err?.code === 'EISDIR') { return 'is a directory'; }
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
      if (st.size > MAX_FILE_BYTES) { return { error: { file, message: `file too large (${st.size} bytes; the limit is ${MAX_FILE_BYTES})` } }; }
      buf = readFileSync(file);
    }
  } catch (e) {
    return { error: { file, message: `cannot read: ${reason(e)}` } };
  }
  if (buf.length > MAX_FILE_BYTES) { return { error: { file, message: `input too large (${buf.length} bytes; the limit is ${MAX_FILE_BYTES})` } }; }
  // `helm template ... | lint -` with a failing helm must not pass as a clean lint of nothing.
  if (file === '-' && buf.toString('utf8').trim() === '') { return { error: { file, message: 'standard input is empty (did the command before the pipe fail?)' } }; }
  const nul = buf.subarray(0, 8192).indexOf(0);
  if (nul !== -1) { return { error: { file, message: 'binary file (contains NUL bytes), not YAML or JSON' } }; }
  // isUtf8 + toString: both simdutf in C++, several times faster than a fatal TextDecoder per file.
  if (!isUtf8(buf)) { return { error: { file, message: 'not UTF-8 text (binary file?)' } }; }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) { text = text.slice(1); }
  return { text };
}

/**
 * Parse every YAML document of a text; each broken document gives one error and is skipped.
 *
 * The `yaml` Document API keeps positions but lexes at a few MB/s, too slow for a CI run over thousands of
 * rendered manifests. So values come from js-yaml (several times faster) and the positioned parse is made
 * only when a location is asked for. Anything js-yaml would treat differently from the strict parse takes the
 * strict path whole: aliases of maps and lists (the alias-bomb limit: js-yaml shares the node, so one object
 * reached twice is the sign), merge keys, and every js-yaml error, so that error messages and positions always
 * come from one parser. An `&&` or `**` in a string used to send whole files down the slow path.
 */
export function parseSource(file: string, text: string): { docs: SourceDoc[]; errors: InputError[] } {
  if (!MERGE_KEY.test(text)) {
    let values: unknown[] | undefined;
    try {
      values = fastLoadAll(text, null, { schema: CORE_SCHEMA });
    } catch {
      values = undefined;
    }
    if (values && fastParseHolds(text, values)) { return { docs: lazyDocs(file, text, values), errors: [] }; }
  }
  return parseStrict(file, text);
}


function lazyDocs(file: string, text: string, values: unknown[]): SourceDoc[] {
  // Positions come from yaml's CST, lexed only as far as the documents asked for and never composed into
  // a Document: a finding near the top of a large file costs a fraction of a full positioned parse.
  let cst: { lc: LineCounter; tokens: Generator<CST.Token>; docs: CST.Document[]; done: boolean } | undefined;
  const state = () => {
    if (!cst) {
      const lc = new LineCounter();
      cst = { lc, tokens: new Parser(lc.addNewLine).parse(text), docs: [], done: false };
    }
    return cst;
  };
  const pull = (): boolean => {
    const st = state();
    if (st.done) { return false; }
    for (;;) {
      const r = st.tokens.next();
      if (r.done) { st.done = true; return false; }
      // Both parsers agree on the non-empty documents; empty ones (stray `---`) may be counted differently.
      if (r.value.type === 'document' && !emptyDocument(r.value)) { st.docs.push(r.value); return true; }
    }
  };
  const docAt = (ordinal: number): CST.Document | undefined => {
    const st = state();
    while (st.docs.length <= ordinal && pull()) { /* lex on */ }
    return st.docs[ordinal];
  };
  const linePos = (offset: number): { line: number; col: number } => {
    const st = state();
    // Lines are counted as the lexer goes: make sure it has gone past the offset.
    while (!st.done && (st.lc.lineStarts.at(-1) ?? 0) <= offset && pull()) { /* lex on */ }
    return st.lc.linePos(offset);
  };
  let lines: ScanText | undefined | null = null;
  const scan = (index: number, path: PathSeg[]): Scanned | undefined => {
    if (lines === null) { lines = scanText(text); }
    return lines ? scanFind(lines, index, path) : undefined;
  };
  const docs: SourceDoc[] = [];
  let ordinal = 0;
  values.forEach((value, index) => {
    if (value === null || value === undefined) { return; }
    const n = ordinal++;
    docs.push({ file, index, text, value, find: (path) => cstFind(docAt(n)?.value, path), linePos, scan: (path) => scan(index, path) });
  });
  return docs;
}

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);

function emptyDocument(d: CST.Document): boolean {
  const v = d.value;
  if (!v) { return true; }
  return v.type === 'scalar' && NULLS.has(v.source.trim());
}

export function parseStrict(file: string, text: string): { docs: SourceDoc[]; errors: InputError[] } {
  const lc = new LineCounter();
  const docs: SourceDoc[] = [];
  const errors: InputError[] = [];
  let parsed: Document.Parsed[];
  try {
    // logLevel error: a complex key (`value: {{region}}` placeholders) must not print a Node warning to the user's terminal.
    parsed = parseAllDocuments(text, { lineCounter: lc, merge: true, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'error' }) as Document.Parsed[];
  } catch (e) {
    return { docs, errors: [{ file, message: `cannot parse: ${firstLine(e)}` }] };
  }
  if (!Array.isArray(parsed)) {
    parsed = [parsed as unknown as Document.Parsed]; // EmptyStream
  }
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
    if (value === null || value === undefined) {
      return; // empty document (`---` separators, comments only)
    }
    docs.push({ file, index, text, value, find: (path) => docFind(doc, path), linePos: (offset) => lc.linePos(offset) });
  });
  return { docs, errors };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].trim();
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').trim();
  if (code === 'DUPLICATE_KEY') { return `duplicate key: ${first}`; }
  return `invalid YAML: ${first}`;
}

/** The node at a path in a composed Document (the strict path: anchors, aliases and merge keys resolved). */
function docFind(doc: Document, path: PathSeg[]): Found {
  const w = walk(doc, doc.contents as Node | null, path);
  const n = w.node;
  return { offset: w.offset, depth: w.depth, ...(isScalar(n) && n.range ? { scalar: { value: n.value, type: n.type, range: n.range } } : {}) };
}

/** The node at a path, and the offset of the deepest key or item found on the way. */
function walk(doc: Document, root: Node | null | undefined, path: PathSeg[]): { offset?: number; node?: Node | null; depth: number } {
  let node: Node | null | undefined = root;
  let offset = node?.range?.[0];
  let depth = 0;
  for (const seg of path) {
    if (isAlias(node)) { node = node.resolve(doc) as Node | undefined; }
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) { break; }
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) { break; }
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
    depth++;
  }
  return { offset, node, depth };
}

/**
 * The same walk over yaml's CST, for texts without anchors, aliases or merge keys (the fast path): the
 * offsets are the ones the composed Document would give (the lint tests compare the two on every fixture).
 */
function cstFind(root: CST.Token | undefined, path: PathSeg[]): Found {
  let node: CST.Token | undefined = root;
  let offset = node?.offset;
  let depth = 0;
  for (const seg of path) {
    if (!node) { break; }
    if (node.type === 'block-map' || (node.type === 'flow-collection' && node.start.source === '{')) {
      const want = String(seg);
      const item = (node.items as CST.CollectionItem[]).find((it) => it.key && keyString(it.key) === want);
      if (!item?.key) { break; }
      offset = item.key.offset;
      node = item.value;
    } else if ((node.type === 'block-seq' || (node.type === 'flow-collection' && node.start.source === '[')) && typeof seg === 'number') {
      const item = (node.items as CST.CollectionItem[])[seg];
      // An implicit `k: v` pair inside a flow sequence is a one-pair map there: stop at the sequence.
      if (!item || item.key !== undefined || !item.value) { break; }
      offset = item.value.offset;
      node = item.value;
    } else {
      break;
    }
    depth++;
  }
  if (node && CST.isScalar(node)) {
    const r = CST.resolveAsScalar(node, false, () => {});
    if (r) { return { offset, depth, scalar: { value: r.value, type: r.type ?? undefined, range: r.range } }; }
  }
  return { offset, depth };
}

/** A map key as the value parsers give it, as a string: quoted keys unquoted, plain ones resolved by the core schema. */
function keyString(key: CST.Token): string | undefined {
  if (!CST.isScalar(key) || key.type === 'block-scalar') { return undefined; }
  const r = CST.resolveAsScalar(key, false, () => {});
  if (!r) { return undefined; }
  return r.type === 'PLAIN' ? corePlain(r.value) : r.value;
}

function corePlain(v: string): string {
  if (NULLS.has(v)) { return 'null'; }
  if (/^(true|True|TRUE|false|False|FALSE)$/.test(v)) { return v.toLowerCase(); }
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(v)) { return String(Number(v)); }
  if (/^0x[0-9a-fA-F]+$/.test(v)) { return String(parseInt(v.slice(2), 16)); }
  if (/^0o[0-7]+$/.test(v)) { return String(parseInt(v.slice(2), 8)); }
  if (/^[-+]?\.(inf|Inf|INF)$/.test(v)) { return v.startsWith('-') ? '-Infinity' : 'Infinity'; }
  if (/^\.(nan|NaN|NAN)$/.test(v)) { return 'NaN'; }
  return v;
}

/** Line and column of the key at `path` (or of the deepest existing ancestor). */
export function locate(sd: SourceDoc, path: PathSeg[]): SourceLocation & { depth: number } {
  const s = sd.scan?.(path);
  if (s) { return { file: sd.file, line: s.line, column: s.col, depth: s.depth }; }
  const w = sd.find(path);
  if (w.offset === undefined) { return { file: sd.file, line: 1, column: 1, depth: 0 }; }
  const p = sd.linePos(w.offset);
  return { file: sd.file, line: p.line, column: p.col, depth: w.depth };
}

/** Line and column where a document's content starts (for input errors about the whole document). */
export function docStart(sd: SourceDoc): { line: number; column: number } {
  const p = sd.linePos(sd.find([]).offset ?? 0);
  return { line: p.line, column: p.col };
}

/**
 * A key inside a YAML text embedded as a block scalar (a ConfigMap's `collector.yaml: |`, a v1alpha1 CR's
 * `config: |`): parse the scalar's text and shift its positions by where the block's content starts.
 * Quoted or folded strings do not map line for line: then the scalar's own key is the location.
 */
export function locateEmbedded(sd: SourceDoc, scalarPath: PathSeg[], inner: PathSeg[], opts: { scan?: boolean } = {}): (SourceLocation & { depth: number }) | undefined {
  const key = scalarPath.at(-1);
  const fast = opts.scan !== false && typeof key === 'string' && typeof sd.value === 'object' ? blockByContent(sd, key, valueAt(sd.value, scalarPath)) : undefined;
  // The embedded text is parsed once, whichever way its block was found.
  const ip = fast ? innerPosition(fast.value, inner) : undefined;
  if (fast && ip) { return { file: sd.file, line: fast.headerLine + ip.line, column: fast.indent + ip.col, depth: scalarPath.length + ip.depth }; }
  const w = sd.find(scalarPath);
  if (w.depth !== scalarPath.length) { return undefined; }
  const outer = locate(sd, scalarPath);
  const node = w.scalar;
  if (!node || typeof node.value !== 'string' || node.type !== Scalar.BLOCK_LITERAL) { return outer; }
  const pos = fast ? ip : innerPosition(node.value, inner);
  if (!pos) { return outer; }
  // The header (`|`, `|-`, `|2`) ends its line; the content starts on the next one, indented.
  const headerEnd = sd.text.indexOf('\n', node.range[0]);
  if (headerEnd === -1) { return outer; }
  const headerLine = sd.linePos(node.range[0]).line;
  const lines = sd.text.slice(headerEnd + 1, node.range[2] ?? node.range[1]).split('\n');
  const firstContent = lines.find((l) => l.trim() !== '');
  const indent = firstContent ? firstContent.length - firstContent.trimStart().length : 0;
  return { file: sd.file, line: headerLine + pos.line, column: indent + pos.col, depth: scalarPath.length + pos.depth };
}

/** Line, column and depth of `inner` within an embedded YAML text; undefined when it does not parse or has none of it. */
function innerPosition(text: string, inner: PathSeg[]): { line: number; col: number; depth: number } | undefined {
  const parsed = embeddedDocument(text);
  if (!parsed) { return undefined; }
  const { doc: inDoc, lc } = parsed;
  const iw = walk(inDoc, inDoc.contents as Node | null, inner);
  if (iw.offset === undefined || iw.depth === 0) { return undefined; }
  return { ...lc.linePos(iw.offset), depth: iw.depth };
}

/**
 * An embedded config, parsed with positions once for all the findings in it (a collector with ten findings,
 * each tried against several key paths, parsed the same text dozens of times). Bounded: a run over thousands
 * of configs keeps only the recent ones, and findings come grouped by collector.
 */
const EMBEDDED_CACHE_SIZE = 32;
const embeddedCache = new Map<string, { doc: Document.Parsed; lc: LineCounter } | null>();

function embeddedDocument(text: string): { doc: Document.Parsed; lc: LineCounter } | undefined {
  const hit = embeddedCache.get(text);
  if (hit !== undefined) { return hit ?? undefined; }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const entry = doc.errors.length ? null : { doc, lc };
  if (embeddedCache.size >= EMBEDDED_CACHE_SIZE) { embeddedCache.delete(embeddedCache.keys().next().value as string); }
  embeddedCache.set(text, entry);
  return entry ?? undefined;
}

function valueAt(v: unknown, path: PathSeg[]): unknown {
  let cur: any = v;
  for (const seg of path) { cur = cur?.[seg]; }
  return cur;
}

const BLOCK_HEADER = /^( *)(?:- +)?(?:"([^"\\]*)"|'([^']*)'|([^\s#'"{[][^:#]*?)) *: *\|([-+]?)[ \t]*(?:#.*)?$/;

/**
 * The literal block (`key: |`) holding exactly `value`, found by scanning the document's lines instead of
 * lexing it: a ConfigMap's annotations can be most of a rendered file, and only a finding inside the
 * embedded config needs a position. Trusted only when it cannot be wrong: exactly one block in the
 * document has that key and, dedented, exactly that content; otherwise undefined and the CST decides.
 * Texts with CR line ends, `...` document ends or directives take the CST path too.
 */
function blockByContent(sd: SourceDoc, key: string, value: unknown): { headerLine: number; indent: number; value: string } | undefined {
  if (typeof value !== 'string' || value === '') { return undefined; }
  const text = sd.text;
  if (text.includes('\r') || /^(\.\.\.|%)/m.test(text)) { return undefined; }
  const lines = text.split('\n');
  // Document index of each line, counted as js-yaml counts (sd.index): a `---` opens the next document,
  // except a first one that only comments and blank lines precede.
  let doc = 0;
  let content = false;
  const want = value.replace(/\n+$/, '');
  let hit: { headerLine: number; indent: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^---(\s|$)/.test(line)) {
      if (content) { doc++; }
      content = true;
      continue;
    }
    if (!content && line.trim() !== '' && !line.trimStart().startsWith('#')) { content = true; }
    if (doc !== sd.index) { if (doc > sd.index) { break;  }continue; }
    const m = BLOCK_HEADER.exec(line);
    if (!m || (m[2] ?? m[3] ?? m[4]) !== key) { continue; }
    const keyIndent = m[1].length;
    let j = i + 1;
    const body: string[] = [];
    let indent = -1;
    for (; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim() === '') { body.push(''); continue; }
      const ind = l.length - l.trimStart().length;
      if (ind <= keyIndent) { break; }
      if (indent < 0) { indent = ind; }
      if (ind < indent) {
        return undefined; // a less indented line inside a block: not what this scan understands
      }
      body.push(l.slice(indent));
    }
    if (indent < 0 || body.join('\n').replace(/\n+$/, '') !== want) { continue; }
    if (hit) {
      return undefined; // two blocks could be it
    }
    hit = { headerLine: i + 1, indent };
  }
  return hit ? { ...hit, value } : undefined;
}
