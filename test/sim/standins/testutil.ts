// Helpers for the stand-in tests: run a stand-in as the runtime does (node <file> <argv...> with env)
// and wait for lines in its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { NETNS_PREFIX, OWNER_DIR, processStartTime } from '../runtime/run-cleanup.ts';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as net from 'node:net';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const NODE = process.execPath;

export interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  waitFor: (re: RegExp, ms?: number) => Promise<string>;
  stop: () => Promise<number | null>;
}

export function runStandin(file: 'collector.ts' | 'app.ts' | 'dns.ts', argv: string[], env: Record<string, string>): Proc {
  const child = spawn(NODE, [join(HERE, file), ...argv], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  const listeners = new Set<() => void>();
  const feed = (d: Buffer): void => { buf += d.toString(); for (const l of listeners) { l(); } };
  child.stdout!.on('data', feed);
  child.stderr!.on('data', feed);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => { for (const l of listeners) { l(); } r(code); }));
  // No clock by default: on a loaded machine a line can take any time to come, and the test runner's own
  // timeout bounds a hang. The wait fails at once when the process exits without the line. `ms` is for the
  // tests that prove a line does NOT come within a window.
  const waitFor = (re: RegExp, ms?: number): Promise<string> => new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const check = (): void => {
      // Only whole lines are matched while the process runs: a line can arrive in two chunks, and a
      // pattern ending in $ (multiline) would otherwise take its first half.
      const gone = child.exitCode !== null || child.signalCode !== null;
      const m = re.exec(gone ? buf : buf.slice(0, buf.lastIndexOf('\n') + 1));
      if (m) {
        listeners.delete(check);
        if (timer) { clearTimeout(timer); }
        resolve(m[0]);
        return;
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        listeners.delete(check);
        if (timer) { clearTimeout(timer); }
        reject(new Error(`exited (${child.exitCode ?? child.signalCode}) without ${re} in output:\n${buf}`));
      }
    };
    listeners.add(check);
    check();
    if (!listeners.has(check) || ms === undefined) { return; }
    timer = setTimeout(() => { listeners.delete(check); reject(new Error(`timed out waiting for ${re} in output:\n${buf}`)); }, ms);
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) { child.kill('SIGTERM'); }
    return exited;
  };
  return { child, out: () => buf, exited, waitFor, stop };
}

/** A fresh directory standing for a container's filesystem root, with files under it. */
export function simRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'standin-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

/** A TCP port nothing listens on (bound then released). */
const handedOut = new Set<number>();

/** The first port the kernel hands to outgoing connections and to listen(0). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 11000 ? low : 32768;
  } catch {
    return 32768;
  }
}

/**
 * A loopback port free now and outside the kernel's ephemeral range: a port from listen(0) is in that
 * range, so between the probe and the stand-in's own bind any outgoing connection (an app's export, a
 * relay) could take it ("address already in use", seen in CI). Below the range only an explicit bind can.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (;;) {
    const port = 10000 + Math.floor(Math.random() * (low - 10000));
    if (handedOut.has(port)) { continue; }
    const s = net.createServer();
    const ok = await new Promise<boolean>((r) => {
      s.once('error', () => r(false));
      s.listen(port, '127.0.0.1', () => r(true));
    });
    if (ok) {
      await new Promise<void>((r) => s.close(() => r()));
      handedOut.add(port);
      return port;
    }
  }
}

/** Listening TCP sockets from /proc/net/tcp{,6}: `127.0.0.1:4317`, `[::]:4317`, ... */
export function listeners(port: number): string[] {
  const out: string[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') { continue; }
      const [hexIp, hexPort] = cols[1].split(':');
      if (parseInt(hexPort, 16) !== port) { continue; }
      if (hexIp.length === 8) {
        const b = Buffer.from(hexIp, 'hex').reverse();
        out.push(`${[...b].join('.')}:${port}`);
      } else {
        const words = hexIp.match(/.{8}/g)!.map((w) => Buffer.from(w, 'hex').reverse().toString('hex'));
        const v6 = words.join('').match(/.{4}/g)!.map((x) => x.replace(/^0+(?=.)/, '')).join(':');
        out.push(`[${v6 === '0:0:0:0:0:0:0:0' ? '::' : v6}]:${port}`);
      }
    }
  }
  return out;
}

/**
 * A network namespace name for a test of its own, owned as a simulator run is: `osim-<run>-<label>` with
 * an owner file, so the next run's sweep removes it (and ends what runs in it) when this test is killed
 * before its `finally`. `release()` drops the owner file once the namespace is gone.
 */
export function ownedTestNetns(label: string): { name: string; release: () => void } {
  const run = randomBytes(4).toString('hex');
  mkdirSync(OWNER_DIR, { recursive: true });
  const pidFile = join(OWNER_DIR, `${run}.pid`);
  writeFileSync(pidFile, JSON.stringify({ pid: process.pid, start: processStartTime(process.pid) }) + '\n');
  return { name: `${NETNS_PREFIX}${run}-${label}`, release: () => rmSync(pidFile, { force: true }) };
}
