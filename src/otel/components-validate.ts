/**
 * What `otelcol validate` refuses in the service graph, worded as the collector words it, without a binary:
 * - otelcol/config.go Config.Validate: receivers and exporters configured, connector IDs not shared with an
 *   exporter or receiver, service::extensions and every pipeline entry defined (a connector stands in for a
 *   receiver or an exporter, never a processor);
 * - service/pipelines/config.go: at least one pipeline, each with a receiver and an exporter, no processor
 *   twice in one pipeline; pipeline/internal/globalsignal: a pipeline ID starts with traces, metrics, logs
 *   or profiles;
 * - service/internal/graph/graph.go: a connector used as exporter in a pipeline of one signal must be the
 *   receiver of a pipeline of a signal it converts to (and the reverse), by the pairs its factory supports.
 * Unused definitions are valid: the collector builds only what the pipelines name.
 * The collector stops at the first error; every one is listed here, so one fix round covers them.
 */
import { CONNECTOR_PAIRS } from './components-data.ts';
import { typeKey } from './components.ts';

type Cfg = Record<string, unknown>;
const isMap = (x: unknown): x is Cfg => x !== null && typeof x === 'object' && !Array.isArray(x);
const ids = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
const SIGNALS = new Set(['traces', 'metrics', 'logs', 'profiles']);

/** Supported signal pairs of a connector type; undefined when its factory was not read. */
export function connectorPairs(type: string): readonly string[] | undefined {
  const key = typeKey(type);
  const hit = Object.entries(CONNECTOR_PAIRS).find(([t]) => typeKey(t) === key);
  return hit?.[1];
}

export function validateServiceGraph(cfg: Cfg): string[] {
  const out: string[] = [];
  const section = (k: string): Cfg => (isMap(cfg[k]) ? (cfg[k] as Cfg) : {});
  const [receivers, processors, exporters, connectors, extensions] = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'].map(section);
  const service = isMap(cfg.service) ? cfg.service : {};
  const pipelines = isMap(service.pipelines) ? service.pipelines : {};

  if (!Object.keys(receivers).length) { out.push('no receiver configuration specified in config'); }
  if (!Object.keys(exporters).length) { out.push('no exporter configuration specified in config'); }
  for (const id of Object.keys(connectors)) {
    for (const [kind, defs] of [['exporter', exporters], ['receiver', receivers]] as const) {
      if (id in defs) {
        out.push(`connectors::${id}: ambiguous ID: Found both "${id}" ${kind} and "${id}" connector. Change one of the components' IDs to eliminate ambiguity (e.g. rename "${id}" connector to "${id}/connector")`);
      }
    }
  }
  for (const e of ids(service.extensions)) {
    if (!(e in extensions)) { out.push(`service::extensions: references extension "${e}" which is not configured`); }
  }
  if (!Object.keys(pipelines).length) { out.push('service must have at least one pipeline'); }

  const asExporter = new Map<string, string[]>();
  const asReceiver = new Map<string, string[]>();
  for (const [pid, def] of Object.entries(pipelines)) {
    const p = isMap(def) ? def : {};
    const signal = pid.split('/')[0];
    if (!SIGNALS.has(signal)) { out.push(`service::pipelines: unknown pipeline signal: "${signal}" (pipeline "${pid}")`); }
    const [recv, proc, exp] = [ids(p.receivers), ids(p.processors), ids(p.exporters)];
    if (!recv.length) { out.push(`service::pipelines::${pid}: must have at least one receiver`); }
    if (!exp.length) { out.push(`service::pipelines::${pid}: must have at least one exporter`); }
    const seen = new Set<string>();
    for (const id of proc) {
      if (seen.has(id)) { out.push(`service::pipelines::${pid}: references processor "${id}" multiple times`); }
      seen.add(id);
    }
    for (const id of recv) {
      if (id in receivers) { continue; }
      if (id in connectors) { asReceiver.set(id, [...(asReceiver.get(id) ?? []), pid]); continue; }
      out.push(`service::pipelines::${pid}: references receiver "${id}" which is not configured`);
    }
    for (const id of proc) {
      if (!(id in processors)) { out.push(`service::pipelines::${pid}: references processor "${id}" which is not configured`); }
    }
    for (const id of exp) {
      if (id in exporters) { continue; }
      if (id in connectors) { asExporter.set(id, [...(asExporter.get(id) ?? []), pid]); continue; }
      out.push(`service::pipelines::${pid}: references exporter "${id}" which is not configured`);
    }
  }
  out.push(...connectorUse(asExporter, asReceiver));
  return out;
}

/**
 * graph.go: each signal a connector is exported from needs a receiver pipeline of a signal the connector
 * converts it to, and each signal it is received in needs an exporter pipeline it converts from. A connector
 * whose pairs are unknown is judged only for being used on one side alone (no pair at all can exist then).
 */
function connectorUse(asExporter: Map<string, string[]>, asReceiver: Map<string, string[]>): string[] {
  const out: string[] = [];
  const signalOf = (pid: string) => pid.split('/')[0];
  for (const id of new Set([...asExporter.keys(), ...asReceiver.keys()])) {
    const exp = asExporter.get(id) ?? [];
    const rec = asReceiver.get(id) ?? [];
    const known = connectorPairs(id.split('/')[0]);
    const supports = (from: string, to: string) => (known ? known.includes(`${from}>${to}`) : true);
    const format = (pids: string[], signal: string) => `[${pids.filter((p) => signalOf(p) === signal).join(' ')}]`;
    for (const s of new Set(exp.map(signalOf))) {
      if (!rec.some((r) => supports(s, signalOf(r)))) {
        out.push(`connector "${id}" used as exporter in ${format(exp, s)} pipeline but not used in any supported receiver pipeline${known ? ` (it converts ${known.map((p) => p.replace('>', ' to ')).join(', ')})` : ''}`);
      }
    }
    for (const s of new Set(rec.map(signalOf))) {
      if (!exp.some((e) => supports(signalOf(e), s))) {
        out.push(`connector "${id}" used as receiver in ${format(rec, s)} pipeline but not used in any supported exporter pipeline${known ? ` (it converts ${known.map((p) => p.replace('>', ' to ')).join(', ')})` : ''}`);
      }
    }
  }
  return out;
}
