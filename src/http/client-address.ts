import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/**
 * The client's address: the socket's, or with TRUST_PROXY the last X-Forwarded-For entry, the one our proxy added;
 * entries before it come from the client and would let anyone pick a fresh address per request.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  // requests made in-process (app.request) have no socket; they all count as one client
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress ?? "in-process";
}
