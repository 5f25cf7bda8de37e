/**
 * Debian's Chromium for the browser tests, driven by playwright-core (which never downloads a browser). `.ci/run`
 * installs it; elsewhere a missing Chromium fails the suites with what to do, unless QJ_SKIP_BROWSER_TESTS=1.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);

/** True when the browser suites should be skipped: no Chromium, and the developer asked to skip. */
export const skipBrowserTests = !haveChromium && process.env.QJ_SKIP_BROWSER_TESTS === '1';
if (skipBrowserTests) console.warn(`[browser tests] skipped: no Chromium at ${chromiumPath} and QJ_SKIP_BROWSER_TESTS=1`);

/** Fails with what to do when Chromium is missing (call it before any expensive set-up). */
export function requireChromium(): void {
  if (!haveChromium) {
    throw new Error(`Chromium not found at ${chromiumPath}: run \`apt-get install -y chromium\` (or set CHROMIUM_PATH), or set QJ_SKIP_BROWSER_TESTS=1 to skip the browser tests`);
  }
}

/**
 * Headless Chromium as this machine needs it: no sandbox (root), and none of the background connections that a
 * closed network refuses many at a time.
 */
export function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
