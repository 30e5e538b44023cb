import type { CheckedEntry, Evidence, Rule, RuleFinding } from '../report/finding.ts';
import { splitHostPort } from '../otel/endpoint.ts';
import { currentCollectorMatches, exporterEndpoint, exportersWith, judgeCollectorWorkloads, matchesByExporter, metricEvidence, pipelinesOf, SEND_FAILED, SENT } from './exporter-shared.ts';
import { keys } from './keys.ts';
import { truncate } from './util.ts';

const CLASS_TEXT: Record<string, string> = {
  dns: 'its host does not resolve',
  refused: 'the connection is refused',
  timeout: 'the backend does not answer in time',
  tls: 'the TLS handshake fails',
  auth: 'the backend refuses its credentials',
  protocol: 'the backend speaks another protocol on that port',
  throttled: 'the backend asks it to slow down (throttling)',
  'http-4xx': 'the backend rejects the data',
  'http-5xx': 'the backend fails',
  'memory-limit': 'the next collector refuses the data (its memory limiter)',
  unavailable: 'the backend is unavailable',
  other: 'every send fails',
};

/** The change that makes this class of failure go away, naming the exporter and where it sends. */
function fixFor(id: string, cls: string, endpoint: string | undefined, error: string, status?: string): string {
  const where = endpoint ?? 'its endpoint';
  const host = endpoint ? splitHostPort(endpoint.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '')).host : undefined;
  switch (cls) {
    case 'dns':
      return `The name ${host ?? 'in the endpoint'} does not resolve from the collector's pod: correct exporters.${id}.endpoint (a Service in another namespace is <name>.<namespace>.svc), or create the Service or DNS record it names.`;
    case 'refused':
      return `Nothing accepts connections at ${where}: start the backend, or point exporters.${id}.endpoint at the port it listens on (OTLP: 4317 for gRPC, 4318 for HTTP).`;
    case 'timeout':
      return `${where} does not answer in time: check the address, NetworkPolicy egress from the collector's namespace and firewalls on the way; raise exporters.${id}.timeout only for a backend that is merely slow.`;
    case 'tls':
      if (/first record does not look like a TLS handshake|server gave HTTP response to HTTPS client/.test(error)) {
        return `The backend at ${where} speaks plaintext: set exporters.${id}.tls.insecure: true (otlp) or use an http:// endpoint (otlphttp), or enable TLS on the backend.`;
      }
      if (/x509: /.test(error)) {
        return `The backend's certificate is not trusted or does not name ${host ?? 'the host'}: give exporters.${id}.tls.ca_file the CA that signed it, or fix the certificate's names.`;
      }
      return `The TLS settings of exporters.${id} and the backend at ${where} disagree: match tls (insecure, ca_file, cert_file/key_file for mTLS) to what the backend serves.`;
    case 'auth':
      return `The backend refuses the exporter's credentials${status ? ` (${status})` : ''}: set the token or API key it expects in exporters.${id}.headers or its auth extension; the data is dropped without retry until then.`;
    case 'protocol':
      return `exporters.${id} speaks the other OTLP transport than ${where} serves: the otlp exporter (gRPC) needs the backend's gRPC port (4317), otlphttp its HTTP port (4318).`;
    case 'throttled':
      return `The backend at ${where} throttles the exporter${status ? ` (${status})` : ''}: it takes less than arrives. Raise its ingestion limits, or send less (sampling, filtering); the exporter retries meanwhile.`;
    case 'http-4xx':
      if (status === '404') { return `The backend has no handler on that path: otlphttp appends /v1/<signal> to exporters.${id}.endpoint (give the base URL), or set traces_endpoint/metrics_endpoint/logs_endpoint in full.`; }
      if (status === '413') { return `The backend refuses requests this large: cap the batch (batch processor send_batch_max_size, or the exporter's sending_queue batch limits).`; }
      return `The backend rejects the data${status ? ` (${status})` : ''} and the collector drops it without retry: the backend's message above says why.`;
    case 'http-5xx':
      return `The backend at ${where} fails${status ? ` (${status})` : ''}: its own logs say why; the exporter retries, then drops.`;
    case 'memory-limit':
      return `The collector at ${where} refuses the data with its memory limiter: give it memory or replicas, or lower its load (see collector-refusing-data there).`;
    default:
      return `Read the error above and check that ${where} is the backend's OTLP address for exporters.${id}.`;
  }
}

export const rule: Rule = {
  id: 'exporter-failing',
  severity: 'error',
  title: 'Collector cannot deliver to its backend',
  description:
    'The collector receives, but an exporter cannot send: its own log says so ("Exporting failed. Will retry the request after interval." while it retries, "Exporting failed. Dropping data." or "Rejecting data." when the data is lost: a permanent error, retries run out, or no queue) with the Go error that tells why: a name that does not resolve, a refused connection, a timeout, a TLS mismatch, 401/403, another 4xx or a 5xx. The finding names the exporter, where it sends (from the effective config) and the pipelines that lose data; the collector\'s own metrics (otelcol_exporter_send_failed_*) prove it where they can be read through the API server\'s pod proxy. A full sending queue of the same exporter folds into this row: it is the consequence.',
  evidence: ['log', 'config', 'api'],
  fix: 'Depends on the error: correct the endpoint host (DNS), port (refused) or transport (otlp = gRPC, otlphttp = HTTP); match the TLS settings; give the backend the credentials it expects; read the backend\'s answer for other 4xx/5xx.',
  modes: ['diagnose'],
  check(s) {
    return judgeCollectorWorkloads(s, (w) => {
      const byExporter = matchesByExporter(s, w.pods, 'export-failed');
      // Metrics alone: an exporter that failed and never delivered (a past blip that recovered is not this).
      const delivered = exportersWith(w.pods, SENT);
      for (const id of exportersWith(w.pods, SEND_FAILED)) {
        if (!byExporter.has(id) && !delivered.has(id)) { byExporter.set(id, { pods: new Set(w.pods), lines: [] }); }
      }
      if (!byExporter.size) { return null; }
      const findings: RuleFinding[] = [];
      const checked: CheckedEntry[] = [];
      const c = w.pods[0];
      for (const [id, { pods, lines }] of byExporter) {
        // A backend that only throttles is up: when the queue overflows meanwhile, exporter-queue-full is the row.
        if (lines.length && lines.every((m) => m.fields?.class === 'throttled') && [...pods].some((p) => currentCollectorMatches(s, p, ['queue-full']).some((q) => q.fields?.component === id))) {
          checked.push({ subject: w.label });
          continue;
        }
        const last = lines[lines.length - 1];
        const cls = last?.fields?.class ?? 'other';
        const error = last?.fields?.error ?? '';
        const lost = lines.filter((m) => m.fields?.outcome === 'dropped' || m.fields?.outcome === 'rejected');
        const endpoint = exporterEndpoint(c, id);
        const piped = pipelinesOf(c, id);
        const evidence: Evidence[] = [];
        // One line per distinct error class and outcome: a retry loop repeats the same line every few seconds.
        const shown = new Set<string>();
        for (const m of [...lines].reverse()) {
          const k = `${m.fields?.class}|${m.fields?.outcome}`;
          if (shown.has(k) || shown.size >= 3) { continue; }
          shown.add(k);
          // The error, not the whole line: a JSON line with its resource dict would be cut before it.
          const f = m.fields ?? {};
          evidence.push({ source: 'log', detail: f.error ? `Exporting failed (${f.outcome}${f.items ? `, ${f.items} items` : ''}) ${id}${f.signal ? ` ${f.signal}` : ''}: ${truncate(f.error, 400)}` : truncate(m.line.trim(), 500) });
        }
        if (lines.length > shown.size) { evidence.push({ source: 'log', detail: `${lines.length} failed sends of ${id} in the last lines of ${[...pods].map((p) => p.pod).join(', ')}${lost.length ? `, ${lost.length} of them dropping data` : ''}` }); }
        evidence.push({ source: 'config', detail: `exporters.${id}${endpoint ? `.endpoint: ${endpoint}` : ' (no endpoint in the config)'}; pipelines sending to it: ${piped.length ? piped.join(', ') : 'none found'}` });
        evidence.push(...metricEvidence([...pods], SEND_FAILED, { exporter: id }));
        // While it still retries nothing is counted as failed (the retry sender returns first): the data it
        // holds is the proof then.
        evidence.push(...metricEvidence([...pods], /^otelcol_exporter_queue_size$/, { exporter: id }).filter((e) => !/were not read/.test(e.detail)));
        const what = CLASS_TEXT[cls] ?? CLASS_TEXT.other;
        const dropping = lost.length > 0 || last?.fields?.permanent === 'true';
        findings.push({
          subject: w.subject,
          summary: `exporter ${id} cannot deliver${endpoint ? ` to ${endpoint}` : ''}: ${what}`,
          rootCause: `The collector's ${id} exporter fails its sends (${what}${last?.fields?.status ? `, ${last.fields.status}` : ''}); ${dropping ? 'data is being dropped' : 'it retries, and drops the data when retries run out (retry_on_failure.max_elapsed_time, 5 minutes by default) or its queue fills'}. Pipelines losing data: ${piped.length ? piped.join(', ') : id}.`,
          evidence,
          fix: { summary: fixFor(id, cls, endpoint, error, last?.fields?.status), target: `exporters.${id} in the collector config of ${w.label}` },
          explains: [keys.exporterFailing(w.key, id)],
        });
      }
      return { findings, checked };
    });
  },
};
