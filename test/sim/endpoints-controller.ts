// The Endpoints and EndpointSlice controllers (and the slice mirroring controller): ready and unready
// addresses per Service, named targetPorts resolved per pod, grouping by port set, the placeholder slice.
// Dual-stack: Endpoints carry the Service's primary family (the endpoints controller's
// podToEndpointAddressForService: the ClusterIP's family, else ipFamilies[0]); EndpointSlices are
// reconciled per address type, one set (and one placeholder) per entry of spec.ipFamilies, as
// staging/src/k8s.io/endpointslice/reconciler.go reconcileByAddressType does.
import { matchesSelector, type KObject, type Store } from './store.ts';
import { EP, EPS, POD, SVC, isActive, isPodReady, tryCreate, tryDelete } from './controller-kit.ts';
import { compareIPs, familyOfIP, type Family } from './ip-family.ts';

export const SLICE_MANAGED_BY = 'endpointslice-controller.k8s.io';
export const SLICE_MIRROR_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';

/** `ip` is the address of the family being written; `ips` every address the pod has. */
interface EndpointEntry { ip: string; ips: string[]; ready: boolean; nodeName?: string; hostname?: string; targetRef?: Record<string, string>; ports: Array<{ name?: string; port: number; protocol: string; appProtocol?: string }> }

/** A Service port's targetPort on one pod: numbers as given, names looked up among the pod's containerPorts. */
export function resolveTargetPort(svcPort: { port: number; targetPort?: number | string; protocol?: string }, pod: KObject): number | undefined {
  const tp = svcPort.targetPort ?? svcPort.port;
  if (typeof tp === 'number') { return tp; }
  if (/^\d+$/.test(tp)) { return Number(tp); }
  const proto = svcPort.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) { if (p.name === tp && (p.protocol ?? 'TCP') === proto) { return p.containerPort; } }
  }
  return undefined;
}

/** A slice this controller (or the mirroring one) manages, not one a user wrote. */
export function isOurSlice(sl: KObject) {
  const m = sl.metadata.labels?.['endpointslice.kubernetes.io/managed-by'];
  return m === SLICE_MANAGED_BY || m === SLICE_MIRROR_MANAGED_BY;
}

/**
 * Endpoints and EndpointSlices of every Service from the pods (or, selector-less, mirrored from its
 * Endpoints). A Service's candidate pods come from the store's namespace and label indexes, its Endpoints
 * and slices by key: no pass reads every pod once per Service.
 */
export function reconcileEndpoints(store: Store) {
  const endpointsByKey = new Map(store.select(EP).map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
  const slicesByService = new Map<string, KObject[]>();
  for (const sl of store.select(EPS)) {
    const k = `${sl.metadata.namespace}/${sl.metadata.labels?.['kubernetes.io/service-name'] ?? ''}`;
    slicesByService.set(k, [...(slicesByService.get(k) ?? []), sl]);
  }
  const candidates = (ns: string, selector: Record<string, string>) => store.select(POD, {
    namespace: ns, labels: Object.entries(selector).map(([key, v]) => ({ key, op: 'eq' as const, values: [String(v)] })),
  });
  for (const svc of store.select(SVC)) {
    if (svc.spec?.type === 'ExternalName') { continue; }
    const ns = svc.metadata.namespace as string;
    const hasSelector = svc.spec?.selector && Object.keys(svc.spec.selector).length > 0;
    const headless = svc.spec?.clusterIP === 'None';
    const svcPorts: Array<{ name?: string; port: number; targetPort?: number | string; protocol?: string; appProtocol?: string }> = svc.spec?.ports ?? [];
    const families = serviceFamilies(svc);
    let entries: EndpointEntry[];
    if (hasSelector) {
      entries = [];
      for (const p of candidates(ns, svc.spec.selector)) {
        if (p.metadata.namespace !== ns || !isActive(p) || !p.status?.podIP) { continue; }
        if (!matchesSelector(p.metadata.labels, svc.spec.selector)) { continue; }
        const ports: EndpointEntry['ports'] = [];
        for (const sp of svcPorts) {
          const port = resolveTargetPort(sp, p);
          // Like the real controller: a named targetPort the pod does not declare drops that port for that pod.
          if (port === undefined) { continue; }
          ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
        }
        if (svcPorts.length && !ports.length) { continue; }
        const ips: string[] = (Array.isArray(p.status.podIPs) && p.status.podIPs.length ? p.status.podIPs.map((x: { ip: string }) => x.ip) : [p.status.podIP]);
        const e: EndpointEntry = {
          ip: p.status.podIP,
          ips,
          ready: isPodReady(p) || !!svc.spec?.publishNotReadyAddresses,
          nodeName: p.spec?.nodeName,
          targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid as string },
          ports,
        };
        if (p.spec?.hostname && p.spec?.subdomain === svc.metadata.name) { e.hostname = p.spec.hostname; }
        entries.push(e);
      }
      const epFamily = familyOfIP(svc.spec?.clusterIP ?? '') ?? families[0];
      const epEntries = entries.flatMap((e) => e.ips.filter((ip) => familyOfIP(ip) === epFamily).slice(0, 1).map((ip) => ({ ...e, ip })));
      writeEndpoints(store, svc, epEntries, endpointsByKey.get(`${ns}/${svc.metadata.name}`), headless);
    } else {
      // Selector-less Service: its Endpoints are the user's; only mirror them into slices, as the mirroring controller does.
      const ep = endpointsByKey.get(`${ns}/${svc.metadata.name}`);
      // The API server writes the `kubernetes` slice itself and marks its Endpoints so nobody mirrors them.
      if (ep?.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'] === 'true') { continue; }
      entries = [];
      for (const sub of ep?.subsets ?? []) {
        const ports = (sub.ports ?? []).map((p: { name?: string; port: number; protocol?: string }) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' }));
        for (const a of sub.addresses ?? []) { entries.push({ ip: a.ip, ips: [a.ip], ready: true, nodeName: a.nodeName, targetRef: a.targetRef, ports }); }
        for (const a of sub.notReadyAddresses ?? []) { entries.push({ ip: a.ip, ips: [a.ip], ready: false, nodeName: a.nodeName, targetRef: a.targetRef, ports }); }
      }
      if (!ep) {
        for (const sl of slicesByService.get(`${ns}/${svc.metadata.name}`) ?? []) { if (isOurSlice(sl)) { tryDelete(store, EPS, ns, sl.metadata.name); } }
        continue;
      }
    }
    const owned = (slicesByService.get(`${ns}/${svc.metadata.name}`) ?? []).filter(isOurSlice);
    // The mirroring controller writes a slice per address family its Endpoints hold.
    const sliceFamilies: Family[] = hasSelector ? families : [...new Set(entries.map((e) => familyOfIP(e.ip)).filter((f): f is Family => !!f))];
    if (!sliceFamilies.length) { sliceFamilies.push(families[0]); }
    for (const family of sliceFamilies) {
      const famEntries = entries.flatMap((e) => e.ips.filter((ip) => familyOfIP(ip) === family).slice(0, 1).map((ip) => ({ ...e, ip })));
      writeSlices(store, svc, famEntries, owned.filter((sl) => (sl.addressType ?? 'IPv4') === family), hasSelector ? SLICE_MANAGED_BY : SLICE_MIRROR_MANAGED_BY, headless, family);
    }
    for (const sl of owned) { if (!sliceFamilies.includes(sl.addressType ?? 'IPv4')) { tryDelete(store, EPS, ns, sl.metadata.name); } }
  }
}

/** getAddressTypesForService: spec.ipFamilies, else the families of the ClusterIPs, else IPv4. */
function serviceFamilies(svc: KObject): Family[] {
  const given = (Array.isArray(svc.spec?.ipFamilies) ? svc.spec.ipFamilies : []).filter((f: unknown): f is Family => f === 'IPv4' || f === 'IPv6');
  if (given.length) { return given; }
  const fromIPs = [...new Set((svc.spec?.clusterIPs ?? [svc.spec?.clusterIP]).map((ip: unknown) => familyOfIP(String(ip ?? ''))).filter(Boolean))] as Family[];
  return fromIPs.length ? fromIPs : ['IPv4'];
}

const portsKey = (ports: EndpointEntry['ports']) => JSON.stringify(ports);
function groupByPorts(entries: EndpointEntry[]): Map<string, EndpointEntry[]> {
  const groups = new Map<string, EndpointEntry[]>();
  for (const e of [...entries].sort((a, b) => compareIPs(a.ip, b.ip))) {
    const k = portsKey(e.ports);
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  return groups;
}

function writeEndpoints(store: Store, svc: KObject, entries: EndpointEntry[], existing: KObject | undefined, headless: boolean) {
  const subsets = [...groupByPorts(entries).values()].map((group) => {
    const addr = (e: EndpointEntry) => ({ ip: e.ip, ...(e.hostname ? { hostname: e.hostname } : {}), ...(e.nodeName ? { nodeName: e.nodeName } : {}), ...(e.targetRef ? { targetRef: e.targetRef } : {}) });
    const sub: Record<string, unknown> = {};
    const ready = group.filter((e) => e.ready).map(addr);
    const notReady = group.filter((e) => !e.ready).map(addr);
    if (ready.length) { sub.addresses = ready; }
    if (notReady.length) { sub.notReadyAddresses = notReady; }
    if (group[0].ports.length) { sub.ports = group[0].ports; }
    return sub;
  });
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (headless) { labels['service.kubernetes.io/headless'] = ''; }
  const ns = svc.metadata.namespace;
  if (!existing) {
    const ep: KObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: ns, labels } };
    if (subsets.length) { ep.subsets = subsets; }
    tryCreate(store, EP, ep);
    return;
  }
  store.mutate(EP, ns, svc.metadata.name, (o) => {
    o.metadata.labels = labels;
    if (subsets.length) { o.subsets = subsets; } else { delete o.subsets; }
  });
}

function writeSlices(store: Store, svc: KObject, entries: EndpointEntry[], existing: KObject[], managedBy: string, headless: boolean, addressType: Family) {
  const ns = svc.metadata.namespace as string;
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), 'endpointslice.kubernetes.io/managed-by': managedBy, 'kubernetes.io/service-name': svc.metadata.name };
  if (headless) { labels['service.kubernetes.io/headless'] = ''; }
  const groups = groupByPorts(entries);
  const desired: Array<{ endpoints: unknown; ports: unknown; key: string }> = [];
  for (const [k, group] of groups) {
    desired.push({
      key: k,
      ports: group[0].ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
      endpoints: group.map((e) => ({
        addresses: [e.ip],
        conditions: { ready: e.ready, serving: e.ready, terminating: false },
        ...(e.hostname ? { hostname: e.hostname } : {}),
        ...(e.nodeName ? { nodeName: e.nodeName } : {}),
        ...(e.targetRef ? { targetRef: e.targetRef } : {}),
      })),
    });
  }
  // A Service without endpoints still gets one placeholder slice, with null lists as the API returns them.
  if (!desired.length) { desired.push({ key: 'placeholder', ports: null, endpoints: null }); }
  const sliceKey = (sl: KObject) => (sl.endpoints === null && sl.ports === null ? 'placeholder' : portsKey((sl.ports ?? []).map((p: { name: string; port: number; protocol: string; appProtocol?: string }) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }))));
  const unused = [...existing];
  for (const d of desired) {
    let idx = unused.findIndex((sl) => sliceKey(sl) === d.key);
    if (idx < 0 && unused.length) {
      idx = 0; // reuse a slice rather than churn names, as the controller does
    }
    if (idx >= 0) {
      const sl = unused.splice(idx, 1)[0];
      store.mutate(EPS, ns, sl.metadata.name, (o) => {
        o.metadata.labels = labels;
        o.metadata.ownerReferences = [svcOwnerRef(svc)];
        o.addressType = addressType;
        o.endpoints = d.endpoints;
        o.ports = d.ports;
      });
    } else {
      tryCreate(store, EPS, {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name: '', generateName: `${svc.metadata.name}-`, namespace: ns, labels, ownerReferences: [svcOwnerRef(svc)] },
        addressType, endpoints: d.endpoints, ports: d.ports,
      });
    }
  }
  for (const sl of unused) { tryDelete(store, EPS, ns, sl.metadata.name); }
}

const svcOwnerRef = (svc: KObject) => ({ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid as string, controller: true, blockOwnerDeletion: true });

