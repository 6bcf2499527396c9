/**
 * Waits for `work` at most `ms`, then moves on. For shutdown paths, where a dependency that
 * is down (Redis unreachable, say) must not keep the process from exiting.
 */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<"done" | "failed" | "timed_out"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timed_out">((resolve) => {
    timer = setTimeout(() => resolve("timed_out"), ms);
  });
  try {
    return await Promise.race([work.then(() => "done" as const, () => "failed" as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
