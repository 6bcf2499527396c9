import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { Express } from "express";
import { errorBody } from "./errors";

/**
 * The HTTP server around the app. Requests too broken for Express to see (a malformed request
 * line, oversize headers) are answered by Node itself; they get our error format too.
 */
export async function listen(app: Express, port: number, host: string): Promise<Server> {
  const server = createServer(app);
  server.requestTimeout = 30_000;
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const body = JSON.stringify(errorBody("bad_request", "the HTTP request could not be parsed"));
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  server.listen(port, host);
  await once(server, "listening");
  return server;
}
