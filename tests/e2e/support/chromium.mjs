// Headless Chromium (the Debian package) driven by playwright-core, with the
// flags that keep it from talking to anything but the pages under test.
// playwright-core gives every launch a fresh temporary profile.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-sync',
];

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

/** A phone user agent: HeadlessChrome's own is treated as a bot by the beacon. */
export const PHONE_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
export const INSTAGRAM_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 330.0.0.33.99 (iPhone15,2; iOS 17_5; en_US; en; scale=3.00; 1179x2556; 601471862)';
export const TIKTOK_UA = 'Mozilla/5.0 (Linux; Android 13; SM-S911B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36 musical_ly_2023405030 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/34.5.3 ByteLocale/en ByteFullLocale/en Region/US BytedanceWebview/d8a21c6';
export const FACEBOOK_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.38.109;FBBV/612345678;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBCR/;FBID/phone;FBLC/en_US;FBOP/5]';

const require = createRequire(import.meta.url);
let axeSource;
/** Runs axe-core in the page; returns its violations (rule id, targets). */
export async function axeViolations(page) {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

/**
 * Answers every request that leaves the test server: records its URL and
 * replies with `reply(url)` or an empty 204. Returns the list of URLs.
 */
export async function recordExternal(context, serverUrl, reply = () => null) {
  const seen = [];
  await context.route((url) => !url.href.startsWith(serverUrl), async (route) => {
    const url = route.request().url();
    seen.push(url);
    const answer = reply(url);
    if (answer) await route.fulfill(answer);
    else await route.fulfill({ status: 204, body: '' });
  });
  return seen;
}
