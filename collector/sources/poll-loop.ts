/**
 * The polling rhythm shared by the pull sources: poll at once, then `interval` seconds after each
 * poll ends, so a slow target never gets overlapping polls. `poll` must not throw: sources report
 * failures to their sink themselves.
 */
export function startPollLoop(intervalSeconds: number, poll: () => Promise<void>): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const cycle = () => {
    inFlight = poll().finally(() => {
      if (!stopped) timer = setTimeout(cycle, intervalSeconds * 1000);
    });
  };
  cycle();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
