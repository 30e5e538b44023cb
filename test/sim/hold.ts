// Test-only hook: OTEL_DOCTOR_SIM_HOLD_AT=<stage> stops a bring-up at a named stage until a signal
// aborts it, so a test can signal a run at a point it knows instead of racing a timer against the machine.
import type { Store } from './store.ts';
import { typeByKind } from './store.ts';

export const HOLD_ENV = 'OTEL_DOCTOR_SIM_HOLD_AT';
/** The line printed once the bring-up holds; a test waits for it, then signals. */
export const HOLD_MARKER = 'sim: holding at';

/**
 * - `pods`: the manifests are applied and at least one container process runs in its pod's namespace,
 *   so the node and pod namespaces, veths and container processes all exist and teardown has work to do.
 */
export const HOLD_STAGES = ['pods'] as const;
export type HoldStage = (typeof HOLD_STAGES)[number];

const POLL_MS = 20;

function reached(stage: HoldStage, store: Store): boolean {
  switch (stage) {
    case 'pods':
      return store.list(typeByKind('Pod')!).some((p) => (p.status?.containerStatuses ?? []).some((cs: { state?: { running?: unknown } }) => cs.state?.running));
  }
}

/**
 * Resolves at once unless HOLD_ENV names `stage`. Otherwise waits until the stage is reached, prints
 * HOLD_MARKER, and never resolves: it rejects when `signal` aborts. Without a signal only the process's
 * signal handlers end the hold (startCluster's cleanupOnSignal).
 */
export async function holdAt(stage: HoldStage, store: Store, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const wanted = process.env[HOLD_ENV];
  if (wanted !== stage) {
    return;
  }
  signal?.throwIfAborted();
  await new Promise<never>((_resolve, reject) => {
    let holding = false;
    // A ref'd interval both polls for the stage and keeps the event loop alive while held.
    const timer = setInterval(() => {
      if (!holding && reached(stage, store)) {
        holding = true;
        log(`${HOLD_MARKER} ${stage} (${HOLD_ENV})`);
      }
    }, POLL_MS);
    signal?.addEventListener('abort', () => {
      clearInterval(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** Refuses a stage name the bring-up does not know, so a typo in a test fails instead of never holding. */
export function checkHoldEnv(): void {
  const wanted = process.env[HOLD_ENV];
  if (wanted !== undefined && wanted !== '' && !(HOLD_STAGES as readonly string[]).includes(wanted)) {
    throw new Error(`${HOLD_ENV}=${wanted}: unknown stage (known: ${HOLD_STAGES.join(', ')})`);
  }
}
