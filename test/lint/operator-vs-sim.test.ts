/**
 * Two independent ports of the OpenTelemetry operator, checked against each other: lint's model
 * (src/lint/operator.ts, what the rules judge) and the simulator's stand-in (test/sim/operator/, what the
 * e2e cluster runs), on every OpenTelemetryCollector CR of the real corpus's operator cases, at every operator
 * release both know. The facts compared are the ones rules read: workload kind and name, the collector
 * container's ports and probes, the Services (names, ports, type, internalTrafficPolicy), the ConfigMap the
 * workload mounts and its config, and where a sidecar goes. Differences that remain are listed in
 * JUSTIFIED with the operator source that decides; everything else must be equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import type { KObject } from '../../src/cluster/types.ts';
import { injectSidecars, operatorManifests } from '../../src/lint/operator.ts';
import type { LintObject } from '../../src/lint/shapes.ts';
import { operatorRelease } from '../../src/otel/operator-data.ts';
import { desiredObjects } from '../sim/operator/collector.ts';
import type { KObject as SimObject } from '../sim/store.ts';
import { injectSidecar } from '../sim/operator/sidecar.ts';
import { OPERATOR_VERSIONS, behaviour } from '../sim/operator/versions.ts';
import { admitCollector, toV1beta1 } from '../sim/operator/webhook.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const REAL = resolve(REPO, '../shared/fixtures/real');

/**
 * Differences kept on purpose, each with the operator source that decides and why lint may differ.
 * - configmap-hash: from 0.101 the ConfigMap is `<name>-collector-<sha256 of the defaulted config, 8>`
 *   (internal/naming/main.go ConfigMap, internal/manifests/collector/configmap.go @v0.101.0). The hash is of
 *   the webhook-defaulted config marshalled by Go; lint keeps `<name>-collector` (no rule reads the name, and
 *   the workload's volume names the ConfigMap lint writes, which is checked below).
 * - webhook-defaults: the ConfigMap holds the webhook-defaulted config (apis/v1beta1/collector_webhook.go
 *   Default -> otelconfig.ApplyDefaults: receiver/extension endpoints `0.0.0.0:<port>` from 0.110, telemetry
 *   metrics from 0.111). Lint keeps the CR's own text, whose source lines findings point at, and models the
 *   defaults where rules judge them (src/otel/operator-data.ts operatorEndpointDefault). So the config is
 *   compared with those keys taken out: everything else must be the same.
 */
const JUSTIFIED = { configMapHash: 'JUSTIFIED configmap-hash', webhookDefaults: 'JUSTIFIED webhook-defaults' } as const;

function crsOf(dir: string): { file: string; cr: KObject }[] {
  const out: { file: string; cr: KObject }[] = [];
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    for (const d of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const o = d.toJS() as KObject | null;
      if (o?.kind === 'OpenTelemetryCollector' && String(o.apiVersion).startsWith('opentelemetry.io/')) {
        o.metadata.namespace ??= 'default';
        out.push({ file: `${dir.split('/').pop()}/${f}`, cr: o });
      }
    }
  }
  return out;
}

/** Either model's objects, read the same way. */
type Obj = KObject | SimObject;

const CASES = existsSync(REAL) ? readdirSync(REAL).filter((d) => d.startsWith('operator-')).flatMap((d) => crsOf(join(REAL, d))) : [];
// Releases both models know.
const VERSIONS = OPERATOR_VERSIONS.filter((v) => operatorRelease(v)?.operator === v);

const otc = (w: Obj | undefined): any => w?.spec?.template?.spec?.containers?.find((c: any) => c?.name === 'otc-container');
const probe = (p: any): string | null => (p?.httpGet ? `${p.httpGet.path} ${p.httpGet.port}` : null);
const containerFacts = (c: any) => ({
  ports: (c?.ports ?? []).map((p: any) => `${p.name} ${p.containerPort}/${p.protocol ?? 'TCP'}${p.hostPort ? ` host ${p.hostPort}` : ''}`),
  readiness: probe(c?.readinessProbe),
  liveness: probe(c?.livenessProbe),
  startup: probe(c?.startupProbe),
});
function serviceFacts(objs: Obj[]) {
  return objs
    .filter((o) => o.kind === 'Service')
    .map((s) => ({
      name: s.metadata.name,
      type: s.spec?.type ?? 'ClusterIP',
      headless: s.spec?.clusterIP === 'None',
      // The API server's default when the operator writes none (the monitoring and extension Services).
      internalTrafficPolicy: s.spec?.internalTrafficPolicy ?? 'Cluster',
      ports: (s.spec?.ports ?? []).map((p: any) => `${p.name} ${p.port}->${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}${p.appProtocol ? ` ${p.appProtocol}` : ''}`),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The config with the webhook's defaults taken out (JUSTIFIED webhook-defaults). */
function withoutDefaults(text: string): unknown {
  const c: any = parse(text) ?? {};
  const strip = (o: any): void => {
    if (!o || typeof o !== 'object') { return; }
    for (const v of Object.values(o)) {
      if (v && typeof v === 'object') {
        delete (v as any).endpoint;
        delete (v as any).path;
        strip((v as any).protocols);
      }
    }
  };
  strip(c.receivers);
  strip(c.extensions);
  strip(c.exporters?.prometheus ? { prometheus: c.exporters.prometheus } : {});
  if (c.service) { delete c.service.telemetry; }
  // An empty map, a null and a missing key configure the same (v1beta1.Config's omitempty sections drop a
  // null `processors:`; the collector's confmap reads all three as unset).
  const empty = (v: unknown): boolean => v === null || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
  return JSON.parse(JSON.stringify(c, function (this: any, k, v) {
    if (k === '') { return v; }
    return empty(v) ? undefined : v;
  }));
}

test('the corpus has operator CRs and both models share releases', () => {
  assert.ok(CASES.length >= 10, `${CASES.length} CRs under ${REAL}/operator-*`);
  assert.ok(VERSIONS.includes('0.158.0') && VERSIONS.includes('0.131.0') && VERSIONS.includes('0.132.0'), VERSIONS.join(' '));
});

let total = 0;
for (const { file, cr } of CASES) {
  test(`${file} ${cr.metadata.name}: lint's operator model writes what the simulated operator does`, (t) => {
    let compared = 0;
    for (const version of VERSIONS) {
      const admitted = structuredClone(cr) as SimObject;
      try {
        admitCollector(admitted, undefined, version);
      } catch {
        continue; // the release's webhook refuses the CR: it generates nothing to compare
      }
      const beta = toV1beta1(admitted);
      const at = `${file} at ${version}`;
      compared++;
      if ((beta.spec?.mode ?? 'deployment') === 'sidecar') {
        const pod = (): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: cr.metadata.namespace, annotations: { 'sidecar.opentelemetry.io/inject': cr.metadata.name } }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } }) as KObject;
        const sim = injectSidecar(pod() as SimObject, { collectors: [admitted], operatorVersion: version }).pod;
        const mine = pod();
        injectSidecars([mine], [{ obj: structuredClone(cr), origin: {} } as unknown as LintObject], version);
        const place = (p: KObject | SimObject) => ({
          containers: (p.spec.containers ?? []).map((c: any) => c.name),
          initContainers: (p.spec.initContainers ?? []).map((c: any) => `${c.name} ${c.restartPolicy ?? ''}`.trim()),
        });
        assert.deepEqual(place(mine), place(sim), `${at}: sidecar placement`);
        const find = (p: KObject | SimObject) => [...(p.spec.containers ?? []), ...(p.spec.initContainers ?? [])].find((c: any) => c.name === 'otc-container');
        assert.deepEqual(containerFacts(find(mine)), containerFacts(find(sim)), `${at}: sidecar container`);
        assert.deepEqual(withoutDefaults(find(mine).env.find((e: any) => e.name === 'OTEL_CONFIG').value), withoutDefaults(find(sim).env.find((e: any) => e.name === 'OTEL_CONFIG').value), `${at}: sidecar config (${JUSTIFIED.webhookDefaults})`);
        continue;
      }
      const sim = desiredObjects(beta, version);
      const mine = operatorManifests(structuredClone(cr), version);
      const workload = (objs: Obj[]): Obj | undefined => objs.find((o) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind ?? ''));
      const [ws, wm] = [workload(sim), workload(mine)];
      assert.deepEqual([wm?.kind, wm?.metadata.name], [ws?.kind, ws?.metadata.name], `${at}: workload`);
      assert.deepEqual(containerFacts(otc(wm)), containerFacts(otc(ws)), `${at}: otc-container`);
      assert.equal(wm?.spec?.template?.spec?.hostNetwork === true, ws?.spec?.template?.spec?.hostNetwork === true, `${at}: hostNetwork`);
      assert.deepEqual(serviceFacts(mine), serviceFacts(sim), `${at}: Services`);
      // The ConfigMap the workload mounts, and the config in it.
      const mounted = (w: Obj | undefined, objs: Obj[]) => {
        const name = w?.spec?.template?.spec?.volumes?.find((v: any) => v.name === 'otc-internal')?.configMap?.name;
        return { name, cm: objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name) };
      };
      const [ms, mm] = [mounted(ws, sim), mounted(wm, mine)];
      assert.ok(ms.cm && mm.cm, `${at}: the mounted ConfigMap exists`);
      assert.equal(mm.name, behaviour(version).versionedConfigMap ? ms.name.replace(/-[0-9a-f]{8}$/, '') : ms.name, `${at}: ConfigMap name (${JUSTIFIED.configMapHash})`);
      assert.deepEqual(withoutDefaults(mm.cm.data['collector.yaml']), withoutDefaults(ms.cm.data['collector.yaml']), `${at}: config (${JUSTIFIED.webhookDefaults})`);
    }
    // A CR every release refuses (the CRD-validation cases) generates nothing: nothing to compare.
    if (compared === 0) { t.diagnostic(`${file}: no release admits the CR`); }
    total += compared;
  });
}

test('most CRs were compared at most releases', () => {
  assert.ok(total >= (CASES.length * VERSIONS.length) / 2, `${total} comparisons of ${CASES.length} CRs x ${VERSIONS.length} releases`);
});
