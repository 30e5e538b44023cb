// The OpenTelemetry Operator's auto-instrumentation pod mutation (pkg/instrumentation/podmutator.go),
// as a pure function the operator stand-in's pod webhook calls on every Pod create.
import type { KObject } from '../store.ts';

export interface OperatorLogLine { level: 'debug' | 'info' | 'error'; logger?: string; msg: string; fields?: Record<string, unknown> }

export function injectInstrumentation(
  pod: KObject,
  _ctx: { namespace?: KObject; instrumentations: KObject[]; operatorVersion: string },
): { pod: KObject; logs: OperatorLogLine[] } {
  return { pod, logs: [] };
}
