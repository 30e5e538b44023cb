// The API server's part in a DaemonSet's template generation. The internal apps.DaemonSet keeps
// spec.templateGeneration; apps/v1 has no such field and carries it as the annotation
// `deprecated.daemonset.template.generation` (kubernetes pkg/apis/apps/v1/conversion.go: the conversion to
// v1 always writes it, the conversion from v1 reads it back and drops it). The registry sets it
// (pkg/registry/apps/daemonset/strategy.go): PrepareForCreate raises it to at least 1, PrepareForUpdate
// keeps the stored value whatever the client sent and adds 1 when spec.template changed. So every
// DaemonSet read through apps/v1 has the annotation, and a client cannot move it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** The template generation a stored DaemonSet carries (pkg/controller/daemon/util GetTemplateGeneration). */
export function templateGeneration(ds: Any): number | undefined {
  const v = ds?.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

/** PrepareForCreate: a client's own annotation (a manifest exported from a cluster) survives when it is 1 or more. */
export function prepareDaemonSetCreate(ds: Any): void {
  const gen = Math.max(1, templateGeneration(ds) ?? 0);
  ds.metadata.annotations = { ...(ds.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(gen) };
}

/** PrepareForUpdate: the stored generation, plus 1 when the template is not the stored one. */
export function prepareDaemonSetUpdate(ds: Any, old: Any): void {
  const prev = templateGeneration(old) ?? 1;
  const changed = canonical(ds.spec?.template) !== canonical(old.spec?.template);
  ds.metadata.annotations = { ...(ds.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(changed ? prev + 1 : prev) };
}

/** JSON with object keys sorted: Semantic.DeepEqual compares maps, not the order a client wrote keys in. */
function canonical(v: unknown): string {
  return JSON.stringify(v ?? null, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}
