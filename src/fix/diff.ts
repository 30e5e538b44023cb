/**
 * Unified diffs as `kubectl diff` shows them: kubectl writes the live and the merged object as YAML into
 * two directories and runs `diff -u -N` on them, so each object is one file named
 * `<group>.<version>.<Kind>.<namespace>.<name>` (kubectl/pkg/cmd/diff/diff.go, InfoObject.Name) and the
 * output is GNU diff's: a `diff -u -N` line, `---`/`+++` headers and hunks with 3 lines of context.
 */
import { stringify } from 'yaml';

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Line diff by longest common subsequence; objects are a few hundred lines, so O(n·m) is fine. */
function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) { lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]); }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      // on a tie the removal goes first, as GNU diff prints a change
      ops.push({ kind: '-', line: a[i] });
      i++;
    } else {
      ops.push({ kind: '+', line: b[j] });
      j++;
    }
  }
  return ops;
}

function splitLines(text: string): string[] {
  if (text === '') { return []; }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') { lines.pop(); }
  return lines;
}

/** GNU `diff -u` hunks (3 lines of context); empty when the texts are equal. */
export function unifiedHunks(before: string, after: string, context = 3): string[] {
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const changed = ops.map((o, k) => (o.kind !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (!changed.length) { return []; }
  // Group changes whose context overlaps into one hunk.
  const groups: [number, number][] = [];
  for (const k of changed) {
    const last = groups[groups.length - 1];
    // GNU diff joins two changes into one hunk when at most 2×context unchanged lines lie between them.
    if (last && k - last[1] - 1 <= 2 * context) { last[1] = k; } else { groups.push([k, k]); }
  }
  const out: string[] = [];
  // Line numbers before each op.
  const posA: number[] = [];
  const posB: number[] = [];
  let la = 0;
  let lb = 0;
  for (const o of ops) {
    posA.push(la);
    posB.push(lb);
    if (o.kind !== '+') { la++; }
    if (o.kind !== '-') { lb++; }
  }
  for (const [first, last] of groups) {
    const start = Math.max(0, first - context);
    const end = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(start, end + 1);
    const countA = slice.filter((o) => o.kind !== '+').length;
    const countB = slice.filter((o) => o.kind !== '-').length;
    // GNU diff: a range of length 0 starts at the line before it; length 1 omits the count.
    const range = (pos: number, count: number): string => (count === 0 ? `${pos},0` : count === 1 ? `${pos + 1}` : `${pos + 1},${count}`);
    out.push(`@@ -${range(posA[start], countA)} +${range(posB[start], countB)} @@`);
    for (const o of slice) { out.push(`${o.kind}${o.line}`); }
  }
  return out;
}

export interface ObjectId {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** kubectl diff's file name for an object: `[group.]version.Kind.namespace.name`. */
export function diffFileName(o: ObjectId): string {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return `${group ? `${group}.` : ''}${version}.${o.kind}.${o.namespace ?? ''}.${o.name}`;
}

/** An object as kubectl diff prints it: YAML, keys sorted (Go's encoder), managedFields hidden. */
export function objectYaml(obj: Record<string, unknown>): string {
  const o = structuredClone(obj) as { metadata?: Record<string, unknown> };
  if (o.metadata) { delete o.metadata.managedFields; }
  return stringify(o, { sortMapEntries: true, lineWidth: 0 });
}

/** The whole `kubectl diff` block of one object: empty when nothing changes. */
export function objectDiff(id: ObjectId, before: Record<string, unknown>, after: Record<string, unknown>): string {
  const hunks = unifiedHunks(objectYaml(before), objectYaml(after));
  if (!hunks.length) { return ''; }
  const file = diffFileName(id);
  return [`diff -u -N LIVE/${file} MERGED/${file}`, `--- LIVE/${file}`, `+++ MERGED/${file}`, ...hunks].join('\n');
}
