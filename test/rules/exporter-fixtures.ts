/**
 * Snapshots for the way-out rules: the healthy Helm fixture with a backend exporter, and log evidence built
 * by the real matcher from real lines (docs/reference/collector-exporter-logs.md).
 */
import { matchLog } from '../../src/otel/logs.ts';
import type { LogEvidence, MetricSample, Snapshot } from '../../src/snapshot.ts';
import { loadSnapshot, variant } from './helpers.ts';

export const POD = 'otel-collector-agent-7f8d9c6b5-q8w2z';
export const SUBJECT = 'Deployment observability/otel-collector:opentelemetry-collector';

/** healthy-helm with `otlp/backend` (gRPC) next to debug in every pipeline; memory_limiter first when asked. */
export function withBackend(endpoint = 'tempo.tracing.svc:4317', opts: { memoryLimiter?: boolean; exporter?: string } = {}): Snapshot {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    const cfg = s.collectors[0].effectiveConfig as Record<string, any>;
    const id = opts.exporter ?? 'otlp/backend';
    cfg.exporters[id] = id.startsWith('otlphttp') ? { endpoint } : { endpoint, tls: { insecure: true } };
    if (opts.memoryLimiter) { cfg.processors.memory_limiter = { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 }; }
    for (const p of Object.values(cfg.service.pipelines) as { processors: string[]; exporters: string[] }[]) {
      p.exporters.push(id);
      if (opts.memoryLimiter) { p.processors.unshift('memory_limiter'); }
    }
  });
}

export function collectorLog(lines: string[], pod = POD): LogEvidence {
  return { namespace: 'observability', pod, container: 'opentelemetry-collector', role: 'collector', matches: matchLog(lines.join('\n'), 'collector'), tail: lines };
}

export function appLog(pod: string, container: string, lines: string[]): LogEvidence {
  return { namespace: 'shop', pod, container, role: 'app', matches: matchLog(lines.join('\n'), 'app'), tail: lines };
}

export function withLogs(s: Snapshot, ...logs: LogEvidence[]): Snapshot {
  return variant(s, (x) => { x.logs.push(...logs); });
}

export function withMetrics(s: Snapshot, samples: MetricSample[]): Snapshot {
  return variant(s, (x) => {
    x.collectors[0].metrics = { endpoint: '10.244.1.5:8888', from: 'service.telemetry.metrics.readers[0]', port: 8888, path: `/api/v1/namespaces/observability/pods/${POD}:8888/proxy/metrics`, samples };
  });
}

// Real lines (sources in docs/reference/collector-exporter-logs.md), the exporter renamed to the fixture's.
export const DNS_RETRY = '{"level":"info","ts":"2025-08-26T06:15:41.396Z","caller":"internal/retry_sender.go:133","msg":"Exporting failed. Will retry the request after interval.","resource":{"service.instance.id":"2d137878-526f-4e18-b360-db3c29703c1d","service.name":"otelcol-custom","service.version":"0.129.0"},"otelcol.component.id":"otlp/backend","otelcol.component.kind":"exporter","otelcol.signal":"metrics","error":"rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial tcp: lookup tempo.tracing.svc on 10.96.0.10:53: no such host\\"","interval":"11.442754137s"}';
export const REFUSED_RETRY = '2024-02-20T18:51:28.605Z\tinfo\texporterhelper/retry_sender.go:129\tExporting failed. Will retry the request after interval.\t{"kind": "exporter", "data_type": "metrics", "name": "otlphttp", "error": "failed to make an HTTP request: Post \\"http://localhost:9009/otlp/v1/metrics\\": dial tcp 127.0.0.1:9009: connect: connection refused", "interval": "4.179256493s"}';
export const FORBIDDEN_DROP = '2025-07-24T15:21:18.514Z        error   internal/queue_sender.go:57     Exporting failed. Dropping data.  {"resource": {}, "otelcol.component.id": "otlphttp/openobserve", "otelcol.component.kind": "exporter", "otelcol.signal": "metrics", "error": "not retryable error: Permanent error: rpc error: code = PermissionDenied desc = error exporting items, request to https://observe.******.com/api/yoroi/v1/metrics responded with HTTP Status Code 403", "dropped_items": 805}';
export const QUEUE_FULL_OLD = '{"level":"error","ts":1603846177.78816,"caller":"exporterhelper/queued_retry.go:150","msg":"Dropping data because sending_queue is full. Try increasing queue_size.","component_kind":"exporter","component_type":"otlphttp","component_name":"otlp/backend","dropped_items":12}';
export const QUEUE_FULL_NEW = '2025-10-20T12:59:49.661Z\terror\tinternal/base_exporter.go:114\tExporting failed. Rejecting data.\t{"resource": {}, "otelcol.component.id": "otlp/backend", "otelcol.component.kind": "exporter", "otelcol.signal": "traces", "error": "sending queue is full", "rejected_items": 512}';
export const LIMITER_CONFIGURED = '2023-12-05T09:40:40.212Z info memorylimiterprocessor@v0.90.1/memorylimiter.go:102 Memory limiter configured {"kind": "processor", "name": "memory_limiter", "pipeline": "traces", "limit_mib": 900, "spike_limit_mib": 650, "check_interval": 1}';
export const LIMITER_REFUSING = '2023-12-05T09:50:45.501Z warn memorylimiterprocessor@v0.90.1/memorylimiter.go:302 Memory usage is above soft limit. Refusing data. {"kind": "processor", "name": "memory_limiter", "pipeline": "traces", "cur_mem_mib": 250}';
export const LIMITER_RECOVERED = '2023-12-05T09:43:08.213Z info memorylimiterprocessor@v0.90.1/memorylimiter.go:288 Memory usage back within limits. Resuming normal operation. {"kind": "processor", "name": "memory_limiter", "pipeline": "traces", "cur_mem_mib": 160}';
export const JAVA_REFUSED = 'WARNING: Failed to export metrics. Server responded with gRPC status code 2. Error message: data dropped due to high memory usage';
// grafana/tempo#3831 (collector 0.96.0), the exporter renamed to the fixture's.
export const THROTTLED_DROP = '2024-06-26T20:09:22.513Z error exporterhelper/queue_sender.go:97 Exporting failed. Dropping data. {"kind": "exporter", "data_type": "traces", "name": "otlp/backend", "error": "no more retries left: Throttle (0s), error: error exporting items, request to https://otlp-gateway-prod-us-central-0.grafana.net/otlp/v1/traces responded with HTTP Status Code 429, Message=grpc: received message after decompression larger than max (15728641 vs. 15728640), Details=[]", "dropped_items": 14694}';
