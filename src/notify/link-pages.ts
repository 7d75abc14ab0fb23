import { escapeHtml } from "./email-layout.js";

export interface PageForm {
  action: string;
  button: string;
  /** hidden fields posted with the button */
  fields?: Record<string, string>;
  /** a secondary action: outlined instead of filled */
  secondary?: boolean;
}

const PAGE_STYLE =
  "font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#111;max-width:36rem;margin:2rem auto;padding:0 1rem";

function formHtml(form: PageForm): string {
  const colours = form.secondary ? "background:#fff;color:#1d4ed8;border:2px solid #1d4ed8" : "background:#1d4ed8;color:#fff;border:2px solid #1d4ed8";
  const fields = Object.entries(form.fields ?? {})
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  return `<form method="post" action="${escapeHtml(form.action)}">${fields}
  <button type="submit" style="font-size:18px;padding:12px 20px;margin:0 0 12px;${colours};border-radius:6px">${escapeHtml(form.button)}</button>
</form>`;
}

/** The frame of every public page: readable on a phone, no scripts, everything escaped by the caller or here. */
export function pageShell(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Shelfwatch</title>
</head>
<body style="${PAGE_STYLE}">
<main>
<h1 style="font-size:22px">${escapeHtml(title)}</h1>
${bodyHtml}
</main>
</body>
</html>`;
}

/** A small self-contained page for people who clicked a link in an email, with the buttons that act on it. */
export function linkPage(options: { title: string; message: string; form?: PageForm; forms?: PageForm[] }): string {
  const forms = [...(options.form ? [options.form] : []), ...(options.forms ?? [])];
  return pageShell(options.title, `<p>${escapeHtml(options.message)}</p>\n${forms.map(formHtml).join("\n")}`);
}
