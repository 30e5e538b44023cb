// The cluster DNS stand-in's view of the cluster (CONTRACTS.md, SIM_DNS_DATA): Services with their
// ClusterIPs and ports, and the ready endpoint addresses (what headless Services answer with). Like
// CoreDNS's kubernetes plugin, endpoints come from the EndpointSlices (every address type, so a dual-stack
// headless Service answers A and AAAA), from the v1 Endpoints only where a Service has no slice.
import { renameSync, writeFileSync } from 'node:fs';
import type { KObject, Store } from '../store.ts';
import { typeByKind } from '../store.ts';

export interface DnsData {
  domain: string;
  services: Array<{
    name: string;
    namespace: string;
    clusterIP: string;
    /** Every family's ClusterIP (spec.clusterIPs), primary first: A and AAAA answers. */
    clusterIPs: string[];
    ports: Array<{ name: string; port: number; protocol: string }>;
    headless: boolean;
    endpoints: string[];
  }>;
}

export function buildDnsData(services: KObject[], endpoints: KObject[], slices: KObject[] = []): DnsData {
  const eps = new Map(endpoints.map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
  const slicesOf = new Map<string, KObject[]>();
  for (const sl of slices) {
    const svc = sl.metadata.labels?.['kubernetes.io/service-name'];
    if (!svc) { continue; }
    const k = `${sl.metadata.namespace}/${svc}`;
    slicesOf.set(k, [...(slicesOf.get(k) ?? []), sl]);
  }
  return {
    domain: 'cluster.local',
    services: services.map((s) => {
      const ep = eps.get(`${s.metadata.namespace}/${s.metadata.name}`);
      const addrs: string[] = [];
      const svcSlices = slicesOf.get(`${s.metadata.namespace}/${s.metadata.name}`) ?? [];
      // Only ready addresses are published, unless the Service asks for the others too (StatefulSet peers).
      for (const sl of svcSlices) {
        for (const e of (sl.endpoints ?? []) as Array<{ addresses?: string[]; conditions?: { ready?: boolean } }>) {
          if (e.conditions?.ready === false && !s.spec?.publishNotReadyAddresses) { continue; }
          for (const a of e.addresses ?? []) { if (!addrs.includes(a)) { addrs.push(a); } }
        }
      }
      for (const sub of svcSlices.length ? [] : ep?.subsets ?? []) {
        const list = [...(sub.addresses ?? []), ...(s.spec?.publishNotReadyAddresses ? sub.notReadyAddresses ?? [] : [])];
        for (const a of list) { if (!addrs.includes(a.ip)) { addrs.push(a.ip); } }
      }
      const clusterIP: string = s.spec?.clusterIP ?? '';
      return {
        name: s.metadata.name,
        namespace: s.metadata.namespace ?? 'default',
        clusterIP,
        clusterIPs: Array.isArray(s.spec?.clusterIPs) && s.spec.clusterIPs.length ? s.spec.clusterIPs : clusterIP ? [clusterIP] : [],
        ports: (s.spec?.ports ?? []).map((p: { name?: string; port: number; protocol?: string }) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
        headless: clusterIP === 'None',
        endpoints: addrs,
      };
    }),
  };
}

/** Rewrites `file` (write + rename, so a reader never sees half a file) whenever Services or Endpoints change. */
export class DnsDataWriter {
  private readonly store: Store;
  private readonly file: string;
  private timer?: NodeJS.Timeout;
  private readonly onChange = (c: { resource: { kind: string } }) => {
    if (c.resource.kind === 'Service' || c.resource.kind === 'Endpoints' || c.resource.kind === 'EndpointSlice') { this.schedule(); }
  };

  constructor(store: Store, file: string) { this.store = store; this.file = file; }

  start(): void {
    this.store.on('change', this.onChange);
    this.write();
  }

  stop(): void {
    this.store.off('change', this.onChange);
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.timer) { return; }
    this.timer = setTimeout(() => { this.timer = undefined; this.write(); }, 20);
  }

  write(): void {
    const data = buildDnsData(this.store.list(typeByKind('Service')!), this.store.list(typeByKind('Endpoints')!), this.store.list(typeByKind('EndpointSlice')!));
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, this.file);
  }
}
