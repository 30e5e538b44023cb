// The operator manager's log: controller-runtime's zap logger in production mode (JSON encoder) with the
// operator's encoder keys (internal/operator/setup.go applyConfigAndSetupLogger; config defaults
// `level`/`timestamp`/`message`, upper-case levels, from v0.100.0; before, controller-runtime's
// `level`/`ts`/`msg`), times as RFC 3339 with nanoseconds (`--zap-time-encoding=rfc3339nano` in
// config/manager/manager.yaml), at `--zap-log-level=info` (debug lines are not printed).
// Lines reach `kubectl logs` by being appended to the manager container's CRI log file, the way the
// runtime's CriLogWriter writes a stand-in's stdout; until that container runs they wait in a queue.
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { rfc3339Nano } from '../runtime/logs.ts';
import type { OperatorLogLine } from './instrumentation.ts';
import { behaviour } from './versions.ts';

export type { OperatorLogLine };

/** One zap JSON line: level, time, logger, message, then the fields in order (`error` last, as zapr adds it). */
export function formatLine(l: OperatorLogLine, version: string, time = rfc3339Nano()): string {
  const k = behaviour(version).zapKeys;
  const o: Record<string, unknown> = {};
  o[k.level] = k.upper ? l.level.toUpperCase() : l.level;
  o[k.time] = time;
  if (l.logger) { o.logger = l.logger; }
  o[k.message] = l.msg;
  const fields = { ...(l.fields ?? {}) };
  const err = fields.error;
  delete fields.error;
  Object.assign(o, fields);
  if (err !== undefined) { o.error = err; }
  return JSON.stringify(o);
}

export interface OperatorLogSink {
  /** Lines in the operator's format, in order (the test view; `kubectl logs` reads the container's file). */
  lines(): string[];
  emit(l: OperatorLogLine): void;
  /** Writes what is queued to the manager container's current log file, if it runs. */
  flush(): void;
}

/**
 * `podLogDir()` names the manager container's log directory (`<state>/logs/<ns>_<pod>_<uid>/manager`) or
 * undefined while there is none; the newest `<n>.log` in it is the running container's.
 */
export function logSink(version: string, podLogDir: () => string | undefined): OperatorLogSink {
  const all: string[] = [];
  let queue: string[] = [];
  const flush = () => {
    if (!queue.length) { return; }
    const dir = podLogDir();
    if (!dir || !existsSync(dir)) { return; }
    const files = readdirSync(dir).filter((f) => /^\d+\.log$/.test(f)).sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
    const cur = files[files.length - 1];
    if (!cur) { return; }
    const text = queue.map((l) => `${rfc3339Nano()} stderr F ${l}\n`).join('');
    queue = [];
    appendFileSync(join(dir, cur), text);
  };
  return {
    lines: () => [...all],
    emit(l) {
      if (l.level === 'debug') { return; }
      const line = formatLine(l, version);
      all.push(line);
      queue.push(line);
      flush();
    },
    flush,
  };
}
