// How a container becomes a stand-in process: which stand-in script plays its image, and the environment
// the kubelet gives it (the container's resolved env plus the SIM_* variables of CONTRACTS.md).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSdk, injectedAgent, standinFor } from './images.ts';
import { vendorImageEnv } from '../standins/vendors.ts';
import type { ContainerRun, PodState } from './pod-status.ts';

export const SDK_ANNOTATION = 'sim.otel-doctor.io/sdk';
/** V8 flags that keep an idle stand-in small: 100+ of them must fit in a few GB. */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=96', '--single-threaded-gc', '--v8-pool-size=0', '--disable-warning=ExperimentalWarning'];

export interface LaunchOptions { standinDir: string; compileCache: string; dnsDataFile: string }

/**
 * `sim.otel-doctor.io/sdk: node` runs the real OpenTelemetry JS SDK (standins/app-node-sdk.ts) in the app's
 * own container, unless an operator-injected agent fixes its endpoint or fails to start (images.ts
 * injectedAgent: the stand-in plays those), and unless the stand-in directory has no such app (fixtures).
 */
function realNodeSdk(ps: PodState, cr: ContainerRun, containerEnv: Array<{ name: string; value: string }>, standinDir: string): boolean {
  if (cr.kind !== 'container' || ps.pod.metadata.annotations?.[SDK_ANNOTATION] !== 'node') { return false; }
  const agent = injectedAgent(ps.pod, containerEnv, cr.name);
  return !agent?.endpoint && !agent?.startupError && existsSync(join(standinDir, 'app-node-sdk.js'));
}

/** The stand-in script for the container and its process environment. */
export function standinLaunch(ps: PodState, cr: ContainerRun, containerEnv: Array<{ name: string; value: string }>, o: LaunchOptions): { script: string; env: Record<string, string> } {
  const image: string = cr.spec.image ?? '';
  const kind = cr.kind === 'ephemeral' ? 'app' : standinFor(image);
  const entry = kind === 'app' && realNodeSdk(ps, cr, containerEnv, o.standinDir) ? 'app-node-sdk' : kind;
  // The .js launchers spare each pod Node's TypeScript stripper (~13 MB PSS); test fixtures may ship only .ts.
  const script = existsSync(join(o.standinDir, `${entry}.js`)) ? join(o.standinDir, `${entry}.js`) : join(o.standinDir, `${entry}.ts`);
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: ps.pod.spec?.hostNetwork ? (ps.pod.spec.nodeName ?? ps.name) : ps.name,
    HOME: '/root',
    NODE_COMPILE_CACHE: o.compileCache,
  };
  // The image's ENV sits under the container's, as containerd merges them (the pod's `env` wins).
  if (kind === 'collector') { Object.assign(env, vendorImageEnv(image)); }
  for (const e of containerEnv) { env[e.name] = e.value; }
  const agent = kind === 'app' ? injectedAgent(ps.pod, containerEnv, cr.name) : undefined;
  Object.assign(env, {
    SIM_ROOT: cr.root,
    SIM_IMAGE: image,
    SIM_POD_NAMESPACE: ps.ns,
    SIM_POD_NAME: ps.name,
    SIM_CONTAINER_NAME: cr.name,
    SIM_POD_IP: ps.podIP ?? '',
    SIM_SDK: ps.pod.metadata.annotations?.[SDK_ANNOTATION] ?? (agent?.sdk || defaultSdk(image)),
    SIM_CONTAINER_PORTS: JSON.stringify(cr.spec.ports ?? []),
  });
  // An agent the operator injected has its own default protocol (images.ts injectedAgent); the annotation still wins.
  if (agent?.protocol && ps.pod.metadata.annotations?.[SDK_ANNOTATION] === undefined) { env.SIM_SDK_PROTOCOL = agent.protocol; }
  if (agent?.endpoint) { env.SIM_AGENT_ENDPOINT = agent.endpoint; }
  if (agent?.startupError) { env.SIM_AGENT_STARTUP_ERROR = JSON.stringify(agent.startupError); }
  if (kind === 'dns') { env.SIM_DNS_DATA = o.dnsDataFile; }
  // The backend's answer is a simulator knob on the pod (standins/backend-impl.ts).
  if (kind === 'backend') {
    env.SIM_BACKEND_ANSWER = ps.pod.metadata.annotations?.['sim.otel-doctor.io/backend-answer'] ?? '200';
    env.SIM_BACKEND_TLS = ps.pod.metadata.annotations?.['sim.otel-doctor.io/backend-tls'] ?? 'false';
  }
  return { script, env };
}
