import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import axe from "axe-core";
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import type { App } from "../../src/app.js";

/** Debian's Chromium (`.ci/run` installs it when missing); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS_DIR = join(process.cwd(), "test-artifacts", "e2e");
/** an iPhone 12 to 15's CSS width: the narrowest phone a store manager is likely to carry */
export const PHONE_VIEWPORT = { width: 390, height: 844 };

/** Flags for a closed network and a root user: no sandbox, no calls home that the machine would refuse. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export interface LiveSite {
  baseUrl: string;
  browser: Browser;
  /** a fresh browser context (own cookies) whose console errors and page errors are collected; a laptop's window unless told */
  newVisitor(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  screenshot(page: Page, name: string): Promise<string>;
}

/**
 * Serves the app on a local port for one test file and starts headless Chromium. The app comes from a getter because
 * the test context fills it in its own beforeAll.
 */
export function useLiveSite(app: () => App): LiveSite {
  const site = {} as LiveSite & { server?: Server };
  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH`);
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    site.server = await new Promise<Server>((resolve) => {
      const server = serve({ fetch: (request) => app().fetch(request), port: 0, hostname: "127.0.0.1" }, () => resolve(server as Server));
    });
    site.baseUrl = `http://127.0.0.1:${(site.server.address() as AddressInfo).port}`;
    site.browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    site.newVisitor = async (viewport = { width: 1280, height: 900 }) => {
      const context = await site.browser.newContext({ viewport });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("console", (message: ConsoleMessage) => {
        if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
      });
      page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
      return { context, page, errors };
    };
    site.screenshot = async (page, name) => {
      const path = join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    };
  }, 60_000);
  afterAll(async () => {
    await site.browser?.close();
    await new Promise<void>((resolve) => (site.server ? site.server.close(() => resolve()) : resolve()));
  });
  return site;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * What a page shows beyond a narrow window: the page's own sideways scroll, and any region that scrolls sideways inside
 * it (a table wider than its card hides columns just as well). Empty when everything fits.
 */
export async function overflowsOf(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const viewport = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > viewport) found.push(`page: ${document.documentElement.scrollWidth} px wide in a ${viewport} px window`);
    for (const region of document.querySelectorAll<HTMLElement>("main *")) {
      const style = getComputedStyle(region);
      if (!["auto", "scroll"].includes(style.overflowX) || region.scrollWidth <= region.clientWidth + 1) continue;
      found.push(`${region.tagName.toLowerCase()}${region.id ? `#${region.id}` : ""}.${region.className}: ${region.scrollWidth} px of content in ${region.clientWidth} px`);
    }
    return found;
  });
}

/** Runs axe-core in the page; returns the violations of serious or critical impact. */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  // evaluated over the DevTools protocol, which the page's Content-Security-Policy does not govern
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
