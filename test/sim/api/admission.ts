// Defaulting and the admission checks of a real API server that clients can observe: pod spec
// defaults, Service ClusterIP/NodePort allocation, namespace existence, ephemeral container rules.
import type { KObject, ResourceType, Store } from '../store.ts';
import { typeByKind } from '../store.ts';
import { ApiError, invalid } from './status.ts';
import { RANGES, addressInRange, clusterIpFamily, familiesOf, familyOfIP, offsetInRange, type Family } from '../ip-family.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

function imagePullPolicy(image: string | undefined): string {
  if (!image) { return 'Always'; }
  if (image.includes('@')) { return 'IfNotPresent'; }
  const last = image.split('/').pop() ?? image;
  const tag = last.includes(':') ? last.split(':').pop() : undefined;
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Any, ephemeral = false): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.imagePullPolicy ??= imagePullPolicy(c.image);
  if (!ephemeral) { c.resources ??= {}; }
  for (const p of c.ports ?? []) { p.protocol ??= 'TCP'; }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef) { e.valueFrom.fieldRef.apiVersion ??= 'v1'; }
  }
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (!probe) { continue; }
    probe.timeoutSeconds ??= 1;
    probe.periodSeconds ??= 10;
    probe.successThreshold ??= 1;
    probe.failureThreshold ??= 3;
    if (probe.httpGet) { probe.httpGet.scheme ??= 'HTTP'; }
  }
}

export function defaultPodSpec(spec: Any): void {
  if (!spec) { return; }
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  if (spec.serviceAccountName === undefined) { spec.serviceAccountName = spec.serviceAccount ?? 'default'; }
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  for (const c of spec.containers ?? []) { defaultContainer(c); }
  for (const c of spec.initContainers ?? []) { defaultContainer(c); }
  for (const c of spec.ephemeralContainers ?? []) { defaultContainer(c, true); }
  for (const v of spec.volumes ?? []) {
    if (v.configMap) { v.configMap.defaultMode ??= 420; }
    if (v.secret) { v.secret.defaultMode ??= 420; }
  }
  if (!spec.tolerations) {
    spec.tolerations = [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ];
  }
}

const SVC_SIZE = 65536; // a /16 and a /112 alike

/**
 * A webhook the API server calls on create (`old` undefined) and update, after its own checks: it may
 * change `obj` (mutating) or throw an ApiError (denying). Registered per store, so every path that
 * creates objects in that cluster (the API server, the controllers' pod creates) reaches the same hooks.
 */
export type AdmissionHook = (t: ResourceType, obj: KObject, old?: KObject) => void;
const HOOKS = new WeakMap<Store, AdmissionHook[]>();

export function addAdmissionHook(store: Store, hook: AdmissionHook): () => void {
  const list = HOOKS.get(store) ?? [];
  list.push(hook);
  HOOKS.set(store, list);
  return () => { const l = HOOKS.get(store) ?? []; const i = l.indexOf(hook); if (i >= 0) { l.splice(i, 1); } };
}

export function runAdmissionHooks(store: Store, t: ResourceType, obj: KObject, old?: KObject): void {
  for (const h of [...(HOOKS.get(store) ?? [])]) { h(t, obj, old); }
}

export class Admission {
  private readonly store: Store;
  // Per family: .1 is kubernetes, .10 kube-dns by convention; dynamic allocation starts above them.
  private readonly nextIp = new Map<Family, number>();
  constructor(store: Store) { this.store = store; }

  private usedClusterIPs(except?: { ns?: string; name: string }): Set<string> {
    const t = typeByKind('Service')!;
    const used = new Set<string>();
    for (const s of this.store.list(t)) {
      if (except && s.metadata.namespace === except.ns && s.metadata.name === except.name) { continue; }
      for (const ip of s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])) { if (ip && ip !== 'None') { used.add(ip); } }
    }
    return used;
  }

  /**
   * spec.ipFamilyPolicy and spec.ipFamilies on create, as kube-apiserver's initIPFamilyFields does
   * (pkg/registry/core/service/storage/alloc.go): no policy is SingleStack (RequireDualStack for a headless
   * Service without selector); families come from the clusterIPs given, else the cluster's primary one;
   * PreferDualStack and RequireDualStack gain the other family on a dual-stack cluster; RequireDualStack on
   * a single-stack cluster, or a family the cluster lacks, is refused.
   */
  private initIpFamilies(t: ResourceType, svc: KObject): void {
    const spec = svc.spec;
    const cluster = familiesOf(clusterIpFamily(this.store));
    const name = svc.metadata.name;
    const bad = (field: string, value: string, message: string) => invalid(t, name, [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${value}: ${message}` }]);
    const headlessNoSelector = (spec.clusterIP === 'None' || spec.clusterIPs?.[0] === 'None') && Object.keys(spec.selector ?? {}).length === 0;
    spec.ipFamilyPolicy ??= headlessNoSelector ? 'RequireDualStack' : 'SingleStack';
    const policy: string = spec.ipFamilyPolicy;
    if (!Array.isArray(spec.clusterIPs) && spec.clusterIP) { spec.clusterIPs = [spec.clusterIP]; }
    const ips: string[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.filter((x: unknown) => typeof x === 'string' && x) : [];
    const families: Family[] = Array.isArray(spec.ipFamilies) ? [...spec.ipFamilies] : [];
    if (policy === 'SingleStack' && ips.length === 2) { throw bad('spec.ipFamilyPolicy', `"${policy}"`, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"); }
    if (policy === 'SingleStack' && families.length === 2) { throw bad('spec.ipFamilyPolicy', `"${policy}"`, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"); }
    for (const [i, ip] of ips.entries()) {
      if (ip === 'None') { break; }
      const fam = familyOfIP(ip);
      if (!fam || i < families.length) { continue; }
      if (!cluster.includes(fam)) { throw bad(`spec.clusterIPs[${i}]`, `[]string{${ips.map((x) => `"${x}"`).join(', ')}}`, `${fam} is not configured on this cluster`); }
      families.push(fam);
    }
    const other = (f: Family): Family => (f === 'IPv4' ? 'IPv6' : 'IPv4');
    if (headlessNoSelector) {
      if (families.length === 0) { families.push(cluster[0]); }
      if (families.length < 2 && policy !== 'SingleStack') { families.push(other(families[0])); }
      spec.ipFamilies = families;
      return;
    }
    if (policy === 'RequireDualStack' && cluster.length < 2) { throw bad('spec.ipFamilyPolicy', `"${policy}"`, 'this cluster is not configured for dual-stack services'); }
    for (const [i, f] of families.entries()) {
      if (!cluster.includes(f)) { throw bad(`spec.ipFamilies[${i}]`, `"${f}"`, 'not configured on this cluster'); }
    }
    if (families.length === 0) { families.push(cluster[0]); }
    if (policy !== 'SingleStack' && families.length === 1 && cluster.length === 2) { families.push(other(families[0])); }
    spec.ipFamilies = families;
  }

  /** One ClusterIP per entry of spec.ipFamilies (allocClusterIPs): the one asked for, else the next free one. */
  private allocateIp(t: ResourceType, svc: KObject): void {
    const spec = svc.spec;
    if (spec.type === 'ExternalName') { delete spec.clusterIP; delete spec.clusterIPs; return; }
    this.initIpFamilies(t, svc);
    const requestedList: string[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
    if (requestedList[0] === 'None') { spec.clusterIP = 'None'; spec.clusterIPs = ['None']; return; }
    const used = this.usedClusterIPs();
    const out: string[] = [];
    for (const [i, family] of (spec.ipFamilies as Family[]).entries()) {
      const range = RANGES[family].services;
      const requested: string | undefined = requestedList[i] || undefined;
      if (requested) {
        const off = offsetInRange(requested, range);
        if (off === undefined) {
          throw invalid(t, svc.metadata.name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{"${requested}"}: failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${range}` }]);
        }
        if (used.has(requested)) {
          throw invalid(t, svc.metadata.name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{"${requested}"}: failed to allocate IP ${requested}: provided IP is already allocated` }]);
        }
        out.push(requested);
        continue;
      }
      const next = this.nextIp.get(family) ?? 11;
      let ip: string | undefined;
      for (let k = 0; k < SVC_SIZE - 2; k++) {
        const off = ((next + k - 1) % (SVC_SIZE - 2)) + 1;
        const cand = addressInRange(range, off);
        if (off === 10 || used.has(cand)) {
          continue; // keep .10 free for kube-dns, as kubeadm clusters do
        }
        this.nextIp.set(family, off + 1);
        ip = cand;
        break;
      }
      if (!ip) { throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Internal error occurred: failed to allocate a serviceIP: range is full', reason: 'InternalError', code: 500 }); }
      out.push(ip);
    }
    spec.clusterIP = out[0];
    spec.clusterIPs = out;
  }

  private allocateNodePorts(svc: KObject): void {
    const t = typeByKind('Service')!;
    const used = new Set<number>();
    for (const s of this.store.list(t)) { for (const p of s.spec?.ports ?? []) { if (p.nodePort) { used.add(p.nodePort); } } }
    let next = 30000 + Math.floor(Math.random() * 2000);
    for (const p of svc.spec.ports ?? []) {
      if (p.nodePort) { continue; }
      while (used.has(next)) { next++; }
      p.nodePort = next;
      used.add(next);
    }
  }

  private defaultService(t: ResourceType, svc: KObject, old?: KObject): void {
    const spec = (svc.spec ??= {});
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    for (const p of spec.ports ?? []) {
      p.protocol ??= 'TCP';
      if (p.targetPort === undefined) { p.targetPort = p.port; }
    }
    if (spec.type !== 'ExternalName') {
      // On create, allocateIp() settles the families (initIpFamilies); an update keeps the stored ones.
      if (old) {
        spec.ipFamilyPolicy ??= old.spec?.ipFamilyPolicy ?? 'SingleStack';
        spec.ipFamilies ??= old.spec?.ipFamilies ?? [familiesOf(clusterIpFamily(this.store))[0]];
      }
      spec.internalTrafficPolicy ??= 'Cluster';
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') { spec.externalTrafficPolicy ??= 'Cluster'; }
    if (old) {
      const oldIp = old.spec?.clusterIP;
      if (!spec.clusterIP && oldIp) { spec.clusterIP = oldIp; spec.clusterIPs = old.spec.clusterIPs; }
      else if (oldIp && spec.clusterIP !== oldIp) {
        throw invalid(t, svc.metadata.name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: []string{"${spec.clusterIP}"}: may not change once set` }]);
      }
    } else { this.allocateIp(t, svc); }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') { this.allocateNodePorts(svc); }
    if (!old) { svc.status ??= { loadBalancer: {} }; }
  }

  /** Defaults and validates an object before it is stored; `old` is the stored version on update. */
  admit(t: ResourceType, obj: KObject, old?: KObject): void {
    obj.metadata ??= { name: '' };
    if (t.namespaced && !old) {
      const ns = obj.metadata.namespace || 'default';
      const nsType = typeByKind('Namespace')!;
      if (!this.store.get(nsType, undefined, ns)) {
        throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `namespaces "${ns}" not found`, reason: 'NotFound', details: { name: ns, kind: 'namespaces' }, code: 404 });
      }
    }
    runAdmissionHooks(this.store, t, obj, old);
    switch (t.kind) {
      case 'Namespace':
        obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
        obj.spec ??= { finalizers: ['kubernetes'] };
        obj.status ??= { phase: 'Active' };
        break;
      case 'Pod':
        obj.spec ??= {};
        defaultPodSpec(obj.spec);
        if (!old) { obj.status = { phase: 'Pending', qosClass: podQosClass(obj.spec), ...obj.status }; }
        break;
      case 'Service':
        this.defaultService(t, obj, old);
        break;
      case 'Deployment': case 'ReplicaSet': case 'StatefulSet': case 'DaemonSet':
        obj.spec ??= {};
        if (t.kind !== 'DaemonSet') { obj.spec.replicas ??= 1; }
        obj.spec.revisionHistoryLimit ??= 10;
        if (t.kind === 'Deployment') {
          obj.spec.progressDeadlineSeconds ??= 600;
          obj.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
        }
        if (t.kind === 'StatefulSet') { obj.spec.podManagementPolicy ??= 'OrderedReady'; }
        if (t.kind === 'DaemonSet') { obj.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }; }
        defaultPodSpec(obj.spec.template?.spec);
        if (!old) { obj.status ??= {}; }
        break;
      case 'Secret':
        obj.type ??= 'Opaque';
        break;
      case 'Event':
        obj.count ??= 1;
        break;
    }
  }

  /**
   * The pods/ephemeralcontainers rules: only `spec.ephemeralContainers` may change, and only by adding.
   * Returns the pod to store.
   */
  admitEphemeral(t: ResourceType, cur: KObject, next: KObject): KObject {
    const oldEc: Any[] = cur.spec?.ephemeralContainers ?? [];
    const newEc: Any[] = structuredClone(next.spec?.ephemeralContainers ?? []);
    for (const c of newEc) { defaultContainer(c, true); }
    const causes: Array<{ reason: string; field: string; message: string }> = [];
    for (const o of oldEc) {
      const i = newEc.findIndex((n) => n.name === o.name);
      if (i < 0) { causes.push({ reason: 'FieldValueForbidden', field: 'spec.ephemeralContainers', message: `Forbidden: existing ephemeral containers "${o.name}" may not be removed` }); }
      else if (JSON.stringify(sortKeys(newEc[i])) !== JSON.stringify(sortKeys(o))) {
        causes.push({ reason: 'FieldValueForbidden', field: `spec.ephemeralContainers[${i}]`, message: `Forbidden: existing ephemeral containers "${o.name}" may not be changed` });
      }
    }
    const names = new Set<string>([...(cur.spec?.containers ?? []), ...(cur.spec?.initContainers ?? [])].map((c: Any) => c.name));
    newEc.forEach((c, i) => {
      if (!c.name) { causes.push({ reason: 'FieldValueRequired', field: `spec.ephemeralContainers[${i}].name`, message: 'Required value' }); }
      else if (names.has(c.name)) { causes.push({ reason: 'FieldValueDuplicate', field: `spec.ephemeralContainers[${i}].name`, message: `Duplicate value: "${c.name}"` }); }
      else { names.add(c.name); }
      if (!c.image) { causes.push({ reason: 'FieldValueRequired', field: `spec.ephemeralContainers[${i}].image`, message: 'Required value' }); }
      for (const f of ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resources'] as const) {
        const v = c[f];
        if (v !== undefined && !(f === 'resources' && Object.keys(v).length === 0)) {
          causes.push({ reason: 'FieldValueForbidden', field: `spec.ephemeralContainers[${i}].${f}`, message: `Forbidden: cannot be set for an Ephemeral Container` });
        }
      }
    });
    if (causes.length) { throw invalid(t, cur.metadata.name, causes); }
    const out = structuredClone(cur);
    out.spec.ephemeralContainers = newEc;
    if (next.metadata?.resourceVersion) { out.metadata.resourceVersion = next.metadata.resourceVersion; }
    return out;
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) { return v.map(sortKeys); }
  if (v && typeof v === 'object') { return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])); }
  return v;
}

const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A resource.Quantity as a number ("500m" = 0.5, "1Gi" = 2^30), so "0.5" and "500m" compare equal as they do in Go. */
function quantity(v: unknown): number | undefined {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(String(v ?? '').trim());
  if (!m) { return undefined; }
  return Number(m[1]) * QUANTITY_SUFFIX[m[2] ?? ''];
}

/**
 * `status.qosClass` as the API server computes it on create (pkg/apis/core/helper/qos): only cpu and
 * memory count; requests default to limits; Guaranteed when every container (init ones included) has
 * cpu and memory limits equal to its requests, BestEffort when none sets any, Burstable otherwise.
 */
export function podQosClass(spec: Any): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs: Any[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const limits: Any = c?.resources?.limits ?? {};
    const requests: Any = { ...limits, ...(c?.resources?.requests ?? {}) };
    for (const r of ['cpu', 'memory']) {
      const req = quantity(requests[r]);
      const lim = quantity(limits[r]);
      if ((req !== undefined && req !== 0) || (lim !== undefined && lim !== 0)) { any = true; }
      if (lim === undefined || req !== lim) { guaranteed = false; }
    }
  }
  if (!any) { return 'BestEffort'; }
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
