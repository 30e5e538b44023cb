// The node's prober: runs inside a node's network namespace (as the kubelet runs on the node) and performs
// httpGet/tcpSocket probes against pod IPs. Requests and answers are JSON lines on stdin/stdout; failure
// messages are the ones the kubelet's Go prober puts into `Readiness probe failed: ...` events.
import { createInterface } from 'node:readline';
import { connect } from 'node:net';
import http from 'node:http';
import https from 'node:https';

export interface ProbeRequest {
  id: number;
  kind: 'http' | 'tcp';
  host: string;
  port: number;
  path?: string;
  scheme?: string;
  headers?: Array<{ name: string; value: string }>;
  timeoutMs: number;
}
export interface ProbeAnswer { id: number; ok: boolean; message: string }

function goDialError(err: NodeJS.ErrnoException, host: string, port: number): string {
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const reason: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused',
    EHOSTUNREACH: 'connect: no route to host',
    ENETUNREACH: 'connect: network is unreachable',
    ECONNRESET: 'read: connection reset by peer',
  };
  return `dial tcp ${addr}: ${reason[err.code ?? ''] ?? err.message}`;
}

function tcpProbe(r: ProbeRequest): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const s = connect({ host: r.host, port: r.port });
    const t = setTimeout(() => { s.destroy(); resolve({ id: r.id, ok: false, message: `dial tcp ${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}: i/o timeout` }); }, r.timeoutMs);
    s.once('connect', () => { clearTimeout(t); s.destroy(); resolve({ id: r.id, ok: true, message: '' }); });
    s.once('error', (e: NodeJS.ErrnoException) => { clearTimeout(t); resolve({ id: r.id, ok: false, message: goDialError(e, r.host, r.port) }); });
  });
}

function httpProbe(r: ProbeRequest): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const scheme = (r.scheme ?? 'HTTP').toLowerCase();
    const path = r.path ? (r.path.startsWith('/') ? r.path : `/${r.path}`) : '/';
    const url = `${scheme}://${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}${path}`;
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
    for (const h of r.headers ?? []) { headers[h.name] = h.value; }
    let done = false;
    const finish = (a: ProbeAnswer) => { if (!done) { done = true; resolve(a); } };
    const mod = scheme === 'https' ? https : http;
    const req = mod.request(url, { method: 'GET', headers, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      // The kubelet treats 200-399 as success and does not follow redirects to other hosts.
      finish(code >= 200 && code < 400 ? { id: r.id, ok: true, message: '' } : { id: r.id, ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      req.destroy();
    });
    req.setTimeout(r.timeoutMs, () => {
      finish({ id: r.id, ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ id: r.id, ok: false, message: `Get "${url}": ${goDialError(e, r.host, r.port)}` }));
    req.end();
  });
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let r: ProbeRequest;
  try { r = JSON.parse(line) as ProbeRequest; } catch { return; }
  void (r.kind === 'tcp' ? tcpProbe(r) : httpProbe(r)).then((a) => process.stdout.write(JSON.stringify(a) + '\n'));
});
// The kubelet closes stdin to stop us; never outlive it.
rl.on('close', () => process.exit(0));
