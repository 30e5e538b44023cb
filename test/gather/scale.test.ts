// The plugin on a virtual-pod cluster of moderate size (issue 13 §2): the standard large cluster's shape
// at ~20,000 pods (test/scenarios-large/standard.ts). Pods are read by template, probes go one per path
// plus a bounded sample, the collector DaemonSet is sampled, no pod is read one by one where its
// template says it all, and the plugin's memory stays bounded. No time bound. Needs root.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, startCluster } from '../sim/cli.ts';
import { writeStandardCluster } from '../scenarios-large/standard.ts';
import { COLLECTOR_SAMPLE } from '../../src/gather/templates.ts';
import { PROBE_SAMPLE } from '../../src/gather/plan.ts';
import type { Snapshot } from '../../src/snapshot.ts';

const root = process.getuid?.() === 0;
/** Generous: the plugin holds templates and names, never the pods' JSON (that alone would be ~100 MB here). */
const RSS_BOUND_MB = 400;

test('~20,000 virtual pods: read by template, probed per path, collector pods sampled, memory bounded', { skip: root ? false : 'needs root (the simulated cluster)', timeout: 3_600_000 }, async () => {
  const spec = writeStandardCluster(undefined, { nodes: 700, namespaces: 130, apps: 1300 });
  const cluster = await startCluster({ manifests: spec.manifests, virtualManifests: spec.virtualManifests, nodes: spec.nodes, virtualNodes: spec.virtualNodes, log: () => {}, settleTimeoutMs: 3_000_000 });
  try {
    const snapFile = join(spec.dir, 'snapshot.json');
    const before = cluster.api.requests.length;
    const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
      const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', join(REPO_ROOT, 'bin/kubectl-otel_doctor'), 'diagnose', '-A', '-o', 'json', '--save-snapshot', snapFile], {
        env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out, err }));
    });
    assert.equal(run.code, 1, `findings expected (exit 1): ${run.err.slice(-2000)}`);
    const rssKb = Number(/MAXRSS_KB=(\d+)/.exec(run.err)?.[1]);
    assert.ok(rssKb > 0 && rssKb / 1024 < RSS_BOUND_MB, `peak RSS ${Math.round(rssKb / 1024)} MB`);

    const snap = JSON.parse(readFileSync(snapFile, 'utf8')) as Snapshot;
    const s = snap.sampling!;
    // Every pod counted (the simulator's own add-ons too), none of them read in full.
    assert.ok(s.pods! >= spec.pods && s.pods! <= cluster.podCount + 5, `pods ${s.pods} of ${cluster.podCount}`);
    // One template per Deployment revision (1,300 apps, the restricted one, 3 gateways) and the DaemonSet.
    assert.ok(s.templates! >= spec.apps + 5 && s.templates! < spec.apps + 20, `templates ${s.templates}`);
    assert.ok(s.podsRead! < 20, `pods read one by one: ${s.podsRead}`);
    // Paths: the apps export to their gateway by FQDN, and no namespace but `restricted` holds a policy, so
    // the namespace cannot change their path: one path per gateway across namespaces (0 and 1), the loopback
    // gateway's (team-0001), the wrong port's, and restricted's own.
    assert.equal(s.probeGroups, 5, `probe groups ${s.probeGroups}`);
    const spanning = snap.probes.filter((p) => (p.standsFor?.namespaces ?? 0) > spec.namespaces / 4);
    assert.ok(spanning.length > 0, 'a probe stands for the apps of many namespaces');
    assert.ok(s.probePods <= s.probeGroups + PROBE_SAMPLE, `probe pods ${s.probePods} for ${s.probeGroups} groups`);
    assert.equal(s.apps, snap.apps.length);
    const probers = new Set(snap.probes.map((p) => `${p.from.namespace}/${p.from.pod}`));
    assert.equal(probers.size, s.probePods);
    // Each other app points at the pod that probed for it, on its own path.
    const unprobed = snap.apps.filter((a) => !probers.has(`${a.namespace}/${a.pod}`));
    assert.ok(unprobed.length > spec.apps / 2);
    for (const a of unprobed.slice(0, 200)) { assert.ok(a.probedBy && probers.has(`${a.probedBy.namespace}/${a.probedBy.pod}`), `${a.namespace}/${a.pod} has no prober`); }
    assert.ok(snap.probes.some((p) => (p.standsFor?.apps ?? 0) > 5), 'a probe stands for many apps');
    // Collector pods are read, never made from a template: each has its IP and readiness.
    for (const c of snap.collectors.filter((x) => !x.sidecar)) { assert.ok(c.podIP && c.ready !== null, `${c.namespace}/${c.pod}: ip ${c.podIP}, ready ${c.ready}`); }
    // The agent DaemonSet (one pod per node): a sample, not an exec per node.
    const agent = s.collectors?.find((c) => c.workload === 'DaemonSet/otel-agent');
    assert.ok(agent, JSON.stringify(s.collectors));
    assert.equal(agent.pods, spec.nodes + spec.virtualNodes);
    assert.ok(agent.sampled <= COLLECTOR_SAMPLE + agent.notReady + agent.restarting + (agent.nodePools ?? 0) + 1, JSON.stringify(agent));
    const requests = cluster.api.requests.slice(before).filter((r) => r.userAgent.startsWith('otel-doctor/'));
    const execs = requests.filter((r) => r.subresource === 'exec').length;
    // Execs grow with the probing pods and the sampled collectors (a pod without a shell walks the probe
    // tools, one exec each), not with the pods: 20,000 here.
    const sampled = (s.collectors ?? []).reduce((n, c) => n + c.sampled, 0);
    assert.ok(execs <= (s.probePods + sampled) * 4, `execs ${execs} for ${s.probePods} probing pods and ${sampled} collector pods`);
    assert.ok(requests.filter((r) => r.verb === 'get' && r.resource === 'pods' && !r.subresource).length <= s.podsRead! * 3);
    // The broken ones of the standard cluster are found.
    const findings = (JSON.parse(run.out).findings ?? []) as { rule: string; subject: { namespace?: string; name?: string } }[];
    assert.ok(findings.some((f) => f.rule === 'receiver-bound-to-loopback' && f.subject.name === spec.broken.loopbackGateway.split('/')[1]), JSON.stringify(findings.map((f) => f.rule)));
    assert.ok(findings.some((f) => f.subject.namespace === spec.broken.wrongPortApp.split('/')[0] && f.subject.name === spec.broken.wrongPortApp.split('/')[1]));
  } finally {
    await cluster.stop();
    rmSync(spec.dir, { recursive: true, force: true });
  }
});
