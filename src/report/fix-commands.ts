/**
 * The fix, made actionable: which object to change (the Helm release or the OpenTelemetryCollector CR when
 * they own the workload, since a hand edit of what they render is overwritten on the next upgrade or
 * reconcile), the commands that change it, the rollout that makes it take effect, and the diagnosis that
 * checks it. Pure: computed from the Finding and the Snapshot, so every output format carries it.
 */
import { parse } from 'yaml';
import type { CollectorPod, Snapshot } from '../snapshot.ts';
import type { Finding, FixCommands, FixObject, ManagedBy } from './finding.ts';
import { appSubject, collectorSubject } from '../rules/util.ts';

/** The upstream chart's repository alias, as its README adds it (`helm repo add open-telemetry ...`). */
const UPSTREAM_CHART = 'open-telemetry/opentelemetry-collector';

/** Workloads `kubectl rollout restart` accepts. */
/** Workloads whose pods `kubectl rollout restart` replaces. */
export const ROLLABLE: ReadonlySet<string> = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

/**
 * Who renders a collector's objects. The operator labels what it generates `managed-by:
 * opentelemetry-operator` (discover.ts reads it into managedBy). Helm 3 stamps `meta.helm.sh/release-name`
 * on the objects it owns and the chart labels them `app.kubernetes.io/managed-by: Helm`; the upstream
 * chart's pod template carries only its selector labels (`app.kubernetes.io/name: opentelemetry-collector`,
 * `app.kubernetes.io/instance: <release>`, charts/opentelemetry-collector/templates/_helpers.tpl), so those
 * count too.
 */
export function managedByOf(c: CollectorPod): ManagedBy | undefined {
  if (c.managedBy) {
    const cr = c.managedBy.crName ?? c.owner?.name?.replace(/-collector$/, '');
    return { tool: 'operator', ...(cr ? { cr } : {}), namespace: c.namespace };
  }
  const l = c.labels ?? {};
  const a = c.annotations ?? {};
  const chartLabel = l['helm.sh/chart'];
  const upstreamName = l['app.kubernetes.io/name'] === 'opentelemetry-collector';
  const helm = a['meta.helm.sh/release-name'] !== undefined || l['app.kubernetes.io/managed-by'] === 'Helm' || chartLabel !== undefined || (upstreamName && l['app.kubernetes.io/instance'] !== undefined);
  if (!helm) { return undefined; }
  const release = a['meta.helm.sh/release-name'] ?? l['app.kubernetes.io/instance'];
  // `helm.sh/chart` is `<name>-<version>` (the chart's own helper); the version starts at the last `-<digit>`.
  const m = chartLabel ? /^(.*)-(\d[^-]*(?:-.*)?)$/.exec(chartLabel) : null;
  const chartName = m ? m[1] : upstreamName ? 'opentelemetry-collector' : undefined;
  return {
    tool: 'helm',
    ...(release ? { release } : {}),
    ...(chartName ? { chart: chartName === 'opentelemetry-collector' ? UPSTREAM_CHART : chartName } : {}),
    ...(m ? { chartVersion: m[2] } : {}),
    namespace: a['meta.helm.sh/release-namespace'] ?? c.namespace,
  };
}

/** A word for the shell: quoted only when it has to be. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function lower(kind: string): string {
  return kind.toLowerCase();
}

function ns(n: string | undefined): string {
  return n ? ` -n ${shellQuote(n)}` : '';
}

/** `Kind ns/name[ key K][ container C]`, the way rules write fix.target; other texts name no object. */
function parseTarget(t: string | undefined): FixObject | undefined {
  if (!t) { return undefined; }
  const env = /^the (?:env var \S+|collector config) of (\S+) ([^\s/]+)\/(\S+)/.exec(t);
  if (env) { return { kind: env[1], namespace: env[2], name: env[3] }; }
  const m = /^([A-Z][A-Za-z]+) ([^\s/]+)\/([^\s(]+)(?: key (\S+))?(?: container (\S+))?/.exec(t);
  if (!m) { return undefined; }
  return { kind: m[1], namespace: m[2], name: m[3], ...(m[4] ? { key: m[4] } : {}), ...(m[5] ? { container: m[5] } : {}) };
}

/** Leaf paths of a YAML fragment, for `--set` (lists as Helm's `{a,b}`); a comment-only or odd patch gives none. */
function leaves(patch: string): [string, string][] {
  let doc: unknown;
  try { doc = parse(patch); } catch { return []; }
  const out: [string, string][] = [];
  const walk = (v: unknown, path: string[]): void => {
    if (Array.isArray(v)) {
      if (v.every((x) => x === null || typeof x !== 'object')) { out.push([path.join('.'), `{${v.join(',')}}`]); }
      return;
    }
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) { walk(x, [...path, ...k.split('.')]); }
      return;
    }
    if (path.length && v !== null && v !== undefined) { out.push([path.join('.'), String(v)]); }
  };
  walk(doc, []);
  return out;
}

/** `- name: X\n  value: Y` (or under `env:`) as name=value pairs; undefined when the patch is not an env list. */
function envPairs(patch: string): [string, string][] | undefined {
  let doc: unknown;
  try { doc = parse(patch); } catch { return undefined; }
  const list = Array.isArray(doc) ? doc : (doc as { env?: unknown } | null)?.env;
  if (!Array.isArray(list) || !list.length) { return undefined; }
  const pairs: [string, string][] = [];
  for (const e of list) {
    if (!e || typeof e !== 'object' || typeof (e as { name?: unknown }).name !== 'string') { return undefined; }
    const pair: [string, string] = [(e as { name: string }).name, String((e as { value?: unknown }).value ?? '')];
    // A value from the cluster with a line break or control character is no one-line command: edit instead.
    if (pair.some((x) => /[\x00-\x1f\x7f]/.test(x))) { return undefined; }
    pairs.push(pair);
  }
  return pairs;
}

/** `cmd <<'EOF'` with the body; a delimiter no line of the body equals, so the body cannot end it early. */
function heredoc(cmd: string, body: string): string {
  const text = body.replace(/\n+$/, '');
  const lines = new Set(text.split('\n').map((l) => l.trim()));
  let delim = 'EOF';
  for (let i = 1; lines.has(delim); i++) { delim = `EOF_${i}`; }
  return `${cmd} <<'${delim}'\n${text}\n${delim}`;
}

/** A change to this workload's pod template rolls its pods out by itself. */
const TEMPLATE_ROLLS = 'changing the pod template rolls the pods out by itself';

export interface FixPlan {
  object?: FixObject;
  commands: FixCommands;
  /** who renders the object changed */
  managedBy?: ManagedBy;
}

function commonDir(files: string[]): string {
  const parts = files.map((f) => f.split('/').slice(0, -1));
  const first = parts[0] ?? [];
  let n = 0;
  while (n < first.length && parts.every((p) => p[n] === first[n])) { n++; }
  const dir = first.slice(0, n).join('/');
  return dir || (files[0]?.startsWith('/') ? '/' : '.');
}

function verifyCommand(f: Finding, s: Snapshot, collector: CollectorPod | undefined): string {
  if (s.meta.mode === 'lint') {
    const files = f.location ? [f.location.file] : (s.meta.files ?? []);
    // A repository's worth of files is its common directory, not hundreds of arguments.
    const args = files.length > 3 ? [commonDir(files)] : files;
    return `kubectl otel-doctor lint ${args.length ? args.map(shellQuote).join(' ') : '-'}`;
  }
  if (collector) { return `kubectl otel-doctor diagnose${ns(collector.namespace)} --collector ${shellQuote(f.subject.name)}`; }
  const cns = s.meta.collectorNamespaces;
  return `kubectl otel-doctor diagnose${cns.length === 1 ? ns(cns[0]) : ' -A'}`;
}

function restartOf(kind: string, name: string, namespace: string | undefined): string | undefined {
  return ROLLABLE.has(kind) ? `kubectl rollout restart ${lower(kind)}/${shellQuote(name)}${ns(namespace)}` : undefined;
}

export function planFix(f: Finding, s: Snapshot): FixPlan {
  const helmValue = /^Helm value `config\.([^`]+)`/.exec(f.fix.target ?? '');
  let object = helmValue ? undefined : parseTarget(f.fix.target);
  const subjectCollector = s.collectors.find((c) => sameSubject(collectorSubject(c), f.subject));
  // A Service (the finding's subject or the object to change) belongs to the collectors it selects: their
  // owner may render the Service too.
  const svcRef = f.subject.kind === 'Service' ? f.subject : object?.kind === 'Service' ? object : undefined;
  const service = svcRef ? s.services.find((v) => v.namespace === svcRef.namespace && v.name === svcRef.name) : undefined;
  const selected = service ? s.collectors.find((c) => service.matchedCollectorPods.includes(`${c.namespace}/${c.pod}`)) : undefined;
  const collector = subjectCollector ?? selected;
  const app = subjectCollector ? undefined : s.apps.find((a) => sameSubject(appSubject(a), f.subject));
  const managedBy = collector ? managedByOf(collector) : undefined;
  const verify = verifyCommand(f, s, subjectCollector);
  const patch = f.fix.patch ?? '';
  if (!object && !helmValue) { return { commands: { apply: [], verify }, ...(managedBy ? { managedBy } : {}) }; }
  if (s.meta.mode === 'lint') {
    return { ...(object ? { object } : {}), commands: { apply: [], verify }, ...(managedBy ? { managedBy } : {}) };
  }
  const owner = subjectCollector ? collectorSubject(subjectCollector) : app ? appSubject(app) : undefined;
  const collectorOwner = collector ? collectorSubject(collector) : undefined;
  // What the owner renders: the operator names its objects `<cr>-collector[-...]` (ConfigMap, Services); the
  // upstream chart names its workload, ConfigMap (`-agent` for a DaemonSet) and Service after the fullname.
  const ownsTarget = (o: FixObject | undefined): boolean => {
    const w = collectorOwner;
    if (!collector || !o || o.namespace !== collector.namespace || !w) { return false; }
    if (o.kind === 'OpenTelemetryCollector' || (o.kind === w.kind && o.name === w.name)) { return true; }
    if (o.kind !== 'ConfigMap' && o.kind !== 'Service') { return false; }
    if (managedBy?.tool === 'operator') { return o.kind === 'ConfigMap' || o.name.startsWith(`${managedBy.cr ?? ''}-collector`); }
    return o.name === w.name || o.name.startsWith(`${w.name}-`);
  };
  const isConfig = helmValue !== null || object?.kind === 'ConfigMap' || object?.kind === 'OpenTelemetryCollector';

  if (managedBy?.tool === 'operator' && (helmValue || ownsTarget(object))) {
    // The operator regenerates its ConfigMap and workload from the CR on every reconcile.
    object = { kind: 'OpenTelemetryCollector', namespace: collector?.namespace, name: managedBy.cr ?? f.subject.name, ...(isConfig ? { key: 'spec.config' } : {}) };
    return {
      object,
      managedBy,
      commands: {
        apply: [`kubectl edit opentelemetrycollector/${shellQuote(object.name)}${ns(object.namespace)}`],
        // internal/manifests/manifestutils/annotations.go: the pod template carries
        // opentelemetry-operator-config/sha256 of the config, so a changed CR rolls the pods.
        restartNote: 'the operator rolls the collector pods itself: their template carries the hash of the config (opentelemetry-operator-config/sha256)',
        verify,
      },
    };
  }
  if (managedBy?.tool === 'helm' && managedBy.release && (helmValue || ownsTarget(object))) {
    const chart = managedBy.chart ?? '<chart>';
    // Without --version, `helm upgrade` takes the repository's newest chart: pin the release's own. The pod
    // labels rarely carry helm.sh/chart; then ask Helm (`helm get metadata` prints `VERSION: <chart version>`,
    // cmd/helm/get_metadata.go, Helm 3.13+).
    const version = managedBy.chartVersion
      ? shellQuote(managedBy.chartVersion)
      : `"$(helm get metadata ${shellQuote(managedBy.release)}${ns(managedBy.namespace)} | awk '/^VERSION:/ {print $2}')"`;
    const base = `helm upgrade ${shellQuote(managedBy.release)} ${shellQuote(chart)}${ns(managedBy.namespace)} --reuse-values --version ${version}`;
    const sets = isConfig && chart === UPSTREAM_CHART ? leaves(patch).map(([k, v]) => `--set ${shellQuote(`config.${k}=${v}`)}`) : [];
    // Other changes map to chart values by hand (ports, probes, service): the user writes them to the file.
    const apply = sets.length ? [`${base} ${sets.join(' ')}`] : [`${base} -f otel-doctor-values.yaml`];
    object = { kind: 'Helm release', namespace: managedBy.namespace, name: managedBy.release, ...(isConfig ? { key: 'config' } : {}) };
    // The upstream chart's pod template carries checksum/config (enableConfigChecksumAnnotation, default
    // true), so an upgrade that changes the config rolls the pods; without it they keep the old config.
    const rolls = collector?.annotations?.['checksum/config'] !== undefined;
    const w = collectorOwner;
    const restart = isConfig && !rolls && w ? restartOf(w.kind, w.name, w.namespace) : undefined;
    const restartNote = !isConfig
      ? 'a change to the pod template or a Service takes effect without a restart'
      : rolls
        ? 'helm upgrade rolls the pods: their template carries checksum/config of the rendered config'
        : `restart the pods of ${w ? `${w.kind} ${w.namespace}/${w.name}` : 'the collector'}: a bare pod has no rollout`;
    return { object, managedBy, commands: { apply, ...(restart ? { restart } : { restartNote }), verify } };
  }

  const o = object as FixObject;
  const ref = `${lower(o.kind)}/${shellQuote(o.name)}${ns(o.namespace)}`;
  let apply: string[];
  let restart: string | undefined;
  let restartNote: string | undefined;
  const env = envPairs(patch);
  if (o.kind === 'ConfigMap') {
    apply = [`kubectl edit ${ref}`];
    // The collector reads its config once at start, and an app reads env once: a changed ConfigMap is not seen
    // by running pods (a mounted file is refreshed, but the collector does not watch it).
    restart = owner ? restartOf(owner.kind, owner.name, owner.namespace) : undefined;
    if (!restart) { restartNote = owner ? `delete and recreate ${owner.kind} ${owner.namespace}/${owner.name}: a bare pod has no rollout` : 'restart the pods that read it'; }
  } else if (/^apiVersion:/m.test(patch) && /^kind:/m.test(patch)) {
    apply = [heredoc('kubectl apply -f -', patch)];
    if (/^kind: Instrumentation$/m.test(patch)) {
      // The operator's pod webhook reads Instrumentations only when a pod is created: running pods keep what they had.
      restart = ROLLABLE.has(f.subject.kind) ? restartOf(f.subject.kind, f.subject.name, f.subject.namespace) : undefined;
      if (!restart) { restartNote = 'recreate the pods that ask for it: the operator injects only when a pod is created'; }
    } else {
      restartNote = 'a new Service takes effect without a restart';
    }
  } else if (env && ROLLABLE.has(o.kind)) {
    apply = [`kubectl set env ${lower(o.kind)}/${shellQuote(o.name)}${ns(o.namespace)}${o.container ? ` -c ${shellQuote(o.container)}` : ''} ${env.map(([k, v]) => shellQuote(`${k}=${v}`)).join(' ')}`];
    restartNote = TEMPLATE_ROLLS;
  } else if (o.kind === 'Service' || o.kind === 'NetworkPolicy') {
    apply = patch && /^spec:/m.test(patch) ? [heredoc(`kubectl patch ${ref} --patch-file /dev/stdin`, patch)] : [`kubectl edit ${ref}`];
    restartNote = `a ${o.kind} change takes effect without a restart`;
  } else if (o.kind === 'Pod') {
    apply = [];
    restartNote = 'a pod spec cannot be changed in place: edit the manifest that created the pod and recreate it';
  } else {
    apply = [`kubectl edit ${ref}`];
    if (ROLLABLE.has(o.kind)) { restartNote = TEMPLATE_ROLLS; }
  }
  return { object: o, commands: { apply, ...(restart ? { restart } : {}), ...(restartNote ? { restartNote } : {}), verify }, ...(managedBy ? { managedBy } : {}) };
}

function sameSubject(a: { kind: string; namespace?: string; name: string; container?: string }, b: { kind: string; namespace?: string; name: string; container?: string }): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name && (a.container === undefined || b.container === undefined || a.container === b.container);
}

/** Every finding with its fix plan attached (additive fields: fix.object, fix.commands, subject.managedBy). */
export function withFixPlans(findings: Finding[], s: Snapshot): Finding[] {
  return findings.map((f) => {
    const p = planFix(f, s);
    // The subject's own owner: a collector workload's (an app's or a Service's finding says nothing of it).
    const c = s.collectors.find((x) => sameSubject(collectorSubject(x), f.subject));
    const managedBy = c ? managedByOf(c) : undefined;
    return {
      ...f,
      subject: managedBy ? { ...f.subject, managedBy } : f.subject,
      fix: { ...f.fix, ...(p.object ? { object: p.object } : {}), commands: p.commands },
    };
  });
}
