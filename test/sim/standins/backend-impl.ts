// Stand-in for a tracing backend that takes OTLP: the `jaegertracing/jaeger` (v2) and
// `jaegertracing/all-in-one` images. Jaeger v2 is itself built on the collector, so its OTLP receivers on
// :4317 (gRPC) and :4318 (HTTP) answer exactly as the collector stand-in's do (collector-net.ts), and the
// UI port :16686 answers 200. What it answers an export is a simulator knob, set by pod annotation
// (standin-launch.ts passes them on), since a real backend's refusals come from its own state:
//   sim.otel-doctor.io/backend-answer: 200 (default) | 401 | 403 | 429 | 500 | 502 | 503 | 504 | refuse
//     an HTTP status for OTLP/HTTP and its gRPC code for OTLP/gRPC (the collector's own mapping, as a
//     collector-based backend answers: Unauthenticated, PermissionDenied, ResourceExhausted, Unknown,
//     Unavailable); `refuse` listens on nothing, so every connect is refused by the pod's kernel;
//   sim.otel-doctor.io/backend-tls: "true" serves TLS only (a certificate made at start with openssl).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as net from 'node:net';
import { SIGNALS, type Signal } from './otlp.ts';
import { grpcServer, listenTcp, otlpHttpServer, plainHttp, send, tlsServer, type Bound } from './collector-net.ts';
import { grpcStatusFromHttp, type Consume } from './collector-status.ts';

/** A self-signed certificate for the pod's names, as a backend's operator would mount one. */
function makeCert(): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'backend-tls-'));
  const host = process.env.HOSTNAME ?? 'backend';
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '365', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host},DNS:localhost,IP:${process.env.SIM_POD_IP || '127.0.0.1'}`], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
}

export async function run(): Promise<number> {
  const answer = (process.env.SIM_BACKEND_ANSWER ?? '200').trim().toLowerCase();
  const tls = process.env.SIM_BACKEND_TLS === 'true';
  const log = (msg: string): void => { process.stderr.write(`${new Date().toISOString()}\tinfo\t${msg}\n`); };
  const bound: Bound[] = [];
  if (answer !== 'refuse') {
    const status = Number(answer);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      process.stderr.write(`sim backend: sim.otel-doctor.io/backend-answer: ${answer} is not an HTTP status or "refuse"\n`);
      return 1;
    }
    const consume: Consume | undefined = status === 200 ? undefined : async () => {
      const code = grpcStatusFromHttp(status);
      return { grpcCode: code, message: status === 401 ? 'missing or empty authorization header' : status === 403 ? 'permission denied' : `backend answered ${status}`, httpStatus: status };
    };
    const signals = new Set<Signal>(SIGNALS);
    const creds = tls ? makeCert() : undefined;
    const wrap = (h: (s: net.Socket) => void, kind: 'http' | 'grpc'): ((s: net.Socket) => void) => (creds ? tlsServer(h, creds, kind) : h);
    bound.push(await listenTcp('0.0.0.0:4317', wrap(await grpcServer(signals, consume), 'grpc')));
    bound.push(await listenTcp('0.0.0.0:4318', wrap(otlpHttpServer(new Map(SIGNALS.map((s) => [`/v1/${s}`, s])), consume), 'http')));
    bound.push(await listenTcp('0.0.0.0:16686', plainHttp((_req, res) => send(res, 200, 'text/html; charset=utf-8', '<!doctype html><title>Jaeger UI</title>'))));
  }
  log(`sim backend: OTLP ${answer === 'refuse' ? 'not listening (refuse)' : `answering ${answer}${tls ? ' over TLS only' : ''}`} on :4317 (gRPC) and :4318 (HTTP)`);
  return new Promise<number>((resolve) => {
    const stop = (): void => { for (const b of bound) { b.server.close(); } resolve(0); };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // A container's main process idles until it is stopped.
    setInterval(() => {}, 3_600_000);
  });
}

export function main(): void {
  run().then((code) => { process.exitCode = code; setImmediate(() => process.exit(code)); }, (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  });
}
