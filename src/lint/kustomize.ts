/**
 * Kustomize directories: the files under a `kustomization.yaml` are inputs to kustomize (bases, patches,
 * generators), not what gets applied, so lint checks what `kubectl kustomize DIR` renders instead. kubectl is
 * there wherever this runs as a kubectl plugin; it runs with an argv (never a shell), a time limit, and its
 * stderr is the error when it fails. A rendered object is located in the source document that declares the
 * same kind and name (namespace too where the source sets one) among the kustomization's resources, so a
 * finding points at the file a user edits; an object kustomize made (a generator, a renamed copy) points at
 * the kustomization file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, normalize, relative, sep } from 'node:path';
import { shellQuote } from '../report/fix-commands.ts';
import { parseSource, readSource, type InputError, type PathSeg, type Skipped, type SourceDoc } from './source.ts';
import { isObj } from './is-obj.ts';

export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** A render of a large overlay takes a second or two; a minute means kubectl is stuck (a remote base). */
export const KUSTOMIZE_TIMEOUT_MS = 60_000;

export function isKustomization(file: string): boolean {
  return KUSTOMIZATION_NAMES.includes(basename(file));
}

/** The rendered objects of one kustomization, each with the source document to locate it in (if any). */
export interface Rendered {
  kustomization: string;
  /** the rendered output, parsed */
  docs: SourceDoc[];
  /** per rendered document (and List item), the source document that declares it */
  sourceOf: (item: unknown) => { sd: SourceDoc; base: PathSeg[] } | undefined;
}

export interface KustomizeResult {
  rendered: Rendered[];
  errors: InputError[];
  skipped: Skipped[];
  /** files replaced by a render (or left unrendered): not linted as they are */
  consumed: Set<string>;
  notes: string[];
}

function within(file: string, dir: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..';
}

/** Is `kubectl` on PATH? Looked up as execvp would, so a missing one is a note, not a spawn error. */
export function kubectlOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const d of (env.PATH ?? '').split(':')) {
    if (!d) { continue; }
    const p = join(d, 'kubectl');
    try {
      if (statSync(p).isFile()) { return p; }
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export interface KustomizeOptions {
  /** kubectl to run (default: `kubectl` from PATH); tests point it at a stub */
  kubectl?: string;
  /** the environment kubectl is looked up in and runs with (default: this process's) */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * Render every outermost kustomization among `files` (a kustomization inside another's folder is normally
 * one of its resources), and say which files the renders replace.
 */
export function kustomize(files: string[], parsed: Map<string, SourceDoc[]>, opts: KustomizeOptions = {}): KustomizeResult {
  const out: KustomizeResult = { rendered: [], errors: [], skipped: [], consumed: new Set(), notes: [] };
  const kfiles = files.filter(isKustomization);
  const dirs = kfiles.map((f) => dirname(f));
  const outermost = kfiles.filter((f) => !dirs.some((d) => within(dirname(f), d)));
  if (!outermost.length) { return out; }
  for (const f of files) {
    if (dirs.some((d) => f === join(d, basename(f)) || within(f, d))) { out.consumed.add(f); }
  }
  const kubectl = opts.kubectl ?? kubectlOnPath(opts.env);
  for (const kfile of outermost) {
    const dir = dirname(kfile);
    const command = `kubectl kustomize ${shellQuote(dir)}`;
    if (!kubectl) {
      out.skipped.push({ file: kfile, reason: `a kustomization: its files are inputs to kustomize and are not linted as they are; kubectl is not on PATH to render it: run \`${command} | kubectl otel-doctor lint -\`` });
      continue;
    }
    const r = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8', timeout: opts.timeoutMs ?? KUSTOMIZE_TIMEOUT_MS, maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.env ? { env: opts.env } : {}) });
    if (r.error || r.status !== 0) {
      const why = r.error
        ? (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
          ? `timed out after ${(opts.timeoutMs ?? KUSTOMIZE_TIMEOUT_MS) / 1000} s`
          : r.error.message
        : (r.stderr || `exit ${r.status ?? r.signal}`).trim().split('\n').slice(0, 5).join(' / ');
      out.errors.push({ file: kfile, message: `\`${command}\` failed: ${why}` });
      continue;
    }
    const p = parseSource(kfile, r.stdout);
    if (p.errors.length) {
      out.errors.push(...p.errors.map((e) => ({ ...e, message: `rendered by \`${command}\`: ${e.message}` })));
      continue;
    }
    out.notes.push(`${kfile}: linted as \`${command}\` renders it`);
    const sources = sourceIndex(kfile, parsed);
    out.rendered.push({
      kustomization: kfile,
      docs: p.docs.map((d) => blindDoc(d, kfile)),
      sourceOf: (item) => {
        if (!isObj(item) || typeof item.kind !== 'string' || !isObj(item.metadata)) { return undefined; }
        const hits = sources.get(`${item.kind}/${item.metadata.name}`) ?? [];
        const ns = item.metadata.namespace;
        const hit = hits.find((h) => h.ns === ns) ?? hits.find((h) => h.ns === undefined);
        return hit ? { sd: hit.sd, base: hit.base } : undefined;
      },
    });
  }
  return out;
}

/**
 * A rendered document keeps its values but has no place in any file: its positions resolve to nothing, so a
 * finding on it points at the kustomization file's first line.
 */
function blindDoc(d: SourceDoc, kfile: string): SourceDoc {
  return { file: kfile, index: d.index, text: '', value: d.value, find: () => ({ depth: 0 }), linePos: () => ({ line: 1, col: 1 }) };
}

/**
 * The documents among the kustomization's resources (`resources`, `bases`, `components`, patch files; local
 * paths, followed into nested kustomizations), by kind and name. Files the walk did not read (a base outside
 * the linted paths) are read here.
 */
function sourceIndex(kfile: string, parsed: Map<string, SourceDoc[]>): Map<string, { sd: SourceDoc; base: PathSeg[]; ns?: string }[]> {
  const index = new Map<string, { sd: SourceDoc; base: PathSeg[]; ns?: string }[]>();
  const seen = new Set<string>();
  const docsOf = (file: string): SourceDoc[] => {
    const have = parsed.get(file);
    if (have) { return have; }
    const r = readSource(file);
    const docs = r.text === undefined ? [] : parseSource(file, r.text).docs;
    parsed.set(file, docs);
    return docs;
  };
  const add = (sd: SourceDoc, v: unknown, base: PathSeg[]): void => {
    if (!isObj(v) || typeof v.kind !== 'string' || !isObj(v.metadata) || typeof v.metadata.name !== 'string') { return; }
    const k = `${v.kind}/${v.metadata.name}`;
    const ns = typeof v.metadata.namespace === 'string' ? v.metadata.namespace : undefined;
    (index.get(k) ?? index.set(k, []).get(k)!).push({ sd, base, ns });
  };
  const visitKustomization = (file: string): void => {
    const dir = dirname(file);
    const k = docsOf(file)[0]?.value;
    if (!isObj(k)) { return; }
    const entries: unknown[] = [];
    for (const key of ['resources', 'bases', 'components', 'patchesStrategicMerge']) { if (Array.isArray(k[key])) { entries.push(...k[key]); } }
    for (const p of Array.isArray(k.patches) ? k.patches : []) { if (isObj(p) && typeof p.path === 'string') { entries.push(p.path); } }
    for (const e of entries) {
      if (typeof e !== 'string' || /^[a-z]+:\/\/|^(github\.com|git@)/i.test(e)) { continue; }
      visit(normalize(join(dir, e)));
    }
  };
  const visit = (path: string): void => {
    if (seen.has(path)) { return; }
    seen.add(path);
    let st;
    try {
      st = statSync(path);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      const k = KUSTOMIZATION_NAMES.map((n) => join(path, n)).find((f) => existsSync(f));
      if (k) { visitKustomization(k); }
      return;
    }
    // Patches are partial: indexed after resources, so a resource's full declaration is found first.
    for (const sd of docsOf(path)) {
      const v = sd.value;
      if (isObj(v) && /List$/.test(String(v.kind)) && Array.isArray(v.items)) {
        v.items.forEach((item: unknown, i: number) => add(sd, item, ['items', i]));
      } else {
        add(sd, v, []);
      }
    }
  };
  visitKustomization(kfile);
  return index;
}

