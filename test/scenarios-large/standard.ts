// The standard large cluster (issue 13): 5,000 nodes, 1,000 namespaces, 10,000 app Deployments x 15
// replicas, an agent collector DaemonSet on every node and 3 gateway Deployments, with a few broken ones:
//   - otel-gateway-2 binds its OTLP receivers to localhost (the 0.104+ default), and every app of
//     namespace team-0001 exports to it;
//   - the first app of team-0002 exports to port 4316, where nothing listens;
//   - namespace `restricted` has a default-deny egress NetworkPolicy (DNS allowed) and an app exporting
//     to otel-gateway-0 from it.
// Most of it is virtual (the simulator's --virtual-manifests: KWOK-style pods with an IP and Ready status
// but no process). One real node carries what must really run: the gateways' collector pods, the agent's
// pod on that node, and the restricted namespace's app (NetworkPolicy is enforced on real pods' traffic).
//
//   node test/scenarios-large/standard.ts [OUT_DIR] [--nodes N] [--namespaces N] [--apps N] [--replicas N]
// writes OUT_DIR/real (YAML), OUT_DIR/virtual (JSON lists: the YAML parser would take seconds on 10,000
// Deployments) and OUT_DIR/cluster.json (the startCluster options and the expected pod count), and
// prints the `npm run sim` line. A moderate size for CI: --nodes 700 --namespaces 130 --apps 1300 (~20,000 pods).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export interface StandardClusterOptions {
  /** All nodes, the one real node included (default 5,000). */
  nodes?: number;
  namespaces?: number;
  apps?: number;
  replicas?: number;
}

/** What cluster.json holds: how to bring the written cluster up, and what it should hold once up. */
export interface StandardCluster {
  dir: string;
  manifests: string[];
  virtualManifests: string[];
  /** Real nodes (startCluster's `nodes`). */
  nodes: number;
  virtualNodes: number;
  /** Pods the manifests make (the simulator's own add-ons not counted). */
  pods: number;
  apps: number;
  namespaces: number;
  replicas: number;
  broken: { loopbackGateway: string; loopbackNamespace: string; wrongPortApp: string; policyNamespace: string };
}

type Obj = Record<string, any>;

export const STANDARD = { nodes: 5000, namespaces: 1000, apps: 10_000, replicas: 15 } as const;
const OBS = 'observability';
const GATEWAYS = 3;
const GATEWAY_REPLICAS = 2;
const LOOPBACK_GATEWAY = GATEWAYS - 1;
const SDKS = ['go', 'python', 'java', 'node', 'dotnet'];
const IMAGES: Record<string, string> = { go: 'busybox:1.36', python: 'python:3.12-slim', java: 'eclipse-temurin:21-jre', node: 'node:22-slim', dotnet: 'mcr.microsoft.com/dotnet/aspnet:8.0' };
const COLLECTOR_IMAGE = 'otel/opentelemetry-collector-contrib:0.111.0';

export const nsName = (i: number) => `team-${String(i + 1).padStart(4, '0')}`;
export const appName = (i: number) => `app-${String(i).padStart(5, '0')}`;
const gatewayHost = (g: number) => `otel-gateway-${g}.${OBS}.svc.cluster.local`;

function collectorConfig(host: string): string {
  return stringify({
    receivers: { otlp: { protocols: { grpc: { endpoint: `${host}:4317` }, http: { endpoint: `${host}:4318` } } } },
    extensions: { health_check: { endpoint: '0.0.0.0:13133' } },
    processors: { batch: {} },
    exporters: { debug: {} },
    service: { extensions: ['health_check'], pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['debug'] }, metrics: { receivers: ['otlp'], processors: ['batch'], exporters: ['debug'] } } },
  });
}

function collectorPodSpec(configMap: string, hostPorts: boolean): Obj {
  const port = (name: string, containerPort: number) => ({ name, containerPort, ...(hostPorts && containerPort !== 13133 ? { hostPort: containerPort } : {}) });
  return {
    containers: [{
      name: 'otel-collector', image: COLLECTOR_IMAGE, args: ['--config=/conf/collector.yaml'],
      ports: [port('otlp-grpc', 4317), port('otlp-http', 4318), port('health', 13133)],
      readinessProbe: { httpGet: { path: '/', port: 13133 } },
      livenessProbe: { httpGet: { path: '/', port: 13133 } },
      volumeMounts: [{ name: 'config', mountPath: '/conf' }],
    }],
    volumes: [{ name: 'config', configMap: { name: configMap } }],
  };
}

function gateway(g: number): Obj[] {
  const name = `otel-gateway-${g}`;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'gateway' };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, namespace: OBS, labels }, data: { 'collector.yaml': collectorConfig(g === LOOPBACK_GATEWAY ? 'localhost' : '0.0.0.0') } },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: OBS, labels },
      spec: { replicas: GATEWAY_REPLICAS, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: collectorPodSpec(`${name}-config`, false) } },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: OBS, labels },
      spec: { selector: labels, ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc' }, { name: 'otlp-http', port: 4318, targetPort: 'otlp-http' }] },
    },
  ];
}

function agent(): Obj[] {
  const name = 'otel-agent';
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'agent' };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, namespace: OBS, labels }, data: { 'collector.yaml': collectorConfig('0.0.0.0') } },
    {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: OBS, labels },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: collectorPodSpec(`${name}-config`, true) } },
    },
  ];
}

function appDeployment(name: string, ns: string, endpoint: string, replicas: number, sdk: string): Obj {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns, labels },
    spec: {
      replicas, selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { 'sim.otel-doctor.io/sdk': sdk } },
        spec: {
          containers: [{
            name: 'app', image: IMAGES[sdk],
            env: [
              { name: 'OTEL_SERVICE_NAME', value: name },
              { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: endpoint },
              { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' },
            ],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
            resources: { requests: { cpu: '10m', memory: '32Mi' } },
          }],
        },
      },
    },
  };
}

/** The apps: `apps` Deployments spread evenly over `namespaces`, exporting to the two healthy gateways in turn. */
function apps(o: Required<StandardClusterOptions>): Obj[] {
  const out: Obj[] = [];
  const firstOf = new Map<number, number>();
  for (let i = 0; i < o.apps; i++) {
    const n = i % o.namespaces;
    if (!firstOf.has(n)) { firstOf.set(n, i); }
    let endpoint = `http://${gatewayHost(i % 2)}:4317`;
    if (n === 0 && o.namespaces > 2) { endpoint = `http://${gatewayHost(LOOPBACK_GATEWAY)}:4317`; }
    if (n === 1 && firstOf.get(n) === i && o.namespaces > 2) { endpoint = `http://${gatewayHost(0)}:4316`; }
    out.push(appDeployment(appName(i), nsName(n), endpoint, o.replicas, SDKS[i % SDKS.length]));
  }
  return out;
}

function restricted(): Obj[] {
  const ns = 'restricted';
  return [
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-egress', namespace: ns },
      spec: {
        podSelector: {}, policyTypes: ['Egress'],
        // DNS stays open, as such policies usually allow it: the export fails at the connection, not the lookup.
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
      },
    },
    appDeployment('restricted-app', ns, `http://${gatewayHost(0)}:4317`, 2, 'go'),
  ];
}

/** Writes the standard large cluster (or a smaller one of the same shape) into `dir` and describes it. */
export function writeStandardCluster(dir?: string, opts: StandardClusterOptions = {}): StandardCluster {
  const o: Required<StandardClusterOptions> = { ...STANDARD, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  for (const [k, v] of Object.entries(o)) { if (!Number.isInteger(v) || v < 1) { throw new Error(`--${k} must be a positive integer, got ${v}`); } }
  if (o.namespaces > o.apps) { throw new Error('--namespaces must not exceed --apps'); }
  const out = dir ? resolve(dir) : mkdtempSync(join(tmpdir(), 'otel-doctor-standard-'));
  const real = join(out, 'real');
  const virtual = join(out, 'virtual');
  mkdirSync(real, { recursive: true });
  mkdirSync(virtual, { recursive: true });
  const yaml = (objs: Obj[]) => objs.map((x) => stringify(x)).join('---\n');
  writeFileSync(join(real, '00-namespaces.yaml'), yaml([OBS, 'restricted'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))));
  writeFileSync(join(real, '10-gateways.yaml'), yaml(Array.from({ length: GATEWAYS }, (_, g) => gateway(g)).flat()));
  writeFileSync(join(real, '20-agent.yaml'), yaml(agent()));
  writeFileSync(join(real, '30-restricted.yaml'), yaml(restricted()));
  const list = (items: Obj[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
  writeFileSync(join(virtual, '00-namespaces.json'), list(Array.from({ length: o.namespaces }, (_, i) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsName(i) } }))));
  const all = apps(o);
  const CHUNK = 1000;
  for (let i = 0; i < all.length; i += CHUNK) { writeFileSync(join(virtual, `20-apps-${String(i / CHUNK).padStart(3, '0')}.json`), list(all.slice(i, i + CHUNK))); }
  const cluster: StandardCluster = {
    dir: out, manifests: [real], virtualManifests: [virtual], nodes: 1, virtualNodes: o.nodes - 1,
    pods: o.apps * o.replicas + o.nodes + GATEWAYS * GATEWAY_REPLICAS + 2,
    apps: o.apps, namespaces: o.namespaces, replicas: o.replicas,
    broken: { loopbackGateway: `${OBS}/otel-gateway-${LOOPBACK_GATEWAY}`, loopbackNamespace: nsName(0), wrongPortApp: `${nsName(1)}/${appName(1)}`, policyNamespace: 'restricted' },
  };
  writeFileSync(join(out, 'cluster.json'), `${JSON.stringify(cluster, null, 2)}\n`);
  return cluster;
}

/** Reads what writeStandardCluster wrote. */
export function readStandardCluster(dir: string): StandardCluster {
  return JSON.parse(readFileSync(join(resolve(dir), 'cluster.json'), 'utf8')) as StandardCluster;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const opts: StandardClusterOptions = {};
  let dir: string | undefined;
  const usage = () => { process.stderr.write('usage: standard.ts [OUT_DIR] [--nodes N] [--namespaces N] [--apps N] [--replicas N]\n'); process.exit(2); };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const num = () => { const v = Number(args[++i]); if (!Number.isInteger(v)) { usage(); } return v; };
    if (a === '--nodes') { opts.nodes = num(); } else if (a === '--namespaces') { opts.namespaces = num(); } else if (a === '--apps') { opts.apps = num(); } else if (a === '--replicas') { opts.replicas = num(); } else if (!a.startsWith('-') && !dir) { dir = a; } else { usage(); }
  }
  const c = writeStandardCluster(dir, opts);
  process.stdout.write(`${c.dir}\n`);
  process.stderr.write(`${c.pods} pods on ${c.nodes + c.virtualNodes} nodes; bring it up with:\n  npm run sim -- up --manifests ${c.manifests[0]} --virtual-manifests ${c.virtualManifests[0]} --nodes ${c.nodes} --virtual-nodes ${c.virtualNodes}\n`);
}
