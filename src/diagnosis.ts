/**
 * One cluster's diagnosis, from a loaded kubeconfig context to the judged Report: the client and its access
 * reviews sent ahead, gather(), judge() and the policy. The command runs it once; a fleet (src/fleet.ts) runs
 * it once per context. Printing and the exit code stay with the caller.
 */
import { clusterServer, type LoadedKubeconfig } from './cluster/kubeconfig.ts';
import type { Snapshot } from './snapshot.ts';
import type { Report } from './report/finding.ts';
import type { Policy } from './suppress.ts';
import { pluginVersion } from './version.ts';

export interface Progress {
  update: (p: { phase: string; done: number; total: number }) => void;
  stop: () => void;
}

export interface DiagnosisOptions {
  /** -n; default the context's namespace */
  namespace?: string;
  allNamespaces: boolean;
  appNamespaces: string[];
  selector?: string;
  collector?: string;
  exec: boolean;
  debugImage?: string;
  concurrency: number;
  maxPodsPerWorkload: number;
  timeoutMs: number;
  requestTimeoutMs: number;
  operatorVersion?: string;
  /** the policy of the flags and the config file; each cluster adds its own annotations */
  policy: Omit<Policy, 'annotations'>;
  knownRules: Set<string>;
  saveSnapshot?: string;
  onRequest?: (verb: string, path: string, status: number, ms: number) => void;
  /** -v: where the API request counts go (stderr); a fleet prefixes the context */
  onStats?: (line: string) => void;
  /** Started once the access reviews are on their way: the spinner's import must not hold them back. */
  startProgress?: () => Promise<Progress>;
}

/** judge() and the policy, with the annotations this cluster's objects carry: what `diagnose` and `fix` report. */
export async function judgeWithPolicy(snapshot: Snapshot, policy: Omit<Policy, 'annotations'>, knownRules: Set<string>): Promise<Report> {
  const [{ judge }, { applyPolicy }] = await Promise.all([import('./engine.ts'), import('./suppress.ts')]);
  return applyPolicy(judge(snapshot, { mode: 'diagnose' }), { ...policy, annotations: snapshot.ignores ?? [] }, knownRules);
}

export async function diagnoseCluster(loaded: LoadedKubeconfig, o: DiagnosisOptions): Promise<Report> {
  const namespace = o.namespace ?? loaded.namespace;
  const [{ createClusterClient }, { accessSpecs }] = await Promise.all([import('./cluster/client.ts'), import('./gather/access.ts')]);
  const kube = createClusterClient(loaded, { requestTimeoutMs: o.requestTimeoutMs, onRequest: o.onRequest });
  // The access reviews go out now and travel while gather and the spinner load.
  kube.startAccessReviews(accessSpecs(namespace).map((s) => s.attrs));

  const progress = await o.startProgress?.();
  try {
    const { gather } = await import('./gather/index.ts');
    const snapshot = await gather(kube, {
      namespace,
      allNamespaces: o.allNamespaces,
      appNamespaces: o.appNamespaces,
      selector: o.selector,
      collector: o.collector,
      exec: o.exec,
      ...(o.debugImage ? { debugImage: o.debugImage } : {}),
      concurrency: o.concurrency,
      maxPodsPerWorkload: o.maxPodsPerWorkload,
      timeoutMs: o.timeoutMs,
      server: clusterServer(loaded),
      context: loaded.context,
      pluginVersion: pluginVersion(),
      ...(o.operatorVersion ? { operatorVersion: o.operatorVersion.replace(/^v/, '') } : {}),
      onProgress: progress?.update ?? (() => undefined),
    });
    progress?.stop();
    if (o.saveSnapshot) {
      // Streamed (the same bytes as one JSON.stringify): 10,000 apps are 8 MB of text, never one string.
      const [{ openSync, writeSync, closeSync }, { jsonChunks, writeChunks }] = await Promise.all([import('node:fs'), import('./report/render/stream.ts')]);
      const fd = openSync(o.saveSnapshot, 'w');
      try {
        await writeChunks(jsonChunks(snapshot as unknown as Record<string, unknown>), (t) => {
          writeSync(fd, t);
        });
      } finally {
        closeSync(fd);
      }
    }
    if (o.onStats) {
      const s = kube.stats();
      o.onStats(`API requests: ${s.requests} (${Object.entries(s.byVerb).map(([k, v]) => `${k} ${v}`).join(', ')}), retries ${s.retries}, ${((s.bytes ?? 0) / 1e6).toFixed(1)} MB read${s.wireBytes !== undefined && s.wireBytes < (s.bytes ?? 0) ? ` (${(s.wireBytes / 1e6).toFixed(1)} MB on the wire)` : ''}`);
    }
    return judgeWithPolicy(snapshot, o.policy, o.knownRules);
  } finally {
    progress?.stop();
    // keep-alive API connections would hold the process open for seconds
    await kube.close();
  }
}
