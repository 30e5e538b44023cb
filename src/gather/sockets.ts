/**
 * Which addresses the collector really listens on. Exec in the collector container, then in each sibling
 * container of the pod (they share its network namespace): `ss -tlnH`, then `netstat -tln`, then
 * `cat /proc/net/tcp /proc/net/tcp6`. Collector images are FROM scratch, so none of these may run; then
 * the collector's own startup log lines are the evidence, and the record says so. A container whose image
 * the distribution table knows to be FROM scratch is not tried at all: four execs that cannot succeed.
 */
import { randomBytes } from 'node:crypto';
import type { ClusterClient, ExecResult, KObject } from '../cluster/types.ts';
import { distributionForImage } from '../otel/distributions.ts';
import { parseNetstat, parseProcNetTcp, parseSs } from '../otel/sockets.ts';
import type { ListenerEvidence, ListenSocket } from '../snapshot.ts';

export const SOCKET_COMMANDS: { key: 'ss' | 'netstat-wide' | 'netstat' | 'cat'; method: 'ss' | 'netstat' | 'proc-net-tcp'; argv: string[]; parse: (text: string) => ListenSocket[] }[] = [
  { key: 'ss', method: 'ss', argv: ['ss', '-tlnH'], parse: parseSs },
  // net-tools netstat cuts an IPv6 address to its column unless -W (`2600:1f14:abc:de00:4317` for
  // 2600:1f14:abc:de00:1234:5678:9abc:def0:4317, a wrong address); busybox has no -W (`invalid option`)
  // and always prints the whole address: the plain form follows a refused -W.
  { key: 'netstat-wide', method: 'netstat', argv: ['netstat', '-tlnW'], parse: parseNetstat },
  { key: 'netstat', method: 'netstat', argv: ['netstat', '-tln'], parse: parseNetstat },
  { key: 'cat', method: 'proc-net-tcp', argv: ['cat', '/proc/net/tcp', '/proc/net/tcp6'], parse: parseProcNetTcp },
];

function whyNot(r: ExecResult): string {
  if (r.error) {
    if (/executable file not found|no such file or directory/i.test(r.error.message)) { return 'not in the container'; }
    return `${r.error.reason}: ${r.error.message}`.slice(0, 300);
  }
  return `exit ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0].slice(0, 200)}` : ''}`;
}

export interface SocketProbeOptions {
  client: ClusterClient;
  namespace: string;
  pod: string;
  container: string;
  siblings: string[];
  /** container name -> image, where known: a FROM-scratch image is not exec'd into */
  images?: Readonly<Record<string, string>>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** runs one exec under the global --concurrency cap */
  run: <T>(fn: () => Promise<T>) => Promise<T>;
}

/**
 * The three socket commands in one exec where a shell exists: the first that runs prints `@sock METHOD`
 * and its output. A constant: it takes no arguments at all.
 */
export const SOCKET_SCRIPT = [
  `for m in ${SOCKET_COMMANDS.map((c) => c.key).join(' ')}; do`,
  '  b=${m%-wide}',
  '  command -v "$b" >/dev/null 2>&1 || { [ "$b" = "$m" ] && echo "$m not in the container" >&2; continue; }',
  '  case $m in',
  ...SOCKET_COMMANDS.map((c) => `    ${c.key}) o=$(${c.argv.join(' ')}${c.key === 'netstat-wide' ? ' 2>/dev/null' : ''});;`),
  '  esac',
  '  c=$?',
  // cat exits 1 without /proc/net/tcp6 (IPv6 off): the tcp part is still good, and listenSockets decides
  '  if [ "$c" = 0 ] || [ "$m" = cat ]; then printf \'@sock %s %s\\n%s\\n\' "$m" "$c" "$o"; exit 0; fi',
  '  echo "$m exit $c" >&2',
  'done',
  'exit 127',
].join('\n');

const missingBinary = (r: ExecResult): string | undefined =>
  r.exitCode === null && r.error && /executable file not found|no such file or directory/i.test(r.error.message) ? (/exec: "([^"]*)"/.exec(r.error.message)?.[1] ?? '?') : undefined;

/**
 * Listen sockets from exec; `method: 'none'` with the reasons when nothing could run. One container's
 * attempts (the shell, then each argv form) hold one --concurrency slot from the first to the last: a
 * slot given back between them would send the next attempt to the back of the queue, behind every probe,
 * and the socket checks would end the diagnosis instead of running beside the probes.
 */
export async function listenSockets(o: SocketProbeOptions, containers: string[] = [o.container, ...o.siblings]): Promise<ListenerEvidence> {
  const reasons: string[] = [];
  for (const container of containers) {
    const image = o.images?.[container];
    const scratch = image === undefined ? undefined : distributionForImage(image)?.distribution;
    if (scratch?.fromScratch) {
      reasons.push(`${container}: not tried, ${image} is built FROM scratch (${scratch.name}: no shell, ss, netstat or cat)`);
      continue;
    }
    const got = await o.run(() => inContainer(o, container, reasons));
    if (got === 'stop') { break; }
    if (got !== 'next') { return got; }
  }
  return { method: 'none', sockets: [], reason: reasons.join('; ') };
}

/** One container's attempts; 'next': try the next container, 'stop': none will answer (forbidden). */
async function inContainer(o: SocketProbeOptions, container: string, reasons: string[]): Promise<ListenerEvidence | 'next' | 'stop'> {
  // One exec with the shell; containerd's not-found names the binary, so a missing `sh` means the
  // per-command argv forms, each tried at most once (a FROM-scratch collector has none of them).
  const shArgv = ['sh', '-c', SOCKET_SCRIPT];
  const sh = await o.client.exec(o.namespace, o.pod, container, shArgv, { timeoutMs: o.timeoutMs, signal: o.signal });
  const head = /^@sock (\S+) (\d+)\n/.exec(sh.stdout);
  const cmd = head ? SOCKET_COMMANDS.find((c) => c.key === head[1]) : undefined;
  if (head && cmd && sh.exitCode === 0) {
    const text = sh.stdout.slice(head[0].length);
    const code = Number(head[2]);
    if (code === 0 || (cmd.method === 'proc-net-tcp' && code === 1 && /^\s*sl\s+local_address/m.test(text))) {
      return { method: cmd.method, container, command: cmd.argv, exitCode: code, raw: text.split('\n').filter((l) => l.trim()).slice(0, 40).join('\n'), sockets: cmd.parse(text) };
    }
    reasons.push(`${container}: cat exit ${code}`);
    return 'next';
  }
  if (missingBinary(sh) === undefined) {
    reasons.push(`${container}: ${sh.exitCode === 127 && !sh.error ? `no socket tool (${sh.stderr.trim().split('\n').join('; ').slice(0, 200)})` : `sh ${whyNot(sh)}`}`);
    return sh.error?.code === 403 || sh.error?.reason === 'Forbidden' ? 'stop' : 'next';
  }
  const missing = new Set<string>();
  for (const cmd of SOCKET_COMMANDS) {
    // netstat's second form is no use when the binary itself is missing
    if (missing.has(cmd.argv[0])) { continue; }
    const r = await o.client.exec(o.namespace, o.pod, container, cmd.argv, { timeoutMs: o.timeoutMs, signal: o.signal });
    if (missingBinary(r) !== undefined) { missing.add(cmd.argv[0]); }
    // /proc/net/tcp6 is absent with IPv6 disabled: cat exits 1 but the tcp part is still good.
    const usable = r.exitCode === 0 || (cmd.method === 'proc-net-tcp' && r.exitCode === 1 && /^\s*sl\s+local_address/m.test(r.stdout));
    if (usable) {
      const sockets = cmd.parse(r.stdout);
      return {
        method: cmd.method,
        container,
        command: cmd.argv,
        exitCode: r.exitCode,
        raw: r.stdout.split('\n').filter((l) => l.trim()).slice(0, 40).join('\n'),
        sockets,
      };
    }
    reasons.push(`${container}: ${cmd.argv[0]} ${whyNot(r)}`);
    if (r.error?.code === 403 || r.error?.reason === 'Forbidden') { return 'stop'; }
    if (r.error?.reason === 'Timeout' || r.error?.reason === 'Canceled') { break; }
  }
  return 'next';
}

export const DEBUG_PREFIX = 'otel-doctor-debug';

/**
 * --debug-container: an ephemeral container (it can never be removed) joins the collector pod's network
 * namespace and lists the sockets. One already added by an earlier run is reused instead of adding more.
 */
export async function listenSocketsViaDebugContainer(
  o: SocketProbeOptions & { image: string; podObject: KObject; waitMs?: number },
): Promise<{ evidence: ListenerEvidence; added?: string }> {
  const { client } = o;
  const running = (pod: KObject | undefined, name: string): boolean =>
    !!(pod?.status?.ephemeralContainerStatuses ?? []).find((s: any) => s?.name === name && s?.state?.running);
  const existing = (o.podObject.spec?.ephemeralContainers ?? []).map((c: any) => String(c?.name ?? '')).find((n: string) => n.startsWith(DEBUG_PREFIX) && running(o.podObject, n));
  let name = existing;
  let added: string | undefined;
  if (!name) {
    if (!client.addEphemeralContainer) { return { evidence: { method: 'none', sockets: [], reason: 'this client cannot add ephemeral containers' } }; }
    name = `${DEBUG_PREFIX}-${randomBytes(3).toString('hex')}`;
    try {
      await client.addEphemeralContainer(o.namespace, o.pod, { name, image: o.image, command: ['sleep', '3600'], targetContainerName: o.container });
      added = name;
    } catch (e) {
      return { evidence: { method: 'none', sockets: [], reason: `could not add an ephemeral container: ${(e as Error).message}` } };
    }
    const deadline = Date.now() + (o.waitMs ?? 20_000);
    let up = false;
    while (Date.now() < deadline && !o.signal?.aborted) {
      const pods = await client.list('pods', { namespace: o.namespace, fieldSelector: `metadata.name=${o.pod}`, signal: o.signal }).catch(() => []);
      if (running(pods[0], name)) {
        up = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!up) { return { evidence: { method: 'none', sockets: [], reason: `ephemeral container ${name} (${o.image}) did not start in time` }, added }; }
  }
  return { evidence: await listenSockets(o, [name]), added };
}
