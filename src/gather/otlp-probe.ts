/**
 * The OTLP-level probe: after a TCP connect, speak the protocol the app will speak with an empty request
 * (no telemetry is created) and read what answers. Pure: the request each mode sends, the speakers' argv
 * (constant code, the target only as separate arguments), and the reading of the bytes that came back.
 *
 * What each real server answers, from their sources (cited in test/sim/README.md, "Protocol answers"):
 * - the collector's OTLP/HTTP receiver (receiver/otlpreceiver/otlphttp.go): POST on its path with
 *   application/x-protobuf or application/json -> 200; another content type -> 415; another method -> 405;
 *   another path -> Go's ServeMux 404 "404 page not found".
 * - grpc-go's server transport (internal/transport/http2_server.go, newHTTP2Server) writes its SETTINGS
 *   frame before it reads the client preface, whatever the client sent: a frame header of type 0x4 on
 *   stream 0 is the first thing any client reads from a plaintext gRPC port.
 * - Go's net/http server (server.go): the HTTP/2 preface parses as `PRI * HTTP/2.0`, which ServeMux
 *   answers `HTTP/1.1 400 Bad Request`; bytes that are no request line (a TLS ClientHello) get
 *   `HTTP/1.1 400 Bad Request` from conn.serve.
 * - crypto/tls as a server (conn.go, readRecordOrCCS): a first record that is no handshake is
 *   "first record does not look like a TLS handshake", closed without an alert; net/http over TLS
 *   answers a plaintext request that looks like HTTP with `HTTP/1.0 400 Bad Request ... Client sent an
 *   HTTP request to an HTTPS server.`; a ClientHello gets a ServerHello (0x16) or an alert (0x15).
 */
import type { OtlpProbeResultKind } from '../snapshot.ts';

/** What the probe says: POST protobuf, POST json, the HTTP/2 preface, a TLS ClientHello. */
export type OtlpMode = 'p' | 'j' | 'g' | 't';

export interface OtlpSpeak {
  mode: OtlpMode;
  /** OTLP/HTTP: the request path (validated by isValidProbePath) */
  path?: string;
}

export const OTLP_SENT: Record<OtlpMode, 'http-post' | 'h2-preface' | 'tls-client-hello'> = { p: 'http-post', j: 'http-post', g: 'h2-preface', t: 'tls-client-hello' };
export const OTLP_CONTENT_TYPE: Partial<Record<OtlpMode, string>> = { p: 'application/x-protobuf', j: 'application/json' };

/** A path travels like a host: a fixed character set, no shell or URL metacharacters, no `%` or `\`. */
export function isValidProbePath(path: unknown): path is string {
  return typeof path === 'string' && path.length <= 256 && /^\/[A-Za-z0-9._~/-]*$/.test(path);
}

export function isValidSpeak(s: OtlpSpeak): boolean {
  if (s.mode === 'p' || s.mode === 'j') { return isValidProbePath(s.path); }
  return (s.mode === 'g' || s.mode === 't') && s.path === undefined;
}

/** The kit's word for a spec: `@` (never a host's first character), the mode, the path. */
export function speakWord(s: OtlpSpeak): string {
  if (!isValidSpeak(s)) { throw new Error('refusing to build a probe for an unvalidated OTLP path'); }
  return `@${s.mode}${s.path ?? ''}`;
}

/** Bytes read at most: enough for a status line, a SETTINGS frame header, or Go's "HTTPS server" text. */
export const ANSWER_BYTES = 72;

/*
 * A speaker stops reading once its first bytes are a whole HTTP/2 SETTINGS frame (the header as
 * isH2Settings reads it, then its payload): nothing after it can change how classifyOtlpAnswer reads the
 * answer, and a gRPC server that sent its SETTINGS (and acknowledged ours) says nothing more until a
 * request comes, so reading on only waits out the one-second silence, on every gRPC path probed.
 */

/**
 * A TLS 1.2 ClientHello any Go server can answer: ECDHE-GCM suites, x25519 and P-256, the signature
 * schemes Go requires. Its supported_groups extension (type 0x000a) holds a newline, so Go's net/http
 * reads the bytes before it as a request line and answers 400 rather than waiting for one.
 */
export const CLIENT_HELLO: Buffer = (() => {
  const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
  const ext = (type: number, body: number[]): number[] => [...u16(type), ...u16(body.length), ...body];
  const suites = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8].flatMap(u16);
  const groups = [0x001d, 0x0017].flatMap(u16);
  const sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501].flatMap(u16);
  const exts = [
    ...ext(0x000a, [...u16(groups.length), ...groups]),
    ...ext(0x000b, [1, 0]),
    ...ext(0x000d, [...u16(sigs.length), ...sigs]),
    ...ext(0xff01, [0]),
  ];
  const random = Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const hello = [0x03, 0x03, ...random, 0, ...u16(suites.length), ...suites, 1, 0, ...u16(exts.length), ...exts];
  const hs = [0x01, 0, ...u16(hello.length), ...hello];
  return Buffer.from([0x16, 0x03, 0x01, ...u16(hs.length), ...hs]);
})();

/** The HTTP/2 client preface and an empty SETTINGS frame (RFC 9113 §3.4). */
export const H2_PREFACE_SETTINGS = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

/** For double-quoted printf formats: letters, digits and a few marks as they are, every other byte as octal. */
function printfEscape(b: Buffer): string {
  let s = '';
  for (const c of b) {
    const ch = String.fromCharCode(c);
    s += /^[A-Za-z0-9 *.:/-]$/.test(ch) ? ch : `\\${c.toString(8).padStart(3, '0')}`;
  }
  return s;
}

const HTTP_FMT = (ct: string, body: string): string =>
  `POST %s HTTP/1.1\\r\\nHost: %s\\r\\nUser-Agent: otel-doctor\\r\\nContent-Type: ${ct}\\r\\nContent-Length: ${body.length}\\r\\nConnection: close\\r\\n\\r\\n${body}`;

/**
 * bash over /dev/tcp: $1 host, $2 port, $3 mode, $4 path, $5 the Host header. The answer is read a byte at
 * a time (`read -d '' -n 1` sees a NUL as an empty read, which printf turns into 00) and printed as hex:
 * `H<hex>`, then `E` when the peer closed or `S` when it stayed silent. A peer that closed without a byte
 * is asked again with a ClientHello (`K<hex>`): a TLS server says nothing to plaintext.
 */
// One line: the kit quotes it as one shell word, and its checks read the kit line by line.
const BASH_SPEAK = [
  'trap "" PIPE; LC_ALL=C;',
  'ask() { exec 3<>/dev/tcp/$1/$2 || exit 1; case $3 in',
  `p) printf "${HTTP_FMT('application/x-protobuf', '')}" "$4" "$5" >&3;;`,
  `j) printf "${HTTP_FMT('application/json', '{}')}" "$4" "$5" >&3;;`,
  `g) printf "${printfEscape(H2_PREFACE_SETTINGS)}" >&3;;`,
  `*) printf "${printfEscape(CLIENT_HELLO)}" >&3;;`,
  'esac;',
  `r=; n=0; w=$6; e=1; L=${ANSWER_BYTES}; while [ $n -lt $L ]; do`,
  'IFS= read -r -d "" -n 1 -t $w ch <&3; e=$?; [ $e = 0 ] || break;',
  // printf's numeric value of the character after a leading quote; an empty read (a NUL byte) is 00
  'printf -v x %02x "\\"$ch"; r=$r$x; n=$((n+1)); w=1;',
  // a whole SETTINGS frame decides (see above): length a multiple of 6, type 4, stream 0
  `if [ $n = 9 ] && [ "\${r:6:2}" = 04 ] && [ $((16#\${r:0:6} % 6)) = 0 ] && [ $((16#\${r:10:8} & 0x7fffffff)) = 0 ]; then L=$((9 + 16#\${r:0:6})); [ $L -le ${ANSWER_BYTES} ] || L=${ANSWER_BYTES}; fi;`,
  'done; exec 3<&-; };',
  'ask "$1" "$2" "$3" "$4" "$5" 2;',
  'if [ $e -gt 128 ]; then z=S; elif [ $e != 0 ]; then z=E; else z=; fi;',
  'echo "H$r $z";',
  'if [ -z "$r" ] && [ "$z" = E ] && [ "$3" != t ]; then ask "$1" "$2" t - - 2; echo "K$r"; fi',
].join(' ');

const PY_SPEAK = [
  'import socket,sys',
  'h,p,m,pa,ho=sys.argv[1],int(sys.argv[2]),sys.argv[3],sys.argv[4],sys.argv[5]',
  `CH=bytes.fromhex('${CLIENT_HELLO.toString('hex')}')`,
  `G=bytes.fromhex('${H2_PREFACE_SETTINGS.toString('hex')}')`,
  "def req(m):",
  "  if m in 'pj':",
  "    ct,b=('application/x-protobuf','') if m=='p' else ('application/json','{}')",
  "    return ('POST %s HTTP/1.1\\r\\nHost: %s\\r\\nUser-Agent: otel-doctor\\r\\nContent-Type: %s\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n%s'%(pa,ho,ct,len(b),b)).encode()",
  "  return G if m=='g' else CH",
  'def ask(m):',
  '  s=socket.create_connection((h,p),2)',
  '  try: s.sendall(req(m))',
  '  except OSError: pass',
  "  b=b'';z='E'",
  // a whole SETTINGS frame decides (see above)
  `  while len(b)<(min(${ANSWER_BYTES},9+int.from_bytes(b[:3],'big')) if len(b)>=9 and b[3]==4 and int.from_bytes(b[:3],'big')%6==0 and int.from_bytes(b[5:9],'big')&0x7fffffff==0 else ${ANSWER_BYTES}):`,
  '    s.settimeout(1 if b else 2)',
  `    try: d=s.recv(${ANSWER_BYTES}-len(b))`,
  "    except socket.timeout: z='S';break",
  '    except OSError: break',
  '    if not d: break',
  '    b+=d',
  "  else: z=''",
  '  s.close();return b,z',
  'b,z=ask(m)',
  "print('H'+b.hex()+' '+z)",
  "if not b and z=='E' and m!='t': print('K'+ask('t')[0].hex())",
].join('\n');

/** node (distroless Node.js images have no shell): the same requests and lines as the bash speaker. */
const NODE_SPEAK = [
  'const net=require("net");const [h,p,m,pa,ho]=process.argv.slice(1);',
  `const CH=Buffer.from("${CLIENT_HELLO.toString('hex')}","hex"),G=Buffer.from("${H2_PREFACE_SETTINGS.toString('hex')}","hex");`,
  'const req=(m)=>m==="p"||m==="j"?Buffer.from("POST "+pa+" HTTP/1.1\\r\\nHost: "+ho+"\\r\\nUser-Agent: otel-doctor\\r\\nContent-Type: "+(m==="p"?"application/x-protobuf":"application/json")+"\\r\\nContent-Length: "+(m==="p"?0:2)+"\\r\\nConnection: close\\r\\n\\r\\n"+(m==="p"?"":"{}"),"latin1"):m==="g"?G:CH;',
  'function ask(m,done){let b=Buffer.alloc(0),z="E",t;const s=net.connect({host:h,port:+p});',
  'const arm=(ms)=>{clearTimeout(t);t=setTimeout(()=>{z="S";s.destroy()},ms)};',
  's.on("connect",()=>{s.write(req(m),()=>{});arm(2000)});',
  // a whole SETTINGS frame decides (see above)
  `const need=(b)=>b.length>=9&&b[3]===4&&b.readUIntBE(0,3)%6===0&&(b.readUInt32BE(5)&0x7fffffff)===0?Math.min(${ANSWER_BYTES},9+b.readUIntBE(0,3)):${ANSWER_BYTES};`,
  `s.on("data",(d)=>{b=Buffer.concat([b,d]);if(b.length>=need(b)){z="";s.destroy()}else{arm(1000)}});`,
  's.on("error",(e)=>{if(!s.remoteAddress||(!b.length&&e.code!=="ECONNRESET"&&e.code!=="EPIPE")){console.error(e.code+" "+e.message);process.exit(1)}});',
  `s.on("close",()=>{clearTimeout(t);done(b.subarray(0,${ANSWER_BYTES}),z)})}`,
  'ask(m,(b,z)=>{console.log("H"+b.toString("hex")+" "+z);if(!b.length&&z==="E"&&m!=="t"){ask("t",(c)=>console.log("K"+c.toString("hex")))}});',
].join('');

/**
 * sh with nc, od and tr (busybox images): the request piped into `nc -w`, which half-closes after it and
 * reads on; od prints the first bytes as hex. The collector answers an empty export before it looks at
 * the connection again (the receivers return on zero spans: receiver/otlpreceiver/internal/trace/otlp.go),
 * so the half-close costs no answer. Whether the peer closed or went silent is not told apart.
 */
const NC_SPEAK = [
  'ask() { case $3 in',
  `p) printf "${HTTP_FMT('application/x-protobuf', '')}" "$4" "$5";;`,
  `j) printf "${HTTP_FMT('application/json', '{}')}" "$4" "$5";;`,
  `g) printf "${printfEscape(H2_PREFACE_SETTINGS)}";;`,
  `*) printf "${printfEscape(CLIENT_HELLO)}";;`,
  `esac | nc -w 2 "$1" "$2" | od -An -tx1 -N ${ANSWER_BYTES} | tr -d " \\n"; };`,
  'r=$(ask "$1" "$2" "$3" "$4" "$5"); echo "H$r E";',
  'if [ -z "$r" ] && [ "$3" != t ]; then echo "K$(ask "$1" "$2" t - -)"; fi',
].join(' ');

export type Speaker = 'bash' | 'python3' | 'node' | 'nc';
/** Tried in this order; without any of them the probe stays a TCP connect. */
export const SPEAKERS: readonly Speaker[] = ['bash', 'python3', 'node', 'nc'];
/** What a speaker needs besides its own binary (nc's pipeline). */
export const SPEAKER_NEEDS: Partial<Record<Speaker, readonly string[]>> = { nc: ['od', 'tr'] };

export interface SpeakParts {
  host: string;
  port: string;
  mode: string;
  path: string;
  /** the Host header: host:port, an IPv6 host in brackets */
  authority: string;
}

export function speakArgv(tool: Speaker, a: SpeakParts): string[] {
  if (tool === 'bash') { return ['bash', '-c', BASH_SPEAK, 'probe', a.host, a.port, a.mode, a.path, a.authority]; }
  if (tool === 'nc') { return ['sh', '-c', NC_SPEAK, 'probe', a.host, a.port, a.mode, a.path, a.authority]; }
  if (tool === 'node') { return ['node', '-e', NODE_SPEAK, a.host, a.port, a.mode, a.path, a.authority]; }
  return ['python3', '-c', PY_SPEAK, a.host, a.port, a.mode, a.path, a.authority];
}

export interface OtlpAnswer {
  result: OtlpProbeResultKind;
  /** who answered, as the bytes show */
  answeredBy?: 'otlp-http' | 'http/1.1' | 'http/2' | 'tls' | 'none';
  status?: number;
  /** what came back, readable: the status line, the frame, the record */
  detail: string;
}

/** The speaker's lines: the answer, how it ended, the ClientHello follow-up. */
export function parseSpeakOutput(out: string): { first?: Buffer; ended?: 'closed' | 'silent' | 'full'; tlsFollowUp?: Buffer } {
  const r: ReturnType<typeof parseSpeakOutput> = {};
  for (const line of out.split('\n')) {
    const h = /^H([0-9a-f]*) ?([ES]?)$/.exec(line.trim());
    if (h && h[1].length % 2 === 0) {
      r.first = Buffer.from(h[1], 'hex');
      r.ended = h[2] === 'E' ? 'closed' : h[2] === 'S' ? 'silent' : 'full';
      continue;
    }
    const k = /^K([0-9a-f]*)$/.exec(line.trim());
    if (k && k[1].length % 2 === 0) { r.tlsFollowUp = Buffer.from(k[1], 'hex'); }
  }
  return r;
}

function isTlsRecord(b: Buffer): boolean {
  return b.length >= 3 && (b[0] === 0x15 || b[0] === 0x16) && b[1] === 0x03 && b[2] <= 0x04;
}

/** An HTTP/2 SETTINGS frame header: a length that is a multiple of 6, type 0x4, stream 0. */
function isH2Settings(b: Buffer): boolean {
  return b.length >= 9 && b[3] === 0x04 && (b.readUIntBE(0, 3) % 6 === 0) && (b.readUInt32BE(5) & 0x7fffffff) === 0;
}

/** Go's text, as far as the bytes read reach: `Client sent an HTTP request to an HTTPS server.` */
const HTTPS_SERVER = 'Client sent an HTTP request to an HTTPS';

function printable(b: Buffer): string {
  return b.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
}

function describeTls(b: Buffer): string {
  if (b[0] === 0x16) { return `a TLS handshake record (ServerHello, version ${b[1]}.${b[2]})`; }
  const desc = b.length >= 7 ? ` (alert ${b[6]})` : '';
  return `a TLS alert record${desc}`;
}

/** Reads what the receiver answered the probe `mode`. */
export function classifyOtlpAnswer(mode: OtlpMode, first: Buffer, ended: 'closed' | 'silent' | 'full' | undefined, tlsFollowUp?: Buffer): OtlpAnswer {
  const text = first.toString('latin1');
  const statusLine = /^HTTP\/1\.[01] (\d{3})[^\r\n]*/.exec(text);
  if (statusLine && text.includes(HTTPS_SERVER)) {
    return { result: 'tls-expected', answeredBy: 'tls', status: Number(statusLine[1]), detail: `the receiver speaks TLS: "${statusLine[0]} ... ${HTTPS_SERVER} server."` };
  }
  if (isTlsRecord(first)) {
    if (mode === 't') { return { result: 'tls-ok', answeredBy: 'tls', detail: `the receiver answered the ClientHello with ${describeTls(first)}` }; }
    return { result: 'tls-expected', answeredBy: 'tls', detail: `the receiver answered plaintext with ${describeTls(first)}` };
  }
  if (isH2Settings(first)) {
    const frame = `an HTTP/2 SETTINGS frame (${first.subarray(0, 9).toString('hex')})`;
    if (mode === 'g') { return { result: 'grpc-ok', answeredBy: 'http/2', detail: `the receiver answered the HTTP/2 preface with ${frame}` }; }
    if (mode === 't') { return { result: 'plaintext-expected', answeredBy: 'http/2', detail: `the receiver answered the ClientHello in plaintext with ${frame}: a gRPC port without TLS` }; }
    return { result: 'wrong-protocol', answeredBy: 'http/2', detail: `the receiver answered the HTTP/1.1 POST with ${frame}: an OTLP/gRPC port` };
  }
  if (statusLine) {
    const status = Number(statusLine[1]);
    const line = statusLine[0];
    if (mode === 't') { return { result: 'plaintext-expected', answeredBy: 'http/1.1', status, detail: `the receiver answered the ClientHello in plaintext: "${line}"` }; }
    if (mode === 'g') { return { result: 'wrong-protocol', answeredBy: 'http/1.1', status, detail: `the receiver answered the HTTP/2 preface in HTTP/1.1: "${line}": an OTLP/HTTP port` }; }
    const body = text.split('\r\n\r\n')[1]?.trim();
    const said = `"${line}"${body && /^[\x20-\x7e]+$/.test(body) ? ` (${body.slice(0, 100)})` : ''}`;
    if (status >= 200 && status < 300) { return { result: 'otlp-http-ok', answeredBy: 'otlp-http', status, detail: `the receiver accepted the empty export: ${said}` }; }
    if (status === 404) { return { result: 'wrong-path', answeredBy: 'http/1.1', status, detail: `the receiver has no handler on this path: ${said}` }; }
    return { result: 'rejected', answeredBy: 'http/1.1', status, detail: `the receiver rejected the empty export: ${said}` };
  }
  if (first.length === 0) {
    if (tlsFollowUp && isTlsRecord(tlsFollowUp)) {
      return { result: 'tls-expected', answeredBy: 'tls', detail: `the receiver closed on plaintext without a byte and answered a ClientHello with ${describeTls(tlsFollowUp)}` };
    }
    return { result: 'no-answer', answeredBy: 'none', detail: ended === 'silent' ? 'connected, but nothing answered the request' : 'the receiver closed the connection without answering' };
  }
  return { result: 'wrong-protocol', detail: `an answer that is neither OTLP/HTTP, HTTP/2 nor TLS: ${JSON.stringify(printable(first.subarray(0, 40)))}` };
}
