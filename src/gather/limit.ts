/**
 * A concurrency cap for exec and log calls (`--concurrency`): at most `n` run at once, in FIFO order;
 * `first` puts a call at the head of the queue (evidence that would otherwise wait behind every probe and
 * be the first lost to --timeout).
 */
export function limiter(n: number): <T>(fn: () => Promise<T>, first?: boolean) => Promise<T> {
  const max = Math.max(1, Math.floor(n) || 1);
  let active = 0;
  const queue: (() => void)[] = [];
  const next = (): void => {
    active--;
    queue.shift()?.();
  };
  return <T>(fn: () => Promise<T>, first = false): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = (): void => {
        active++;
        fn().then(resolve, reject).finally(next);
      };
      if (active < max) { start(); } else if (first) { queue.unshift(start); } else { queue.push(start); }
    });
}
