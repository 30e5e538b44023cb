/**
 * Generates src/otel/components-data.ts: which component types each collector distribution ships, per
 * release, read from local git mirrors (no network):
 *
 *   node scripts/gen-components.ts            write the file (about 3 minutes: thousands of blobs)
 *   node scripts/gen-components.ts --check    exit 1 when the file on disk differs
 *   DEBUG=1 node scripts/gen-components.ts    also list, on stderr, each package whose type was not read
 *
 * Mirrors are bare git directories under $OTEL_DOCTOR_MIRRORS (default /work/.mirror), one per repository,
 * named `<owner>+<name>/repo` (the layout of the project's mirror cache). Sources:
 * - upstream otelcol, otelcol-contrib, otelcol-k8s, otelcol-otlp: open-telemetry/opentelemetry-collector-releases
 *   `distributions/<dist>/manifest.yaml` at every tag v0.95.0 and later (the builder manifest: one Go module
 *   per component, `import:` when the package is not the module root);
 * - Splunk: signalfx/splunk-otel-collector `internal/components/components.go` at every release tag (the
 *   factories it registers, by import path);
 * - ADOT: aws-observability/aws-otel-collector `pkg/defaultcomponents/defaults.go` at every release tag;
 * - SigNoz: `components/components.go`; Dynatrace, NRDOT (three distributions), Sumo Logic and Bindplane:
 *   their builder manifests; each at the commit distribution-data.ts records for the release.
 * A distribution whose mirror is absent is left out (its list is then unknown and nothing is judged).
 *
 * A component's type is what its factory registers, which the module's generated metadata states
 * (`internal/metadata/generated_status.go`: `Type`, and `DeprecatedType` for a renamed type that is still
 * accepted). It is read from the repository that holds the module where a mirror has it: the core repository
 * at the module's tag, the ADOT tag's vendor/ tree (contrib modules at exactly the version ADOT pins), the
 * Splunk tag for Splunk's own modules. Contrib has no local mirror: its type is the package directory without
 * the kind suffix (the mdatagen convention), except for the directories in CONTRIB_TYPES, read one by one
 * (commit cited); every contrib package of otelcol-k8s v0.159.0 was checked against its generated_status.go
 * and follows the convention or a row. The lookup compares types without underscores (components.ts), because the lower_snake_case
 * renames (collector#14208, contrib#45339) keep the old spelling as a deprecated alias. A package from a
 * repository no mirror holds (a vendor's fork) gets the convention too but marks its kind `partial` at that
 * release: the rule does not judge that kind there.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { DISTRIBUTIONS } from '../src/otel/distribution-data.ts';

export const DATA_PATH = fileURLToPath(new URL('../src/otel/components-data.ts', import.meta.url));
const MIRRORS = process.env.OTEL_DOCTOR_MIRRORS ?? '/work/.mirror';
const repo = (name: string) => `${MIRRORS}/${name}/repo`;
const RELEASES = repo('open-telemetry+opentelemetry-collector-releases');
const CORE = repo('open-telemetry+opentelemetry-collector');
const SPLUNK = repo('signalfx+splunk-otel-collector');
const ADOT = repo('aws-observability+aws-otel-collector');

const KINDS = ['receiver', 'processor', 'exporter', 'extension', 'connector'] as const;
type Kind = (typeof KINDS)[number];
const CORE_PREFIX = 'go.opentelemetry.io/collector/';
const CONTRIB_PREFIX = 'github.com/open-telemetry/opentelemetry-collector-contrib/';
const SPLUNK_PREFIX = 'github.com/signalfx/splunk-otel-collector/';
/** First releases-repository tag read: the distribution tables (distribution-data.ts) start there. */
const FIRST_UPSTREAM = [0, 95, 0];

/**
 * Contrib directories whose type is not the directory name without its kind suffix, each read from the
 * module's generated_status.go (or metadata.yaml) in open-telemetry/opentelemetry-collector-contrib at the
 * commit noted. Types that only add underscores to that name (k8s_cluster, health_check, kubelet_stats) need
 * no row: the lookup ignores underscores.
 */
const CONTRIB_TYPES: Record<string, { types: string[]; source: string }> = {
  // An early generated_status.go; metadata.yaml later took the directory convention (active_directory_ds).
  'receiver/activedirectorydsreceiver': { types: ['activedirectorydsreceiver', 'activedirectoryds'], source: '13e647fed82a internal/metadata/generated_status.go' },
  'receiver/awscontainerinsightreceiver': { types: ['awscontainerinsightreceiver'], source: '209045f72ded internal/metadata/generated_status.go' },
  'receiver/ciscoosreceiver': { types: ['ciscoosreceiver'], source: '43416285d102 internal/metadata/generated_status.go' },
  'receiver/podmanreceiver': { types: ['podman_stats'], source: '0801b46527ec internal/metadata/generated_status.go' },
  'receiver/simpleprometheusreceiver': { types: ['prometheus_simple'], source: '209045f72ded internal/metadata/generated_status.go' },
  'processor/metricsgenerationprocessor': { types: ['experimental_metricsgeneration'], source: '30a9fb98cd90 internal/metadata/generated_status.go' },
  'extension/oauth2clientauthextension': { types: ['oauth2client'], source: '247742559fb4 internal/metadata/generated_status.go' },
  'extension/oidcauthextension': { types: ['oidc'], source: '1022aeea0fd8 internal/metadata/generated_status.go' },
  'extension/asapauthextension': { types: ['asapclient'], source: '10c67743c157 internal/metadata/generated_status.go' },
  'extension/dbauth/awsiamdbauthextension': { types: ['aws_iam'], source: '14a5621e8c69 internal/metadata/generated_status.go' },
};
/**
 * Signal pairs each contrib connector supports (`<From>To<To>Stability` in generated_status.go at the commit
 * noted): otelcol builds a connector only between an exporter pipeline and a receiver pipeline of a pair its
 * factory supports (service/internal/graph/graph.go).
 */
const CONTRIB_CONNECTOR_PAIRS: Record<string, { pairs: string[]; source: string }> = {
  'connector/spanmetricsconnector': { pairs: ['traces>metrics'], source: '209045f72ded' },
  'connector/countconnector': { pairs: ['traces>metrics', 'metrics>metrics', 'logs>metrics'], source: '1022aeea0fd8' },
  'connector/servicegraphconnector': { pairs: ['traces>metrics'], source: '209045f72ded' },
  'connector/routingconnector': { pairs: ['traces>traces', 'metrics>metrics', 'logs>logs'], source: '209045f72ded' },
  'connector/exceptionsconnector': { pairs: ['traces>metrics', 'traces>logs'], source: '0045893bb873' },
  'connector/failoverconnector': { pairs: ['traces>traces', 'metrics>metrics', 'logs>logs'], source: '05839a811346' },
  'connector/roundrobinconnector': { pairs: ['traces>traces', 'metrics>metrics', 'logs>logs'], source: '209045f72ded' },
  'connector/sumconnector': { pairs: ['traces>metrics', 'metrics>metrics', 'logs>metrics'], source: '0801b46527ec' },
  'connector/signaltometricsconnector': { pairs: ['traces>metrics', 'logs>metrics', 'metrics>metrics', 'profiles>metrics'], source: '3e96d35d1c7e' },
  'connector/datadogconnector': { pairs: ['traces>metrics', 'traces>traces'], source: '209045f72ded' },
  'connector/grafanacloudconnector': { pairs: ['traces>metrics'], source: '387674ec2a8f' },
  'connector/otlpjsonconnector': { pairs: ['logs>metrics', 'logs>traces', 'logs>logs'], source: '567700c5f0f5' },
};
/** type -> supported signal pairs (`traces>metrics`), union over every release read. */
const connectorPairs = new Map<string, Set<string>>();
function addPairs(types: string[], pairs: string[]): void {
  if (!pairs.length) { return; }
  for (const t of types) {
    const set = connectorPairs.get(t) ?? new Set<string>();
    for (const p of pairs) { set.add(p); }
    connectorPairs.set(t, set);
  }
}
/** `TracesToMetricsStability` constants of a connector's generated_status.go. */
function pairsIn(text: string | undefined): string[] {
  return [...(text ?? '').matchAll(/\b(Traces|Metrics|Logs|Profiles)To(Traces|Metrics|Logs|Profiles)Stability\s*=/g)].map((m) => `${m[1].toLowerCase()}>${m[2].toLowerCase()}`);
}

/** Modules outside the mirrored repositories. */
const OTHER_TYPES: Record<string, { types: string[]; source: string }> = {
  'go.opentelemetry.io/obi/collector': { types: ['obi'], source: 'open-telemetry/opentelemetry-ebpf-instrumentation collector/factory.go (typeStr)' },
};

// --- git ---------------------------------------------------------------------------------------------

function git(dir: string, args: string[]): string {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) { throw new Error(`git -C ${dir} ${args.join(' ')}: ${r.stderr}`); }
  return r.stdout;
}

/** Many `rev:path` blobs in one `git cat-file --batch` (undefined: missing). */
function blobs(dir: string, specs: string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  if (!specs.length) { return out; }
  const r = spawnSync('git', ['-C', dir, 'cat-file', '--batch'], { input: `${specs.join('\n')}\n`, maxBuffer: 1 << 30 });
  const buf = r.stdout;
  let pos = 0;
  for (const spec of specs) {
    const nl = buf.indexOf(10, pos);
    const header = buf.subarray(pos, nl).toString('utf8');
    pos = nl + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) { out.set(spec, undefined); continue; }
    const size = Number(m[2]);
    out.set(spec, m[1] === 'blob' ? buf.subarray(pos, pos + size).toString('utf8') : undefined);
    pos += size + 1;
  }
  return out;
}

const tags = (dir: string) => git(dir, ['tag']).split('\n').filter((t) => /^v\d+\.\d+\.\d+$/.test(t));
const semver = (v: string) => v.replace(/^v/, '').split('.').map(Number);
function cmp(a: string, b: string): number {
  const [x, y] = [semver(a), semver(b)];
  for (let i = 0; i < 3; i++) { if (x[i] !== y[i]) { return x[i] - y[i]; } }
  return 0;
}

// --- type names --------------------------------------------------------------------------------------

/** Type and deprecated alias from generated_status.go, metadata.yaml or a factory's typeStr. */
function typesIn(text: string | undefined): string[] {
  if (!text) { return []; }
  const out: string[] = [];
  for (const re of [/\bType\s*=\s*(?:component\.MustNewType\()?"([^"]+)"/, /\bDeprecatedType\s*=\s*component\.MustNewType\("([^"]+)"\)/, /^type:\s*"?([\w/]+)"?\s*$/m, /\b[Tt]ypeStr\s*(?:component\.Type\s*)?=\s*(?:component\.MustNewType\()?"([^"]+)"/]) {
    const m = re.exec(text);
    if (m) { out.push(m[1]); }
  }
  return [...new Set(out)];
}

const STATUS_FILES = ['internal/metadata/generated_status.go', 'metadata.yaml', 'factory.go'];

/** The package directory without its kind suffix: the type mdatagen gives unless metadata.yaml says otherwise. */
function conventional(pkg: string, kind: Kind): string {
  const last = pkg.split('/').pop() as string;
  return last.endsWith(kind) && last !== kind ? last.slice(0, -kind.length) : last;
}

const coreTags = tags(CORE).sort(cmp);
const coreCache = new Map<string, string[]>();
/** Core types at one core tag (empty: the module is not in that tag). */
function coreTypesAt(rel: string, tag: string): string[] {
  const key = `${tag}:${rel}`;
  if (!coreCache.has(key)) {
    const found = blobs(CORE, STATUS_FILES.map((f) => `${tag}:${rel}/${f}`));
    const types = [...found.values()].flatMap(typesIn).filter((t, i, a) => a.indexOf(t) === i);
    addPairs(types, [...found.values()].flatMap(pairsIn));
    coreCache.set(key, types);
  }
  return coreCache.get(key) as string[];
}

/**
 * Core types at the core tag the module version names (or the nearest earlier tag); a module gone by then
 * (a vendor pinning loggingexporter past its removal through a replace) takes the last tag that had it.
 */
function coreTypes(rel: string, version: string): string[] {
  const earlier = [...coreTags].reverse().filter((t) => cmp(t, version) <= 0);
  for (const tag of earlier.length ? earlier : [coreTags[0]]) {
    const t = coreTypesAt(rel, tag);
    if (t.length) { return t; }
  }
  return [];
}

/** Contrib types seen in ADOT's vendor/ trees: exact, at the upstream version each ADOT release pins. */
const vendoredContrib = new Map<string, { upstream: string; names: string[] }[]>();

/** One spelling per lookup key (components.ts typeKey), the first given winning. */
function dedupe(names: string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    const k = n.toLowerCase().replace(/_/g, '');
    if (seen.has(k)) { return false; }
    seen.add(k);
    return true;
  });
}

/**
 * Contrib types at an upstream version: the vendored spelling of the closest earlier version ADOT pinned,
 * the directory convention when nothing earlier was vendored or the version is past the last vendored one
 * (a later rename may have arrived), and the CONTRIB_TYPES row (which replaces the convention).
 */
function contribTypes(rel: string, kind: Kind, version: string): string[] {
  const row = CONTRIB_TYPES[rel];
  const seen = (vendoredContrib.get(rel) ?? []).slice().sort((a, b) => cmp(a.upstream, b.upstream));
  const earlier = seen.filter((v) => cmp(v.upstream, version) <= 0).at(-1);
  const names = [...(earlier ?? seen[0])?.names ?? []];
  if (row) { names.push(...row.types); }
  const pastVendored = !seen.length || cmp(version, seen.at(-1)?.upstream ?? '0.0.0') > 0;
  if (!row && (pastVendored || !earlier)) { names.push(conventional(rel, kind)); }
  return dedupe(names);
}

type Own = { dir: string; tag: string; prefix: string };
/** Status-file texts of a vendor's own package at a commit, fetched per release in one batch (prefetchOwn). */
const ownTexts = new Map<string, (string | undefined)[]>();
const ownKey = (own: Own, rel: string) => `${own.dir}|${own.tag}|${rel}`;
function prefetchOwn(own: Own, rels: string[]): void {
  const todo = [...new Set(rels)].filter((r) => !ownTexts.has(ownKey(own, r)));
  const got = blobs(own.dir, todo.flatMap((r) => STATUS_FILES.map((f) => `${own.tag}:${r}/${f}`)));
  for (const r of todo) { ownTexts.set(ownKey(own, r), STATUS_FILES.map((f) => got.get(`${own.tag}:${r}/${f}`))); }
}
/** A vendor package's types: its status files, else any `typeStr` / `MustNewType` in its Go files. */
function ownTypes(own: Own, rel: string): string[] {
  if (!ownTexts.has(ownKey(own, rel))) { prefetchOwn(own, [rel]); }
  const texts = ownTexts.get(ownKey(own, rel)) ?? [];
  let t = texts.flatMap(typesIn);
  addPairs(t, texts.flatMap(pairsIn));
  if (!t.length) {
    const r = spawnSync('git', ['-C', own.dir, 'grep', '-h', '-E', '[Tt]ypeStr[[:space:]]*(component\\.Type[[:space:]]*)?=|MustNewType\\("', own.tag, '--', `${rel}/*.go`], { encoding: 'utf8' });
    // A factory may name its type inline: receiver.NewFactory(component.MustNewType("x"), ...).
    t = (r.stdout ?? '').split('\n').flatMap((l) => { const named = typesIn(l); const inline = /MustNewType\("([^"]+)"\)/.exec(l); return named.length ? named : inline ? [inline[1]] : []; });
  }
  return dedupe(t);
}

/**
 * A component package's types, and whether they were read (`sure`): core from the core mirror, contrib by
 * its convention and CONTRIB_TYPES, a vendor's own package from the vendor's repository. A package from a
 * repository nobody here mirrors gets the directory convention, unsure: that kind's list is then partial.
 */
function typesOf(pkg: string, kind: Kind, opts: { coreVersion: string; own?: Own; ownRel?: string }): { types: string[]; sure: boolean } {
  if (opts.own && opts.ownRel !== undefined) {
    const t = ownTypes(opts.own, opts.ownRel);
    return t.length ? { types: t, sure: true } : { types: [conventional(opts.ownRel, kind)], sure: false };
  }
  if (pkg.startsWith(CORE_PREFIX)) {
    const t = coreTypes(pkg.slice(CORE_PREFIX.length), opts.coreVersion);
    return t.length ? { types: dedupe(t), sure: true } : { types: [conventional(pkg, kind)], sure: false };
  }
  if (pkg.startsWith(CONTRIB_PREFIX)) {
    const rel = pkg.slice(CONTRIB_PREFIX.length);
    const types = contribTypes(rel, kind, opts.coreVersion);
    addPairs(types, CONTRIB_CONNECTOR_PAIRS[rel]?.pairs ?? []);
    return { types, sure: true };
  }
  if (OTHER_TYPES[pkg]) { return { types: OTHER_TYPES[pkg].types, sure: true }; }
  if (opts.own && pkg.toLowerCase().startsWith(opts.own.prefix.toLowerCase())) {
    const rel = pkg.slice(opts.own.prefix.length);
    const t = ownTypes(opts.own, rel);
    if (t.length) { return { types: t, sure: true }; }
  }
  return { types: [conventional(pkg, kind)], sure: false };
}

// --- component lists ---------------------------------------------------------------------------------

/** partial: kinds with a package whose type could not be read (their list may miss a type). */
type Release = { release: string; components: Record<Kind, Set<string>>; partial: Set<Kind> };
const empty = (): Record<Kind, Set<string>> => ({ receiver: new Set(), processor: new Set(), exporter: new Set(), extension: new Set(), connector: new Set() });

/**
 * One builder manifest's components (ocb format: a gomod per component, `import:` for a sub-package,
 * `path:` for a package built from the vendor's own tree, relative to the manifest).
 */
function manifestComponents(text: string, coreVersionOf: (moduleVersion: string | undefined) => string, own?: Own & { manifestDir: string }): Omit<Release, 'release'> {
  const manifest = parseYaml(text) as Record<string, unknown>;
  const components = empty();
  const partial = new Set<Kind>();
  const entries = KINDS.flatMap((kind) => ((manifest[`${kind}s`] as { gomod?: string; import?: string; path?: string }[] | undefined) ?? []).map((e) => ({ kind, e })));
  const localRel = (p: string) => posix.normalize(posix.join(own?.manifestDir ?? '', p)).replace(/^\.\//, '');
  if (own) { prefetchOwn(own, entries.flatMap(({ e }) => (e.path ? [localRel(e.path)] : []))); }
  for (const { kind, e } of entries) {
    const [mod, version] = String(e.gomod ?? '').split(/\s+/);
    const pkg = e.import ?? mod;
    const ownRel = own && e.path && !e.import ? localRel(e.path) : undefined;
    const { types, sure } = typesOf(pkg, kind, { coreVersion: coreVersionOf(version), own, ownRel });
    for (const name of types) { components[kind].add(name); }
    if (!sure) {
      partial.add(kind);
      if (process.env.DEBUG) { console.error(`unsure: ${kind} ${pkg} ${ownRel ?? ''}`); }
    }
  }
  return { components, partial };
}

function upstream(dist: string): Release[] {
  const list = tags(RELEASES).filter((t) => cmp(t, `v${FIRST_UPSTREAM.join('.')}`) >= 0).sort(cmp);
  const files = blobs(RELEASES, list.map((t) => `${t}:distributions/${dist}/manifest.yaml`));
  const out: Release[] = [];
  for (const t of list) {
    const text = files.get(`${t}:distributions/${dist}/manifest.yaml`);
    if (!text) { continue; }
    out.push({ release: t.slice(1), ...manifestComponents(text, (v) => (/^v0\./.test(v ?? '') ? (v as string) : t)) });
  }
  return out;
}

/** The commit a distribution-data row was read at (`repo@tag (commit) path` or `repo@commit path`). */
function rowCommit(source: string): string | undefined {
  return /\(([0-9a-f]{7,40})\)/.exec(source)?.[1] ?? /@([0-9a-f]{7,40})\s/.exec(source)?.[1];
}

/**
 * A vendor distribution built from a builder manifest: the manifest at each release's commit (the commit
 * distribution-data.ts records for the release), the vendor's own modules typed from the same commit.
 */
function vendorManifest(id: string, dir: string, path: string): Release[] {
  const dist = DISTRIBUTIONS.find((d) => d.id === id);
  if (!dist) { throw new Error(`no distribution ${id}`); }
  const out: Release[] = [];
  for (const row of dist.releases) {
    const commit = rowCommit(row.source);
    if (!commit || !row.source.startsWith(dist.repository)) { continue; }
    const text = blobs(dir, [`${commit}:${path}`]).get(`${commit}:${path}`);
    if (!text) { continue; }
    const upstreamVersion = row.upstream.replace(/-.*/, '');
    const own = { dir, tag: commit, prefix: `github.com/${dist.repository}/`, manifestDir: posix.dirname(path) };
    out.push({ release: row.release, ...manifestComponents(text, () => upstreamVersion, own) });
  }
  return out;
}

/** Import paths of component packages in a Go file that registers factories. */
function componentImports(go: string): { pkg: string; kind: Kind }[] {
  const out: { pkg: string; kind: Kind }[] = [];
  for (const m of go.matchAll(/^\s*(?:[\w.]+\s+)?"([^"]+)"\s*$/gm)) {
    const pkg = m[1];
    const parts = pkg.split('/');
    const at = parts.findIndex((p, i) => i > 0 && (KINDS as readonly string[]).includes(p));
    // `.../receiver` itself is the API package; a component is a package below a kind directory.
    if (at === -1 || at === parts.length - 1) { continue; }
    const last = parts[parts.length - 1];
    if (/helper$|^x(receiver|processor|exporter|extension|connector)$|test$/.test(last)) { continue; }
    out.push({ pkg, kind: parts[at] as Kind });
  }
  return out;
}

function vendorList(dir: string, id: string, file: string, prefix: string, vendorTypes: boolean): Release[] {
  const dist = DISTRIBUTIONS.find((d) => d.id === id);
  if (!dist) { throw new Error(`no distribution ${id}`); }
  const out: Release[] = [];
  for (const row of dist.releases) {
    let tag = `v${row.release}`;
    let go = blobs(dir, [`${tag}:${file}`]).get(`${tag}:${file}`);
    const commit = rowCommit(row.source);
    if (!go && commit) {
      tag = commit;
      go = blobs(dir, [`${tag}:${file}`]).get(`${tag}:${file}`);
    }
    if (!go) { continue; }
    if (vendorTypes) { readVendored(dir, tag, row.upstream.replace(/-.*/, '')); }
    const components = empty();
    const partial = new Set<Kind>();
    const imports = componentImports(go);
    const own = { dir, tag, prefix };
    prefetchOwn(own, imports.filter(({ pkg }) => pkg.toLowerCase().startsWith(prefix.toLowerCase())).map(({ pkg }) => pkg.slice(prefix.length)));
    for (const { pkg, kind } of imports) {
      const fromVendor = vendorTypes ? vendoredTypes(dir, tag, pkg) : [];
      const { types, sure } = fromVendor.length ? { types: dedupe(fromVendor), sure: true } : typesOf(pkg, kind, { coreVersion: row.upstream.replace(/-.*/, ''), own });
      for (const name of types) { components[kind].add(name); }
      if (!sure) {
        partial.add(kind);
        if (process.env.DEBUG) { console.error(`unsure: ${id} ${row.release} ${kind} ${pkg}`); }
      }
    }
    out.push({ release: row.release, components, partial });
  }
  return out;
}

const vendorCache = new Map<string, Map<string, string[]>>();
/** Every vendored generated_status.go of a tag, by package path; contrib ones also feed contribTypes. */
function readVendored(dir: string, tag: string, upstream: string): void {
  const key = `${dir}@${tag}`;
  if (vendorCache.has(key)) { return; }
  const files = git(dir, ['ls-tree', '-r', '--name-only', tag, 'vendor/']).split('\n').filter((f) => f.endsWith('/internal/metadata/generated_status.go'));
  const texts = blobs(dir, files.map((f) => `${tag}:${f}`));
  const byPkg = new Map<string, string[]>();
  for (const f of files) {
    const pkg = f.slice('vendor/'.length, -'/internal/metadata/generated_status.go'.length);
    const t = typesIn(texts.get(`${tag}:${f}`));
    addPairs(t, pairsIn(texts.get(`${tag}:${f}`)));
    byPkg.set(pkg, t);
    if (pkg.startsWith(CONTRIB_PREFIX)) {
      const rel = pkg.slice(CONTRIB_PREFIX.length);
      if (t.length) { vendoredContrib.set(rel, [...(vendoredContrib.get(rel) ?? []), { upstream, names: t }]); }
    }
  }
  vendorCache.set(key, byPkg);
}
const vendoredTypes = (dir: string, tag: string, pkg: string) => vendorCache.get(`${dir}@${tag}`)?.get(pkg) ?? [];

// --- compaction and output ---------------------------------------------------------------------------

/** name -> [first, last, first, last, ...] indexes into the release list, both ends inclusive. */
/** [first, last, first, last, ...] indexes (inclusive) of the runs where `on` holds. */
function spansOf(on: boolean[]): number[] {
  const s: number[] = [];
  on.forEach((has, i) => {
    const open = s.length % 2 === 1;
    if (has && !open) { s.push(i); }
    if (!has && open) { s.push(i - 1); }
  });
  if (s.length % 2 === 1) { s.push(on.length - 1); }
  return s;
}

/** name -> spans of the releases that ship it. */
function spans(releases: Release[], kind: Kind): Record<string, number[]> {
  const names = [...new Set(releases.flatMap((r) => [...r.components[kind]]))].sort();
  return Object.fromEntries(names.map((name) => [name, spansOf(releases.map((r) => r.components[kind].has(name)))]));
}

function render(lists: { id: string; source: string; releases: Release[] }[]): string {
  const body = lists
    .map(({ id, source, releases }) => {
      const kinds = KINDS.map((k) => {
        const entries = Object.entries(spans(releases, k)).map(([n, s]) => `${JSON.stringify(n)}: [${s.join(', ')}]`);
        return `      ${k}: { ${entries.join(', ')} },`;
      });
      const partial = KINDS.map((k) => [k, spansOf(releases.map((r) => r.partial.has(k)))] as const).filter(([, sp]) => sp.length);
      return [
        `  ${JSON.stringify(id)}: {`,
        `    source: ${JSON.stringify(source)},`,
        `    releases: [${releases.map((r) => JSON.stringify(r.release)).join(', ')}],`,
        '    components: {',
        ...kinds,
        '    },',
        ...(partial.length ? [`    partial: { ${partial.map(([k, sp]) => `${k}: [${sp.join(', ')}]`).join(', ')} },`] : []),
        '  },',
      ].join('\n');
    })
    .join('\n');
  const head = (dir: string) => git(dir, ['rev-parse', '--short=12', 'HEAD']).trim();
  return `// GENERATED by scripts/gen-components.ts from local git mirrors; do not edit (run \`node scripts/gen-components.ts\`).
// Mirrors read: opentelemetry-collector-releases@${head(RELEASES)}, opentelemetry-collector@${head(CORE)}, splunk-otel-collector@${head(SPLUNK)}, aws-otel-collector@${head(ADOT)}.
/* biome-ignore-all format: generated */
import type { ComponentList } from './components.ts';

/**
 * Per distribution: the releases read (oldest first) and, per component kind, each type with the spans of
 * releases that ship it as [first, last, ...] indexes into \`releases\` (inclusive).
 */
export const COMPONENT_LISTS: Readonly<Record<string, ComponentList>> = {
${body}
};

/**
 * Signal pairs (\`traces>metrics\`) each connector type supports, from its generated_status.go (core mirror,
 * vendored copies, or contrib at the commits in scripts/gen-components.ts); a type missing here is not judged.
 */
export const CONNECTOR_PAIRS: Readonly<Record<string, readonly string[]>> = {
${[...connectorPairs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, p]) => `  ${JSON.stringify(t)}: [${[...p].sort().map((x) => JSON.stringify(x)).join(', ')}],`).join('\n')}
};
`;
}

function main(): void {
  const lists: { id: string; source: string; releases: Release[] }[] = [];
  // ADOT first: its vendor trees also name contrib types that the upstream lists reuse.
  const adot = vendorList(ADOT, 'aws-otel', 'pkg/defaultcomponents/defaults.go', 'github.com/aws-observability/aws-otel-collector/', true);
  for (const dist of ['otelcol', 'otelcol-contrib', 'otelcol-k8s', 'otelcol-otlp']) {
    lists.push({ id: dist, source: `open-telemetry/opentelemetry-collector-releases distributions/${dist}/manifest.yaml at tag v<release>`, releases: upstream(dist) });
  }
  lists.push({ id: 'splunk', source: 'signalfx/splunk-otel-collector internal/components/components.go at tag v<release>', releases: vendorList(SPLUNK, 'splunk', 'internal/components/components.go', SPLUNK_PREFIX, false) });
  const mirror = (name: string) => { try { git(repo(name), ['rev-parse', 'HEAD']); return true; } catch { return false; } };
  for (const [id, name, path] of [
    ['dynatrace', 'Dynatrace+dynatrace-otel-collector', 'manifest.yaml'],
    ['nrdot-collector', 'newrelic+nrdot-collector-releases', 'distributions/nrdot-collector/manifest.yaml'],
    ['nrdot-collector-host', 'newrelic+nrdot-collector-releases', 'distributions/nrdot-collector-host/manifest.yaml'],
    ['nrdot-collector-k8s', 'newrelic+nrdot-collector-releases', 'distributions/nrdot-collector-k8s/manifest.yaml'],
    ['sumologic', 'SumoLogic+sumologic-otel-collector', 'otelcolbuilder/.otelcol-builder.yaml'],
    ['bindplane', 'observIQ+bindplane-otel-collector', 'manifests/observIQ/manifest.yaml'],
  ] as const) {
    if (!mirror(name)) { continue; }
    const releases = vendorManifest(id, repo(name), path);
    const dist = DISTRIBUTIONS.find((d) => d.id === id);
    if (releases.length) { lists.push({ id, source: `${dist?.repository} ${path} at the commit of release <release> (distribution-data.ts)`, releases }); }
  }
  if (mirror('SigNoz+signoz-otel-collector')) {
    const releases = vendorList(repo('SigNoz+signoz-otel-collector'), 'signoz', 'components/components.go', 'github.com/signoz/signoz-otel-collector/', false);
    if (releases.length) { lists.push({ id: 'signoz', source: 'SigNoz/signoz-otel-collector components/components.go at tag v<release>', releases }); }
  }
  lists.push({ id: 'aws-otel', source: 'aws-observability/aws-otel-collector pkg/defaultcomponents/defaults.go at tag v<release> (types from its vendor/ tree where present)', releases: adot });
  const text = render(lists);
  if (process.argv.includes('--check')) {
    if (readFileSync(DATA_PATH, 'utf8') !== text) {
      console.error(`${DATA_PATH} is stale: run node scripts/gen-components.ts`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(DATA_PATH, text);
  for (const l of lists) { console.log(`${l.id}: ${l.releases.length} releases (${l.releases[0]?.release} .. ${l.releases.at(-1)?.release})`); }
}

main();
