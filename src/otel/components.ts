/**
 * Which component types a distribution ships at a release, over the generated lists in components-data.ts
 * (scripts/gen-components.ts reads them from each distribution's own builder manifest or factory list).
 *
 * Why: `otelcol validate` refuses a config that names a type the binary was not built with (`unknown type:
 * "prometheus" for id: "prometheus"`), and which types exist depends on the image: the k8s distribution has
 * no prometheus exporter, core has no k8sattributes, the logging exporter is gone from 0.111.0.
 */
import { COMPONENT_LISTS } from './components-data.ts';

export const COMPONENT_KINDS = ['receiver', 'processor', 'exporter', 'extension', 'connector'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export interface ComponentList {
  /** repository and file the list was read from, per release tag */
  source: string;
  /** releases read, oldest first */
  releases: readonly string[];
  /** type -> [first, last, first, last, ...]: index spans into releases (inclusive) that ship it */
  components: Readonly<Record<ComponentKind, Readonly<Record<string, readonly number[]>>>>;
  /** kinds whose list misses a package whose type could not be read, as spans of releases: not judged there */
  partial?: Readonly<Partial<Record<ComponentKind, readonly number[]>>>;
}

/**
 * Types compare without underscores: the lower_snake_case renames (opentelemetry-collector#14208,
 * opentelemetry-collector-contrib#45339: k8sattributes -> k8s_attributes, kubeletstats -> kubelet_stats,
 * otlphttp -> otlp_http) register the new spelling and keep the old one as a deprecated alias, and a contrib
 * list built from directory names cannot say in which release each new spelling arrived. A new spelling on a
 * release before its rename is therefore not reported (a missed error, never a false one).
 */
export function typeKey(type: string): string {
  return type.toLowerCase().replace(/_/g, '');
}

export interface ComponentSet {
  distribution: string;
  release: string;
  /** where the list was read */
  source: string;
  has(kind: ComponentKind, type: string): boolean;
  /** the types of a kind at this release, sorted */
  types(kind: ComponentKind): string[];
  /** kinds whose list at this release is incomplete (a package whose type could not be read) */
  incomplete: ComponentKind[];
}

export type ComponentLookup = { ok: true; set: ComponentSet } | { ok: false; reason: string };

function present(spans: readonly number[], i: number): boolean {
  for (let k = 0; k + 1 < spans.length; k += 2) {
    if (i >= spans[k] && i <= spans[k + 1]) { return true; }
  }
  return false;
}

const lookups = new Map<string, ComponentLookup>();

/** The component set of a distribution at a release; a reason when the list is not known. */
export function componentsAt(distribution: string, release: string): ComponentLookup {
  const key = `${distribution}@${release}`;
  const hit = lookups.get(key);
  if (hit) { return hit; }
  const found = lookup(distribution, release);
  lookups.set(key, found);
  return found;
}

function lookup(distribution: string, release: string): ComponentLookup {
  const list = COMPONENT_LISTS[distribution];
  if (!list) { return { ok: false, reason: `the component list of distribution ${distribution} is not known (no generated list for it)` }; }
  const i = list.releases.indexOf(release.replace(/^v/, ''));
  if (i === -1) {
    return { ok: false, reason: `the component list of ${distribution} ${release} is not known (lists cover releases ${list.releases[0]} to ${list.releases.at(-1)})` };
  }
  const byKind = new Map<ComponentKind, string[]>();
  const keys = new Map<ComponentKind, Set<string>>();
  for (const kind of COMPONENT_KINDS) {
    const names = Object.entries(list.components[kind]).filter(([, s]) => present(s, i)).map(([n]) => n).sort();
    byKind.set(kind, names);
    keys.set(kind, new Set(names.map(typeKey)));
  }
  return {
    ok: true,
    set: {
      distribution,
      release: list.releases[i],
      source: list.source.replace('<release>', list.releases[i]),
      has: (kind, type) => keys.get(kind)?.has(typeKey(type)) ?? false,
      types: (kind) => byKind.get(kind) ?? [],
      incomplete: COMPONENT_KINDS.filter((k) => present(list.partial?.[k] ?? [], i)),
    },
  };
}

/** Releases of a distribution that ship a type (for a fix: "available from ..."), oldest first. */
export function releasesWith(distribution: string, kind: ComponentKind, type: string): string[] {
  const list = COMPONENT_LISTS[distribution];
  if (!list) { return []; }
  const key = typeKey(type);
  const out = new Set<string>();
  for (const [name, spans] of Object.entries(list.components[kind])) {
    if (typeKey(name) !== key) { continue; }
    list.releases.forEach((r, i) => { if (present(spans, i)) { out.add(r); } });
  }
  return list.releases.filter((r) => out.has(r));
}

/** Distributions whose list ships a type at some release (to suggest an image that has it). */
export function distributionsWith(kind: ComponentKind, type: string): string[] {
  return Object.keys(COMPONENT_LISTS).filter((d) => releasesWith(d, kind, type).length > 0);
}

/** Config section of each kind. */
export const SECTION: Readonly<Record<ComponentKind, string>> = {
  receiver: 'receivers',
  processor: 'processors',
  exporter: 'exporters',
  extension: 'extensions',
  connector: 'connectors',
};

export interface UnknownType {
  kind: ComponentKind;
  /** the id as written: `prometheus/internal` */
  id: string;
  type: string;
  /** pipelines naming the id (`service::extensions` for an extension) */
  usedIn: string[];
}

/**
 * Defined components whose type the build lacks. The collector decodes every section before it looks at
 * the pipelines, so an unused definition of an unknown type fails as well (otelcol: `error decoding
 * 'exporters': unknown type: "prometheus" for id: "prometheus" (valid values: [...])`). Kinds whose list is
 * incomplete at the release are skipped.
 */
export function unknownTypes(cfg: Record<string, unknown>, set: ComponentSet): UnknownType[] {
  const out: UnknownType[] = [];
  const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  const service = isMap(cfg.service) ? cfg.service : {};
  const pipelines = isMap(service.pipelines) ? service.pipelines : {};
  for (const kind of COMPONENT_KINDS) {
    const section = cfg[SECTION[kind]];
    // An incomplete list cannot say a type is missing.
    if (!isMap(section) || set.incomplete.includes(kind)) { continue; }
    for (const id of Object.keys(section)) {
      const type = id.split('/')[0];
      if (set.has(kind, type)) { continue; }
      const usedIn: string[] = [];
      for (const [pname, p] of Object.entries(pipelines)) {
        if (!isMap(p)) { continue; }
        const lists = kind === 'connector' ? [p.receivers, p.exporters] : [p[SECTION[kind]]];
        if (lists.some((l) => Array.isArray(l) && l.includes(id))) { usedIn.push(pname); }
      }
      if (kind === 'extension' && Array.isArray(service.extensions) && service.extensions.includes(id)) { usedIn.push('service::extensions'); }
      out.push({ kind, id, type, usedIn });
    }
  }
  return out;
}
