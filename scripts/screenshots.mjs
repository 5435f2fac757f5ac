#!/usr/bin/env node
// Renders every theme for a sample Smart Link and an artist hub at phone
// (390 px) and desktop (1280 px) widths, plus the consent banner on a phone
// and, for themes that follow the system scheme, the dark version, and
// writes PNGs to docs/screenshots/ (or the folder given as argument).
//
//   npm run screenshots [-- [--full] OUT_DIR]
//
// The phone picture of a link shows the whole page, the others the first
// screen; --full captures whole pages everywhere.
//
// Images from other hosts (cover art on Spotify's CDN) are drawn as
// generated placeholder artwork, so the pictures are the same on every
// machine and need no network. When `pngquant` is installed (Debian package
// pngquant) the PNGs are shrunk with it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
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
      const toml = readFileSync(join(repoRoot, 'themes', theme, 'theme.toml'), 'utf8');
      const followsSystem = /^color_scheme = "light dark"/m.test(toml);
      const variants = [
        { size: 'phone', scheme: 'light' },
        { size: 'desktop', scheme: 'light' },
        { size: 'phone', scheme: 'light', consent: true },
        ...(followsSystem ? [{ size: 'phone', scheme: 'dark' }] : []),
      ];
      for (const { size, scheme, consent = false } of variants) {
        const viewport = SIZES[size];
        const context = await browser.newContext({
          colorScheme: scheme,
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
        const single = consent || scheme === 'dark';
        const shots = single ? [['link', LINK]] : [['link', LINK], ['hub', HUB]];
        for (const [kind, path] of shots) {
          await page.goto(server.url + path, { waitUntil: 'load' });
          await page.evaluate(() => document.fonts.ready);
          const suffix = consent ? '-consent' : scheme === 'dark' ? '-dark' : '';
          const file = join(OUT, `${theme}-${kind}-${size}${suffix}.png`);
          const whole = FULL || (kind === 'link' && size === 'phone' && !single);
          await page.screenshot({ path: file, fullPage: whole });
          written.push(file);
        }
        await context.close();
      }
    } finally {
      await server.close();
      site.remove();
    }
  }
} finally {
  await browser.close();
}
let shrink = true;
for (const f of written) {
  try {
    if (shrink) execFileSync('pngquant', ['--force', '--skip-if-larger', '--quality=70-95', '--ext', '.png', f], { stdio: 'ignore' });
  } catch (e) {
    // Exit status 98/99: pngquant kept the original; ENOENT: not installed.
    if (e.code === 'ENOENT') shrink = false;
  }
  console.log(f);
}
