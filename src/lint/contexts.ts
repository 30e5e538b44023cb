/**
 * Which objects lint links together. Usually all of them: a Deployment in one file mounts a ConfigMap from
 * another. But two files that declare the same object (Kind, namespace, name) are variants of one another,
 * as in `k8s/prod/` and `k8s/staging/` with namespaces left to the context: linked together, one would
 * silently replace the other and its findings would be lost or pinned to the other file. So the files are
 * split into contexts in which no object is declared twice. Each file seeds a context unless an earlier
 * context already holds it; the seed takes in every file that conflicts with none of the files taken so
 * far, nearest directory first, so a variant's siblings join it and shared files join every context.
 */
import { dirname, sep } from 'node:path';
import { CLUSTER_SCOPED } from './build.ts';
import type { LintObject } from './shapes.ts';

export interface LintContexts {
  /** objects per context, each in input order; one context when no object is declared twice */
  contexts: LintObject[][];
  /** one line per object declared more than once, for the report's notes */
  notes: string[];
}

const MAX_NOTES = 10;

function identity(o: LintObject): string {
  const kind = o.obj.kind ?? '';
  const ns = CLUSTER_SCOPED.has(kind) ? '' : typeof o.obj.metadata.namespace === 'string' ? o.obj.metadata.namespace : 'default';
  return `${kind} ${ns ? `${ns}/` : ''}${o.obj.metadata.name}`;
}

/** How many leading directory segments two files share: the nearer, the likelier the same variant. */
function closeness(a: string, b: string): number {
  const x = dirname(a).split(sep);
  const y = dirname(b).split(sep);
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) { i++; }
  return i;
}

export function lintContexts(objects: LintObject[]): LintContexts {
  const files: string[] = [];
  const fileSet = new Set<string>();
  // Per identity, the distinct declarations and the files holding each. Byte-identical copies (the same
  // Namespace at the top of every self-contained file) are one declaration: they conflict with nothing.
  const decls = new Map<string, { first: LintObject; canon?: string; files: string[] }[]>();
  const twiceInFile = new Map<string, string>();
  const firstInFile = new Set<string>();
  for (const o of objects) {
    const file = o.origin.sd.file;
    if (!fileSet.has(file)) { fileSet.add(file); files.push(file); }
    const id = identity(o);
    const seenHere = `${file}\0${id}`;
    if (firstInFile.has(seenHere)) { twiceInFile.set(id, file); continue; }
    firstInFile.add(seenHere);
    const list = decls.get(id);
    if (!list) { decls.set(id, [{ first: o, files: [file] }]); continue; }
    // Serialised only once an identity turns up in a second file: most never do.
    const canon = JSON.stringify(o.obj);
    for (const d of list) { d.canon ??= JSON.stringify(d.first.obj); }
    const same = list.find((d) => d.canon === canon);
    if (same) { same.files.push(file); } else { list.push({ first: o, canon, files: [file] }); }
  }
  const conflicts = new Map<string, Set<string>>();
  const notes: string[] = [];
  for (const [id, ds] of decls) {
    if (ds.length < 2) { continue; }
    for (const a of ds) { for (const b of ds) { if (a !== b) { for (const fa of a.files) { for (const fb of b.files) { (conflicts.get(fa) ?? conflicts.set(fa, new Set()).get(fa)!).add(fb); } } } } }
    const where = ds.flatMap((d) => d.files);
    notes.push(`${id} is declared differently in ${where.length} files (${where.join(', ')}): each declaration is linked and checked with the files it does not conflict with`);
  }
  for (const [id, file] of twiceInFile) { notes.push(`${id} is declared more than once in ${file}: the first declaration is the one checked`); }
  const shown = notes.length > MAX_NOTES ? [...notes.slice(0, MAX_NOTES), `... and ${notes.length - MAX_NOTES} more objects declared more than once`] : notes;
  if (conflicts.size === 0) { return { contexts: [firstDeclarations(objects)], notes: shown }; }

  const covered = new Set<string>();
  const contexts: LintObject[][] = [];
  for (const seed of files) {
    if (covered.has(seed)) { continue; }
    const members = new Set([seed]);
    const candidates = files
      .map((f, i) => ({ f, i, near: closeness(seed, f) }))
      .filter((c) => c.f !== seed)
      .sort((a, b) => b.near - a.near || a.i - b.i);
    for (const { f } of candidates) {
      const clash = conflicts.get(f);
      if (!clash || ![...members].some((m) => clash.has(m))) { members.add(f); }
    }
    for (const m of members) { covered.add(m); }
    contexts.push(firstDeclarations(objects.filter((o) => members.has(o.origin.sd.file))));
  }
  return { contexts, notes: shown };
}

/** One declaration per identity within a context (the first): copies must not count as two collectors. */
function firstDeclarations(objects: LintObject[]): LintObject[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    const id = identity(o);
    if (seen.has(id)) { return false; }
    seen.add(id);
    return true;
  });
}
