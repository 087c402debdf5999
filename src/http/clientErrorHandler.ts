import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

/** A listener's own error body for a status and a message. */
export type ErrorBodyFor = (status: number, message: string) => unknown;

interface ParserError extends Error {
  code?: string;
  /** The bytes Node read (a Buffer at run time). */
  rawPacket?: unknown;
}

/**
 * Answers requests Node's HTTP parser refuses before any route sees them (headers too large,
 * a method Node does not know, a malformed request line, a request too slow) in the listener's
 * own error shape, instead of the framework's. An unknown method on a known path is a 405 with
 * `Allow`, as for the methods Node knows.
 */
export function clientErrorHandler(bodyFor: ErrorBodyFor, allowedFor?: (path: string) => readonly string[]) {
  return (error: ParserError, socket: Socket): void => {
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    let status = 400;
    let message = "Malformed HTTP request";
    const headers: Record<string, string> = {};
    if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      status = 408;
      message = "The request took too long to arrive";
    } else if (error.code === "HPE_HEADER_OVERFLOW") {
      status = 431;
      message = "The request's header fields are too large";
    } else if (error.code === "HPE_INVALID_METHOD" && allowedFor && Buffer.isBuffer(error.rawPacket)) {
      const path = /^[^ ]+ ([^ ?#]+)/.exec(error.rawPacket.toString("latin1"))?.[1];
      const allowed = path === undefined ? [] : allowedFor(path);
      if (allowed.length > 0) {
        status = 405;
        message = "Method not allowed";
        headers.Allow = allowed.join(", ");
      }
    }
    if (socket.writable) {
      const body = JSON.stringify(bodyFor(status, message));
      const head = Object.entries({ ...headers, "Content-Type": "application/json; charset=utf-8", "Content-Length": String(Buffer.byteLength(body)), Connection: "close" })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join("");
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
    }
    socket.destroy(error);
  };
}
