// Consent-gated artist pixels, watching every request the page makes.
// Requests that leave the test server are answered by stubs; the vendor
// hosts below must see nothing until the fan accepts, and nothing ever
// after declining or under Global Privacy Control.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSample, serve } from './support/static-site.mjs';
import { launch, PHONE_UA } from './support/chromium.mjs';

const VENDORS = {
  meta: 'connect.facebook.net',
  tiktok: 'analytics.tiktok.com',
  google: 'www.googletagmanager.com',
};
// Sample content: nova-lane configures all three pixels; koji-mori none.
const IDS = { meta: '142595885673347', tiktok: 'CWPXN2CYIOSXPAI15K9Z', google: 'G-IWCEKHSU3W' };
const WITH_PIXELS = ['/nova-lane/zoe-a-paris', '/nova-lane/cafe-creme', '/nova-lane/premiere-lumiere', '/nova-lane'];
const ZOE = WITH_PIXELS[0];
const WITHOUT_PIXELS = '/koji-mori/tokyo-no-yoru';

let browser;
let site;
let server;
before(async () => {
  browser = await launch();
  site = buildSample();
  server = await serve(site.out);
});
after(async () => {
  await browser?.close();
  await server?.close();
  site?.remove();
});

/**
 * A phone context that records every request and answers the ones leaving
 * the test server with an empty script (vendor) or an empty page.
 */
async function fan({ gpc = false } = {}) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    userAgent: PHONE_UA,
    extraHTTPHeaders: gpc ? { 'Sec-GPC': '1' } : {},
  });
  if (gpc) {
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: () => true });
    });
  }
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  await context.route((url) => !url.href.startsWith(server.url), (route) => {
    const type = route.request().resourceType();
    return route.fulfill(type === 'script'
      ? { status: 200, contentType: 'text/javascript', body: '/* vendor stub */' }
      : { status: 200, contentType: 'text/html', body: '<!doctype html><title>stub</title>' });
  });
  const page = await context.newPage();
  const vendorHits = () => requests.filter((u) => Object.values(VENDORS).includes(new URL(u).hostname));
  return { context, page, requests, vendorHits };
}

async function open(page, path) {
  await page.goto(server.url + path, { waitUntil: 'load' });
  await page.waitForTimeout(300);
}

async function until(check, what) {
  for (let i = 0; i < 50; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const queues = (page) => page.evaluate(() => ({
  fbq: window.fbq ? Array.from(window.fbq.queue, (a) => Array.from(a)) : null,
  ttq: window.ttq ? Array.from(window.ttq, (a) => Array.from(a)) : null,
  ttqLoaded: window.ttq && window.ttq._i ? Object.keys(window.ttq._i) : [],
  dataLayer: window.dataLayer ? Array.from(window.dataLayer, (a) => Array.from(a)) : null,
}));

describe('consent-gated pixels', () => {
  test('before the fan answers, the banner shows and no request goes to a vendor', async () => {
    const { context, page, vendorHits, requests } = await fan();
    try {
      for (const path of WITH_PIXELS) {
        await open(page, path);
        assert.ok(await page.locator('#sl-consent').isVisible(), `${path}: banner visible`);
        assert.match(await page.locator('#sl-consent').textContent(), /Meta Pixel, TikTok Pixel and Google tag/);
      }
      assert.deepEqual(vendorHits(), []);
      assert.ok(requests.some((u) => /\/assets\/consent\.[0-9a-f]+\.js$/.test(u)), 'consent code loaded');
      assert.equal(await page.evaluate(() => typeof window.fbq + typeof window.ttq + typeof window.gtag), 'undefinedundefinedundefined');
    } finally {
      await context.close();
    }
  });

  test('accepting loads every configured vendor in its consent mode', async () => {
    const { context, page, vendorHits } = await fan();
    try {
      await open(page, ZOE);
      await page.locator('[data-consent="accept"]').click();
      await until(() => vendorHits().length === 3, 'three vendor scripts');
      const hosts = vendorHits().map((u) => new URL(u).hostname).sort();
      assert.deepEqual(hosts, Object.values(VENDORS).sort());
      assert.ok(vendorHits().some((u) => u.includes(`sdkid=${IDS.tiktok}`)));
      assert.ok(vendorHits().some((u) => u.endsWith(`gtag/js?id=${IDS.google}`)));
      assert.equal(await page.locator('#sl-consent').isVisible(), false, 'banner gone');

      const q = await queues(page);
      assert.deepEqual(q.fbq.slice(0, 4), [['consent', 'revoke'], ['init', IDS.meta], ['consent', 'grant'], ['track', 'PageView']]);
      assert.deepEqual(q.ttq.map((c) => c[0]), ['holdConsent', 'page', 'grantConsent'], 'TikTok held before load, then granted');
      assert.deepEqual(q.ttqLoaded, [IDS.tiktok]);
      const gtag = q.dataLayer.map((c) => c.slice(0, 2).join(' '));
      assert.deepEqual(gtag, ['consent default', 'js ' + q.dataLayer[1][1], 'config ' + IDS.google, 'consent update']);
      assert.deepEqual(q.dataLayer[0][2], { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' });
      assert.deepEqual(q.dataLayer[3][2], { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' });
    } finally {
      await context.close();
    }
  });

  test('after accepting, service clicks are forwarded to each vendor', async () => {
    const { context, page } = await fan();
    try {
      await open(page, ZOE);
      await page.locator('[data-consent="accept"]').click();
      // Keep the page: the event is recorded on click, before navigation.
      await page.evaluate(() => document.addEventListener('click', (e) => e.preventDefault()));
      await page.locator('a[data-service="deezer"]').click();
      const q = await queues(page);
      assert.deepEqual(q.fbq.at(-1), ['trackCustom', 'ServiceClick', { service: 'deezer' }]);
      assert.deepEqual(q.ttq.at(-1), ['track', 'ClickButton', { content_name: 'deezer' }]);
      assert.deepEqual(q.dataLayer.at(-1), ['event', 'service_click', { service: 'deezer', transport_type: 'beacon' }]);
    } finally {
      await context.close();
    }
  });

  test('an accepted choice is remembered on the site: no banner, vendors load at once', async () => {
    const { context, page, vendorHits } = await fan();
    try {
      await open(page, ZOE);
      await page.locator('[data-consent="accept"]').click();
      await until(() => vendorHits().length === 3, 'vendors after accepting');
      await open(page, WITH_PIXELS[1]);
      assert.equal(await page.locator('#sl-consent').isVisible(), false);
      await until(() => vendorHits().length === 6, 'vendors on the next page');
    } finally {
      await context.close();
    }
  });

  test('declining loads nothing, and the banner does not come back', async () => {
    const { context, page, vendorHits } = await fan();
    try {
      await open(page, ZOE);
      await page.locator('[data-consent="decline"]').click();
      assert.equal(await page.locator('#sl-consent').isVisible(), false);
      for (const path of WITH_PIXELS) {
        await open(page, path);
        assert.equal(await page.locator('#sl-consent').isVisible(), false, `${path}: no banner again`);
      }
      await open(page, ZOE);
      await page.locator('a[data-service]').first().click();
      await page.waitForLoadState('load');
      assert.deepEqual(vendorHits(), []);
    } finally {
      await context.close();
    }
  });

  test('privacy choices reopens the banner, and declining then revokes consent', async () => {
    const { context, page } = await fan();
    try {
      await open(page, ZOE);
      await page.locator('[data-consent="accept"]').click();
      await page.locator('[data-consent="reopen"]').click();
      assert.ok(await page.locator('#sl-consent').isVisible());
      await page.locator('[data-consent="decline"]').click();
      const q = await queues(page);
      assert.deepEqual(q.fbq.at(-1), ['consent', 'revoke']);
      assert.deepEqual(q.ttq.at(-1), ['revokeConsent']);
      assert.deepEqual(q.dataLayer.at(-1).slice(0, 2), ['consent', 'update']);
      assert.equal(q.dataLayer.at(-1)[2].ad_storage, 'denied');
      assert.equal(await page.evaluate(() => localStorage.getItem('smartlinks-consent')), 'denied');
    } finally {
      await context.close();
    }
  });

  test('with Global Privacy Control no vendor is ever contacted and no banner shows', async () => {
    const { context, page, vendorHits, requests } = await fan({ gpc: true });
    try {
      // Even an earlier "yes" on this site does not outweigh GPC.
      await open(page, ZOE);
      await page.evaluate(() => localStorage.setItem('smartlinks-consent', 'granted'));
      for (const path of WITH_PIXELS) {
        await open(page, path);
        assert.equal(await page.evaluate(() => navigator.globalPrivacyControl), true);
        assert.equal(await page.locator('#sl-consent').isVisible(), false, `${path}: no banner`);
        assert.equal(await page.locator('[data-consent="reopen"]').isVisible(), false);
      }
      await open(page, ZOE);
      await page.locator('a[data-service]').first().click();
      await page.waitForLoadState('load');
      assert.ok(requests.length > 10, 'the pages did load');
      assert.deepEqual(vendorHits(), []);
    } finally {
      await context.close();
    }
  });

  test('a page without pixels has no banner and fetches no consent code', async () => {
    const { context, page, requests, vendorHits } = await fan();
    try {
      await open(page, WITHOUT_PIXELS);
      assert.equal(await page.locator('#sl-consent, [data-consent]').count(), 0);
      assert.ok(!requests.some((u) => u.includes('consent')), requests.join('\n'));
      assert.deepEqual(vendorHits(), []);
    } finally {
      await context.close();
    }
  });
});
