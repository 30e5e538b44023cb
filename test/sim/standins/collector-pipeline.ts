// The stand-in collector's pipelines: what a receiver does with an export request once it has parsed it.
// The request goes through each pipeline of its signal that names the receiver (fanoutconsumer), through
// the processors (memory_limiter refuses, batch answers at once and sends later, the rest pass) to every
// exporter; the errors that come back are the receiver's answer to the app. Sources (collector, per tag):
// receiver/otlpreceiver/internal/trace/otlp.go (an empty request returns before the pipeline),
// from v0.93.0 (#8080, bb1ae648cf) Export turns an error without a status into Unavailable (permanent:
// InvalidArgument, then Internal from v0.94.0's internal/errors/errors.go); otlphttp.go writeError keeps
// that status in the body but answers HTTP 500 until v0.98.0 (#9357: GetHTTPStatusCodeFromStatus, so 503);
// up to v0.92 Export returns the error as is (grpc-go's Unknown; writeError's errorMsgToStatus, Unknown
// with 500); processor/batchprocessor (ConsumeTraces only
// enqueues); internal/fanoutconsumer (errors joined by multierr, "; ").
import { minorOf, type Fields, type Version, type ZapLogger } from './logformat.ts';
import type { Signal } from './otlp.ts';
import { CollectorError, isMap, typeOf, type Conf } from './collector-config.ts';
import { Exporter, PipelineError } from './collector-export.ts';
import { dataRefusedError, MemoryLimiter, validateMemoryLimiter } from './collector-memlimit.ts';
import { SelfMetrics } from './collector-metrics.ts';
import { countItems, httpStatusFromGrpc, type Consume, type Refusal } from './collector-status.ts';

const ITEMS: Record<Signal, string> = { traces: 'spans', metrics: 'metric_points', logs: 'log_records' };

/**
 * The Validate of the components modelled here, run with the rest of the config's validation:
 * internal/memorylimiter/config.go, exporter/otlpexporter/config.go (`requires a non-empty "endpoint"`, the
 * scheme stripped), exporter/otlphttpexporter/config.go (`at least one endpoint must be specified`).
 */
export function validateComponents(conf: Conf): void {
  for (const [id, pc] of Object.entries(isMap(conf.processors) ? conf.processors : {})) {
    if (typeOf(id).replace(/_/g, '') === 'memorylimiter') { validateMemoryLimiter(id, pc); }
  }
  for (const [id, ec] of Object.entries(isMap(conf.exporters) ? conf.exporters : {})) {
    const type = typeOf(id).replace(/_/g, '');
    const c = isMap(ec) ? ec : {};
    const str = (k: string): string => (typeof c[k] === 'string' ? (c[k] as string) : '');
    const fail = (msg: string): never => { throw new CollectorError(`invalid configuration: exporters::${id}: ${msg}`); };
    if (type === 'otlp' && str('endpoint').replace(/^https?:\/\//, '') === '') { fail('requires a non-empty "endpoint"'); }
    if (type === 'otlphttp' && ['endpoint', 'traces_endpoint', 'metrics_endpoint', 'logs_endpoint', 'profiles_endpoint'].every((k) => str(k) === '')) { fail('at least one endpoint must be specified'); }
  }
}

/** The component fields of an exporter's or processor's log lines per era (reference collector-logs.md §1.2). */
export function componentFields(m: number, kind: 'exporter' | 'processor', id: string, signal: Signal, pipelineId: string): Fields {
  if (m >= 123 && m <= 124) { return {}; }
  if (m >= 120) {
    const k = m >= 125 ? kind : kind[0].toUpperCase() + kind.slice(1);
    return kind === 'exporter'
      ? { 'otelcol.component.id': id, 'otelcol.component.kind': k, 'otelcol.signal': signal }
      : { 'otelcol.component.id': id, 'otelcol.component.kind': k, 'otelcol.pipeline.id': pipelineId, 'otelcol.signal': signal };
  }
  // service/internal/components/loggers.go: ExporterLogger (kind, data_type, name), ProcessorLogger (kind, name, pipeline).
  return kind === 'exporter' ? { kind, data_type: signal, name: id } : { kind, name: id, pipeline: pipelineId };
}

interface Pipeline { id: string; signal: Signal; receivers: string[]; processors: string[]; exporters: string[] }

export class Pipelines {
  readonly metrics = new SelfMetrics();
  private readonly v: Version;
  private readonly pipelines: Pipeline[] = [];
  private readonly exporters = new Map<string, Exporter>();
  private readonly limiters = new Map<string, MemoryLimiter>();

  constructor(conf: Conf, v: Version, log: ZapLogger) {
    this.v = v;
    const m = minorOf(v);
    const service = isMap(conf.service) ? conf.service : {};
    const pipes = isMap(service.pipelines) ? service.pipelines : {};
    const list = (p: Conf, k: string): string[] => (Array.isArray(p[k]) ? (p[k] as unknown[]).map(String) : []);
    for (const [pid, raw] of Object.entries(pipes)) {
      const sig = typeOf(pid);
      if (sig !== 'traces' && sig !== 'metrics' && sig !== 'logs') { continue; }
      const p = isMap(raw) ? raw : {};
      const pl: Pipeline = { id: pid, signal: sig, receivers: list(p, 'receivers'), processors: list(p, 'processors'), exporters: list(p, 'exporters') };
      this.pipelines.push(pl);
      const procConfs = isMap(conf.processors) ? conf.processors : {};
      for (const id of pl.processors) {
        if (typeOf(id).replace(/_/g, '') !== 'memorylimiter' || this.limiters.has(id)) { continue; }
        const pc = isMap(procConfs[id]) ? (procConfs[id] as Conf) : {};
        this.limiters.set(id, new MemoryLimiter(pc, v, log, componentFields(m, 'processor', id, sig, pid)));
      }
      const expConfs = isMap(conf.exporters) ? conf.exporters : {};
      for (const id of pl.exporters) {
        const k = `${id}|${sig}`;
        if (this.exporters.has(k) || !isMap(expConfs[id])) { continue; }
        this.exporters.set(k, new Exporter(id, sig, expConfs[id] as Conf, { v, log, metrics: this.metrics, fields: componentFields(m, 'exporter', id, sig, pid) }));
      }
    }
  }

  start(): void { for (const l of this.limiters.values()) { l.start(); } }

  shutdown(): void {
    for (const l of this.limiters.values()) { l.stop(); }
    for (const e of this.exporters.values()) { e.shutdown(); }
  }

  /** The processors from `from` on, then the exporters; batch hands the rest to its own send and answers nil. */
  private async through(p: Pipeline, from: number, items: number, body: Buffer, json: boolean): Promise<PipelineError | undefined> {
    for (let i = from; i < p.processors.length; i++) {
      const id = p.processors[i];
      const type = typeOf(id).replace(/_/g, '');
      const labels = { processor: id };
      if (type === 'memorylimiter') {
        // processorhelper's names, kept by memorylimiterprocessor's own metadata from v0.111.0, prefixed with
        // the component from v0.155.0 (processor/memorylimiterprocessor/documentation.md per tag).
        const prefix = minorOf(this.v) >= 155 ? 'otelcol_processor_memory_limiter' : 'otelcol_processor';
        if (this.limiters.get(id)?.mustRefuse) {
          this.metrics.add(`${prefix}_refused_${ITEMS[p.signal]}`, labels, items);
          return new PipelineError(dataRefusedError(minorOf(this.v)), false);
        }
        this.metrics.add(`${prefix}_accepted_${ITEMS[p.signal]}`, labels, items);
      } else if (type === 'batch') {
        // The batch processor's timeout (200ms) flush carries the data on; its errors are only logged by the exporter.
        setTimeout(() => { void this.through(p, i + 1, items, body, json); }, 200).unref();
        return undefined;
      }
    }
    const errs = (await Promise.all(p.exporters.map((id) => this.exporters.get(`${id}|${p.signal}`)?.consume(items, body, json)))).filter((e): e is PipelineError => e !== undefined);
    if (errs.length === 0) { return undefined; }
    if (errs.length === 1) { return errs[0]; }
    return new PipelineError(errs.map((e) => e.message).join('; '), errs.some((e) => e.permanent), errs.find((e) => e.grpcCode !== undefined)?.grpcCode);
  }

  /** The receiver `id`'s consumer for requests arriving over `transport` (its metrics' labels). */
  consumer(receiverId: string, transport: 'grpc' | 'http'): Consume {
    return async (signal, body, json) => {
      const items = countItems(signal, body, json);
      if (items === 0) { return undefined; }
      const mine = this.pipelines.filter((p) => p.signal === signal && p.receivers.includes(receiverId));
      const errs = (await Promise.all(mine.map((p) => this.through(p, 0, items, body, json)))).filter((e): e is PipelineError => e !== undefined);
      const labels = { receiver: receiverId, transport };
      if (errs.length === 0) {
        this.metrics.add(`otelcol_receiver_accepted_${ITEMS[signal]}`, labels, items);
        this.metrics.add(`otelcol_receiver_refused_${ITEMS[signal]}`, labels, 0);
        return undefined;
      }
      this.metrics.add(`otelcol_receiver_accepted_${ITEMS[signal]}`, labels, 0);
      this.metrics.add(`otelcol_receiver_refused_${ITEMS[signal]}`, labels, items);
      const err = errs.length === 1 ? errs[0] : new PipelineError(errs.map((e) => e.message).join('; '), errs.some((e) => e.permanent), errs.find((e) => e.grpcCode !== undefined)?.grpcCode);
      return refusalFor(minorOf(this.v), err);
    };
  }
}

/**
 * What the OTLP receiver answers for a pipeline error, per version and transport: `grpcCode` is the status
 * both transports carry (gRPC's, and the rpc.Status in the HTTP body), `httpStatus` the HTTP answer's code.
 */
export function refusalFor(m: number, err: PipelineError): Refusal {
  if (m < 93) { return { grpcCode: 2, message: err.message, httpStatus: 500 }; }
  const code = err.grpcCode ?? (err.permanent ? (m < 94 ? 3 : 13) : 14);
  return { grpcCode: code, message: err.message, httpStatus: m < 98 ? 500 : httpStatusFromGrpc(code) };
}
