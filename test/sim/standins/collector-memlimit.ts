// The memory_limiter processor as the real one works: a check every check_interval compares the heap in use
// (Go's runtime.MemStats.Alloc; here the stand-in's own V8 heap in use) with limit_mib - spike_limit_mib
// (spike defaults to 20% of the limit), forces a GC and, still above, refuses data until usage falls back.
// A refused ConsumeTraces returns `data refused due to high memory usage` (`data dropped due to high memory
// usage` up to v0.75.0, errForcedDrop, renamed errDataRefused in v0.76.0 by #7459), a non-permanent error the
// OTLP receiver answers as gRPC Unknown up to v0.92 and Unavailable from v0.93.0 (#8080), and over HTTP 500
// until 503 from v0.98.0 (#9357): refusalFor in collector-pipeline.ts. So a tiny limit_mib
// makes the stand-in refuse at its first check, exactly as it would make a real collector refuse.
// Sources: processor/memorylimiterprocessor/memorylimiter.go up to v0.92.0, internal/memorylimiter/
// {memorylimiter,config}.go from v0.93.0 (its own module from v0.112.0), per tag; line numbers below are the
// zap calls in those files.
import { totalmem } from 'node:os';
import { minorOf, type Fields, type Version, type ZapLogger } from './logformat.ts';
import { CollectorError, isMap, type Conf } from './collector-config.ts';
import { parseGoDuration } from './collector-export.ts';

export const ERR_DATA_REFUSED = 'data refused due to high memory usage';

/** The limiter's error text at a collector minor: memorylimiter.go's errForcedDrop up to v0.75.0. */
export function dataRefusedError(minor: number): string {
  return minor <= 75 ? 'data dropped due to high memory usage' : ERR_DATA_REFUSED;
}

const MIB = 1024 * 1024;

/** [configured, after GC, hard limit, soft limit GC, refusing, back within limits, percentage] per first minor. */
const LINES: [number, number[]][] = [
  [0, [102, 266, 276, 295, 302, 288, 138]],
  [92, [82, 258, 268, 287, 294, 280, 118]],
  [93, [77, 192, 203, 222, 229, 215, 160]],
  [106, [75, 173, 184, 203, 210, 196, 151]],
  [121, [74, 170, 195, 204, 212, 185, 148]],
  [124, [74, 171, 196, 205, 213, 186, 149]],
  [132, [71, 168, 193, 202, 210, 183, 146]],
  [146, [71, 165, 190, 199, 207, 180, 143]],
  [156, [109, 207, 282, 292, 301, 270, 185]],
];

/** The config's Validate (internal/memorylimiter/config.go), as `otelcol` reports it. */
export function validateMemoryLimiter(id: string, c: unknown): void {
  const conf = isMap(c) ? c : {};
  const fail = (msg: string): never => { throw new CollectorError(`invalid configuration: processors::${id}: ${msg}`); };
  if (parseGoDuration(conf.check_interval, 0) <= 0) { fail("'check_interval' must be greater than zero"); }
  const limit = Number(conf.limit_mib ?? 0);
  const pct = Number(conf.limit_percentage ?? 0);
  if (limit === 0 && pct === 0) { fail("'limit_mib' or 'limit_percentage' must be greater than zero"); }
  if (limit > 0 && Number(conf.spike_limit_mib ?? 0) >= limit) { fail("'spike_limit_mib' must be smaller than 'limit_mib'"); }
  if (pct > 0 && Number(conf.spike_limit_percentage ?? 0) >= pct) { fail("'spike_limit_percentage' must be smaller than 'limit_percentage'"); }
}

/** The heap in use as the limiter reads it (MemStats.Alloc's counterpart in this process). */
function heapInUse(): number { return process.memoryUsage().heapUsed; }

export class MemoryLimiter {
  private refusing = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly limit: number;
  private readonly spike: number;
  private readonly interval: number;
  private readonly log: ZapLogger;
  private readonly fields: Fields;
  private readonly caller: (i: number) => string;

  constructor(conf: Conf, v: Version, log: ZapLogger, fields: Fields) {
    const m = minorOf(v);
    this.log = log;
    this.fields = fields;
    let lines = LINES[0][1];
    for (const [min, l] of LINES) { if (m >= min) { lines = l; } }
    const file = m <= 92 ? `memorylimiterprocessor@v${v.text}/memorylimiter.go` : m >= 112 ? `memorylimiter@v${v.text}/memorylimiter.go` : 'memorylimiter/memorylimiter.go';
    this.caller = (i) => `${file}:${lines[i]}`;
    this.interval = parseGoDuration(conf.check_interval, 0);
    const limitMib = Number(conf.limit_mib ?? 0);
    if (limitMib > 0) {
      this.limit = limitMib * MIB;
      const spikeMib = Number(conf.spike_limit_mib ?? 0);
      this.spike = spikeMib > 0 ? spikeMib * MIB : Math.floor(this.limit * 20 / 100);
    } else {
      // Percentages of the total memory (the cgroup limit, else the host's): the host's here.
      const total = totalmem();
      const pct = Number(conf.limit_percentage ?? 0);
      const spikePct = Number(conf.spike_limit_percentage ?? 0);
      this.limit = Math.floor(total * pct / 100);
      this.spike = Math.floor(total * spikePct / 100);
      log.info(this.caller(6), 'Using percentage memory limiter', { ...fields, total_memory_mib: Math.floor(total / MIB), limit_percentage: pct, spike_limit_percentage: spikePct });
    }
    // zap.Duration through the production encoder config: seconds as a number.
    log.info(this.caller(0), 'Memory limiter configured', { ...fields, limit_mib: Math.floor(this.limit / MIB), spike_limit_mib: Math.floor(this.spike / MIB), check_interval: this.interval / 1000 });
  }

  start(): void {
    this.timer = setInterval(() => this.check(), this.interval);
    this.timer.unref();
  }

  stop(): void { if (this.timer) { clearInterval(this.timer); } }

  /** Whether the processor refuses what arrives now. */
  get mustRefuse(): boolean { return this.refusing; }

  /** CheckMemLimits, one tick. */
  check(): void {
    const cur = (): Fields => ({ ...this.fields, cur_mem_mib: Math.floor(heapInUse() / MIB) });
    const soft = this.limit - this.spike;
    let above = heapInUse() >= soft;
    if (!above) {
      if (this.refusing) { this.log.info(this.caller(5), 'Memory usage back within limits. Resuming normal operation.', cur()); }
      this.refusing = false;
      return;
    }
    if (heapInUse() >= this.limit) { this.log.warn(this.caller(2), 'Memory usage is above hard limit. Forcing a GC.', cur()); }
    else { this.log.info(this.caller(3), 'Memory usage is above soft limit. Forcing a GC.', cur()); }
    this.log.info(this.caller(1), 'Memory usage after GC.', cur());
    above = heapInUse() >= soft;
    if (!this.refusing && above) { this.log.warn(this.caller(4), 'Memory usage is above soft limit. Refusing data.', cur()); }
    this.refusing = above;
  }
}
