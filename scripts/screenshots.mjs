#!/usr/bin/env node
// Renders every theme for a sample Smart Link and an artist hub at phone
// (390 px) and desktop (1280 px) widths, plus the consent banner on a phone,
// and writes PNGs to docs/screenshots/ (or the folder given as argument).
//
//   npm run screenshots [-- [--full] OUT_DIR]
//
// --full captures whole pages instead of the first screen.
//
// Images from other hosts (cover art on Spotify's CDN) are drawn as
// generated placeholder artwork, so the pictures are the same on every
// machine and need no network.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSample, repoRoot, serve, themeNames } from '../tests/e2e/support/static-site.mjs';
import { launch, PHONE_UA } from '../tests/e2e/support/chromium.mjs';

const args = process.argv.slice(2);
const FULL = args.includes('--full');
const OUT = resolve(args.find((a) => !a.startsWith('--')) || join(repoRoot, 'docs/screenshots'));
const LINK = '/nova-lane/zoe-a-paris';
const HUB = '/nova-lane';
const SIZES = { phone: { width: 390, height: 844, mobile: true }, desktop: { width: 1280, height: 800, mobile: false } };

/** A deterministic gradient "cover" for an image URL. */
function placeholder(url) {
  let h = 0;
  for (const c of url) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const a = h % 360;
  const b = (a + 40 + (h >> 9) % 120) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" viewBox="0 0 300 300">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${a} 70% 55%)"/><stop offset="1" stop-color="hsl(${b} 65% 30%)"/></linearGradient></defs>
<rect width="300" height="300" fill="url(#g)"/><circle cx="${90 + (h % 120)}" cy="${100 + ((h >> 4) % 100)}" r="70" fill="hsl(${(a + 180) % 360} 80% 75% / .55)"/>
<rect x="30" y="220" width="150" height="14" rx="7" fill="#fff" opacity=".7"/></svg>`;
  return { status: 200, contentType: 'image/svg+xml', body: svg };
}

mkdirSync(OUT, { recursive: true });
const browser = await launch();
const written = [];
try {
  for (const theme of themeNames()) {
    const site = buildSample({ theme });
    const server = await serve(site.out);
    try {
      for (const [size, viewport] of Object.entries(SIZES)) {
        for (const consent of size === 'phone' ? [false, true] : [false]) {
          const context = await browser.newContext({
            viewport: { width: viewport.width, height: viewport.height },
            isMobile: viewport.mobile,
            hasTouch: viewport.mobile,
            deviceScaleFactor: 1,
            userAgent: PHONE_UA,
          });
          await context.route((u) => !u.href.startsWith(server.url), (route) =>
            route.request().resourceType() === 'image' ? route.fulfill(placeholder(route.request().url())) : route.abort());
          // Clean pictures answer the consent question beforehand; one per theme shows the banner.
          if (!consent) await context.addInitScript(() => localStorage.setItem('smartlinks-consent', 'denied'));
          const page = await context.newPage();
          const shots = consent ? [['link', LINK]] : [['link', LINK], ['hub', HUB]];
          for (const [kind, path] of shots) {
            await page.goto(server.url + path, { waitUntil: 'load' });
            await page.evaluate(() => document.fonts.ready);
            const file = join(OUT, `${theme}-${kind}-${size}${consent ? '-consent' : ''}.png`);
            await page.screenshot({ path: file, fullPage: FULL });
            written.push(file);
          }
          await context.close();
        }
      }
    } finally {
      await server.close();
      site.remove();
    }
  }
} finally {
  await browser.close();
}
for (const f of written) console.log(f);
