// pods/log, pods/exec and pods/proxy: the container a request names (the pod registry's rules, shared by log
// and exec), the log options, exec sessions over WebSocket (the v4/v5 channel protocol, ending with a
// channel-3 Status), and the read-only proxy to a pod's port.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { typeByKind, type KObject, type Store } from '../store.ts';
import { RuntimeError, type RuntimeApi, type LogOptions } from '../types.ts';
import { ApiError, badRequest, internal, methodNotAllowed, notFound, statusFrom, type StatusBody } from './status.ts';
import { sendIdentity, statusLine, truthy, type Any, type Target } from './request.ts';

/**
 * `/api/v1/namespaces/{ns}/pods/{id}/proxy[/{path}]`: the pods/proxy subresource, whose path goes on past
 * the subresource. `id` is RequestInfo's name, `[scheme:]name[:port]` as the URL spells it.
 */
export function podProxyTarget(path: string): { target: Target; rest: string } | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy(\/.*)?$/.exec(path);
  if (!m) { return undefined; }
  return { target: { type: typeByKind('Pod')!, version: 'v1', namespace: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]), subresource: 'proxy', watch: false }, rest: m[3] ?? '/' };
}

/** utilnet.SplitSchemeNamePort: `name`, `name:port` or `scheme:name:port` (scheme http or https). */
function splitSchemeNamePort(id: string): { scheme: 'http' | 'https'; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name = '';
  let port = '';
  if (parts.length === 1) { [name] = parts; }
  else if (parts.length === 2) { [name, port] = parts; }
  else if (parts.length === 3) { [scheme, name, port] = parts; }
  else { return undefined; }
  if (!name || !['', 'http', 'https'].includes(scheme)) { return undefined; }
  return { scheme: scheme === 'https' ? 'https' : 'http', name, port };
}

/** net.IP.IsGlobalUnicast: not unspecified, loopback, multicast, link-local or limited broadcast. */
function globalUnicast(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) {
    const [a, b] = ip.split('.').map(Number);
    return !(a === 0 || a === 127 || a >= 224 || (a === 169 && b === 254));
  }
  if (v === 6) {
    const l = ip.toLowerCase();
    return !(l === '::' || l === '::1' || l.startsWith('ff') || /^fe[89ab]/.test(l));
  }
  return false;
}

/** Response headers that belong to one hop (net/http/httputil's list), not passed through the proxy. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length']);

/** The exec subprotocols served, newest first. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** Refuses a WebSocket upgrade with a Status body, as the real server answers a failed exec. */
export function rejectUpgrade(socket: Duplex, status: StatusBody): void {
  const text = JSON.stringify(status);
  socket.end(`${statusLine(status.code)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

export class PodSubresources {
  private readonly store: Store;
  private readonly runtime: RuntimeApi;
  constructor(store: Store, runtime: RuntimeApi) { this.store = store; this.runtime = runtime; }

  findPod(ns: string, name: string): KObject {
    const t = typeByKind('Pod')!;
    const pod = this.store.get(t, ns, name);
    if (!pod) { throw notFound(t, name); }
    return pod;
  }

  /** validateContainer from the pod registry: the same rule for exec and logs. */
  resolveContainer(pod: KObject, container: string | null): string {
    const spec = pod.spec ?? {};
    const all: string[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map((c: Any) => c.name);
    if (!container) {
      const cs: Any[] = spec.containers ?? [];
      if (cs.length === 1) { return cs[0].name; }
      if (cs.length === 0) { throw badRequest(`pod ${pod.metadata.name} does not have a container`); }
      throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${all.join(' ')}]`);
    }
    if (!all.includes(container)) { throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`); }
    return container;
  }

  execTarget(ns: string, name: string, url: URL): { container: string; command: string[] } {
    const pod = this.findPod(ns, name);
    const container = this.resolveContainer(pod, url.searchParams.get('container'));
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') { throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`); }
    if (!pod.spec?.nodeName) { throw badRequest(`pod ${name} does not have a host assigned`); }
    const statuses: Any[] = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
    const st = statuses.find((s) => s.name === container);
    if (phase !== 'Running' || !st?.state?.running) { throw badRequest(`unable to upgrade connection: container not found ("${container}")`); }
    const command = url.searchParams.getAll('command');
    if (!command.length) { throw badRequest('you must specify at least 1 command'); }
    return { container, command };
  }

  async serveLogs(res: ServerResponse, tg: Target, url: URL): Promise<void> {
    const pod = this.findPod(tg.namespace, tg.name);
    const container = this.resolveContainer(pod, url.searchParams.get('container'));
    const num = (k: string): number | undefined => {
      const v = url.searchParams.get(k);
      if (v === null || v === '') { return undefined; }
      const n = Number(v);
      if (!Number.isInteger(n)) { throw badRequest(`PodLogOptions "${tg.name}" is invalid: ${k}: Invalid value: "${v}": must be an integer`); }
      return n;
    };
    const lo: LogOptions = { container };
    const tail = num('tailLines'); if (tail !== undefined) { lo.tailLines = tail; }
    const limit = num('limitBytes'); if (limit !== undefined) { lo.limitBytes = limit; }
    const sinceS = num('sinceSeconds'); if (sinceS !== undefined) { lo.sinceSeconds = sinceS; }
    const sinceT = url.searchParams.get('sinceTime'); if (sinceT) { lo.sinceTime = sinceT; }
    if (lo.sinceSeconds !== undefined && lo.sinceTime) { throw badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified'); }
    if (truthy(url.searchParams.get('timestamps'))) { lo.timestamps = true; }
    if (truthy(url.searchParams.get('previous'))) { lo.previous = true; }
    if (truthy(url.searchParams.get('follow'))) { lo.follow = true; }
    let text: string;
    try {
      text = await this.runtime.logs(tg.namespace, tg.name, lo);
    } catch (e) {
      if (e instanceof RuntimeError) { throw new ApiError(statusFrom(e.code, e.reason, e.message)); }
      throw e;
    }
    // LogREST is a ResourceStreamer: StreamObject copies it out uncompressed (responsewriters/writers.go).
    sendIdentity(res, 200, text, 'text/plain');
  }

  /**
   * pods/proxy, read-only: pod.ResourceLocation (pkg/registry/core/pod/strategy.go) picks the port (the one
   * named, else the first container port) and the pod IP, the runtime dials it from the pod's node, and the
   * answer passes through; a dial failure is 503 `error trying to reach service: <dial error>`. Only GET and
   * HEAD are served: RBAC has already refused what our roles do not grant (create/update/patch/delete).
   */
  async serveProxy(req: IncomingMessage, res: ServerResponse, tg: Target, rest: string, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') { throw methodNotAllowed(); }
    const id = splitSchemeNamePort(tg.name);
    if (!id) { throw badRequest(`invalid pod request "${tg.name}"`); }
    const pod = this.findPod(tg.namespace, id.name);
    let port = id.port;
    if (!port) {
      const withPorts = (pod.spec?.containers ?? []).find((c: Any) => (c.ports ?? []).length > 0);
      port = withPorts ? String(withPorts.ports[0].containerPort) : '';
    }
    const podIP: string = pod.status?.podIP ?? '';
    if (!globalUnicast(podIP)) { throw badRequest('address not allowed'); }
    // A pod's named port is not looked up (only Services resolve names): Go then fails to dial it.
    const portNum = port === '' ? (id.scheme === 'https' ? 443 : 80) : Number(port);
    if (!Number.isInteger(portNum)) { throw new ApiError(statusFrom(503, 'ServiceUnavailable', `error trying to reach service: dial tcp: lookup tcp/${port}: unknown port`)); }
    if (!this.runtime.proxy) { throw internal('this runtime does not proxy to pods'); }
    const headers: Record<string, string> = {};
    // The authentication filter has removed the Authorization header by now; the rest goes on.
    for (const h of ['accept', 'accept-encoding', 'user-agent']) { const v = req.headers[h]; if (typeof v === 'string') { headers[h] = v; } }
    const a = await this.runtime.proxy({ nodeName: pod.spec?.nodeName ?? '', podIP, port: portNum, scheme: id.scheme, method, path: rest + url.search, headers, timeoutMs: 30_000 });
    if ('error' in a) { throw new ApiError(statusFrom(503, 'ServiceUnavailable', `error trying to reach service: ${a.error}`)); }
    const body = Buffer.from(a.body, 'base64');
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(a.headers)) { if (!HOP_HEADERS.has(k)) { out[k] = v; } }
    res.writeHead(a.status, { ...out, 'Content-Length': String(body.length) });
    res.end(method === 'HEAD' ? undefined : body);
  }

  async runExec(ws: WebSocket, tg: Target, container: string, command: string[], url: URL): Promise<void> {
    const v5 = ws.protocol === 'v5.channel.k8s.io';
    const ac = new AbortController();
    const wantStdin = truthy(url.searchParams.get('stdin'));
    const tty = truthy(url.searchParams.get('tty'));
    const stdin = wantStdin ? new PassThrough() : undefined;
    const channel = (n: number) => new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (ws.readyState === ws.OPEN) { ws.send(Buffer.concat([Buffer.from([n]), Buffer.from(chunk)])); }
        cb();
      },
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as unknown as ArrayBuffer);
      if (!isBinary || buf.length === 0) { return; }
      if (buf[0] === 0) { stdin?.write(buf.subarray(1)); }
      else if (buf[0] === 255 && v5 && buf[1] === 0) { stdin?.end(); }
    });
    ws.on('close', () => { ac.abort(); stdin?.end(); });
    ws.on('error', () => { ac.abort(); });
    let status: Record<string, unknown>;
    try {
      const streams = { stdout: channel(1), stderr: channel(2), ...(stdin ? { stdin } : {}) };
      const { exitCode } = await this.runtime.exec({ namespace: tg.namespace, pod: tg.name, container, command, stdin: wantStdin, tty }, streams, ac.signal);
      status = exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] } };
    } catch (e) {
      if (e instanceof RuntimeError) {
        status = { metadata: {}, status: 'Failure', message: e.message, reason: e.reason, code: e.code };
        if (e.reason === 'InternalError') { status.details = { causes: [{ message: e.message.replace(/^Internal error occurred: /, '') }] }; }
      } else {
        const msg = (e as Error)?.message ?? String(e);
        status = { metadata: {}, status: 'Failure', message: `Internal error occurred: ${msg}`, reason: 'InternalError', details: { causes: [{ message: msg }] }, code: 500 };
      }
    }
    // Let output written in the same tick reach the socket before the status that ends the session.
    await new Promise((r) => setImmediate(r));
    if (ws.readyState === ws.OPEN) {
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]));
      ws.close(1000);
    }
  }
}
