/**
 * Live view of the machines in the Stately inspector (`--inspect` or `INSPECT_URL`), through
 * `@statelyai/inspect`: every actor's events and snapshots are streamed over a WebSocket.
 *
 * - `--inspect` starts a local bridge on `ws://127.0.0.1:<port>` (default 4242) and prints the address to
 *   open; the bridge serves a page that embeds https://stately.ai/inspect.
 * - `INSPECT_URL=ws://host:port` sends to a bridge that is already running.
 *
 * Tokens never reach the inspector: they are not in any machine's context or events.
 */
import type { Logger } from '../log/logger.ts';

export interface Inspection {
  /** Pass as `createActor(..., { inspect })`. */
  inspect: (event: unknown) => void;
  stop(): void;
}

/** Start streaming; `url` given = connect to it, else start the local bridge on `port`. */
export async function startInspection(
  logger: Logger,
  options: { url?: string; port?: number },
): Promise<Inspection> {
  const { createWebSocketInspector } = await import('@statelyai/inspect');
  let server: { stop(): void } | undefined;
  let url = options.url;
  if (!url) {
    const port = options.port ?? 4242;
    const { createInspectorServer } = await import('@statelyai/inspect/server');
    server = createInspectorServer({ port, autoOpen: false });
    url = `ws://127.0.0.1:${port}`;
    logger.info(`Stately inspector: open http://127.0.0.1:${port} in a browser to watch the live machines`);
  } else {
    logger.info(`Stately inspector: streaming machine events to ${url}`);
  }
  const inspector = createWebSocketInspector({ url });
  return {
    inspect: inspector.inspect as (event: unknown) => void,
    stop() {
      inspector.stop();
      server?.stop();
    },
  };
}
