/** Runs tasks at most `concurrency` at a time, in the order they were added. */
export function createTaskQueue(concurrency: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  const next = () => {
    if (running >= concurrency) return;
    const start = waiting.shift();
    if (!start) return;
    running += 1;
    start();
  };
  return {
    /** Resolves or rejects with the task's own result once it has had its turn. */
    run<T>(task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push(() => {
          task()
            .then(resolve, reject)
            .finally(() => {
              running -= 1;
              next();
            });
        });
        next();
      });
    },
    get pending(): number {
      return waiting.length + running;
    },
  };
}
