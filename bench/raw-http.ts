/**
 * A minimal keep-alive HTTP/1.1 client on a raw socket, for load generators that must cost the machine
 * less than the server they measure: one request at a time per connection, `content-length` bodies only
 * (what Fastify answers with). Used by bench/sandbox.ts and bench/sandbox-polls.ts.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  body: Buffer;
}

/** One keep-alive HTTP/1.1 connection to 127.0.0.1:`port`; one request at a time. */
export class RawConnection {
  readonly #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: { resolve: (res: RawResponse) => void; reject: (err: Error) => void } | null = null;
  /** Resolves once the TCP connection is established; rejects when it cannot be. */
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.#socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    this.connected = new Promise((resolve, reject) => {
      this.#socket.once('connect', resolve);
      this.#socket.once('error', reject);
    });
    this.connected.catch(() => {});
    this.#socket.on('data', (chunk) => this.#onData(chunk));
    this.#socket.on('error', () => {});
    this.#socket.on('close', () => {
      const waiting = this.#waiting;
      this.#waiting = null;
      waiting?.reject(new Error('connection closed'));
    });
  }

  /**
   * Send one request (JSON body) and resolve with the status and body.
   * @throws Error (as the rejection) when the connection closes before the answer.
   */
  request(method: string, path: string, body: string): Promise<RawResponse> {
    const head = `${method} ${path} HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return new Promise((resolve, reject) => {
      if (this.#socket.destroyed) return reject(new Error('connection closed'));
      this.#waiting = { resolve, reject };
      this.#socket.write(head + body);
    });
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const headerEnd = this.#buffer.indexOf('\r\n\r\n');
    if (headerEnd === -1) return;
    const head = this.#buffer.subarray(0, headerEnd).toString('latin1');
    const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    const end = headerEnd + 4 + length;
    if (this.#buffer.length < end) return;
    const status = Number(head.slice(9, 12));
    const body = this.#buffer.subarray(headerEnd + 4, end);
    this.#buffer = this.#buffer.subarray(end);
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.resolve({ status, body });
  }

  /** Close the connection at once (an answer still awaited rejects). */
  close(): void {
    this.#socket.destroy();
  }
}
