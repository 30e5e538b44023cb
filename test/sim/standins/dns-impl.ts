// Cluster DNS at the kube-dns ClusterIP, answering as CoreDNS's kubernetes plugin does for the records
// the simulator has: Service A and AAAA (each family's ClusterIP, or endpoint IPs when headless), pod A
// (`a-b-c-d.ns.pod`) and AAAA (`fd00-10-244-1--5.ns.pod`: the plugin turns dashes back into colons),
// SRV for named ports. A name with addresses of the other family only is NODATA (NOERROR, no answer).
// It listens as CoreDNS's `.:53` does: Go's wildcard listen, one IPv6 socket that takes IPv4 too. No upstream exists here, so names outside the cluster domain get SERVFAIL
// at once (real CoreDNS would forward them). Search lists are the client resolver's business.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { readFileSync, statSync, watch } from 'node:fs';
import { dirname, basename } from 'node:path';
import * as dnsPacket from 'dns-packet';

interface DnsData {
  domain?: string;
  services: { name: string; namespace: string; clusterIP?: string; clusterIPs?: string[]; headless?: boolean; endpoints?: string[]; ports?: { name?: string; port: number; protocol?: string }[] }[];
}

interface Zone {
  domain: string;
  /** Addresses of both families; A answers the IPv4 ones, AAAA the IPv6 ones. */
  a: Map<string, string[]>;
  srv: Map<string, { port: number; target: string }[]>;
  /** Every name that exists, including empty non-terminals (`ns.svc.cluster.local`): NODATA, not NXDOMAIN. */
  names: Set<string>;
}

const TTL = 30;
const NEG_TTL = 5;

export function buildZone(data: DnsData): Zone {
  const domain = (data.domain ?? 'cluster.local').toLowerCase();
  const z: Zone = { domain, a: new Map(), srv: new Map(), names: new Set() };
  const addName = (n: string): void => {
    // Register the name and each ancestor down to the domain.
    for (let cur = n; cur.endsWith(domain); cur = cur.slice(cur.indexOf('.') + 1)) {
      z.names.add(cur);
      if (cur === domain) { break; }
    }
  };
  addName(`svc.${domain}`);
  addName(`pod.${domain}`);
  for (const s of data.services ?? []) {
    const fq = `${s.name}.${s.namespace}.svc.${domain}`.toLowerCase();
    const cips = s.clusterIPs?.length ? s.clusterIPs : s.clusterIP ? [s.clusterIP] : [];
    const ips = s.headless ? (s.endpoints ?? []) : cips.filter((ip) => ip && ip !== 'None');
    // A headless Service with no ready endpoints has no records at all: CoreDNS says NXDOMAIN.
    if (ips.length === 0) { continue; }
    addName(fq);
    z.a.set(fq, ips);
    for (const p of s.ports ?? []) {
      if (!p.name) { continue; }
      const srvName = `_${p.name}._${(p.protocol ?? 'TCP').toLowerCase()}.${fq}`.toLowerCase();
      addName(srvName);
      z.srv.set(srvName, [{ port: p.port, target: fq }]);
    }
  }
  return z;
}

function soa(domain: string): dnsPacket.Answer {
  // CoreDNS's kubernetes plugin SOA (serial is a timestamp there too).
  return { name: domain, type: 'SOA', ttl: NEG_TTL, class: 'IN', data: { mname: `ns.dns.${domain}`, rname: `hostmaster.${domain}`, serial: Math.floor(Date.now() / 1000), refresh: 7200, retry: 1800, expire: 86400, minimum: NEG_TTL } } as dnsPacket.Answer;
}

export function answer(zone: Zone, query: dnsPacket.Packet): Buffer {
  const q = query.questions?.[0];
  const base = { id: query.id, type: 'response' as const, questions: query.questions ?? [] };
  const rd = ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) !== 0;
  // dns-packet takes the RCODE only as the low 4 bits of `flags`.
  const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3 } as const;
  const flags = (aa: boolean, rcode: keyof typeof RCODE = 'NOERROR'): number =>
    (aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | RCODE[rcode];
  if (!q) { return dnsPacket.encode({ ...base, flags: flags(false, 'FORMERR') }); }
  const name = q.name.toLowerCase().replace(/\.$/, '');
  const inZone = name === zone.domain || name.endsWith('.' + zone.domain);
  if (!inZone) { return dnsPacket.encode({ ...base, flags: flags(false, 'SERVFAIL') }); }
  const ok = (answers: dnsPacket.Answer[], additionals: dnsPacket.Answer[] = []): Buffer =>
    dnsPacket.encode({ ...base, flags: flags(true), answers, additionals });
  const nodata = (): Buffer => dnsPacket.encode({ ...base, flags: flags(true), authorities: [soa(zone.domain)] });
  const nx = (): Buffer => dnsPacket.encode({ ...base, flags: flags(true, 'NXDOMAIN'), authorities: [soa(zone.domain)] });

  // Pod records: `10-244-1-5.<ns>.pod.<domain>` (CoreDNS `pods insecure`: the IP is taken from the name).
  const pod = new RegExp(`^(\\d+)-(\\d+)-(\\d+)-(\\d+)\\.([a-z0-9-]+)\\.pod\\.${zone.domain.replace(/\./g, '\\.')}$`).exec(name);
  if (pod && pod.slice(1, 5).every((o) => Number(o) <= 255)) {
    if (q.type === 'A') { return ok([{ name: q.name, type: 'A', ttl: TTL, class: 'IN', data: pod.slice(1, 5).join('.') }]); }
    return nodata();
  }
  const pod6 = new RegExp(`^([0-9a-f-]+)\\.([a-z0-9-]+)\\.pod\\.${zone.domain.replace(/\./g, '\\.')}$`).exec(name);
  const ip6 = pod6 && pod6[1].includes('-') ? pod6[1].replace(/-/g, ':') : '';
  if (ip6 && net.isIPv6(ip6)) {
    if (q.type === 'AAAA') { return ok([{ name: q.name, type: 'AAAA', ttl: TTL, class: 'IN', data: ip6 }]); }
    return nodata();
  }
  if (!zone.names.has(name)) { return nx(); }
  const rr = (owner: string, ip: string): dnsPacket.Answer => ({ name: owner, type: net.isIPv6(ip) ? 'AAAA' : 'A', ttl: TTL, class: 'IN', data: ip }) as dnsPacket.Answer;
  if ((q.type === 'A' || q.type === 'AAAA') && zone.a.has(name)) {
    const want = zone.a.get(name)!.filter((ip) => (q.type === 'AAAA') === net.isIPv6(ip));
    if (want.length) { return ok(want.map((ip) => rr(q.name, ip))); }
  }
  if (q.type === 'SRV' && zone.srv.has(name)) {
    const recs = zone.srv.get(name)!;
    const answers = recs.map((r) => ({ name: q.name, type: 'SRV', ttl: TTL, class: 'IN', data: { priority: 0, weight: 100, port: r.port, target: r.target } }) as dnsPacket.Answer);
    const additionals = recs.flatMap((r) => (zone.a.get(r.target) ?? []).map((ip) => rr(r.target, ip)));
    return ok(answers, additionals);
  }
  return nodata();
}

function loadZone(path: string | undefined): Zone {
  if (!path) { return buildZone({ services: [] }); }
  try {
    return buildZone(JSON.parse(readFileSync(path, 'utf8')) as DnsData);
  } catch {
    return buildZone({ services: [] });
  }
}

export function main(): void {
  const dataPath = process.env.SIM_DNS_DATA;
  const portArg = process.argv.indexOf('--port');
  const port = Number(portArg >= 0 ? process.argv[portArg + 1] : process.env.SIM_DNS_PORT ?? 53);
  // No host: the wildcard, served on both families by one IPv6 socket (ipv6Only false), as Go listens on `:53`.
  const host = process.env.SIM_DNS_HOST ?? '::';
  let zone = loadZone(dataPath);
  if (dataPath) {
    // The runtime replaces the file by rename: watch the directory, and poll the inode/mtime in case
    // a watch event is missed.
    let sig = '';
    const check = (): void => {
      try {
        const st = statSync(dataPath);
        const s = `${st.ino}:${st.mtimeMs}:${st.size}`;
        if (s !== sig) { sig = s; zone = loadZone(dataPath); }
      } catch { /* not written yet */ }
    };
    check();
    try {
      watch(dirname(dataPath), (_ev, f) => { if (!f || f === basename(dataPath)) { check(); } }).on('error', () => {});
    } catch { /* directory missing: polling still works */ }
    setInterval(check, 1000).unref();
  }
  const handle = (buf: Buffer): Buffer | undefined => {
    try {
      return answer(zone, dnsPacket.decode(buf));
    } catch {
      return undefined;
    }
  };
  const udp = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', ipv6Only: false });
  udp.on('message', (msg, rinfo) => {
    const out = handle(msg);
    if (out) { udp.send(out, rinfo.port, rinfo.address); }
  });
  udp.on('error', (e) => { process.stderr.write(`[ERROR] plugin/dns: ${e.message}\n`); process.exit(1); });
  // CoreDNS prints its banner once its servers listen: whoever waits for it may query at once.
  let listening = 0;
  const banner = (): void => {
    listening++;
    if (listening === 2) {
      process.stdout.write(`.:${port}\nCoreDNS-1.11.3\nlinux/amd64, go1.21.11, a6338e9\n`);
    }
  };
  udp.bind({ port, address: host }, banner);
  const tcp = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const out = handle(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        if (out) {
          const head = Buffer.alloc(2);
          head.writeUInt16BE(out.length);
          sock.write(Buffer.concat([head, out]));
        }
      }
    });
    sock.on('error', () => sock.destroy());
  });
  tcp.on('error', (e) => { process.stderr.write(`[ERROR] plugin/dns: ${e.message}\n`); process.exit(1); });
  tcp.listen({ port, host, ipv6Only: false }, banner);
  const stop = (): void => { udp.close(); tcp.close(); process.exit(0); };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

