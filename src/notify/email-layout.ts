/**
 * The layout every Shelfwatch email shares: content as blocks, rendered once as plain text and once as HTML, so the
 * two parts cannot drift apart and every value reaches HTML through one escaping renderer. Pure functions.
 */

const TEXT_WIDTH = 72;

export type Fact = [label: string, value: string];

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}


export interface Link {
  label: string;
  href: string;
  primary: boolean;
}

export interface ListEntry {
  title: string;
  details: string[];
  links: Link[];
}

/** One item on one line: its name links to its page, the detail follows. */
export interface ItemLine {
  title: string;
  href: string;
  detail: string;
}

export type Block =
  | { type: "heading"; text: string }
  | { type: "subheading"; text: string; urgent?: boolean }
  | { type: "paragraph"; text: string }
  | { type: "callout"; label: string; text: string }
  | { type: "facts"; facts: Fact[] }
  | { type: "links"; links: Link[] }
  | { type: "entries"; entries: ListEntry[] }
  | { type: "bullets"; items: string[] }
  | { type: "lines"; lines: ItemLine[] }
  /** an image of our own making (a data: URI; the mailer sends it as an inline attachment); text shows nothing */
  | { type: "image"; src: string; alt: string; width: number; height: number };

export interface EmailContent {
  subject: string;
  /** the inbox preview line */
  preview: string;
  blocks: Block[];
  footer: string[];
  /** small links under the footer: unsubscribe, manage preferences */
  footerLinks?: Link[];
}

// ---------------------------------------------------------------- plain text

/** Word-wraps at TEXT_WIDTH; a word longer than a line (a URL) keeps a line of its own rather than breaking. */
function wrap(text: string, first = "", rest = first): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line === "") line = (lines.length === 0 ? first : rest) + word;
    else if (line.length + 1 + word.length <= TEXT_WIDTH) line += ` ${word}`;
    else {
      lines.push(line);
      line = rest + word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function renderTextBlock(block: Block): string[] {
  switch (block.type) {
    case "heading":
      return wrap(block.text);
    case "subheading":
      return wrap(block.text.toUpperCase());
    case "paragraph":
      return wrap(block.text);
    case "callout":
      return wrap(`${block.label}: ${block.text}`, "", "  ");
    case "facts":
      return block.facts.flatMap(([label, value]) => wrap(`${label}: ${value}`, "", "  "));
    case "links":
      return block.links.map((link) => `${link.label}: ${link.href}`);
    case "entries":
      return block.entries.flatMap((entry, index) => [
        ...(index > 0 ? [""] : []),
        ...wrap(`* ${entry.title}`, "", "  "),
        ...entry.details.flatMap((detail) => wrap(detail, "  ")),
        ...entry.links.map((link) => `  ${link.label}: ${link.href}`),
      ]);
    case "bullets":
      return block.items.flatMap((item) => wrap(`* ${item}`, "", "  "));
    case "lines":
      return block.lines.flatMap((line) => [...wrap(`* ${line.title}: ${line.detail}`, "", "  "), `  ${line.href}`]);
    case "image":
      return [];
  }
}

function renderText(content: EmailContent): string {
  const body = content.blocks
    .map(renderTextBlock)
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join("\n"))
    .join("\n\n");
  const footer = content.footer.flatMap((line) => wrap(line)).join("\n");
  const links = (content.footerLinks ?? []).map((link) => `${link.label}: ${link.href}`).join("\n");
  return `${body}\n\n--\n${footer}\n${links ? `${links}\n` : ""}`;
}

// ---------------------------------------------------------------- HTML

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/** Only web and mail links become buttons; anything else (javascript:, data:) is dropped. */
function safeHref(href: string): string {
  return /^(https?:|mailto:)/i.test(href.trim()) ? escapeHtml(href.trim()) : "#";
}

const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = "#111827";
const MUTED = "#4b5563";
const BLUE = "#1d4ed8";
const RED = "#b91c1c";

function buttonHtml(link: Link, small: boolean): string {
  const size = small ? "padding:10px 16px;font-size:14px" : "padding:12px 20px;font-size:16px";
  const colours = link.primary
    ? `background-color:${BLUE};color:#ffffff;border:2px solid ${BLUE}`
    : `background-color:#ffffff;color:${BLUE};border:2px solid ${BLUE}`;
  return `<a href="${safeHref(link.href)}" style="display:inline-block;margin:0 8px 8px 0;${size};${colours};border-radius:6px;font-weight:bold;line-height:1.2;text-decoration:none">${escapeHtml(link.label)}</a>`;
}

function renderHtmlBlock(block: Block): string {
  switch (block.type) {
    case "heading":
      return `<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:${INK}">${escapeHtml(block.text)}</h1>`;
    case "subheading":
      return `<h2 style="margin:24px 0 8px;font-size:18px;line-height:1.3;color:${block.urgent ? RED : INK}">${escapeHtml(block.text)}</h2>`;
    case "paragraph":
      return `<p style="margin:0 0 16px;font-size:16px">${escapeHtml(block.text)}</p>`;
    case "callout":
      return `<p style="margin:16px 0;padding:12px 16px;background-color:#fef3c7;border-left:4px solid #b45309;font-size:16px;color:${INK}"><strong>${escapeHtml(block.label)}:</strong> ${escapeHtml(block.text)}</p>`;
    case "facts": {
      const rows = block.facts
        .map(
          ([label, value]) =>
            `<tr><th scope="row" align="left" style="padding:6px 12px 6px 0;width:40%;vertical-align:top;font-size:15px;font-weight:normal;color:${MUTED}">${escapeHtml(label)}</th><td style="padding:6px 0;vertical-align:top;font-size:16px;font-weight:bold;color:${INK}">${escapeHtml(value)}</td></tr>`,
        )
        .join("");
      return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 8px">${rows}</table>`;
    }
    case "links":
      return `<p style="margin:16px 0 8px">${block.links.map((link) => buttonHtml(link, false)).join("")}</p>`;
    case "entries":
      return block.entries
        .map((entry) => {
          const details = entry.details.map((detail) => `<p style="margin:0 0 8px;font-size:15px;color:#374151">${escapeHtml(detail)}</p>`).join("");
          const links = entry.links.length > 0 ? `<p style="margin:0">${entry.links.map((link) => buttonHtml(link, true)).join("")}</p>` : "";
          return `<div style="margin:0 0 12px;padding:12px;border:1px solid #e5e7eb;border-radius:6px"><p style="margin:0 0 4px;font-size:16px;font-weight:bold;color:${INK}">${escapeHtml(entry.title)}</p>${details}${links}</div>`;
        })
        .join("");
    case "image":
      return `<p style="margin:0 0 16px"><img src="${escapeHtml(block.src)}" alt="${escapeHtml(block.alt)}" width="${block.width}" height="${block.height}" style="display:block;max-width:100%;height:auto;border:0"></p>`;
    case "bullets":
      return `<ul style="margin:0 0 16px;padding-left:20px">${block.items.map((item) => `<li style="margin:0 0 6px;font-size:15px">${escapeHtml(item)}</li>`).join("")}</ul>`;
    case "lines":
      // one line of text per item where the width allows; a long name without spaces breaks instead of widening the page
      return `<ul style="margin:0 0 16px;padding:0;list-style:none">${block.lines
        .map(
          (line) =>
            `<li style="margin:0 0 6px;font-size:15px;line-height:1.35;overflow-wrap:anywhere;word-break:break-word"><a href="${safeHref(line.href)}" style="color:${BLUE};font-weight:bold">${escapeHtml(line.title)}</a> <span style="color:#374151">${escapeHtml(line.detail)}</span></li>`,
        )
        .join("")}</ul>`;
  }
}

function renderHtml(content: EmailContent): string {
  const body = content.blocks.map(renderHtmlBlock).join("\n");
  const footerLinks = (content.footerLinks ?? []).map((link) => `<a href="${safeHref(link.href)}" style="color:${MUTED}">${escapeHtml(link.label)}</a>`);
  const footer = [...content.footer.map(escapeHtml), ...(footerLinks.length > 0 ? [footerLinks.join(" · ")] : [])].join("<br>");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(content.subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6">
<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(content.preview)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f4f6">
<tr><td align="center" style="padding:16px 8px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background-color:#ffffff;border-radius:8px;${FONT};font-size:16px;line-height:1.5;color:${INK}">
<tr><td style="padding:24px 20px">
${body}
</td></tr>
<tr><td style="padding:16px 20px 24px;border-top:1px solid #e5e7eb;font-size:14px;line-height:1.5;color:${MUTED}">${footer}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

export function renderEmail(content: EmailContent): RenderedEmail {
  return { subject: content.subject, text: renderText(content), html: renderHtml(content) };
}
