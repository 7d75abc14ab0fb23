import { escapeHtml } from "./alert-templates.js";

/** A small self-contained page for people who clicked a link in an email: readable on a phone, no scripts. */
export function linkPage(options: { title: string; message: string; form?: { action: string; button: string } }): string {
  const form = options.form
    ? `<form method="post" action="${escapeHtml(options.form.action)}">
  <button type="submit" style="font-size:18px;padding:12px 20px;background:#1d4ed8;color:#fff;border:0;border-radius:6px">${escapeHtml(options.form.button)}</button>
</form>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} · Shelfwatch</title>
</head>
<body style="font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#111;max-width:36rem;margin:2rem auto;padding:0 1rem">
<main>
<h1 style="font-size:22px">${escapeHtml(options.title)}</h1>
<p>${escapeHtml(options.message)}</p>
${form}
</main>
</body>
</html>`;
}
