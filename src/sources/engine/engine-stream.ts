import { nodeNet as net, nodeTls as tls } from '../../lazy-node.js';
import { HttpAnswerDecoder, HttpAnswerError, type AnswerHead } from './http-answer.js';
import type { EngineEndpoint } from './connection.js';

/** One socket read's worth: the export arrives at ~1 GB/s, and a bigger read is fewer callbacks. */
const READ_BYTES = 256 << 10;
/** Of an error answer, as much as is kept to say what the engine said. */
const ERROR_BODY_LIMIT = 64 << 10;
/**
 * How long an answer may go without a byte once its body has begun (FATHOM_ENGINE_STALL_MS overrides).
 * Before that there is no limit: an engine may prepare an export for minutes, and the UI says so and can
 * be left; an answer stopped half-way is an engine that is stuck.
 */
const STALL_MS = 60_000;

function stallMs(): number {
  const fromEnv = Number(process.env.FATHOM_ENGINE_STALL_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : STALL_MS;
}

/** A body being read from the engine. */
export interface BodyStream {
  /** Stops reading the socket (the engine then waits) until `resume`. */
  pause(): void;
  resume(): void;
  /** Nothing more is wanted: the connection is closed and `ended` settles. */
  stop(): void;
  /** Settles when the body has ended by its framing (or at `stop`); fails as dockerode's calls fail (`code`, or `statusCode` and `json`). */
  ended: Promise<void>;
}

/**
 * GETs `path` from the engine and hands its body out piece by piece as it arrives, each piece a view of
 * the one buffer the socket reads into (valid only during the call): for the engine's answers too big to
 * be read as dockerode reads them, an image's export. Plain sockets (unix, tcp) read into that buffer;
 * a TLS one hands over its own buffers, decoded the same way.
 */
export function streamGet(endpoint: EngineEndpoint, path: string, onBody: (piece: Buffer) => void): BodyStream {
  const options = endpoint.options;
  let settle!: { resolve: () => void; reject: (e: unknown) => void };
  const ended = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let finished = false;
  let flowing = false;
  let errorHead: AnswerHead | null = null;
  const errorBody: Buffer[] = [];
  let errorBytes = 0;

  const decoder = new HttpAnswerDecoder(
    (head) => {
      if (head.statusCode < 200 || head.statusCode > 299) errorHead = head;
    },
    (piece) => {
      if (!flowing) {
        flowing = true;
        watchForStall(true);
      }
      if (errorHead === null) return onBody(piece);
      if (errorBytes < ERROR_BODY_LIMIT) errorBody.push(Buffer.from(piece.subarray(0, ERROR_BODY_LIMIT - errorBytes)));
      errorBytes += piece.length;
    },
  );

  const finish = (failure: unknown) => {
    if (finished) return;
    finished = true;
    socket.destroy();
    if (failure !== null) settle.reject(failure);
    else if (errorHead !== null) settle.reject(statusError(errorHead, Buffer.concat(errorBody)));
    else settle.resolve();
  };
  const take = (bytes: Buffer) => {
    if (finished) return;
    try {
      decoder.push(bytes);
      if (decoder.done) finish(null);
    } catch (e) {
      finish(e instanceof HttpAnswerError ? new Error(`the answer to GET ${path} is not one: ${e.message}`) : e);
    }
  };

  const host = options.socketPath ? 'localhost' : String(options.host ?? 'localhost');
  const request = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: fathom\r\nConnection: close\r\n\r\n`;
  const onread = {
    buffer: Buffer.allocUnsafe(READ_BYTES),
    callback: (n: number, buf: Buffer) => {
      take(buf.subarray(0, n));
      return true; // pausing is asked for through pause()
    },
  };
  let socket: import('node:net').Socket;
  if (options.socketPath) {
    socket = net().connect({ path: options.socketPath, onread });
  } else if (options.protocol === 'https') {
    const port = Number(options.port);
    socket = tls().connect({ host, port, ca: options.ca, cert: options.cert, key: options.key, ...(net().isIP(host) === 0 && { servername: host }) });
    socket.on('data', (chunk: Buffer) => take(chunk));
  } else {
    socket = net().connect({ host, port: Number(options.port), onread });
  }
  socket.once(options.protocol === 'https' ? 'secureConnect' : 'connect', () => socket.write(request));
  socket.on('error', (e) => finish(e));
  socket.on('end', () => {
    try {
      decoder.close();
      finish(null);
    } catch (e) {
      finish(e instanceof HttpAnswerError ? Object.assign(new Error(`the answer to GET ${path} was cut short: ${e.message}`), { code: 'ECONNRESET' }) : e);
    }
  });
  socket.on('close', () => finish(Object.assign(new Error(`the connection closed during GET ${path}`), { code: 'ECONNRESET' })));

  const stall = stallMs();
  const onStall = () => finish(new Error(`its answer to GET ${path} stalled: nothing came for ${stall / 1000} s`));
  // Not while this side holds the answer back (its disk behind): the engine is waiting then, not stuck.
  function watchForStall(on: boolean): void {
    socket.setTimeout(on ? stall : 0);
  }
  socket.on('timeout', onStall);

  return {
    pause: () => {
      socket.pause();
      if (flowing) watchForStall(false);
    },
    resume: () => {
      socket.resume();
      if (flowing) watchForStall(true);
    },
    stop: () => finish(null),
    ended,
  };
}

/** An error answer as dockerode reports one: its status, and the engine's JSON (`{"message": …}`) when it sent that. */
function statusError(head: AnswerHead, body: Buffer): Error {
  let json: unknown = null;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    // not JSON: the status alone says it
  }
  return Object.assign(new Error(`(HTTP code ${head.statusCode}) ${body.length > 0 && json === null ? body.toString('utf8', 0, 200) : 'unexpected'}`), { statusCode: head.statusCode, json });
}
