/**
 * Which objects lint links together. The files of one folder are linked as a whole: a Deployment in one file
 * mounts a ConfigMap from another. Folders are joined only where one needs the other (refs.ts: an app in
 * `apps/` sends to the Service in `collector/`), nearest first, from the deepest folders up. So a repository
 * linted from its root finds what each of its self-contained example folders finds on its own: two examples
 * that both deploy `default/otel-collector` neither hide nor invent each other's findings.
 *
 * Two groups are never joined when they would change each other: when they declare the same object
 * (Kind, namespace, name) differently (variants, as in `k8s/prod/` and `k8s/staging/`), or when one also
 * satisfies what the other already resolves by selector or "the one in the namespace" (a second
 * Instrumentation would make `inject-java: "true"` ambiguous; a Service would select the other's pods).
 * A group needed by two such groups joins each of them. Conflicting files inside one folder become
 * variants too: each file seeds a context that takes in every file of the folder it conflicts with none of.
 */
import { dirname, sep } from 'node:path';
import { identity, offer, offers, refsOf, type Offers, type Ref } from './refs.ts';
import type { LintObject } from './shapes.ts';

export interface LintContexts {
  /** objects per context, each in input order; one context when nothing needed splitting */
  contexts: LintObject[][];
  /** one line per object declared more than once, for the report's notes */
  notes: string[];
}

const MAX_NOTES = 10;

interface FileInfo {
  file: string;
  order: number;
  objects: LintObject[];
  offers: Offers;
  refs: Ref[];
  /** identity -> declaration number (distinct declarations of an identity get distinct numbers) */
  decls: Map<string, number>;
}

class Group {
  readonly files: FileInfo[];
  readonly names: Set<string>;
  private cache?: { offers: Offers; unresolved: Ref[]; resolvedMulti: Ref[] };
  constructor(files: FileInfo[]) {
    this.files = [...files].sort((a, b) => a.order - b.order);
    this.names = new Set(files.map((f) => f.file));
  }
  private state(): { offers: Offers; unresolved: Ref[]; resolvedMulti: Ref[] } {
    if (this.cache) { return this.cache; }
    const o: Offers = { keys: new Set(), pods: new Map() };
    for (const f of this.files) {
      for (const k of f.offers.keys) { o.keys.add(k); }
      for (const [ns, list] of f.offers.pods) { (o.pods.get(ns) ?? o.pods.set(ns, []).get(ns)!).push(...list); }
    }
    const unresolved: Ref[] = [];
    const resolvedMulti: Ref[] = [];
    // Twenty pods mounting one ConfigMap are one need.
    const seen = new Set<string>();
    for (const f of this.files) {
      for (const r of f.refs) {
        const k = 'key' in r ? r.key : `${r.ns}\0${JSON.stringify(r.selector)}`;
        if (seen.has(k)) { continue; }
        seen.add(k);
        if (!offers(o, r)) { unresolved.push(r); } else if (r.multi) { resolvedMulti.push(r); }
      }
    }
    this.cache = { offers: o, unresolved, resolvedMulti };
    return this.cache;
  }
  get offers(): Offers { return this.state().offers; }
  get unresolved(): Ref[] { return this.state().unresolved; }
  get resolvedMulti(): Ref[] { return this.state().resolvedMulti; }
  union(other: Group): Group {
    return new Group([...this.files, ...other.files.filter((f) => !this.names.has(f.file))]);
  }
  contains(other: Group): boolean {
    return other.files.every((f) => this.names.has(f.file));
  }
}

function declConflict(a: FileInfo, b: FileInfo): boolean {
  const [small, large] = a.decls.size <= b.decls.size ? [a, b] : [b, a];
  for (const [id, n] of small.decls) {
    const m = large.decls.get(id);
    if (m !== undefined && m !== n) { return true; }
  }
  return false;
}

/** Joining would change what either already resolves, or link two declarations of one object. */
function conflict(a: Group, b: Group): boolean {
  for (const fa of a.files) {
    for (const fb of b.files) { if (fa !== fb && declConflict(fa, fb)) { return true; } }
  }
  const bOnly = new Group(b.files.filter((f) => !a.names.has(f.file)));
  const aOnly = new Group(a.files.filter((f) => !b.names.has(f.file)));
  return a.resolvedMulti.some((r) => offers(bOnly.offers, r)) || b.resolvedMulti.some((r) => offers(aOnly.offers, r));
}

/**
 * Join groups where one needs what another offers, until nothing changes. A need that several conflicting
 * groups satisfy (the app of `k8s/apps/` sending to the collector that `k8s/prod/` and `k8s/staging/` each
 * declare) is joined with each of them, as variants; groups inside another are dropped.
 */
function joinByRefs(groups: Group[]): Group[] {
  let current = groups;
  for (let changed = true; changed; ) {
    changed = false;
    const next: Group[] = [];
    // Who offers each exact object, built once per pass: a scan of every group per need was quadratic.
    const byKey = new Map<string, Group[]>();
    for (const g of current) { for (const k of g.offers.keys) { (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(g); } }
    for (const g of current) {
      let variants = [g];
      for (const r of g.unresolved) {
        const candidates = ('key' in r ? (byKey.get(r.key) ?? []) : current.filter((other) => offers(other.offers, r))).filter((other) => other !== g);
        // "The one in the namespace" (or whatever a selector picks) names nothing when several unrelated
        // folders offer one: the examples of a repository each have their Instrumentation in `default`.
        if (!candidates.length || (r.multi && new Set(candidates.map((c) => c.files.filter((f) => offers(f.offers, r)).map((f) => f.file).join('\0'))).size > 1)) { continue; }
        const out: Group[] = [];
        for (const v of variants) {
          if (offers(v.offers, r)) { out.push(v); continue; }
          const joined: Group[] = [];
          for (const c of candidates) {
            if (v.contains(c) || conflict(v, c)) { continue; }
            const i = joined.findIndex((j) => j.contains(c) || !conflict(j, c));
            if (i >= 0) { joined[i] = joined[i].union(c); } else { joined.push(v.union(c)); }
          }
          if (joined.length) { changed = true; }
          out.push(...(joined.length ? joined : [v]));
        }
        variants = out;
      }
      next.push(...variants);
    }
    current = next.filter((g, i) => !next.some((h, j) => j !== i && h.contains(g) && (!g.contains(h) || j < i)));
  }
  return current;
}

/** The files of one folder: one group, or variants when some of them declare an object differently. */
function folderGroups(files: FileInfo[]): Group[] {
  const clash = (a: FileInfo, b: FileInfo): boolean => a !== b && declConflict(a, b);
  if (!files.some((a) => files.some((b) => clash(a, b)))) { return [new Group(files)]; }
  const covered = new Set<FileInfo>();
  const out: Group[] = [];
  for (const seed of files) {
    if (covered.has(seed)) { continue; }
    const members = [seed];
    for (const f of files) {
      if (f !== seed && !members.some((m) => clash(m, f))) { members.push(f); }
    }
    for (const m of members) { covered.add(m); }
    out.push(new Group(members));
  }
  return out;
}

interface Folder {
  files: FileInfo[];
  children: Map<string, Folder>;
}

function groupsOf(folder: Folder): Group[] {
  const kids = [...folder.children.values()].flatMap(groupsOf);
  const own = folder.files.length ? folderGroups(folder.files) : [];
  const all = [...own, ...kids];
  return all.length > 1 ? joinByRefs(all) : all;
}

/** What an object is linked as part of: its file, or the kustomization that rendered it. */
function unitOf(o: LintObject): string {
  return o.origin.unit ?? o.origin.sd.file;
}

export function lintContexts(objects: LintObject[]): LintContexts {
  const byFile = new Map<string, FileInfo>();
  for (const o of objects) {
    const file = unitOf(o);
    let fi = byFile.get(file);
    if (!fi) {
      fi = { file, order: byFile.size, objects: [], offers: { keys: new Set(), pods: new Map() }, refs: [], decls: new Map() };
      byFile.set(file, fi);
    }
    fi.objects.push(o);
  }
  // Per identity, the distinct declarations and the files holding each. Byte-identical copies (the same
  // Namespace at the top of every self-contained file) are one declaration: they conflict with nothing.
  const decls = new Map<string, { canon?: string; first: LintObject; files: string[] }[]>();
  const twiceInFile = new Map<string, string>();
  for (const fi of byFile.values()) {
    const firsts: LintObject[] = [];
    for (const o of fi.objects) {
      const id = identity(o);
      if (fi.decls.has(id)) { twiceInFile.set(id, fi.file); continue; }
      firsts.push(o);
      const list = decls.get(id);
      if (!list) {
        decls.set(id, [{ first: o, files: [fi.file] }]);
        fi.decls.set(id, 0);
        continue;
      }
      // Serialised only once an identity turns up in a second file: most never do.
      const canon = JSON.stringify(o.obj);
      for (const d of list) { d.canon ??= JSON.stringify(d.first.obj); }
      let n = list.findIndex((d) => d.canon === canon);
      if (n < 0) { n = list.push({ first: o, canon, files: [] }) - 1; }
      list[n].files.push(fi.file);
      fi.decls.set(id, n);
    }
    // Within a file the first declaration is the one checked: only it offers and needs.
    for (const o of firsts) {
      offer(o, fi.offers);
      fi.refs.push(...refsOf(o));
    }
  }
  const notes: string[] = [];
  for (const [id, ds] of decls) {
    if (ds.length < 2) { continue; }
    const where = ds.flatMap((d) => d.files);
    notes.push(`${id} is declared differently in ${where.length} files (${where.join(', ')}): each declaration is linked and checked with the files it does not conflict with`);
  }
  for (const [id, file] of twiceInFile) { notes.push(`${id} is declared more than once in ${file}: the first declaration is the one checked`); }
  const shown = notes.length > MAX_NOTES ? [...notes.slice(0, MAX_NOTES), `... and ${notes.length - MAX_NOTES} more objects declared more than once`] : notes;

  const root: Folder = { files: [], children: new Map() };
  for (const fi of byFile.values()) {
    let node = root;
    for (const seg of fi.file === '-' ? [] : dirname(fi.file).split(sep)) {
      node = node.children.get(seg) ?? node.children.set(seg, { files: [], children: new Map() }).get(seg)!;
    }
    node.files.push(fi);
  }
  const groups = groupsOf(root);
  groups.sort((a, b) => a.files[0].order - b.files[0].order);
  const contexts = groups.map((g) => firstDeclarations(g.files.flatMap((f) => f.objects)));
  return { contexts: contexts.length ? contexts : [[]], notes: shown };
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
