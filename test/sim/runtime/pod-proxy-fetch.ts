// One pods/proxy request, made from inside a node's network namespace (where the pod's IP is routed, as the
// real API server reaches pod IPs over the cluster network): the request arrives as one JSON line on stdin,
// the answer (status, headers, body in base64) or the dial error leaves as one JSON line on stdout.
import http from 'node:http';
import https from 'node:https';
import type { ProxyAnswer, ProxyRequest } from '../types.ts';

/** The Go dial error the API server's proxy puts after `error trying to reach service: `. */
function goDialError(e: NodeJS.ErrnoException, host: string, port: number): string {
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why: Record<string, string> = { ECONNREFUSED: 'connect: connection refused', EHOSTUNREACH: 'connect: no route to host', ENETUNREACH: 'connect: network is unreachable', ECONNRESET: 'read: connection reset by peer' };
  return `dial tcp ${addr}: ${why[e.code ?? ''] ?? e.message}`;
}

function fetchOnce(r: ProxyRequest): Promise<ProxyAnswer> {
  return new Promise((resolve) => {
    const mod = r.scheme === 'https' ? https : http;
    const host = r.podIP.includes(':') ? `[${r.podIP}]` : r.podIP;
    const req = mod.request({ host: r.podIP, port: r.port, path: r.path, method: r.method, headers: { ...r.headers, Host: `${host}:${r.port}` }, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) { if (v !== undefined) { headers[k] = Array.isArray(v) ? v.join(', ') : v; } }
        resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks).toString('base64') });
      });
    });
    req.setTimeout(r.timeoutMs, () => { req.destroy(); resolve({ error: `dial tcp ${host}:${r.port}: i/o timeout` }); });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: goDialError(e, r.podIP, r.port) }));
    req.end();
  });
}

let input = '';
process.stdin.on('data', (d: Buffer) => { input += d.toString(); });
process.stdin.on('end', () => {
  void fetchOnce(JSON.parse(input) as ProxyRequest).then((a) => { process.stdout.write(JSON.stringify(a) + '\n'); });
});
