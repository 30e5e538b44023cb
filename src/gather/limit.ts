/** A concurrency cap for exec and log calls (`--concurrency`): at most `n` run at once, in FIFO order. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  const max = Math.max(1, Math.floor(n) || 1);
  let active = 0;
  const queue: (() => void)[] = [];
  const next = (): void => {
    active--;
    queue.shift()?.();
  };
  return <T>(fn: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = (): void => {
        active++;
        fn().then(resolve, reject).finally(next);
      };
      if (active < max) { start(); } else { queue.push(start); }
    });
}
