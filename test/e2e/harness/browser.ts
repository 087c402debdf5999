import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Screenshots of key screens, overwritten by each run and linked from the README. */
export const SCREENSHOT_DIR = join(repoRoot, 'test', 'screenshots');

/** Debian's chromium (installed by `.ci/run` with apt), or the one `MIRAGE_CHROMIUM` names; never a downloaded browser. */
export function chromiumPath(): string {
  const path = process.env.MIRAGE_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`no browser at ${path}: install Debian's chromium (apt-get install chromium) or set MIRAGE_CHROMIUM`);
  return path;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Chromium refuses its sandbox as root (CI runs as root).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** A fresh context (own cookies and storage): one per person in a test. */
export async function newPerson(browser: Browser, options: { javaScriptEnabled?: boolean; colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; html: string }[];
}

const require = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

/**
 * axe-core's violations of serious or critical impact on the page as it is now. axe is
 * evaluated through the debugging protocol, which the page's CSP does not govern, so the
 * page under test keeps its real CSP.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(await axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: Document, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Arms a page so that any script an attacker managed to run is noticed: dialogs, and the
 * `window.__mirageXss` flag every corpus payload sets. Read the outcome with `scriptRan()`.
 */
export async function watchForInjectedScript(page: Page): Promise<{ scriptRan(): Promise<boolean> }> {
  let dialog = false;
  page.on('dialog', (d) => {
    dialog = true;
    void d.dismiss();
  });
  return {
    async scriptRan() {
      const flag = await page.evaluate(() => (globalThis as { __mirageXss?: unknown }).__mirageXss !== undefined);
      return dialog || flag;
    },
  };
}
