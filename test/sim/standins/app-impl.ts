// Stand-in for an instrumented application: it exports spans the way the SDK named in SIM_SDK does
// (endpoint and protocol from the OTEL_* variables, real DNS, real TCP, real HTTP/1.1 or HTTP/2) and
// logs each failure the way that SDK logs it. Line formats: /work/shared/reference/sdk-export-errors.md
// ("ref" below); [P]/[S]/[I] there say how sure each line is, and comments here repeat it where it matters.
// This file is the main loop and the container ports; app-sdk.ts, app-export.ts and app-lines.ts the rest.
import * as net from 'node:net';
import { sdkFor, sdkUnknown, traceTarget } from './app-sdk.ts';
import { exportGrpc, exportHttp, loadTransport, setDnsCaching, type Failure, type Kept } from './app-export.ts';
import { retryable, sdkLines } from './app-lines.ts';

// ---------- ports ----------

/**
 * Every declared TCP containerPort answers `200 ok` to whatever arrives (probes, Services). Raw sockets
 * instead of node:http: an idle app then never loads the HTTP stack, which keeps start-up and memory small.
 */
export function listenPorts(): net.Server[] {
  let ports: { containerPort?: number; protocol?: string }[] = [];
  try { ports = JSON.parse(process.env.SIM_CONTAINER_PORTS ?? '[]'); } catch { ports = []; }
  const servers: net.Server[] = [];
  const reply = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok';
  for (const p of ports) {
    if (!p.containerPort || (p.protocol ?? 'TCP').toUpperCase() !== 'TCP') { continue; }
    const s = net.createServer((sock) => {
      sock.on('error', () => sock.destroy());
      sock.once('data', () => sock.end(reply));
      sock.setTimeout(10_000, () => sock.destroy());
    });
    s.on('error', (e) => process.stderr.write(`listen tcp :${p.containerPort}: ${(e as NodeJS.ErrnoException).code}\n`));
    s.listen({ port: p.containerPort, host: '0.0.0.0' });
    servers.push(s);
  }
  return servers;
}

// ---------- main loop ----------

function parseLines(json: string | undefined): string[] | undefined {
  if (!json) { return undefined; }
  try { const v: unknown = JSON.parse(json); return Array.isArray(v) ? v.map(String) : undefined; } catch { return undefined; }
}

async function run(): Promise<void> {
  const servers = listenPorts();
  const sdk = sdkFor(process.env);
  const target = traceTarget(process.env, sdk, sdkUnknown(process.env));
  let stopping = false;
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number): Promise<void> => new Promise((r) => { const t = setTimeout(() => { timers.delete(t); r(); }, ms); timers.add(t); });
  process.once('SIGTERM', () => { stopping = true; for (const s of servers) { s.close(); } process.exit(0); });
  process.once('SIGINT', () => process.exit(0));
  // A container's main process idles until it is stopped, ports or not.
  setInterval(() => {}, 3_600_000);
  // An injected agent that failed to start (runtime/images.ts injectedAgent) leaves the app uninstrumented.
  const startupError = parseLines(process.env.SIM_AGENT_STARTUP_ERROR);
  if (startupError) { for (const l of startupError) { process.stderr.write(l + '\n'); } return; }
  if (!target) { return; }
  const service = process.env.OTEL_SERVICE_NAME ?? process.env.SIM_CONTAINER_NAME ?? 'unknown_service';
  const interval = Number(process.env.OTEL_BSP_SCHEDULE_DELAY ?? 5000) || 5000;
  await sleep(Math.min(1000, interval));
  setDnsCaching(sdk, target.protocol);
  await loadTransport(target);
  const kept: Kept = {};
  while (!stopping) {
    const started = Date.now();
    const deadline = started + target.timeoutMs;
    let f: Failure | undefined;
    // The exporters retry retryable failures with backoff inside the export timeout, then report once.
    for (let backoff = 1000; ; backoff *= 2) {
      f = target.protocol === 'grpc' ? await exportGrpc(target, service, deadline, kept) : await exportHttp(target, service, deadline, kept);
      if (!f || !retryable(sdk, target, f) || Date.now() >= deadline) { break; }
      // A back-off that outlasts the export timeout ends the export with the last error (Go's retry returns
      // it wrapped in the context's; Python gives up when the back-off exceeds the time left): no new attempt.
      const wait = Math.min(backoff, Math.max(0, deadline - Date.now()));
      await sleep(wait);
      if (wait < backoff || Date.now() >= deadline) { break; }
    }
    if (f) { for (const l of sdkLines(sdk, target, f)) { process.stderr.write(l + '\n'); } }
    await sleep(Math.max(0, interval - (Date.now() - started)));
  }
}

export function main(): void {
  run().catch((e: unknown) => { process.stderr.write(`${(e as Error).stack ?? String(e)}\n`); process.exit(2); });
}
