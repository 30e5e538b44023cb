/**
 * Log signatures: a pure function from one log line to what it proves. Collector lines are matched in
 * every format from 0.100 to today (console with `kind/name`, `otelcol.component.*`, the 0.123 regression
 * with no component fields, the `resource` dict from 0.126, JSON encoding with float or ISO `ts`, and the
 * pre-0.62 `on endpoint X` message). SDK lines follow ../shared/reference/sdk-export-errors.md §0.
 * Order matters for SDK lines: Go prefixes every failure with `context deadline exceeded:`, so the
 * specific causes (protocol, TLS, DNS, refused) are tried before timeout.
 */
import type { LogKind, LogMatch } from '../snapshot.ts';

interface Sig {
  id: string;
  kind: LogKind;
  re: RegExp;
  /** extra field extraction */
  fields?: (line: string, m: RegExpExecArray) => Record<string, string>;
}

/** A JSON or console field value: `"endpoint": "x"` or `"endpoint":"x"`. */
export function fieldOf(line: string, name: string): string | undefined {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`"${esc}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(line);
  return m ? m[1].replace(/\\"/g, '"') : undefined;
}

function componentId(line: string): string | undefined {
  return fieldOf(line, 'otelcol.component.id') ?? fieldOf(line, 'name') ?? fieldOf(line, 'component_name');
}

const COLLECTOR: Sig[] = [
  {
    id: 'collector-server-start',
    kind: 'startup',
    re: /Starting (GRPC|HTTP) server/,
    fields: (line, m) => {
      const server = m[1].toLowerCase();
      const old = /Starting (?:GRPC|HTTP) server on endpoint (\S+)/.exec(line);
      const endpoint = old?.[1] ?? fieldOf(line, 'endpoint');
      const id = componentId(line);
      return { server, ...(endpoint ? { endpoint } : {}), ...(id ? { component: id } : {}) };
    },
  },
  {
    id: 'collector-bind-in-use',
    kind: 'bind',
    re: /listen tcp (\S+): bind: address already in use/,
    fields: (line, m) => ({ address: m[1], ...componentFromError(line) }),
  },
  {
    id: 'collector-bind-cannot-assign',
    kind: 'bind',
    re: /listen tcp (\S+): bind: cannot assign requested address/,
    fields: (line, m) => ({ address: m[1], ...componentFromError(line) }),
  },
  {
    id: 'collector-bind-failed',
    kind: 'bind',
    re: /listen tcp (\S+): bind: ([^"\n]+?)(?:"|$)/,
    fields: (line, m) => ({ address: m[1], error: m[2].trim(), ...componentFromError(line) }),
  },
  // Go's net.SplitHostPort on an unbracketed IPv6 host (net/ipsock.go, AddrError under listen's OpError):
  // `listen tcp: address fd00::5:4317: too many colons in address` in the `Failed to start component`
  // error and the final `Error: cannot start pipelines: ...` (contrib#38174, #37876; helm-charts#816).
  {
    id: 'collector-listen-too-many-colons',
    kind: 'bind',
    re: /address (\S+?): too many colons in address/,
    fields: (line, m) => ({ address: m[1], ...componentFromError(line) }),
  },
  {
    id: 'collector-config-invalid',
    kind: 'config',
    re: /(?:^Error: |collector server run finished with error: |"error":\s*")(invalid configuration: .*|failed to get config: .*|failed to resolve config: .*|cannot unmarshal the configuration.*)$/,
    fields: (_l, m) => ({ error: m[1] }),
  },
  {
    id: 'collector-unset-env',
    kind: 'unset-env',
    re: /Configuration references (unset|empty) environment variable/,
    fields: (line, m) => {
      const name = fieldOf(line, 'name');
      return { state: m[1], ...(name ? { name } : {}) };
    },
  },
  {
    id: 'collector-start-failed',
    kind: 'crash',
    re: /(?:^Error: |collector server run finished with error: )(.+)$/,
    fields: (_l, m) => ({ error: m[1] }),
  },
  {
    id: 'collector-component-failed',
    kind: 'crash',
    re: /Failed to start component/,
    fields: (line) => {
      const error = fieldOf(line, 'error');
      const id = fieldOf(line, 'id');
      return { ...(error ? { error } : {}), ...(id ? { component: id } : {}) };
    },
  },
  { id: 'collector-ready', kind: 'ready', re: /Everything is ready\. Begin running and processing data\./ },
  {
    id: 'collector-version',
    kind: 'startup',
    re: /Starting (\S+?)\.\.\.\s/,
    fields: (line, m) => {
      const v = fieldOf(line, 'Version');
      return { binary: m[1], ...(v ? { version: v } : {}) };
    },
  },
  {
    id: 'collector-grpc-bogus-greeting',
    kind: 'protocol',
    re: /received bogus greeting from client/,
  },
  // The way out (docs/reference/collector-exporter-logs.md). A full queue first: from 0.93 it is the
  // "Rejecting data." line whose error is the queue's own (queue.go ErrQueueIsFull); up to 0.92 its own
  // message (queue_sender.go@v0.92.0:214, queued_retry.go@v0.80.0:308).
  {
    id: 'collector-export-queue-full',
    kind: 'queue-full',
    re: /Dropping data because sending_queue is full|"error"\s*:\s*"sending[_ ]queue is full"/,
    fields: (line) => exportFields(line, 'dropped'),
  },
  // queued_retry.go (<= 0.85), retry_sender.go/queue_sender.go (0.86-0.109), internal/ after; the 0.93 rewording
  // (#9282): "Dropping data." after the queue, "Rejecting data." before it (base_exporter.go@v0.159.0:119).
  {
    id: 'collector-export-dropped',
    kind: 'export-failed',
    re: /Exporting failed\. (?:Dropping data\.|Rejecting data\.|No more retries left\. Dropping data\.|The error is not retryable\. Dropping data\.|Queue did not accept requeuing request\. Dropping data\.|Try enabling (?:sending_queue|retry_on_failure))/,
    fields: (line) => exportFields(line, /Rejecting data\./.test(line) ? 'rejected' : 'dropped'),
  },
  {
    id: 'collector-export-retry',
    kind: 'export-failed',
    re: /Exporting failed\. Will retry the request after interval\./,
    fields: (line) => {
      const interval = fieldOf(line, 'interval');
      return { ...exportFields(line, 'retrying'), ...(interval ? { interval } : {}) };
    },
  },
  // memorylimiter.go (processor/memorylimiterprocessor <= 0.92, internal/memorylimiter after; :301@v0.159.0):
  // "Refusing data." and "back within limits" mark the transitions in and out of refusing.
  { id: 'collector-memory-refusing', kind: 'memory-limit', re: /Memory usage is above soft limit\. Refusing data\./, fields: (line) => memoryFields(line, 'refusing') },
  { id: 'collector-memory-hard-limit', kind: 'memory-limit', re: /Memory usage is above hard limit\. Forcing a GC\./, fields: (line) => memoryFields(line, 'hard-limit') },
  { id: 'collector-memory-recovered', kind: 'memory-limit', re: /Memory usage back within limits\. Resuming normal operation\./, fields: (line) => memoryFields(line, 'recovered') },
  { id: 'collector-memory-configured', kind: 'memory-limit', re: /Memory limiter configured/, fields: (line) => memoryFields(line, 'configured') },
];

/** A numeric console/JSON field: `"dropped_items": 805`. */
function numberField(line: string, name: string): string | undefined {
  return new RegExp(`"${name}"\\s*:\\s*(-?\\d+(?:\\.\\d+)?)`).exec(line)?.[1];
}

/**
 * The class of an exporter's error text, which decides the fix: the Go errors the otlp / otlphttp exporters
 * wrap (net.Dial, crypto/tls, grpc status, `responded with HTTP Status Code N`), most specific first.
 */
export type ExportErrorClass = 'queue-full' | 'memory-limit' | 'auth' | 'tls' | 'dns' | 'refused' | 'protocol' | 'throttled' | 'http-4xx' | 'http-5xx' | 'timeout' | 'unavailable' | 'other';

export function exportErrorClass(error: string): { class: ExportErrorClass; status?: number } {
  const status = /HTTP Status Code (\d{3})|(?:status code|HTTP) (\d{3})\b/.exec(error);
  const code = status ? Number(status[1] ?? status[2]) : undefined;
  const withStatus = (c: ExportErrorClass): { class: ExportErrorClass; status?: number } => (code ? { class: c, status: code } : { class: c });
  if (/sending[_ ]queue is full/.test(error)) { return { class: 'queue-full' }; }
  if (/data (?:refused|dropped) due to high memory usage/.test(error)) { return withStatus('memory-limit'); }
  if (code === 401 || code === 403 || /code = (?:Unauthenticated|PermissionDenied)\b/.test(error)) { return withStatus('auth'); }
  if (/x509: |tls: |first record does not look like a TLS handshake|server gave HTTP response to HTTPS client|authentication handshake failed/.test(error)) { return { class: 'tls' }; }
  if (/no such host|produced zero addresses|server misbehaving|Temporary failure in name resolution|lookup \S+ on \S+:/.test(error)) { return { class: 'dns' }; }
  if (/connection refused/.test(error)) { return { class: 'refused' }; }
  if (/http2: frame too large|malformed HTTP response|server preface|HTTP\/1\.x transport connection broken/.test(error)) { return { class: 'protocol' }; }
  // The backend is up and asks to slow down (otlphttp retries 429; otlp retries ResourceExhausted with RetryInfo).
  if (code === 429 || /code = ResourceExhausted\b/.test(error)) { return withStatus('throttled'); }
  if (code !== undefined && code >= 400 && code < 500 && code !== 408) { return withStatus('http-4xx'); }
  if (code !== undefined && code >= 500) { return withStatus('http-5xx'); }
  if (/i\/o timeout|context deadline exceeded|DeadlineExceeded|Client\.Timeout exceeded/.test(error)) { return withStatus('timeout'); }
  if (/code = Unavailable/.test(error) || code === 408) { return withStatus('unavailable'); }
  return withStatus('other');
}

/** exporterhelper's fields: the exporter, the signal, the error, its class and target, the items lost. */
function exportFields(line: string, outcome: 'retrying' | 'dropped' | 'rejected'): Record<string, string> {
  const out: Record<string, string> = { outcome };
  const id = componentId(line);
  if (id) { out.component = id; }
  const signal = fieldOf(line, 'otelcol.signal') ?? fieldOf(line, 'data_type');
  if (signal) { out.signal = signal; }
  const error = fieldOf(line, 'error');
  if (error) {
    out.error = error;
    const c = exportErrorClass(error);
    out.class = c.class;
    if (c.status) { out.status = String(c.status); }
    if (/Permanent error|not retryable error/.test(error)) { out.permanent = 'true'; }
    Object.assign(out, targetFields(error));
  } else if (/sending_queue is full/.test(line)) {
    out.class = 'queue-full';
  }
  const items = numberField(line, 'dropped_items') ?? numberField(line, 'rejected_items');
  if (items) { out.items = items; }
  return out;
}

function memoryFields(line: string, state: string): Record<string, string> {
  const out: Record<string, string> = { state };
  const id = componentId(line);
  if (id) { out.component = id; }
  for (const k of ['cur_mem_mib', 'limit_mib', 'spike_limit_mib']) {
    const v = numberField(line, k);
    if (v) { out[k] = v; }
  }
  const pipeline = fieldOf(line, 'pipeline') ?? fieldOf(line, 'otelcol.pipeline.id');
  if (pipeline) { out.pipeline = pipeline; }
  return out;
}

function componentFromError(line: string): Record<string, string> {
  const m = /failed to start "([^"]+)" (receiver|exporter|extension|processor|connector)/.exec(line);
  if (m) { return { component: m[1], componentKind: m[2] }; }
  const id = fieldOf(line, 'id');
  return id ? { component: id } : {};
}

/** Where the failing client was sending: `dial tcp 10.0.0.1:4317`, `Post "http://x:4318/v1/traces"`, ... */
function targetFields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const url = /(?:Post|POST) \\?"(https?:\/\/[^"\\\s]+)\\?"/.exec(line) ?? /(https?:\/\/[A-Za-z0-9_.\-[\]:]+(?::\d+)?(?:\/[^\s"'\\,}]*)?)/.exec(line);
  if (url) { out.url = url[1]; }
  const dial = /dial tcp (\[[^\]]+\]:\d+|[^\s:"\\]+:\d+)/.exec(line);
  if (dial) { out.address = dial[1]; }
  const java = /Failed to connect to ([^\s/]*)\/([^\s]+)/.exec(line);
  if (java) {
    out.host = java[1];
    out.address = java[2];
  }
  const node = /ECONNREFUSED ((?:\[[^\]]+\]|[0-9a-fA-F.:]+):\d+)/.exec(line);
  if (node) { out.address = node[1]; }
  const py = /exporting \w+ to ([^\s,]+?)(?:,|\s|$)/.exec(line);
  if (py) { out.target = py[1]; }
  const lookup = /lookup (\S+) on /.exec(line) ?? /Name resolution failed for target (?:dns:)?([^\s:\\"]+)/.exec(line) ?? /ENOTFOUND (\S+?)["\\\s]/.exec(line) ?? /Could not resolve host: (\S+)/.exec(line);
  if (lookup) { out.host = lookup[1]; }
  return out;
}

const SDK: Sig[] = [
  // Before the transport causes: the collector answered, and said back off (its memory limiter's ErrDataRefused,
  // "data dropped ..." up to 0.75; a full sending queue with no batch processor in between).
  { id: 'collector-memory-limited', kind: 'backpressure', re: /data (?:refused|dropped) due to high memory usage/ },
  { id: 'collector-queue-full-upstream', kind: 'backpressure', re: /sending[_ ]queue is full/ },
  // protocol / port mismatch
  { id: 'go-http-to-grpc-port', kind: 'protocol', re: /malformed HTTP response "\\x00\\x00\\x06\\x04/ },
  { id: 'go-grpc-to-http-port', kind: 'protocol', re: /http2: frame too large|connection closed before server preface received/ },
  { id: 'java-grpc-to-http-port', kind: 'protocol', re: /FRAME_SIZE_ERROR: 4740180/ },
  { id: 'java-http-to-grpc-port', kind: 'protocol', re: /Failed to export \w+\. The request could not be executed\. (?:Full error|Error) message: Connection reset\b/ },
  { id: 'node-http-to-grpc-port', kind: 'protocol', re: /Parse Error: Expected HTTP\/|HPE_INVALID_CONSTANT/ },
  // grpc-js 1.14 (transport.js): the HTTP/2 session's own error when the answer is no HTTP/2 (an HTTP/1.1
  // server's 400), seen by the real Node SDK in test/fixtures/sdk/node-0.301.txt.
  { id: 'node-grpc-to-http-port', kind: 'protocol', re: /No connection established\. Last error: Protocol error\b/ },
  { id: 'python-http-to-grpc-port', kind: 'protocol', re: /BadStatusLine/ },
  { id: 'python-grpc-to-http-port', kind: 'protocol', re: /Trying to connect an http1\.x server/ },
  { id: 'dotnet-http-to-grpc-port', kind: 'protocol', re: /The response ended prematurely|Connection reset by peer/ },
  { id: 'dotnet-grpc-to-http-port', kind: 'protocol', re: /server did not complete the HTTP\/2 handshake/ },
  { id: 'dotnet-grpc-unimplemented', kind: 'protocol', re: /StatusCode="Unimplemented", Detail="unknown service opentelemetry/ },
  // TLS
  { id: 'go-tls-to-plaintext', kind: 'tls', re: /first record does not look like a TLS handshake/ },
  { id: 'go-https-to-http', kind: 'tls', re: /server gave HTTP response to HTTPS client/ },
  { id: 'ssl-wrong-version', kind: 'tls', re: /WRONG_VERSION_NUMBER|wrong version number/ },
  { id: 'java-tls-to-plaintext', kind: 'tls', re: /Unsupported or unrecognized SSL message/ },
  { id: 'plain-http-to-https-port', kind: 'tls', re: /The plain HTTP request was sent to HTTPS port/ },
  // Go net/http's answer to plaintext on a TLS port, in the body a client prints (Node SDK: "data").
  { id: 'http-to-go-https-server', kind: 'tls', re: /Client sent an HTTP request to an HTTPS server/ },
  { id: 'ruby-ssl-error', kind: 'tls', re: /SSL error in OTLP::Exporter/ },
  // DNS
  { id: 'go-dns', kind: 'dns', re: /lookup \S+ on \S+: (?:no such host|server misbehaving)|lookup \S+: no such host/ },
  { id: 'go-dns-zero-addresses', kind: 'dns', re: /name resolver error: produced zero addresses/ },
  { id: 'go-dns-macos', kind: 'dns', re: /nodename nor servname provided, or not known/ },
  { id: 'grpc-core-dns', kind: 'dns', re: /DNS resolution failed/ },
  { id: 'node-grpc-dns', kind: 'dns', re: /Name resolution failed for target/ },
  { id: 'node-http-dns', kind: 'dns', re: /getaddrinfo (?:ENOTFOUND|EAI_AGAIN)/ },
  { id: 'getaddrinfo-dns', kind: 'dns', re: /Name or service not known|Temporary failure in name resolution|gaierror|UnknownHostException|No address associated with hostname/ },
  { id: 'php-dns', kind: 'dns', re: /Could not resolve host/ },
  // refused
  { id: 'go-refused', kind: 'refused', re: /connect: connection refused/ },
  { id: 'windows-refused', kind: 'refused', re: /actively refused it/ },
  { id: 'python-refused', kind: 'refused', re: /\[Errno 111\] Connection refused|ConnectionRefusedError/ },
  { id: 'node-refused', kind: 'refused', re: /ECONNREFUSED/ },
  { id: 'java-refused', kind: 'refused', re: /java\.net\.ConnectException: Connection refused|Failed to export \w+\. .*Failed to connect to \S+/ },
  { id: 'dotnet-refused', kind: 'refused', re: /SocketException \(111\)|HttpRequestException: Connection refused|Cannot assign requested address/ },
  { id: 'php-refused', kind: 'refused', re: /cURL error 7: Failed to connect/ },
  { id: 'connection-refused', kind: 'refused', re: /[Cc]onnection refused/ },
  // timeout
  { id: 'go-timeout', kind: 'timeout', re: /i\/o timeout|code = DeadlineExceeded|Client\.Timeout exceeded/ },
  { id: 'grpc-deadline', kind: 'timeout', re: /DEADLINE_EXCEEDED|StatusCode="DeadlineExceeded"/ },
  { id: 'java-timeout', kind: 'timeout', re: /InterruptedIOException: timeout|Full error message: timeout\b/ },
  { id: 'node-timeout', kind: 'timeout', re: /OTLPExporterError: Request Timeout|Error: Export Timeout|"message":"Request timed out"/ },
  { id: 'dotnet-timeout', kind: 'timeout', re: /Request to endpoint \S+ timed out/ },
  { id: 'php-timeout', kind: 'timeout', re: /Idle timeout reached/ },
  { id: 'connect-timeout', kind: 'timeout', re: /[Cc]onnection timed out|ETIMEDOUT/ },
  // HTTP status (wrong path, no pipeline for the signal)
  { id: 'http-404', kind: 'http-status', re: /404 Not Found|HTTP status code 404|"code":"404"|http\.code=404|batch code: 404/ },
  // unavailable without a cause: consistent with refused, DNS and TLS; rules treat it as weak evidence
  { id: 'python-grpc-unavailable', kind: 'unavailable', re: /StatusCode\.UNAVAILABLE/ },
  { id: 'node-grpc-unavailable', kind: 'unavailable', re: /14 UNAVAILABLE/ },
  // otlp-export-delegate: a 429/502/503/504 retried until the timeout, reported without its status.
  { id: 'node-http-retryable', kind: 'unavailable', re: /OTLPExporterError: Export failed with retryable status/ },
  { id: 'java-unavailable', kind: 'unavailable', re: /Server is UNAVAILABLE|UNAVAILABLE: io exception/ },
  { id: 'dotnet-export-failed', kind: 'unavailable', re: /Exporter failed send (?:data|spans) to collector/ },
  { id: 'ruby-export-failed', kind: 'unavailable', re: /OpenTelemetry error: Unable to export \d+ spans/ },
  { id: 'go-export-failed', kind: 'unavailable', re: /traces export: |failed to upload metrics: |logs export: |failed to send logs to / },
];

/**
 * The OpenTelemetry operator manager's zap JSON lines (`message`, or `msg` before 0.100) from its pod webhook
 * (internal/instrumentation/podmutator.go Mutate @be8944414): the logger carries `namespace` and the pod's
 * `name` or, as a controller's pod has none yet at admission, its `generateName`; `error` is
 * getInstrumentationInstance's (errNoInstancesAvailable, errMultipleInstancesPossible, a Get's NotFound).
 */
const OPERATOR: Sig[] = [
  {
    id: 'operator-instrumentation-not-selected',
    kind: 'config',
    re: /"(?:message|msg)"\s*:\s*"failed to select an OpenTelemetry Instrumentation instance for this pod"/,
    fields: (line) => {
      const out: Record<string, string> = {};
      for (const k of ['namespace', 'name', 'generateName', 'error']) {
        const v = fieldOf(line, k);
        if (v !== undefined) { out[k] = v; }
      }
      return out;
    },
  },
];


/** Strip a docker-compose / kubectl --prefix style prefix is unnecessary: regexes are unanchored except `^Error:`. */
function stripPrefix(line: string): string {
  // `otel-collector-1  | ` (compose) and `[pod/x/c] ` (kubectl --prefix) in front of a line.
  return line.replace(/^\S+\s+\|\s/, '').replace(/^\[pod\/[^\]]+\]\s/, '');
}

function matchWith(sigs: Sig[], line: string): LogMatch | null {
  const l = stripPrefix(line.replace(/\r$/, ''));
  for (const s of sigs) {
    const m = s.re.exec(l);
    if (!m) { continue; }
    const fields = s.fields ? s.fields(l, m) : undefined;
    return { signature: s.id, kind: s.kind, line, ...(fields && Object.keys(fields).length ? { fields } : {}) };
  }
  return null;
}

export function matchCollectorLine(line: string): LogMatch | null {
  return matchWith(COLLECTOR, line);
}

export function matchSdkLine(line: string): LogMatch | null {
  const m = matchWith(SDK, line);
  if (!m) { return null; }
  const t = targetFields(stripPrefix(line));
  return Object.keys(t).length ? { ...m, fields: { ...(m.fields ?? {}), ...t } } : m;
}

/** All matching lines of a log text. */
export function matchLog(text: string, role: 'collector' | 'app' | 'operator'): LogMatch[] {
  const out: LogMatch[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) { continue; }
    const m = role === 'collector' ? matchCollectorLine(line) : role === 'operator' ? matchWith(OPERATOR, line) : matchSdkLine(line);
    if (m) { out.push(m); }
  }
  return out;
}

export const SDK_SIGNATURE_IDS = SDK.map((s) => s.id);
export const COLLECTOR_SIGNATURE_IDS = COLLECTOR.map((s) => s.id);

/** Matching lines of a list of lines (gather's entry point). */
export function matchLogLines(lines: string[], role: 'collector' | 'app' | 'operator'): LogMatch[] {
  return matchLog(lines.join('\n'), role);
}
