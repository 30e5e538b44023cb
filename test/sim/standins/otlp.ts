// OTLP wire bits shared by the collector and app stand-ins: a tiny protobuf encoder for one span,
// gRPC length-prefixed framing, and the bytes grpc-go / Go net/http put on the wire in the mix-up cases.

export const SIGNALS = ['traces', 'metrics', 'logs'] as const;
export type Signal = (typeof SIGNALS)[number];

export const GRPC_PATHS: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

/**
 * An empty Export*ServiceResponse as the collector serialises it: pdata's gogo marshaller always writes
 * the non-nullable `partial_success` field, i.e. field 1, length 0 (reference collector-logs.md §5.1).
 */
export const EMPTY_EXPORT_RESPONSE = Buffer.from([0x0a, 0x00]);

/**
 * grpc-go's server writes its SETTINGS frame (MAX_FRAME_SIZE=16384) before reading the client preface,
 * so an HTTP/1.1 client reads exactly these bytes as its "status line" (reference sdk-export-errors.md §0).
 */
export const GRPC_GO_SETTINGS_FRAME = Buffer.from([0x00, 0x00, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x40, 0x00]);

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function lenField(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...varint((field << 3) | 2), ...varint(payload.length)]), payload]);
}

function fixed64Field(field: number, v: bigint): Buffer {
  const b = Buffer.alloc(9);
  b[0] = (field << 3) | 1;
  b.writeBigUInt64LE(v, 1);
  return b;
}

function varintField(field: number, v: number): Buffer {
  return Buffer.from([...varint(field << 3), ...varint(v)]);
}

/** ExportTraceServiceRequest with one span of `serviceName` (valid OTLP protobuf). */
export function encodeTraceRequest(serviceName: string, spanName: string, traceId: Buffer, spanId: Buffer, startNs: bigint, endNs: bigint): Buffer {
  const anyValue = lenField(1, Buffer.from(serviceName));
  const keyValue = Buffer.concat([lenField(1, Buffer.from('service.name')), lenField(2, anyValue)]);
  const resource = lenField(1, keyValue);
  const span = Buffer.concat([
    lenField(1, traceId),
    lenField(2, spanId),
    lenField(5, Buffer.from(spanName)),
    varintField(6, 2), // SPAN_KIND_SERVER
    fixed64Field(7, startNs),
    fixed64Field(8, endNs),
  ]);
  const scopeSpans = lenField(2, span);
  const resourceSpans = Buffer.concat([lenField(1, resource), lenField(2, scopeSpans)]);
  return lenField(1, resourceSpans);
}

/** The same span as OTLP/JSON (hex ids, string nanos, per the OTLP JSON mapping). */
export function encodeTraceRequestJson(serviceName: string, spanName: string, traceId: Buffer, spanId: Buffer, startNs: bigint, endNs: bigint): string {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
      scopeSpans: [{ spans: [{ traceId: traceId.toString('hex'), spanId: spanId.toString('hex'), name: spanName, kind: 2, startTimeUnixNano: String(startNs), endTimeUnixNano: String(endNs) }] }],
    }],
  });
}

/** gRPC message framing: compressed flag, 4-byte big-endian length, message. */
export function grpcFrame(msg: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}
