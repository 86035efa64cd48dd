/** SIGTERM and SIGINT for the keeper process. The first signal aborts the run's controller: no
 *  new pass or transaction starts, the receipts of transactions already sent are awaited up to
 *  the drain timeout (src/keeper/tx.ts), the state is saved and the process exits 0. If the
 *  drain hangs (an RPC that never answers), a watchdog exits 1 after the drain timeout plus a
 *  grace period. A second signal exits at once with 130. */
import { Logger } from "./log";

export interface StopHandle {
  controller: AbortController;
  /** The signal that stopped the keeper, if any. */
  stoppedBy?: NodeJS.Signals;
  /** Removes the handlers (and the watchdog). */
  dispose(): void;
}

export function handleStopSignals(opts: {
  log: Logger;
  drainTimeoutMs: number;
  /** Extra time after the drain before the watchdog fires. Default 10 s. */
  graceMs?: number;
  /** Called by the watchdog and on a second signal before exiting (save the state...). */
  onForcedExit?: () => void;
  exit?: (code: number) => void;
  /** Where the signals come from (default: the process; tests pass their own emitter, so that
   *  a simulated signal never reaches other listeners of the test process). */
  source?: Pick<NodeJS.EventEmitter, "on" | "off">;
}): StopHandle {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const source = opts.source ?? process;
  const controller = new AbortController();
  let watchdog: NodeJS.Timeout | undefined;
  const handle: StopHandle = {
    controller,
    dispose() {
      source.off("SIGTERM", onSignal);
      source.off("SIGINT", onSignal);
      if (watchdog) clearTimeout(watchdog);
    },
  };
  const forced = (code: number, event: string, signal: NodeJS.Signals) => {
    opts.log({ event, level: "error", signal });
    try {
      opts.onForcedExit?.();
    } finally {
      exit(code);
    }
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (controller.signal.aborted) return forced(130, "stop_forced", signal);
    handle.stoppedBy = signal;
    opts.log({ event: "stopping", signal, drainTimeoutMs: opts.drainTimeoutMs });
    controller.abort();
    watchdog = setTimeout(
      () => forced(1, "drain_hung", signal),
      opts.drainTimeoutMs + (opts.graceMs ?? 10_000),
    );
    watchdog.unref();
  }
  source.on("SIGTERM", onSignal);
  source.on("SIGINT", onSignal);
  return handle;
}
