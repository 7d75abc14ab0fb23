import { createHash } from "node:crypto";
import type { Context } from "hono";
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Viewer } from "../http/sessions.js";

/**
 * Mobile first: one column; below a tablet's width each table row is a card whose cells carry their column's name
 * (data-label), so nothing hides off to the side; from 48rem the table is a table that scrolls in its own region. No
 * build step.
 */
const STYLE = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1rem;line-height:1.5;color:#111827;background:#f9fafb}
a{color:#1d4ed8}
a:hover{color:#1e3a8a}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
header.site{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.75rem 1rem;background:#1e3a8a;color:#fff}
header.site a{color:#fff}
header.site .brand{font-weight:700;font-size:1.125rem;margin-right:auto;text-decoration:none}
header.site nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
header.site nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
header.site form{margin:0}
header.site button{background:transparent;color:#fff;border:1px solid #fff;border-radius:.375rem;padding:.25rem .75rem;font:inherit;cursor:pointer}
header.site :focus-visible{outline-color:#fde68a}
main{padding:1rem;max-width:80rem;margin:0 auto}
main:focus{outline:none}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
.filters{display:flex;flex-wrap:wrap;align-items:flex-end;gap:.75rem 1rem;margin:0 0 1rem;padding:.75rem;background:#fff;border:1px solid #d1d5db;border-radius:.5rem}
.field{display:flex;flex-direction:column;gap:.25rem;min-width:10rem;flex:1 1 10rem}
.field.check{flex-direction:row;align-items:center;min-width:auto;flex:0 1 auto}
label{font-weight:600}
select,input[type=email],input[type=password],input[type=text],input[type=number],input[type=date]{font:inherit;padding:.5rem;border:1px solid #6b7280;border-radius:.375rem;background:#fff;color:#111827;min-height:2.75rem}
input[type=checkbox]{width:1.25rem;height:1.25rem;margin:0 .5rem 0 0}
.button{display:inline-block;font:inherit;font-weight:600;padding:.5rem 1rem;min-height:2.75rem;border-radius:.375rem;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer;text-decoration:none}
.button.secondary{background:#fff;color:#1d4ed8}
.note{color:#374151;margin:.5rem 0}
.message{padding:.75rem 1rem;border-radius:.5rem;border:1px solid #b91c1c;background:#fef2f2;color:#7f1d1d;margin:0 0 1rem}
.notice{padding:.75rem 1rem;border-radius:.5rem;border:1px solid #15803d;background:#f0fdf4;color:#14532d;margin:0 0 1rem}
.table-region{position:relative;overflow-x:auto;background:#fff;border:1px solid #d1d5db;border-radius:.5rem}
table{border-collapse:collapse;width:100%;min-width:56rem}
caption{text-align:left;padding:.75rem;font-weight:600}
th,td{padding:.5rem .75rem;border-top:1px solid #e5e7eb;text-align:left;vertical-align:top}
thead th{background:#f3f4f6;font-size:.875rem}
td.number{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th[scope=row]{font-weight:400}
.sku,.reason{display:block;color:#4b5563;font-size:.875rem}
.badge{display:inline-block;margin-top:.25rem;padding:0 .5rem;border-radius:999px;background:#fef3c7;color:#78350f;border:1px solid #b45309;font-size:.8125rem;font-weight:600}
.crumbs{margin:0;font-size:.875rem}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.75rem;margin:0 0 1rem}
.facts div{background:#fff;border:1px solid #d1d5db;border-radius:.5rem;padding:.5rem .75rem}
.facts dt{font-size:.875rem;color:#4b5563}
.facts dd{margin:0;font-weight:600}
.facts .todo{border-color:#b45309;background:#fffbeb}
figure.chart{margin:0 0 1.5rem;background:#fff;border:1px solid #d1d5db;border-radius:.5rem;padding:.75rem}
figure.chart svg{display:block;width:100%;max-width:720px;height:auto}
figure.chart figcaption{font-size:.875rem;color:#374151;margin-top:.5rem}
section.alert{margin:0 0 1.5rem}
section.alert h3{font-size:1.125rem;margin:0 0 .5rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 .75rem}
td .actions{flex-direction:column;align-items:flex-start;margin:0}
td .actions form{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .5rem;margin:0}
td .actions input[type=number]{width:4.5rem}
.actions form{margin:0}
table.compact{min-width:36rem}
ul.plain{list-style:none;margin:0;padding:0}
ul.plain li+li{margin-top:.5rem}
ul.emails{min-width:11rem;overflow-wrap:anywhere}
.actions input[type=number]{width:5.5rem;min-height:2.75rem}
.actions label{font-weight:400;font-size:.875rem;display:flex;flex-direction:column}
.actions form{display:flex;align-items:flex-end;gap:.5rem}
.sign-in{max-width:24rem;margin:2rem auto;padding:1.5rem;background:#fff;border:1px solid #d1d5db;border-radius:.5rem}
.sign-in .field{margin-bottom:1rem}
.sign-in .button{width:100%}
@media (max-width:47.99rem){
.table-region{overflow:visible;background:transparent;border:0;border-radius:0}
.table-region table,.table-region table.compact{min-width:0}
.table-region table,.table-region caption,.table-region tbody,.table-region tr,.table-region th,.table-region td{display:block}
.table-region caption{padding:0 0 .5rem}
.table-region thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.table-region tbody tr{display:flex;flex-direction:column;background:#fff;border:1px solid #d1d5db;border-radius:.5rem;padding:.5rem .75rem;margin:0 0 .75rem}
.table-region th,.table-region td{border:0;padding:.25rem 0;overflow-wrap:anywhere}
.table-region th[scope=row]{order:-2;font-size:1.0625rem;font-weight:600}
.table-region td.lead{order:-1}
.table-region td[data-label]{display:flow-root;padding-left:9.5rem}
.table-region td[data-label]::before{content:attr(data-label);float:left;width:8.75rem;margin-left:-9.5rem;white-space:normal;font-size:.875rem;font-weight:600;color:#4b5563}
.table-region td.number{text-align:left}
figure.chart svg text{font-size:22px}
}
@media (min-width:48rem){main{padding:1.5rem 2rem}h1{font-size:1.875rem}}
`.trim();

/** The Content-Security-Policy allows this one style block by its hash: no inline script or style can run otherwise. */
const STYLE_HASH = `'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`;

export const DASHBOARD_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": `default-src 'none'; style-src ${STYLE_HASH}; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  // pages show one person's stores: no shared cache may keep them
  "cache-control": "no-store",
};

export const DASHBOARD_PATH = "/dashboard";

interface LayoutProps {
  title: string;
  viewer?: Viewer;
  /** the navigation entry of this page */
  current?: "at-risk" | "alerts" | "imports" | "subscribers" | "rain-checks" | "track-record" | "admin";
  children?: Child;
}

export function Layout({ title, viewer, current, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Shelfwatch`}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to main content
        </a>
        <header class="site">
          <a class="brand" href={DASHBOARD_PATH}>
            Shelfwatch
          </a>
          {viewer ? (
            <>
              <nav aria-label="Dashboard">
                <ul>
                  <li>
                    <a href={DASHBOARD_PATH} aria-current={current === "at-risk" ? "page" : undefined}>
                      At risk
                    </a>
                  </li>
                  <li>
                    <a href={`${DASHBOARD_PATH}/alerts`} aria-current={current === "alerts" ? "page" : undefined}>
                      Alerts
                    </a>
                  </li>
                  <li>
                    <a href={`${DASHBOARD_PATH}/imports`} aria-current={current === "imports" ? "page" : undefined}>
                      Imports
                    </a>
                  </li>
                  <li>
                    <a href={`${DASHBOARD_PATH}/subscribers`} aria-current={current === "subscribers" ? "page" : undefined}>
                      Subscribers
                    </a>
                  </li>
                  <li>
                    <a href={`${DASHBOARD_PATH}/rain-checks`} aria-current={current === "rain-checks" ? "page" : undefined}>
                      Rain checks
                    </a>
                  </li>
                  <li>
                    <a href={`${DASHBOARD_PATH}/track-record`} aria-current={current === "track-record" ? "page" : undefined}>
                      Track record
                    </a>
                  </li>
                  {viewer.admin ? (
                    <li>
                      <a href={`${DASHBOARD_PATH}/admin`} aria-current={current === "admin" ? "page" : undefined}>
                        Admin
                      </a>
                    </li>
                  ) : null}
                </ul>
              </nav>
              <span>{viewer.name}</span>
              <form method="post" action={`${DASHBOARD_PATH}/logout`}>
                <input type="hidden" name="csrf" value={viewer.csrfToken} />
                <button type="submit">Sign out</button>
              </form>
            </>
          ) : null}
        </header>
        <main id="main" tabindex={-1}>
          {children}
        </main>
      </body>
    </html>
  );
}

/** Sends a page with the doctype and the dashboard's security headers. */
export function renderPage(c: Context, page: JSX.Element, status: ContentfulStatusCode = 200, headers: Record<string, string> = {}) {
  return c.html(html`<!doctype html>${page}`, status, { ...DASHBOARD_SECURITY_HEADERS, ...headers });
}

/** A page that says what went wrong and where to go, for 403, 404, 422, 429 and 500. */
export function ErrorPage({ title, message, viewer }: { title: string; message: string; viewer?: Viewer }) {
  return (
    <Layout title={title} viewer={viewer}>
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        <a href={DASHBOARD_PATH}>Back to the dashboard</a>
      </p>
    </Layout>
  );
}
