// Parity between the local preview and the edge: `smartlinks serve` builds
// the sample content, the edge worker in workerd (`wrangler dev`) serves
// that same build, and every Smart Link page asked for from the same
// country must come back with the same buttons in the same order and the
// same HTML from both, apart from the reload hook the preview adds.
//
// Needs the debug binary (cargo build), `npm ci`, and the wasm toolchain
// scripts/build-worker.sh uses.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseHtml } from 'node-html-parser';
import { repoRoot, smartlinksBin } from './support/static-site.mjs';
import { buildWorker, configureWorker, request, startServe, startWorker } from './support/workerd.mjs';

// What `smartlinks serve` adds before `</body>` of every page it serves
// (generator/src/serve/routes.rs, RELOAD_SNIPPET); the edge never adds it.
const RELOAD_SNIPPET =
  '<script>new EventSource("/__smartlinks/reload").addEventListener("reload",function(){location.reload()})</script>';
const AUTO_ORDERED = ['nova-lane/zoe-a-paris', 'koji-mori/tokyo-no-yoru'];
const FIXED = 'ada-okafor/owambe-season';
// null: no country known. XX: unknown to the edge. T1: Tor.
const COUNTRIES = ['US', 'FR', 'JP', 'NG', 'IN', 'BR', 'RU', null, 'XX', 'T1'];

let dir; // temporary content copy, site and worker state
let preview; // smartlinks serve
let edge; // wrangler dev

before(
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'smartlinks-parity-'));
    const content = join(dir, 'content');
    cpSync(join(repoRoot, 'content'), content, { recursive: true });
    // serve builds the site into --out; the worker serves that very folder.
    const out = join(dir, 'public');
    preview = await startServe(smartlinksBin(), content, { out, exitAfter: 900 });
    assert.equal(preview.started.out, out);
    assert.ok(existsSync(join(out, AUTO_ORDERED[0], 'index.html')), 'serve built the site before answering');
    buildWorker();
    configureWorker(dir, out);
    edge = await startWorker(dir);
  },
  { timeout: 20 * 60_000 }, // a cold wasm build with LTO takes minutes
);

after(() => {
  edge?.stop();
  preview?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The page from `smartlinks serve`, the country given as at the edge. */
async function fromPreview(link, country) {
  const headers = country ? { 'CF-IPCountry': country } : {};
  const res = await request(`${preview.started.url.replace(/\/$/, '')}/${link}`, { headers });
  assert.equal(res.status, 200, `serve: ${link} for ${country}`);
  return res.text();
}

/** The page from the worker, the country set the way workerd takes it locally. */
async function fromEdge(link, country) {
  const cf = { clientAcceptEncoding: '' };
  if (country) cf.country = country;
  const res = await request(`${edge.base}/${link}`, { headers: { 'MF-CF-Blob': JSON.stringify(cf) } });
  assert.equal(res.status, 200, `worker: ${link} for ${country}`);
  return res.text();
}

function buttonOrder(html) {
  return parseHtml(html)
    .querySelectorAll('a[data-service]')
    .map((a) => a.getAttribute('data-service'));
}

/** A preview page without its reload hook; fails if the hook is not exactly where serve puts it. */
function withoutReloadHook(html) {
  const at = html.lastIndexOf(`${RELOAD_SNIPPET}</body>`);
  assert.ok(at >= 0, 'serve adds its reload hook right before </body>');
  return html.slice(0, at) + html.slice(at + RELOAD_SNIPPET.length);
}

/** Asks both servers for `link` from every country; returns each country's order. */
async function comparePages(link) {
  const orders = new Map();
  for (const country of COUNTRIES) {
    const name = country ?? 'unknown';
    const [local, remote] = await Promise.all([fromPreview(link, country), fromEdge(link, country)]);
    const order = buttonOrder(remote);
    assert.ok(order.length >= 3, `${link} (${name}) has its service buttons`);
    assert.deepEqual(buttonOrder(local), order, `${link}: same button order for ${name}`);
    assert.ok(!remote.includes(RELOAD_SNIPPET), 'the edge never adds the reload hook');
    assert.equal(withoutReloadHook(local), remote, `${link}: same page for ${name}`);
    orders.set(name, order.join(','));
  }
  return orders;
}

describe('smartlinks serve and the edge worker give the same page', () => {
  for (const link of AUTO_ORDERED) {
    test(`${link} has the same buttons and HTML from both in every country`, async () => {
      const orders = await comparePages(link);
      assert.ok(new Set(orders.values()).size > 1, `${link}: the order depends on the country`);
      assert.equal(orders.get('XX'), orders.get('unknown'), 'an unknown country gets the page as built');
      assert.equal(orders.get('T1'), orders.get('unknown'), 'Tor gets the page as built');
    });
  }

  test(`the fixed-order ${FIXED} has one order from both everywhere`, async () => {
    const orders = await comparePages(FIXED);
    assert.equal(new Set(orders.values()).size, 1, [...orders].join('\n'));
  });

  test('the preview takes ?country= like the CF-IPCountry header', async () => {
    const link = AUTO_ORDERED[0];
    const res = await request(`${preview.started.url.replace(/\/$/, '')}/${link}?country=fr`);
    assert.equal(withoutReloadHook(await res.text()), await fromEdge(link, 'FR'));
  });
});
