// A real browser on a page from `smartlinks serve`: the beacon script reports
// a view, a service click, shares, a video play and a save; the preview
// stores them with the right fields; `smartlinks analytics` reports them;
// and an edit to the content reloads the open page.
//
// Needs the debug binary (cargo build) and Chromium at /usr/bin/chromium.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServe } from './support/workerd.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.SMARTLINKS_BIN ?? path.join(repo, 'target/debug/smartlinks');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// An ordinary phone: HeadlessChrome would be treated as a bot and not counted.
const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const CANONICAL = 'https://play.example.com/nova-lane/zoe-a-paris';

let work, content, server, site, db, context;

function sql(query) {
  const out = execFileSync('sqlite3', ['-json', db, query], { encoding: 'utf8' }).trim();
  return out ? JSON.parse(out) : [];
}

async function eventsUntil(count, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const rows = sql('SELECT kind, service, country, referrer, utm_source, utm_medium, utm_campaign, device, locale FROM events ORDER BY id');
    if (rows.length >= count || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function analytics(...args) {
  return JSON.parse(execFileSync(bin, ['--content', content, '--json', 'analytics', ...args], { encoding: 'utf8' }));
}

before(async () => {
  assert.ok(existsSync(bin), `${bin} is missing: run cargo build -p smartlinks first`);
  work = mkdtempSync(path.join(tmpdir(), 'smartlinks-e2e-'));
  content = path.join(work, 'content');
  cpSync(path.join(repo, 'content'), content, { recursive: true });
  const { child, started } = await startServe(bin, content);
  server = child;
  site = started.url.replace(/\/$/, '');
  db = started.db;
  context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
    userAgent: PHONE,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
    locale: 'fr-FR',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site });
  // Nothing leaves the machine: streaming services, covers and the video
  // player answer 204, which also keeps the page where it is when a button
  // navigates away.
  await context.route((url) => !url.href.startsWith(site), (route) => route.fulfill({ status: 204 }));
});

after(async () => {
  await context?.close();
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a fan\'s visit is stored with its fields and reported', { timeout: 120_000 }, async () => {
  const page = await context.newPage();
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(site)) external.push(r.url()); });
  await page.goto(`${site}/nova-lane/zoe-a-paris?utm_source=ig&utm_campaign=launch&country=FR`, {
    referer: 'https://l.instagram.com/?u=https%3A%2F%2Fexample&e=AT0secret',
  });
  let rows = await eventsUntil(1);
  assert.deepEqual(rows.map((r) => r.kind), ['view']);

  // A service button: reported with its id, and the navigation is not held up.
  await page.evaluate(() => {
    document.addEventListener('click', (e) => { window.__prevented = e.defaultPrevented; });
  });
  const button = page.locator('a[data-service]').first();
  const service = await button.getAttribute('data-service');
  await button.click();
  rows = await eventsUntil(2);
  assert.equal(rows[1].kind, 'click');
  assert.equal(rows[1].service, service);
  assert.equal(await page.evaluate(() => window.__prevented), false, 'the beacon never cancels the click');

  // Share through the Web Share API where the browser has it…
  await page.evaluate(() => {
    window.__shared = [];
    navigator.share = (data) => { window.__shared.push(data); return Promise.resolve(); };
  });
  await page.click('button[data-action=share]');
  assert.deepEqual(await page.evaluate(() => window.__shared.map((d) => d.url)), [CANONICAL]);
  // …and by copying the link where it does not.
  await page.evaluate(() => { navigator.share = undefined; });
  await page.click('button[data-action=share]');
  await page.waitForFunction(() => document.querySelector('.action-status').textContent === 'Link copied');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), CANONICAL);

  // The video player loads only when asked for.
  assert.equal(await page.locator('iframe').count(), 0);
  assert.ok(!external.some((u) => u.includes('youtube-nocookie.com/embed')), 'no player before the click');
  await page.click('[data-action=video]');
  const src = await page.locator('iframe.video-frame').getAttribute('src');
  assert.match(src, /^https:\/\/www\.youtube-nocookie\.com\/embed\/e4K7vPTReek/);

  await page.click('a[data-action=save]');

  rows = await eventsUntil(6);
  const kinds = rows.map((r) => r.kind).sort();
  assert.deepEqual(kinds, ['click', 'save', 'share', 'share', 'video', 'view']);
  for (const r of rows) {
    assert.equal(r.utm_source, 'ig');
    assert.equal(r.utm_campaign, 'launch');
    assert.equal(r.utm_medium, null);
    assert.equal(r.device, 'mobile');
    assert.equal(r.locale, 'fr-FR');
    assert.equal(r.country, 'FR', 'the preview takes ?country= from the page address');
    assert.equal(r.referrer, 'https://l.instagram.com', 'only the referrer origin is kept');
    if (r.kind !== 'click') assert.equal(r.service, null);
  }

  const report = analytics();
  assert.deepEqual(
    [report.totals.views, report.totals.service_clicks, report.totals.shares, report.totals.saves, report.totals.video_plays],
    [1, 1, 2, 1, 1],
  );
  assert.equal(report.totals.click_rate, 1);
  assert.equal(report.links.length, 1);
  assert.equal(report.links[0].artist, 'nova-lane');
  assert.equal(report.links[0].link, 'zoe-a-paris');
  assert.deepEqual(report.clicks_per_service.map((s) => [s.service, s.clicks]), [[service, 1]]);
  const byCampaign = analytics('--by', 'utm_campaign').breakdown.rows;
  assert.deepEqual(byCampaign.map((r) => [r.value, r.views, r.shares]), [['launch', 1, 2]]);
  await page.close();
});

test('an edit to the content reloads the open page', { timeout: 60_000 }, async () => {
  const page = await context.newPage();
  await page.goto(`${site}/nova-lane/zoe-a-paris`);
  const file = path.join(content, 'links/nova-lane/zoe-a-paris.toml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('Out now', 'Out today'));
  await page.waitForFunction(() => document.body.innerText.includes('Out today'), null, { timeout: 30_000 });
  await page.close();
});
