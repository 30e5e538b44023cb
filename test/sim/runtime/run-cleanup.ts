// Where a run leaves traces outside its own process, and their synchronous removal: processes inside a
// run's namespaces, the namespaces, their /etc/netns dirs, and the sweep of runs whose owner died.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every namespace, /etc/netns dir and process argument of a run carries `osim-<run id>-`. */
export const NETNS_PREFIX = 'osim-';
/** `<run id>.pid` per live run: its owner's pid and start time, so a sweep knows which runs died. */
export const OWNER_DIR = '/run/otel-doctor-sim';
export const NETNS_DIR = '/run/netns';
export const ETC_NETNS = '/etc/netns';

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch { return undefined; }
}

/**
 * True while the process exists and is not a zombie. kill(pid, 0) is no test of that: a killed child stays
 * a zombie until its parent's event loop reaps it, an orphan until PID 1 does.
 */
export function isRunning(pid: number): boolean {
  try { return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

/** Parent pid of every process, from one pass over /proc. */
function parentMap(): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid <= 0) { continue; }
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      out.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

/**
 * Every descendant of the given processes. The roots should be stopped (SIGSTOP) by the caller, so they
 * fork nothing new; each descendant found is stopped too and the scan repeated until nothing new turns
 * up, so a process forked between two scans cannot escape as an orphan.
 */
export function stoppedDescendantsSync(roots: number[]): number[] {
  const found = new Set<number>();
  for (let round = 0; round < 10; round++) {
    const parents = parentMap();
    const tree = new Set([...roots, ...found]);
    const fresh: number[] = [];
    // Parents come before children only by chance of pid order: iterate until the closure is complete.
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, ppid] of parents) {
        if (!tree.has(pid) && tree.has(ppid)) { tree.add(pid); fresh.push(pid); grew = true; }
      }
    }
    if (fresh.length === 0) { break; }
    for (const pid of fresh) { found.add(pid); try { process.kill(pid, 'SIGSTOP'); } catch { /* gone */ } }
  }
  return [...found];
}

/**
 * SIGKILLs processes together with everything they forked. `ip -batch` runs `netns exec` lines in forked
 * children that work on inside the pod's and node's namespaces; killing only the parent would leave those.
 */
export function killTreesSync(pids: number[]): void {
  if (pids.length === 0) { return; }
  for (const pid of pids) { try { process.kill(pid, 'SIGSTOP'); } catch { /* gone */ } }
  const all = [...pids, ...stoppedDescendantsSync(pids)];
  for (const pid of all) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (let i = 0; i < 40 && all.some(isRunning); i++) { sleepSync(5); }
}

/**
 * Ends every process inside the given namespaces (a dead run's containers, exec sessions and prober
 * agents outlive their simulator): SIGTERM, a short grace, then SIGKILL. A process is inside when its
 * /proc/<pid>/ns/net is the namespace file's inode, which is what `ip netns pids` compares too; one pass
 * over /proc serves every namespace instead of one `ip` process each.
 */
export function killNamespaceProcessesSync(names: string[], graceMs = 1000): number[] {
  const inodes = new Set<number>();
  // Only mounted namespace files count (a half-made one is a plain file whose inode number means nothing
  // here), and never the namespace we run in ourselves.
  let nsfs: { dev: number; ino: number } | undefined;
  try { nsfs = statSync('/proc/self/ns/net'); } catch { return []; }
  for (const n of names) {
    try {
      const st = statSync(join(NETNS_DIR, n));
      if (st.dev === nsfs.dev && st.ino !== nsfs.ino) { inodes.add(st.ino); }
    } catch { /* already gone */ }
  }
  if (inodes.size === 0) { return []; }
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) { continue; }
    try {
      const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
      if (m && inodes.has(Number(m[1]))) { pids.push(pid); }
    } catch { /* exited meanwhile, or a kernel thread */ }
  }
  const signal = (sig: NodeJS.Signals) => { for (const pid of pids) { try { process.kill(pid, sig); } catch { /* gone */ } } };
  signal('SIGTERM');
  for (let waited = 0; waited < graceMs && pids.some(isRunning); waited += 20) { sleepSync(20); }
  if (pids.some(isRunning)) {
    signal('SIGKILL');
    for (let i = 0; i < 50 && pids.some(isRunning); i++) { sleepSync(10); }
  }
  return pids;
}

export function listRunNetns(prefix: string): string[] {
  try { return readdirSync(NETNS_DIR).filter((n) => n.startsWith(prefix)); } catch { return []; }
}

/** Deletes namespaces and their /etc/netns dirs synchronously; a namespace file left half-made is unmounted and unlinked. */
export function deleteNamespacesSync(names: string[]): void {
  if (names.length) {
    spawnSync('ip', ['-force', '-batch', '-'], { input: names.map((n) => `netns del ${n}`).join('\n') + '\n', stdio: ['pipe', 'ignore', 'ignore'] });
    for (const n of names) {
      const f = join(NETNS_DIR, n);
      if (existsSync(f)) {
        spawnSync('umount', ['-l', f], { stdio: 'ignore' });
        rmSync(f, { force: true });
      }
    }
  }
}

export function removeEtcDirs(prefix: string): void {
  let entries: string[] = [];
  try { entries = readdirSync(ETC_NETNS); } catch { return; }
  for (const e of entries) { if (e.startsWith(prefix)) { rmSync(join(ETC_NETNS, e), { recursive: true, force: true }); } }
}

/**
 * Removes namespaces, /etc/netns dirs and owner files of runs whose owner process is gone, ending the
 * processes still inside those namespaces first (they are the dead run's containers). Returns the pids ended.
 */
export function sweepStaleRuns(prefix: string = NETNS_PREFIX): number[] {
  // Namespaces are listed BEFORE the owner files are read: a run writes its owner file before creating
  // any namespace, so every namespace listed here already has its owner file. The other order would let
  // a run that starts between the two steps look ownerless and lose its namespaces to this sweep.
  const present = listRunNetns(prefix);
  const alive = new Set<string>();
  const dead = new Set<string>();
  let owners: string[] = [];
  try { owners = readdirSync(OWNER_DIR).filter((f) => f.endsWith('.pid')); } catch { /* no runs yet */ }
  for (const f of owners) {
    const run = f.slice(0, -4);
    let live = false;
    try {
      const { pid, start } = JSON.parse(readFileSync(join(OWNER_DIR, f), 'utf8')) as { pid: number; start?: string };
      live = processStartTime(pid) !== undefined && (start === undefined || processStartTime(pid) === start);
    } catch { live = false; }
    (live ? alive : dead).add(run);
  }
  const runOf = (name: string) => name.slice(prefix.length).split('-')[0];
  const stale = present.filter((n) => !alive.has(runOf(n)));
  const ended = killNamespaceProcessesSync(stale);
  deleteNamespacesSync(stale);
  let etc: string[] = [];
  try { etc = readdirSync(ETC_NETNS); } catch { /* none */ }
  for (const e of etc) { if (e.startsWith(prefix) && !alive.has(runOf(e))) { rmSync(join(ETC_NETNS, e), { recursive: true, force: true }); } }
  for (const run of dead) { rmSync(join(OWNER_DIR, `${run}.pid`), { force: true }); }
  return ended;
}
