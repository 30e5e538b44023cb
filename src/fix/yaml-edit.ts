/**
 * Edits of a collector config kept as YAML text (a ConfigMap key, a v1alpha1 CR's `spec.config`): the
 * parsed Document is changed at a path and printed again, so the user's comments, key order and quoting
 * stay where they were. Never a text substitution: a regex on YAML cannot tell a key from a comment or a
 * string that happens to contain `localhost:4317`.
 */
import { isMap, isScalar, isSeq, parse, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';

export type Path = string[];

/** A leaf to set: the path from the config's root and the value (a string, number or boolean). */
export interface Leaf {
  path: Path;
  value: string | number | boolean;
}

/**
 * The leaves of a rule's YAML fragment (`receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317`),
 * comments dropped (they carry the alternatives, not the change). A list inside it is the config's own list
 * written out whole (a telemetry reader's host: a fragment cannot name one element), so its leaves are paths
 * through the element's index, and only the ones that differ from the live config change. A fragment that is
 * a list, or holds an empty one, names no path: undefined.
 */
export function fragmentLeaves(fragment: string): Leaf[] | undefined {
  let doc: unknown;
  try { doc = parse(fragment); } catch { return undefined; }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) { return undefined; }
  const out: Leaf[] = [];
  let ok = true;
  const walk = (v: unknown, path: Path): void => {
    if (Array.isArray(v)) {
      if (!path.length || !v.length) { ok = false; }
      v.forEach((x, i) => walk(x, [...path, String(i)]));
      return;
    }
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) { walk(x, [...path, k]); }
      return;
    }
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') { out.push({ path, value: v }); } else { ok = false; }
  };
  walk(doc, []);
  return ok && out.length ? out : undefined;
}

/** How the text indents a block sequence under its key (`key:\n- a` or `key:\n  - a`), so printing keeps it. */
function indentsSequences(text: string): boolean {
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const key = /^(\s*)[^\s#-][^#]*:\s*$/.exec(lines[i]);
    if (!key) { continue; }
    const item = /^(\s*)- /.exec(lines[i + 1]);
    if (item) { return item[1].length > key[1].length; }
  }
  return true;
}

export class EditError extends Error {}

const INDEX = /^(0|[1-9]\d*)$/;

/**
 * The map (or list) at `path`, maps made where they are missing or null; an error where something else (a
 * scalar, a list where a key is named, an element the list does not have) is. List elements are never made:
 * the fragment names the config's own elements.
 */
function containerAt(doc: Document, path: Path): YAMLMap | YAMLSeq {
  let cur: unknown = doc.contents;
  if (cur === null || (isScalar(cur) && cur.value === null)) {
    doc.contents = doc.createNode({}) as never;
    cur = doc.contents;
  }
  if (!isMap(cur)) { throw new EditError('the config is not a YAML mapping'); }
  let node = cur as YAMLMap | YAMLSeq;
  for (let i = 0; i < path.length; i++) {
    if (isSeq(node)) {
      const el = INDEX.test(path[i]) ? node.get(Number(path[i]), true) : undefined;
      if (!isMap(el) && !isSeq(el)) { throw new EditError(`${path.slice(0, i).join('.')} is a list without a mapping at ${path[i]}`); }
      node = el;
      continue;
    }
    const next = node.get(path[i], true);
    if (next === undefined || (isScalar(next) && next.value === null)) {
      const created = doc.createNode({}) as YAMLMap;
      node.set(path[i], created);
      node = created;
      continue;
    }
    if (isSeq(next) && i + 1 < path.length && INDEX.test(path[i + 1])) {
      node = next;
      continue;
    }
    if (!isMap(next)) { throw new EditError(`${path.slice(0, i + 1).join('.')} is ${isSeq(next) ? 'a list' : 'a value'}, not a mapping`); }
    // `grpc: {}` gains a key: print it as a block like its neighbours, not as `{ endpoint: ... }`.
    if (next.flow && next.items.length === 0) { next.flow = false; }
    node = next;
  }
  return node;
}

export interface TextEdit {
  text: string;
  /** each leaf with the value it had (undefined: not set) */
  changes: { path: Path; from?: unknown; to: unknown }[];
}

/**
 * Sets the leaves in the YAML text. `mustExist` is the prefix each path's component must already have
 * (e.g. 2 for `receivers.otlp`): a fix names a receiver the config defines, and creating a new one
 * instead would leave the broken one in place.
 */
export function setLeavesInText(text: string, leaves: Leaf[], mustExist = 2): TextEdit {
  const doc = parseDocument(text);
  if (doc.errors.length) { throw new EditError(`the config does not parse: ${doc.errors[0].message.split('\n')[0]}`); }
  const changes: TextEdit['changes'] = [];
  for (const leaf of leaves) {
    const head = leaf.path.slice(0, mustExist);
    const component = doc.getIn(head, true);
    // `health_check:` with nothing after it is defined (null), and common.
    if (mustExist && !isMap(component) && !(isScalar(component) && component.value === null)) { throw new EditError(`${head.join('.')} is not defined in this config`); }
    const parent = containerAt(doc, leaf.path.slice(0, -1));
    const name = leaf.path[leaf.path.length - 1];
    const key = isSeq(parent) ? Number(name) : name;
    const old = parent.get(key, true);
    if (isSeq(parent) && (!INDEX.test(name) || old === undefined)) { throw new EditError(`${leaf.path.slice(0, -1).join('.')} has no element ${name}`); }
    const from = isScalar(old) ? old.value : old === undefined ? undefined : String(old);
    if (from === leaf.value) { continue; }
    if (isScalar(old)) {
      // Same node, new value: its comment and position stay. A plain scalar stays plain; a quoted one quoted.
      old.value = leaf.value;
    } else {
      parent.set(key, leaf.value);
    }
    changes.push({ path: leaf.path, ...(from !== undefined ? { from } : {}), to: leaf.value });
  }
  if (!changes.length) { return { text, changes }; }
  // lineWidth 0: never fold a long value onto a second line the user did not write.
  // flowCollectionPadding: `[otlp]` stays `[otlp]` unless the text pads its flow collections (`[ otlp ]`).
  return { text: doc.toString({ indentSeq: indentsSequences(text), lineWidth: 0, flowCollectionPadding: /[[{] +[^\s\]}]/.test(text) }), changes };
}

/** The same edit on a config already held as an object (a v1beta1 CR's `spec.config`). */
export function setLeavesInObject(config: unknown, leaves: Leaf[], mustExist = 2): { config: Record<string, unknown>; changes: TextEdit['changes'] } {
  const root: Record<string, unknown> = config && typeof config === 'object' && !Array.isArray(config) ? structuredClone(config as Record<string, unknown>) : {};
  const changes: TextEdit['changes'] = [];
  for (const leaf of leaves) {
    let cur: Record<string, unknown> | unknown[] = root;
    const at = (c: Record<string, unknown> | unknown[], k: string): unknown => (Array.isArray(c) ? (INDEX.test(k) ? c[Number(k)] : undefined) : c[k]);
    for (let i = 0; i < leaf.path.length - 1; i++) {
      const k = leaf.path[i];
      const v = at(cur, k);
      if (Array.isArray(cur)) {
        if (!v || typeof v !== 'object') { throw new EditError(`${leaf.path.slice(0, i).join('.')} is a list without a mapping at ${k}`); }
      } else if (v === undefined || v === null) {
        if (i < mustExist && !(v === null && i === mustExist - 1)) { throw new EditError(`${leaf.path.slice(0, i + 1).join('.')} is not defined in this config`); }
        cur[k] = {};
      } else if (typeof v !== 'object' || (Array.isArray(v) && !INDEX.test(leaf.path[i + 1]))) {
        throw new EditError(`${leaf.path.slice(0, i + 1).join('.')} is ${Array.isArray(v) ? 'a list' : 'a value'}, not a mapping`);
      }
      cur = at(cur, k) as Record<string, unknown> | unknown[];
    }
    const key = leaf.path[leaf.path.length - 1];
    const from = at(cur, key);
    if (Array.isArray(cur) && (!INDEX.test(key) || from === undefined)) { throw new EditError(`${leaf.path.slice(0, -1).join('.')} has no element ${key}`); }
    if (from === leaf.value) { continue; }
    (cur as Record<string, unknown>)[key] = leaf.value;
    changes.push({ path: leaf.path, ...(from !== undefined ? { from } : {}), to: leaf.value });
  }
  return { config: root, changes };
}
