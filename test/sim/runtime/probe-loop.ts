// The kubelet's probe loop for one container: startup, liveness and readiness probes on their timing and
// thresholds, the events and restarts they cause, and the start-up grace a slow-starting stand-in gets.
import { readFileSync } from 'node:fs';
import type { KObject } from '../store.ts';
import { probeTiming } from './prober.ts';
import type { ContainerRun, PodState } from './pod-status.ts';

/** See startProbes: how long probe failures of a just-started stand-in are treated as start-up. */
export const STARTUP_GRACE_MS = 3000;
/** The start-up grace ends after this much wall-clock time however starved the process was. */
export const STARTUP_GRACE_MAX_MS = 20_000;

/** What the probe loop needs of the kubelet. */
export interface ProbeHost {
  runProbe(ps: PodState, cr: ContainerRun, probe: KObject['spec'], timeoutMs: number): Promise<{ ok: boolean; message: string }>;
  event(ps: PodState, type: 'Normal' | 'Warning', reason: string, message: string, cr?: ContainerRun): void;
  queueStatus(ps: PodState): void;
  kill(cr: ContainerRun, reason: string): void;
}

/**
 * How long the process's main thread has been runnable but waiting for a CPU (the second field of
 * /proc/<pid>/schedstat, in ns); 0 when unknown. `ip netns exec` execs in place, so the container's pid
 * covers its whole start-up.
 */
function runQueueWaitMs(pid: number | undefined): number {
  if (!pid) { return 0; }
  try { return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6 || 0; } catch { return 0; }
}

/** Starts the container's probes; each stops by itself once `gen` is stale (the container exited or restarted). */
export function startProbes(host: ProbeHost, ps: PodState, cr: ContainerRun, gen: number): void {
  const kinds: Array<['startup' | 'liveness' | 'readiness', KObject['spec']]> = [];
  if (cr.spec.startupProbe) { kinds.push(['startup', cr.spec.startupProbe]); }
  if (cr.spec.livenessProbe) { kinds.push(['liveness', cr.spec.livenessProbe]); }
  if (cr.spec.readinessProbe) { kinds.push(['readiness', cr.spec.readinessProbe]); }
  for (const [kind, probe] of kinds) {
    const timing = probeTiming(probe);
    let successes = 0;
    let failures = 0;
    let everOk = false;
    const tick = async () => {
      if (gen !== cr.gen || ps.deleted) { return; }
      // Liveness and readiness wait for the startup probe; the startup probe stops once it succeeded.
      const active = kind === 'startup' ? !cr.started : cr.started;
      if (active) {
        const r = await host.runProbe(ps, cr, probe, timing.timeoutMs);
        if (gen !== cr.gen || ps.deleted) { return; }
        // A real binary listens within milliseconds; a Node stand-in needs a moment (seconds when a
        // hundred start at once). Until its first success, failures within the start-up grace are
        // retried quickly and not counted, so start-up is not reported as probe failures.
        if (!r.ok && !everOk && inStartup(cr)) {
          const t = setTimeout(() => { cr.timers.delete(t); void tick(); }, 250);
          cr.timers.add(t);
          return;
        }
        if (r.ok) { everOk = true; }
        if (r.ok) { successes++; failures = 0; } else { failures++; successes = 0; }
        const label = kind[0].toUpperCase() + kind.slice(1);
        if (!r.ok) { host.event(ps, 'Warning', 'Unhealthy', `${label} probe failed: ${r.message}`, cr); }
        if (kind === 'readiness') {
          if (r.ok && successes >= timing.successThreshold && !cr.ready) { cr.ready = true; host.queueStatus(ps); }
          if (!r.ok && failures >= timing.failureThreshold && cr.ready) { cr.ready = false; host.queueStatus(ps); }
        } else if (kind === 'startup') {
          if (r.ok) { cr.started = true; if (!cr.spec.readinessProbe) { cr.ready = true; } host.queueStatus(ps); }
          else if (failures >= timing.failureThreshold) {
            host.event(ps, 'Normal', 'Killing', `Container ${cr.name} failed startup probe, will be restarted`, cr);
            host.kill(cr, 'startup');
            return;
          }
        } else if (!r.ok && failures >= timing.failureThreshold) {
          host.event(ps, 'Normal', 'Killing', `Container ${cr.name} failed liveness probe, will be restarted`, cr);
          host.kill(cr, 'liveness');
          return;
        }
      }
      const t = setTimeout(() => { cr.timers.delete(t); void tick(); }, timing.periodMs);
      cr.timers.add(t);
    };
    const t = setTimeout(() => { cr.timers.delete(t); void tick(); }, timing.initialDelayMs);
    cr.timers.add(t);
  }
}

/**
 * Whether a container is still starting: less than STARTUP_GRACE_MS since it was started, not counting
 * the time its process sat runnable without a CPU (on a loaded machine a Node stand-in can need many
 * seconds of wall-clock time for what takes it 300 ms alone; a fixed wall-clock grace either flags that
 * start-up as probe failures or delays every truly failing probe).
 */
function inStartup(cr: ContainerRun): boolean {
  const wall = Date.now() - (cr.history[cr.history.length - 1]?.startedMs ?? 0);
  if (wall >= STARTUP_GRACE_MAX_MS) { return false; }
  if (wall < STARTUP_GRACE_MS) { return true; }
  return wall - runQueueWaitMs(cr.child?.pid) < STARTUP_GRACE_MS;
}
