// Every theme in headless Chromium: buttons are links that work without
// JavaScript, share and video behave, axe-core finds nothing, nothing
// overflows a 320 px screen, the in-app hint appears only in in-app
// browsers, and light/dark themes follow the system scheme.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSample, repoRoot, serve, themeNames } from './support/static-site.mjs';
import { axeViolations, FACEBOOK_UA, INSTAGRAM_UA, launch, PHONE_UA, recordExternal, TIKTOK_UA } from './support/chromium.mjs';

const ZOE = '/nova-lane/zoe-a-paris';           // album with video, description, pixels
const ZOE_URL = 'https://play.example.com/nova-lane/zoe-a-paris';
const PAGES = [
  ZOE,
  '/koji-mori/osaka-blue',                      // no cover
  '/koji-mori/golden-best-1982-1989',           // long CJK title
  '/nova-lane/nuits-blanches',                  // playlist
  '/nova-lane',                                 // hub
  '/no-such-page',                              // 404
];
const VIDEO_HOSTS = /(^|\.)(youtube\.com|youtube-nocookie\.com|youtu\.be|ytimg\.com|googlevideo\.com)$/;

const IMAGE = { status: 200, contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300" fill="#7a5cff"/></svg>' };
const STUB_PAGE = { status: 200, contentType: 'text/html', body: '<!doctype html><title>service</title><p>service</p>' };
/** Cover images get a picture, anything else a tiny page. */
const reply = (url) => (/\.(scdn|spotifycdn)\.|image/.test(url) ? IMAGE : STUB_PAGE);

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

function schemes(theme) {
  const toml = readFileSync(join(repoRoot, 'themes', theme, 'theme.toml'), 'utf8');
  return toml.match(/^color_scheme = "(.*)"$/m)[1].split(' ');
}

for (const theme of themeNames()) {
  describe(`theme ${theme}`, () => {
    let site;
    let server;
    before(async () => {
      site = buildSample({ theme });
      server = await serve(site.out);
    });
    after(async () => {
      await server?.close();
      site?.remove();
    });

    /** A phone context whose requests to other hosts are recorded and stubbed. */
    async function phone(options = {}) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, userAgent: PHONE_UA, ...options });
      const external = await recordExternal(context, server.url, reply);
      return { context, external, page: await context.newPage() };
    }

    test('service and save buttons are plain https links that work without JavaScript', async () => {
      const { context, page } = await phone({ javaScriptEnabled: false });
      try {
        await page.goto(server.url + ZOE);
        const hrefs = await page.locator('a[data-service]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        assert.ok(hrefs.length >= 5, `${hrefs.length} buttons`);
        for (const href of hrefs) assert.match(href, /^https:\/\//);
        assert.equal(await page.locator('[data-action="share"]').isVisible(), false, 'share needs JavaScript, so it stays hidden');
        assert.match(await page.locator('a[data-action="video"]').getAttribute('href'), /^https:\/\/www\.youtube\.com\/watch/);
        const save = await page.locator('a[data-action="save"]').getAttribute('href');
        assert.match(save, /^https:\/\/open\.spotify\.com\/album\//);

        await page.locator('a[data-service]').first().click();
        await page.waitForURL(hrefs[0]);
        await page.goto(server.url + ZOE);
        await page.locator('a[data-action="save"]').click();
        await page.waitForURL(save);
      } finally {
        await context.close();
      }
    });

    test('share uses the Web Share API with the canonical address', async () => {
      const { context, page } = await phone();
      await context.addInitScript(() => {
        window.__shared = [];
        Object.defineProperty(navigator, 'share', { configurable: true, value: async (data) => { window.__shared.push(data); } });
      });
      try {
        await page.goto(server.url + ZOE);
        await page.locator('[data-action="share"]').click();
        const shared = await page.evaluate(() => window.__shared);
        assert.equal(shared.length, 1);
        assert.equal(shared[0].url, ZOE_URL);
        assert.match(shared[0].title, /Zoë à Paris/);
      } finally {
        await context.close();
      }
    });

    test('without the Web Share API, share copies the link and says so', async () => {
      const { context, page } = await phone();
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      await context.addInitScript(() => { Object.defineProperty(navigator, 'share', { configurable: true, value: undefined }); });
      try {
        await page.goto(server.url + ZOE);
        const status = page.locator('.actions [role="status"]');
        assert.equal((await status.textContent()).trim(), '');
        await page.locator('[data-action="share"]').click();
        await page.waitForFunction(() => document.querySelector('.action-status').textContent.includes('Link copied'));
        assert.ok(await status.isVisible());
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), ZOE_URL);
        assert.deepEqual(await axeViolations(page), [], 'feedback is readable');
      } finally {
        await context.close();
      }
    });

    test('the video player loads only after the fan presses play', async () => {
      const { context, external, page } = await phone();
      try {
        await page.goto(server.url + ZOE, { waitUntil: 'load' });
        await page.waitForTimeout(300);
        const toVideo = () => external.filter((u) => VIDEO_HOSTS.test(new URL(u).hostname));
        assert.deepEqual(toVideo(), [], 'nothing fetched from the video host before play');
        assert.equal(await page.locator('iframe').count(), 0);

        await page.locator('a[data-action="video"]').click();
        const frame = page.locator('iframe.video-frame');
        await frame.waitFor();
        assert.match(await frame.getAttribute('src'), /^https:\/\/www\.youtube-nocookie\.com\/embed\/[\w-]{11}\?autoplay=1$/);
        assert.match(await frame.getAttribute('title'), /Zoë à Paris/);
        assert.equal(new URL(page.url()).pathname, ZOE, 'the page stays');
        for (let i = 0; i < 50 && toVideo().length === 0; i++) await page.waitForTimeout(100);
        assert.ok(toVideo().some((u) => u.startsWith('https://www.youtube-nocookie.com/embed/')), toVideo().join(' '));
      } finally {
        await context.close();
      }
    });

    test('on load, only images come from other hosts', async () => {
      const { context, page } = await phone();
      const foreign = [];
      context.on('request', (r) => {
        if (!r.url().startsWith(server.url)) foreign.push(`${r.resourceType()} ${r.url()}`);
      });
      try {
        for (const path of PAGES) await page.goto(server.url + path, { waitUntil: 'load' });
        assert.ok(foreign.length > 0, 'cover art was requested');
        assert.deepEqual(foreign.filter((r) => !r.startsWith('image ')), [], 'no third-party script, style or font');
      } finally {
        await context.close();
      }
    });

    for (const scheme of ['light', 'dark']) {
      test(`axe-core finds no violations (${scheme} system scheme)`, async () => {
        const { context, page } = await phone({ colorScheme: scheme });
        try {
          for (const path of PAGES) {
            await page.goto(server.url + path, { waitUntil: 'load' });
            const violations = await axeViolations(page);
            assert.deepEqual(violations, [], `${path}: ${JSON.stringify(violations, null, 1)}`);
          }
        } finally {
          await context.close();
        }
      });
    }

    for (const width of [320, 1280]) {
      test(`nothing overflows horizontally at ${width} px`, async () => {
        const { context, page } = await phone({ viewport: { width, height: 700 } });
        try {
          for (const path of PAGES) {
            await page.goto(server.url + path, { waitUntil: 'load' });
            const { scroll, client } = await page.evaluate(() => ({
              scroll: document.documentElement.scrollWidth,
              client: document.documentElement.clientWidth,
            }));
            assert.ok(scroll <= client, `${path}: content is ${scroll} px wide in a ${client} px viewport`);
          }
        } finally {
          await context.close();
        }
      });
    }

    test('the open-in-browser hint shows inside Instagram, TikTok and Facebook only', async () => {
      for (const [ua, app] of [[INSTAGRAM_UA, 'Instagram'], [TIKTOK_UA, 'TikTok'], [FACEBOOK_UA, 'Facebook'], [PHONE_UA, null]]) {
        const { context, page } = await phone({ userAgent: ua });
        try {
          await page.goto(server.url + ZOE, { waitUntil: 'load' });
          const hint = page.locator('#inapp-hint');
          if (app) {
            assert.ok(await hint.isVisible(), `${app}: hint visible`);
            assert.match(await hint.textContent(), new RegExp(app));
            assert.deepEqual(await axeViolations(page), [], `${app}: hint is accessible`);
          } else {
            assert.equal(await hint.isVisible(), false, 'no hint in a normal browser');
          }
        } finally {
          await context.close();
        }
      }
    });

    test('the colour scheme follows the system where the theme allows', async () => {
      const supported = schemes(theme);
      const colours = {};
      for (const scheme of ['light', 'dark']) {
        const { context, page } = await phone({ colorScheme: scheme });
        try {
          await page.goto(server.url + ZOE, { waitUntil: 'load' });
          colours[scheme] = await page.evaluate(() => ({
            meta: document.querySelector('meta[name="color-scheme"]').content,
            text: getComputedStyle(document.querySelector('h1')).color,
          }));
        } finally {
          await context.close();
        }
      }
      assert.equal(colours.light.meta, supported.join(' '));
      if (supported.length === 2) {
        assert.notEqual(colours.light.text, colours.dark.text, 'text colour changes with the scheme');
      } else {
        assert.equal(colours.light.text, colours.dark.text, 'a single-scheme theme keeps its colours');
      }
    });
  });
}
