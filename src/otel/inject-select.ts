/**
 * Which Instrumentation an `instrumentation.opentelemetry.io/inject-<lang>` value selects, as the operator's
 * pod webhook decides it (open-telemetry/opentelemetry-operator be8944414, podmutator.go
 * getInstrumentationInstance / selectInstrumentationInstanceFromNamespace): `true` the pod's namespace's only
 * Instrumentation (errNoInstancesAvailable, errMultipleInstancesPossible), `name` or `ns/name` a client Get whose
 * NotFound reads `instrumentations.opentelemetry.io "<name>" not found`. `sidecar.opentelemetry.io/inject`
 * names its sidecar collector in the same words (pkg/sidecar/podmutator.go getCollectorInstance: EqualFold
 * "true", strings.Cut at "/"). Pure: gather/ (planned injection, Snapshot.injectionRequests), lint/ (what a
 * pod refers to, the sidecar it gets) and the rules share it.
 */

const ERR_NONE = 'no OpenTelemetry Instrumentation instances available';
const ERR_MULTIPLE = 'multiple OpenTelemetry Instrumentation instances available, cannot determine which one to select';

/** Empty or `false` in any case (EqualFold): the annotation asks for nothing. */
export function asksForNothing(value: string): boolean {
  return value === '' || value.toLowerCase() === 'false';
}

/** What the value names: the namespace it selects from, and a name unless it is `true` (that namespace's only one). */
export type InjectTarget = { namespace: string; name?: undefined } | { namespace: string; name: string };

export function injectTarget(value: string, podNamespace: string): InjectTarget {
  if (value.toLowerCase() === 'true') { return { namespace: podNamespace }; }
  const slash = value.indexOf('/');
  return slash >= 0 ? { namespace: value.slice(0, slash), name: value.slice(slash + 1) } : { namespace: podNamespace, name: value };
}

/** An object's namespace as the API server stores it: one written without a namespace lands in `default`. */
const nsOf = (o: { metadata: { namespace?: string } }): string => o.metadata.namespace ?? 'default';

/** The selected Instrumentation, or the operator's error; `from`: the namespace the value selects from. */
export function selectInstrumentation<T extends { metadata: { namespace?: string; name?: string } }>(value: string, podNamespace: string, all: T[]): { selected?: T; error?: string; from: string } {
  const t = injectTarget(value, podNamespace);
  const here = all.filter((i) => nsOf(i) === t.namespace);
  if (t.name === undefined) {
    if (here.length === 1) { return { selected: here[0], from: t.namespace }; }
    return { error: here.length === 0 ? ERR_NONE : ERR_MULTIPLE, from: t.namespace };
  }
  const hit = here.find((i) => i.metadata.name === t.name);
  return hit ? { selected: hit, from: t.namespace } : { error: `instrumentations.opentelemetry.io "${t.name}" not found`, from: t.namespace };
}
