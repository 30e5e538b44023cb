// The runtime's half of pods/proxy: the request goes out of the pod's node's network namespace (one short
// process per request, pod-proxy-fetch.ts), never from the host's own network.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { IP_BIN } from './container-exec.ts';
import { NODE_FLAGS } from './standin-launch.ts';
import type { ProxyAnswer, ProxyRequest } from '../types.ts';

export function proxyFromNode(netns: string, req: ProxyRequest, nodeBinary = process.execPath): Promise<ProxyAnswer> {
  return new Promise((resolve) => {
    const child = spawn(IP_BIN, ['netns', 'exec', netns, nodeBinary, ...NODE_FLAGS, join(import.meta.dirname, 'pod-proxy-fetch.ts')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', (e) => resolve({ error: e.message }));
    child.on('close', () => {
      try { resolve(JSON.parse(out) as ProxyAnswer); } catch { resolve({ error: `proxy agent failed: ${err.trim() || 'no answer'}` }); }
    });
    child.stdin.end(JSON.stringify(req));
  });
}
