/**
 * Colour and width for the human formats, decided once by the command from the terminal it writes to.
 * The renderers only read the result: they never look at process.stdout or the environment.
 */
import type { RenderOptions } from './common.ts';

export type ColorMode = 'auto' | 'always' | 'never';

export interface Terminal {
  isTTY?: boolean;
  columns?: number;
}

/**
 * `auto`: colour on a TTY unless NO_COLOR is set to anything non-empty (no-color.org). Width: the TTY's
 * columns, else COLUMNS (what a shell exports, and what `script`/CI set for a pipe), else the renderers'
 * default of 100.
 */
export function terminalOptions(mode: string | undefined, out: Terminal, env: Record<string, string | undefined>): RenderOptions {
  const color = mode === 'always' ? true : mode === 'never' ? false : out.isTTY === true && !env.NO_COLOR;
  const fromEnv = Number.parseInt(env.COLUMNS ?? '', 10);
  const width = out.isTTY === true && (out.columns ?? 0) > 0 ? out.columns : fromEnv > 0 ? fromEnv : undefined;
  return { color, ...(width ? { width } : {}) };
}
