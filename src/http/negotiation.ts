import type { Context } from "hono";

/** A browser asking for a page (links in email, forms), rather than a program asking for JSON. */
export function wantsHtml(c: Context): boolean {
  return (c.req.header("accept") ?? "").includes("text/html");
}
