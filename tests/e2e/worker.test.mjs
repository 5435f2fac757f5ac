// The edge worker in the real Workers runtime: builds the sample site and the
// worker, serves them with `wrangler dev` (workerd, offline, D1 sink) on
// 127.0.0.1, and sends real HTTP requests.
// The expected orders are read from the page's own embedded data
// (<script type="application/json" id="sl-orders">).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseHtml } from "node-html-parser";
import { smartlinksBin } from "./support/static-site.mjs";
import { buildWorker, configureWorker, request as httpRequest, startWorker } from "./support/workerd.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const ORDERED = "nova-lane/zoe-a-paris";
const FIXED = "ada-okafor/owambe-season";
const RENAMED = "/nova-lane/zoe-in-paris";
const SITE_ORIGIN = "https://play.example.com";
const FAN_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
const DATA_OPEN = '<script type="application/json" id="sl-orders">';
const COUNTRIES = ["US", "FR", "JP", "NG"];

let dir; // temporary site, config and local state
let base; // http://127.0.0.1:PORT
let worker; // `wrangler dev`, from support/workerd.mjs
let wranglerCli; // runs a wrangler command with the test's config

function request(path, options) {
  return httpRequest(`${base}${path}`, options);
}

const POSITIONS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

/**
 * The orders embedded in a page, or null, as { orders: [[id…]…], countries:
 * {code: index} }. Decodes the compact form the build writes (README "Edge
 * worker"): `global` ids, other orders as position characters, and per
 * order its country codes run together.
 */
function embeddedOrders(html) {
  const start = html.indexOf(DATA_OPEN);
  if (start < 0) return null;
  const from = start + DATA_OPEN.length;
  const wire = JSON.parse(html.slice(from, html.indexOf("</script>", from)));
  const orders = [wire.global, ...(wire.orders ?? []).map((o) => [...o].map((c) => wire.global[POSITIONS.indexOf(c)]))];
  const countries = {};
  (wire.countries ?? []).forEach((codes, k) => {
    for (const code of codes.match(/../g) ?? []) countries[code] = k + 1;
  });
  return { orders, countries };
}

function buttonOrder(html) {
  return parseHtml(html)
    .querySelectorAll("a[data-service]")
    .map((a) => a.getAttribute("data-service"));
}

/** The order a fan in `country` sees, per `smartlinks order` (null: unknown). */
function orderCommand(link, country) {
  const args = ["--content", join(ROOT, "content"), "order", link, "--json"];
  if (country) args.push("--country", country);
  return JSON.parse(execFileSync(smartlinksBin(), args, { encoding: "utf8" })).services.map((s) => s.id);
}

function expectedOrder(orders, country) {
  const index = (country && orders.countries?.[country]) ?? 0;
  return orders.orders[index];
}

function cfBlob(country) {
  const cf = { clientAcceptEncoding: "" };
  if (country) cf.country = country;
  return JSON.stringify(cf);
}

function page(path, { country, method = "GET", headers = {} } = {}) {
  return request(`/${path}`, {
    method,
    headers: { "MF-CF-Blob": cfBlob(country), "User-Agent": FAN_UA, ...headers },
  });
}

function beacon(body, { country = "FR", origin, ua = FAN_UA, headers = {} } = {}) {
  const h = {
    "Content-Type": "text/plain;charset=UTF-8",
    "MF-CF-Blob": cfBlob(country),
    "User-Agent": ua,
    ...headers,
  };
  if (origin !== undefined) h.Origin = origin;
  return request("/api/beacon", {
    method: "POST",
    headers: h,
    body: typeof body === "string" || Array.isArray(body) ? body : JSON.stringify(body),
  });
}

function sql(query) {
  const out = wranglerCli(["d1", "execute", "DB", "--local", "--persist-to", join(dir, "state"), "--json", "--command", query]);
  return JSON.parse(out)[0].results;
}

const eventCount = () => sql("SELECT COUNT(*) AS n FROM events")[0].n;

before(
  async () => {
    dir = mkdtempSync(join(tmpdir(), "smartlinks-worker-"));
    const pub = join(dir, "public");
    execFileSync(smartlinksBin(), ["--content", join(ROOT, "content"), "--quiet", "build", "--out", pub], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    assert.ok(embeddedOrders(readFileSync(join(pub, ORDERED, "index.html"), "utf8")), `the build embeds orders in ${ORDERED}`);
    // A renamed link's rule, as the build writes one from the publish record.
    writeFileSync(join(pub, "_redirects"), `${readFileSync(join(pub, "_redirects"), "utf8")}${RENAMED} /${ORDERED} 301\n`);
    buildWorker();
    wranglerCli = configureWorker(dir, pub);
    wranglerCli(["d1", "migrations", "apply", "DB", "--local", "--persist-to", join(dir, "state")]);
    worker = await startWorker(dir, { logLevel: process.env.WORKER_TEST_LOG ? "debug" : undefined });
    base = worker.base;
  },
  { timeout: 20 * 60_000 }, // a cold wasm build with LTO takes minutes
);

after(() => {
  if (process.env.WORKER_TEST_LOG && worker) writeFileSync(process.env.WORKER_TEST_LOG, worker.log());
  worker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("country-ordered pages", () => {
  test("the same link gets each country's button order", async () => {
    const file = readFileSync(join(dir, "public", ORDERED, "index.html"), "utf8");
    const orders = embeddedOrders(file);
    const seen = new Map();
    for (const country of [...COUNTRIES, null]) {
      const res = await page(ORDERED, { country });
      assert.equal(res.status, 200);
      const got = buttonOrder(await res.text());
      assert.deepEqual(got, expectedOrder(orders, country), `order for ${country ?? "unknown"}`);
      assert.deepEqual(got, orderCommand(ORDERED, country), `smartlinks order agrees for ${country ?? "unknown"}`);
      assert.equal(res.headers.get("cache-control"), "private, max-age=0, must-revalidate");
      seen.set(country, got.join(","));
    }
    assert.equal(seen.get(null), orders.orders[0].join(","), "unknown visitors get the page as built");
    assert.notEqual(seen.get("FR"), seen.get("US"), "FR's own order reaches FR visitors");
    const fr = seen.get("FR").split(",");
    assert.ok(fr.indexOf("deezer") < fr.indexOf("apple_music"), `Deezer ranks high in France: ${fr}`);
    assert.ok(new Set(seen.values()).size > 1, "the orders differ between countries");
  });

  test("tor and unknown country codes get the page as built", async () => {
    const orders = embeddedOrders(readFileSync(join(dir, "public", ORDERED, "index.html"), "utf8"));
    for (const country of ["XX", "T1"]) {
      const res = await page(ORDERED, { country });
      assert.deepEqual(buttonOrder(await res.text()), orders.orders[0], country);
      assert.equal(res.headers.get("x-smartlinks-edge"), "global");
    }
  });

  test("a fixed-order artist gets one order everywhere, byte for byte as built", async () => {
    const built = readFileSync(join(dir, "public", FIXED, "index.html"), "utf8");
    for (const country of [...COUNTRIES, null]) {
      const res = await page(FIXED, { country });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), built, `page for ${country ?? "unknown"}`);
      assert.equal(res.headers.get("x-smartlinks-edge"), "static");
      assert.notEqual(res.headers.get("cache-control"), "private, max-age=0, must-revalidate");
    }
  });

  test("static assets are served without waking the worker", async () => {
    const css = readdirSync(join(dir, "public/assets")).find((f) => f.endsWith(".css"));
    assert.ok(css, "the build wrote a stylesheet");
    for (const path of [`assets/${css}`, "robots.txt", "sitemap.xml", "_smartlinks/links.json"]) {
      const res = await page(path, { country: "FR" });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get("x-smartlinks-edge"), null, `${path} went through the worker`);
      assert.equal(await res.text(), readFileSync(join(dir, "public", path), "utf8"), path);
    }
    const res = await page(ORDERED, { country: "FR" });
    assert.ok(res.headers.get("x-smartlinks-edge"), "pages do go through the worker");
  });

  test("a shared track link redirects to its release without waking the worker", async () => {
    const rules = readFileSync(join(dir, "public/_redirects"), "utf8").split("\n");
    const line = rules.find((l) => l.startsWith("/t/") && l.endsWith(` /${ORDERED} 301`));
    assert.ok(line, "_redirects sends the release's tracks to its page");
    const [from, to] = line.split(" ");
    const res = await request(from, { headers: { "User-Agent": FAN_UA } });
    await res.text();
    assert.equal(res.status, 301, from);
    assert.equal(new URL(res.headers.get("location"), base).pathname, to);
    assert.equal(res.headers.get("x-smartlinks-edge"), null, "the redirect is served as an asset rule");
  });

  test("a renamed link's old address answers 301 to its page through the worker", async () => {
    const res = await request(RENAMED, { headers: { "User-Agent": FAN_UA, "MF-CF-Blob": cfBlob("FR") } });
    await res.text();
    assert.equal(res.status, 301);
    assert.equal(new URL(res.headers.get("location"), base).pathname, `/${ORDERED}`);
    assert.equal(res.headers.get("x-smartlinks-edge"), "passthrough", "the page route passes the rule's answer on");
  });

  test("HEAD and If-None-Match behave as for a static site, per country", async () => {
    const fr = await page(ORDERED, { country: "FR" });
    const frTag = fr.headers.get("etag");
    const frBody = await fr.text();
    const us = await page(ORDERED, { country: "US" });
    const usTag = us.headers.get("etag");
    await us.text();
    assert.ok(frTag && usTag, "pages carry an ETag");
    assert.notEqual(frTag, usTag, "the ETag names the order");

    const head = await page(ORDERED, { country: "FR", method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("etag"), frTag);
    assert.equal(head.headers.get("content-type"), fr.headers.get("content-type"));
    assert.equal(await head.text(), "");

    const again = await page(ORDERED, { country: "FR", headers: { "If-None-Match": frTag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get("etag"), frTag);
    assert.equal(await again.text(), "");

    const moved = await page(ORDERED, { country: "US", headers: { "If-None-Match": frTag } });
    assert.equal(moved.status, 200, "a page cached in FR is not reused in the US");
    assert.deepEqual(buttonOrder(await moved.text()), buttonOrder(await (await page(ORDERED, { country: "US" })).text()));
    assert.notDeepEqual(buttonOrder(frBody), [], "FR body has buttons");

    const fixed = await page(FIXED, { country: "FR" });
    const fixedTag = fixed.headers.get("etag");
    await fixed.text();
    const fixed304 = await page(FIXED, { country: "JP", headers: { "If-None-Match": fixedTag } });
    assert.equal(fixed304.status, 304, "a static page's tag holds in every country");
  });

  test("unknown paths get the site's 404 page with status 404", async () => {
    const notFound = readFileSync(join(dir, "public/404.html"), "utf8");
    for (const path of ["nova-lane/no-such-link", "no-such-artist"]) {
      const res = await page(path, { country: "FR" });
      assert.equal(res.status, 404, path);
      assert.equal(await res.text(), notFound, path);
    }
  });
});

describe("beacon route", () => {
  const click = { kind: "click", artist: "nova-lane", link: "zoe-a-paris", service: "deezer", device: "mobile", ts: 1 };

  test("valid beacons land in D1 with their fields and the edge country", async () => {
    const before = eventCount();
    const t0 = Date.now();
    let res = await beacon(click, { country: "FR", origin: base });
    assert.equal(res.status, 204, await res.text());
    res = await beacon(
      {
        kind: "view",
        artist: "koji-mori",
        link: "tokyo-no-yoru",
        device: "desktop",
        referrer: "https://l.instagram.com/?u=https%3A%2F%2Fx&e=secret",
        utm: { source: "instagram", campaign: "spring" },
        locale: "ja-JP",
        ts: 5,
      },
      { country: "JP", origin: SITE_ORIGIN },
    );
    assert.equal(res.status, 204, await res.text());
    assert.equal(res.headers.get("access-control-allow-origin"), SITE_ORIGIN, "CORS for the site's origin");
    res = await beacon({ ...click, kind: "share", service: undefined }, { country: null });
    assert.equal(res.status, 204, await res.text());

    assert.equal(eventCount(), before + 3);
    const rows = sql(`SELECT * FROM events ORDER BY id DESC LIMIT 3`).reverse();
    assert.deepEqual(
      rows.map((r) => [r.kind, r.artist, r.link, r.service, r.country, r.device]),
      [
        ["click", "nova-lane", "zoe-a-paris", "deezer", "FR", "mobile"],
        ["view", "koji-mori", "tokyo-no-yoru", null, "JP", "desktop"],
        ["share", "nova-lane", "zoe-a-paris", null, null, "mobile"],
      ],
    );
    const view = rows[1];
    assert.equal(view.referrer, "https://l.instagram.com", "only the referrer's origin is kept");
    assert.equal(view.utm_source, "instagram");
    assert.equal(view.utm_campaign, "spring");
    assert.equal(view.locale, "ja-JP");
    for (const r of rows) {
      assert.ok(r.ts >= t0 - 60_000 && r.ts <= Date.now() + 60_000, "the worker's clock is stored, not the page's");
    }
    const columns = Object.keys(rows[0]).join(",");
    assert.ok(!/ip|addr|agent/i.test(columns), `no IP or user agent column: ${columns}`);
  });

  test("bot beacons are acknowledged but not stored", async () => {
    const before = eventCount();
    const res = await beacon(click, { ua: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" });
    assert.equal(res.status, 204);
    assert.equal(eventCount(), before);
  });

  test("hostile beacons are refused with a 4xx and land nowhere", async () => {
    const before = eventCount();
    const chunks = (text) => text.match(/[^]{1,1000}/g);
    const huge = JSON.stringify({ ...click, referrer: `https://x.example/${"a".repeat(5000)}` });
    const cases = [
      ["oversized", () => beacon(huge), 413],
      ["oversized without a length", () => beacon(chunks(huge)), 413],
      ["bad JSON", () => beacon('{"kind":"click",'), 400],
      ["unknown kind", () => beacon({ ...click, kind: "purchase" }), 400],
      ["unknown field", () => beacon({ ...click, ip: "203.0.113.9" }), 400],
      ["unknown link", () => beacon({ ...click, link: "not-published" }), 422],
      ["unpublished link", () => beacon({ ...click, artist: "ada-okafor", link: "jollof-and-chill" }), 422],
      ["unknown service", () => beacon({ ...click, service: "napster2" }), 422],
      ["script in a field", () => beacon({ ...click, utm: { campaign: "<script>alert(1)</script>" } }), 422],
      ["script as a link", () => beacon({ ...click, link: "<script>" }), 422],
      ["wrong origin", () => beacon(click, { origin: "https://evil.example" }), 403],
      ["lookalike origin", () => beacon(click, { origin: "https://play.example.com.evil.example" }), 403],
    ];
    for (const [name, send, status] of cases) {
      const res = await send();
      const text = await res.text();
      assert.equal(res.status, status, `${name}: ${text}`);
      assert.ok(JSON.parse(text).error, `${name} says why`);
    }
    assert.equal(eventCount(), before, "nothing was stored");
  });

  test("CORS preflight is answered for the site's own origin only", async () => {
    const preflight = (origin) =>
      request("/api/beacon", {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "POST", "User-Agent": FAN_UA },
      });
    const ok = await preflight(SITE_ORIGIN);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), SITE_ORIGIN);
    assert.match(ok.headers.get("access-control-allow-methods"), /POST/);
    const evil = await preflight("https://evil.example");
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
  });

  test("other methods on the beacon route are refused with 405", async () => {
    const res = await request("/api/beacon", { method: "PUT", body: "{}", headers: { "User-Agent": FAN_UA } });
    assert.equal(res.status, 405);
  });
});
