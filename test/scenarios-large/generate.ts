// A large cluster for benchmarks: collectors in `observability` and many small app Deployments spread
// over several namespaces, each app exporting to one of the collectors. Mostly healthy, with a few
// classic faults mixed in so a diagnosis has real work at scale (not a fixture with expected findings):
// every 10th app names a wrong port, every 7th uses http/protobuf against the gRPC port, and the last
// collector binds `localhost` (the 0.104+ default), so its Service refuses.
//
// Node apps carry `sim.otel-doctor.io/sdk: node`, so the simulator runs the real OpenTelemetry JS SDK in
// them (test/sim/standins/app-node-sdk.ts); --real-node-sdk F keeps that for a fraction F of them (spread
// evenly) and leaves the rest unannotated, played by the app stand-in as Node (by their node image).
//
//   node test/scenarios-large/generate.ts [OUT_DIR] [--collectors N] [--apps N] [--replicas N] [--namespaces N] [--real-node-sdk F]
// writes the manifests (default: a fresh temp dir) and prints the directory.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export interface LargeScenarioOptions {
  collectors?: number;
  apps?: number;
  replicas?: number;
  namespaces?: number;
  /** Fraction (0..1) of the Node apps that run the real OpenTelemetry JS SDK; default 1 (all of them). */
  realNodeSdk?: number;
}

type Obj = Record<string, any>;

const SDKS = ['go', 'python', 'java', 'node', 'dotnet'];
const IMAGES: Record<string, string> = { go: 'busybox:1.36', python: 'python:3.12-slim', java: 'eclipse-temurin:21-jre', node: 'node:22-slim', dotnet: 'mcr.microsoft.com/dotnet/aspnet:8.0' };

function collector(i: number, localhostBind: boolean): Obj[] {
  const name = `otel-collector-${i}`;
  const labels = { 'app.kubernetes.io/name': name };
  const host = localhostBind ? 'localhost' : '0.0.0.0';
  const config = {
    receivers: { otlp: { protocols: { grpc: { endpoint: `${host}:4317` }, http: { endpoint: `${host}:4318` } } } },
    extensions: { health_check: { endpoint: '0.0.0.0:13133' } },
    processors: { batch: {} },
    exporters: { debug: {} },
    service: { extensions: ['health_check'], pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['debug'] }, metrics: { receivers: ['otlp'], processors: ['batch'], exporters: ['debug'] } } },
  };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, namespace: 'observability', labels }, data: { 'collector.yaml': stringify(config) } },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'observability', labels },
      spec: {
        replicas: 1, selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [{
              name: 'otel-collector', image: 'otel/opentelemetry-collector-contrib:0.111.0', args: ['--config=/conf/collector.yaml'],
              ports: [{ name: 'otlp-grpc', containerPort: 4317 }, { name: 'otlp-http', containerPort: 4318 }, { name: 'health', containerPort: 13133 }],
              readinessProbe: { httpGet: { path: '/', port: 13133 } },
              livenessProbe: { httpGet: { path: '/', port: 13133 } },
              volumeMounts: [{ name: 'config', mountPath: '/conf' }],
            }],
            volumes: [{ name: 'config', configMap: { name: `${name}-config` } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'observability', labels },
      spec: { selector: labels, ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc' }, { name: 'otlp-http', port: 4318, targetPort: 'otlp-http' }] },
    },
  ];
}

/** Whether the k-th Node app (k = 0, 1, ...) is one of the fraction f that run the real SDK: evenly spread. */
const realSdkAt = (k: number, f: number): boolean => Math.floor((k + 1) * f + 1e-9) > Math.floor(k * f + 1e-9);

function app(i: number, ns: string, collectors: number, replicas: number, realNodeSdk = 1): Obj[] {
  const name = `app-${String(i).padStart(3, '0')}`;
  const sdk = SDKS[i % SDKS.length];
  const annotated = sdk !== 'node' || realSdkAt(Math.floor(i / SDKS.length), realNodeSdk);
  const target = `otel-collector-${i % collectors}.observability.svc.cluster.local`;
  const wrongPort = i % 10 === 9;
  const httpOnGrpc = !wrongPort && i % 7 === 6;
  const env = [
    { name: 'OTEL_SERVICE_NAME', value: name },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: `http://${target}:${wrongPort ? 4316 : 4317}` },
    { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: httpOnGrpc ? 'http/protobuf' : 'grpc' },
  ];
  const labels = { app: name };
  return [
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns, labels },
      spec: {
        replicas, selector: { matchLabels: labels },
        template: {
          metadata: { labels, ...(annotated ? { annotations: { 'sim.otel-doctor.io/sdk': sdk } } : {}) },
          spec: {
            containers: [{
              name, image: IMAGES[sdk], env,
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
              resources: { requests: { cpu: '10m', memory: '32Mi' } },
            }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  ];
}

/** The scenario as files: file name -> multi-document YAML. */
export function generateLargeScenario(opts: LargeScenarioOptions = {}): Map<string, string> {
  const collectors = opts.collectors ?? 3;
  const apps = opts.apps ?? 50;
  const replicas = opts.replicas ?? 2;
  const namespaces = Array.from({ length: opts.namespaces ?? 5 }, (_, i) => `team-${i + 1}`);
  const realNodeSdk = opts.realNodeSdk ?? 1;
  if (collectors < 1 || apps < 0 || replicas < 0 || namespaces.length < 1) { throw new Error('collectors and namespaces must be >= 1, apps and replicas >= 0'); }
  if (!(realNodeSdk >= 0 && realNodeSdk <= 1)) { throw new Error('--real-node-sdk must be a fraction from 0 to 1'); }
  const docs = (objs: Obj[]) => objs.map((o) => stringify(o)).join('---\n');
  const files = new Map<string, string>();
  files.set('00-namespaces.yaml', docs(['observability', ...namespaces].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))));
  files.set('10-collectors.yaml', docs(Array.from({ length: collectors }, (_, i) => collector(i, collectors > 1 && i === collectors - 1)).flat()));
  namespaces.forEach((ns, n) => {
    const mine = Array.from({ length: apps }, (_, i) => i).filter((i) => i % namespaces.length === n);
    files.set(`20-apps-${ns}.yaml`, docs(mine.flatMap((i) => app(i, ns, collectors, replicas, realNodeSdk))));
  });
  return files;
}

/** Writes the scenario into `dir` (created if missing) and returns the directory. */
export function writeLargeScenario(dir?: string, opts: LargeScenarioOptions = {}): string {
  const out = dir ? resolve(dir) : mkdtempSync(join(tmpdir(), 'otel-doctor-large-'));
  mkdirSync(out, { recursive: true });
  for (const [name, text] of generateLargeScenario(opts)) { writeFileSync(join(out, name), text); }
  return out;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const opts: LargeScenarioOptions = {};
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const num = () => { const v = Number(args[++i]); if (!Number.isInteger(v)) { throw new Error(`${a} needs an integer`);  }return v; };
    if (a === '--collectors') { opts.collectors = num(); } else if (a === '--apps') { opts.apps = num(); } else if (a === '--replicas') { opts.replicas = num(); } else if (a === '--namespaces') { opts.namespaces = num(); } else if (a === '--real-node-sdk') { opts.realNodeSdk = Number(args[++i]); } else if (!a.startsWith('-') && !dir) { dir = a; } else { process.stderr.write(`usage: generate.ts [OUT_DIR] [--collectors N] [--apps N] [--replicas N] [--namespaces N] [--real-node-sdk F]\n`); process.exit(2); }
  }
  process.stdout.write(`${writeLargeScenario(dir, opts)}\n`);
}
