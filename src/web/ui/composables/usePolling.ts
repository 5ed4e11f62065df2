/**
 * Run a task now and again every `intervalMs` while the component lives: never two at once (the next
 * run is scheduled when the previous one settles), paused while the tab is hidden, resumed at once when
 * it shows again, and stopped when the component goes away.
 */
import { onScopeDispose } from 'vue';

export interface Polling {
  /** Run the task now (and restart the interval from its end). */
  refresh(): Promise<void>;
  /** Stop for good. */
  stop(): void;
}

/**
 * @param task what to run; its errors are its own business (it should record them, not throw)
 * @param intervalMs pause between the end of one run and the start of the next, e.g. 3000
 */
export function usePolling(task: () => Promise<void>, intervalMs: number): Polling {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const hidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';

  const schedule = () => {
    clearTimeout(timer);
    if (!stopped && !hidden()) timer = setTimeout(() => void run(), intervalMs);
  };

  async function run(): Promise<void> {
    if (stopped) return;
    if (running) {
      again = true; // asked for fresh data while a run was in flight: run once more after it
      return running;
    }
    clearTimeout(timer);
    running = task()
      .catch(() => {})
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          void run();
        } else {
          schedule();
        }
      });
    return running;
  }

  const onVisibility = () => {
    if (hidden()) clearTimeout(timer);
    else void run();
  };

  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisibility);
  };

  if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisibility);
  onScopeDispose(stop);
  void run();
  return { refresh: run, stop };
}
