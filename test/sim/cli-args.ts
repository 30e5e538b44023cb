// `npm run sim` arguments: what the command line asks for, checked before anything starts.
import { existsSync } from 'node:fs';
import { FaultInjector } from './api/faults.ts';
import { CURRENT_OPERATOR_VERSION, OPERATOR_VERSIONS, isKnownOperatorVersion } from './operator/versions.ts';
import { IP_FAMILIES, isIpFamily, type IpFamily } from './ip-family.ts';
import { UsageError } from './cluster.ts';

export interface Args {
  mode: 'run' | 'up' | 'down';
  manifests: string[];
  apiLatencyMs?: number;
  apiFaults?: string;
  auditLog?: string;
  user?: string;
  nodes?: number;
  keep: boolean;
  detach: boolean;
  stateDir?: string;
  settleTimeoutMs: number;
  operatorVersion?: string;
  noOperator: boolean;
  ipFamily?: IpFamily;
  virtualManifests: string[];
  virtualNodes?: number;
  /** `--feature-gates APIResponseCompression=false`: the API server's gzip off (on by default, as since 1.16). */
  apiResponseCompression?: boolean;
  cmd: string[];
}

/** The gates the simulated API server models; kube-apiserver takes `--feature-gates=Key=bool,...` the same way. */
const FEATURE_GATES = ['APIResponseCompression'];

/** strconv.ParseBool's words and component-base/featuregate `Set`'s messages (feature_gate.go). */
function parseBool(v: string, gate: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) { return true; }
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) { return false; }
  throw new UsageError(`--feature-gates: invalid value of ${gate}=${v}, err: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

function parseFeatureGates(v: string, a: Args): void {
  for (const pair of v.split(',')) {
    const s = pair.trim();
    if (!s) { continue; }
    const eq = s.indexOf('=');
    if (eq < 0) { throw new UsageError(`--feature-gates: missing bool value for ${s}`); }
    const gate = s.slice(0, eq).trim();
    if (!FEATURE_GATES.includes(gate)) { throw new UsageError(`--feature-gates: unrecognized feature gate: ${gate} (the simulator models ${FEATURE_GATES.join(', ')})`); }
    a.apiResponseCompression = parseBool(s.slice(eq + 1).trim(), gate);
  }
}

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (!m) { throw new UsageError(`invalid duration ${JSON.stringify(s)} (e.g. 60s, 1500ms, 2m)`); }
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

export function parseArgs(argv: string[]): Args {
  const a: Args = { mode: 'run', manifests: [], keep: false, detach: false, settleTimeoutMs: 60_000, noOperator: false, virtualManifests: [], cmd: [] };
  const sep = argv.indexOf('--');
  const own = sep >= 0 ? argv.slice(0, sep) : argv;
  a.cmd = sep >= 0 ? argv.slice(sep + 1) : [];
  const value = (i: number, flag: string) => {
    const v = own[i + 1];
    if (v === undefined || v.startsWith('--')) { throw new UsageError(`${flag} needs a value`); }
    return v;
  };
  const int = (v: string, flag: string) => {
    if (!/^\d+$/.test(v)) { throw new UsageError(`${flag} needs a non-negative integer, got ${JSON.stringify(v)}`); }
    return Number(v);
  };
  for (let i = 0; i < own.length; i++) {
    let arg = own[i];
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.includes('=')) { inline = arg.slice(arg.indexOf('=') + 1); arg = arg.slice(0, arg.indexOf('=')); }
    const take = () => inline ?? value(i++, arg);
    switch (arg) {
      case 'run': case 'up': case 'down': a.mode = arg; break;
      case '--manifests': a.manifests.push(take()); break;
      case '--virtual-manifests': a.virtualManifests.push(take()); break;
      case '--virtual-nodes': a.virtualNodes = int(take(), arg); break;
      case '--api-latency-ms': a.apiLatencyMs = int(take(), arg); break;
      case '--api-faults': a.apiFaults = take(); break;
      case '--feature-gates': parseFeatureGates(take(), a); break;
      case '--audit-log': a.auditLog = take(); break;
      case '--user': a.user = take(); break;
      case '--nodes': a.nodes = int(take(), arg); if (a.nodes < 1) { throw new UsageError('--nodes must be at least 1'); } break;
      case '--keep': a.keep = true; break;
      case '--detach': a.detach = true; break;
      case '--state-dir': a.stateDir = take(); break;
      case '--settle-timeout': a.settleTimeoutMs = parseDuration(take()); break;
      case '--operator-version': a.operatorVersion = take().replace(/^v/, ''); break;
      case '--no-operator': a.noOperator = true; break;
      case '--ip-family': {
        const f = take();
        if (!isIpFamily(f)) { throw new UsageError(`--ip-family must be one of ${IP_FAMILIES.join(', ')}, got ${JSON.stringify(f)}`); }
        a.ipFamily = f;
        break;
      }
      case '-h': case '--help': throw new UsageError('');
      default: throw new UsageError(`unknown argument ${JSON.stringify(own[i])}`);
    }
  }
  if (a.mode === 'run' && !a.cmd.length) { throw new UsageError('run needs a command after `--` (or use `up` for an interactive cluster)'); }
  if (a.operatorVersion && a.noOperator) { throw new UsageError('--operator-version and --no-operator exclude each other'); }
  if (a.operatorVersion && !isKnownOperatorVersion(a.operatorVersion)) {
    throw new UsageError(`unknown --operator-version ${JSON.stringify(a.operatorVersion)}; known: ${OPERATOR_VERSIONS[0]} .. ${OPERATOR_VERSIONS[OPERATOR_VERSIONS.length - 1]}`);
  }
  for (const m of a.manifests) { if (!existsSync(m)) { throw new UsageError(`--manifests ${m}: no such file or directory`); } }
  for (const m of a.virtualManifests) { if (!existsSync(m)) { throw new UsageError(`--virtual-manifests ${m}: no such file or directory`); } }
  if (a.apiFaults) {
    try { FaultInjector.load(a.apiFaults); } catch (e) { throw new UsageError(`--api-faults ${a.apiFaults}: ${(e as Error).message}`); }
  }
  return a;
}

export const USAGE = `usage: node test/sim/cli.ts [run|up|down] --manifests DIR [--manifests DIR ...]
         [--api-latency-ms N] [--api-faults FILE] [--feature-gates APIResponseCompression=false] [--audit-log FILE] [--user NAME] [--nodes N] [--keep]
         [--virtual-manifests DIR ...] [--virtual-nodes N]
         [--state-dir DIR] [--settle-timeout 60s] [--detach] [--operator-version X.Y.Z | --no-operator] [--ip-family ipv4|ipv6|dual] -- CMD [ARGS...]
  run   (default) bring the cluster up, run CMD with KUBECONFIG set, tear down, exit with CMD's code
  up    bring the cluster up and stay in the foreground until SIGINT/SIGTERM (--detach: in the background)
  down  stop the cluster started by \`up\` (pid in .sim/current)
  --operator-version  the OpenTelemetry Operator release to play (default ${CURRENT_OPERATOR_VERSION}); --no-operator: none
  --virtual-manifests  objects whose pods are virtual (KWOK-style: IP and Running/Ready, no process); --virtual-nodes N adds N virtual nodes (default 1 with virtual manifests)
  --feature-gates  the API server's gates, as kube-apiserver takes them; APIResponseCompression=false: no gzip answers
  --ip-family  ipv4 (default), ipv6 or dual (IPv4 primary), with kind's ranges (pods fd00:10:244::/56, Services fd00:10:96::/112)
exit codes: CMD's own; 2 usage or not root; 3 bring-up failed; 4 pods did not settle in time`;
