// The edge worker in the real Workers runtime: builds the sample site and the
// worker, serves them with `wrangler dev` (workerd, offline, D1 sink) on
// 127.0.0.1, and sends real HTTP requests.
//
// Until the build embeds country orders in pages, the Smart Link used for
// ordering gets fixture orders in exactly the documented format
// (<script type="application/json" id="sl-orders">); once it does, the
// page's own data is used and compared against.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import http from "node:http";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseHtml } from "node-html-parser";
import { parse as parseToml } from "smol-toml";

const ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const ORDERED = "nova-lane/zoe-a-paris";
const FIXED = "ada-okafor/owambe-season";
const SITE_ORIGIN = "https://play.example.com";
const FAN_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
const DATA_OPEN = '<script type="application/json" id="sl-orders">';
const COUNTRIES = ["US", "FR", "JP", "NG"];

const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CI: "true",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

let dir; // temporary site, config and local state
let base; // http://127.0.0.1:PORT
let wrangler; // the `wrangler dev` child process
let log = "";

function freePort() {
  return new Promise((ok, fail) => {
    const srv = net.createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * One HTTP request on its own connection, so no test depends on how the
 * local proxy keeps connections alive. `body` may be a string, or an array
 * of chunks sent without a length (chunked).
 */
function request(path, { method = "GET", headers = {}, body } = {}) {
  return new Promise((ok, fail) => {
    const req = http.request(`${base}${path}`, { method, headers: { ...headers, Connection: "close" }, agent: false });
    req.on("error", fail);
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      // Shaped like a fetch Response for the assertions below.
      res.on("end", () =>
        ok({
          status: res.statusCode,
          headers: { get: (name) => res.headers[name.toLowerCase()] ?? null },
          text: async () => text,
        }),
      );
      res.on("error", fail);
    });
    if (Array.isArray(body)) {
      req.on("error", () => {}); // the server may answer (413) before the last chunk
      for (const chunk of body) req.write(chunk);
      req.end();
    } else {
      req.end(body);
    }
  });
}

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
}

function wranglerCli(args) {
  return run(process.execPath, [WRANGLER, ...args, "--config", join(dir, "wrangler.json")]);
}

/** The EdgeOrders JSON embedded in a page, or null. */
function embeddedOrders(html) {
  const start = html.indexOf(DATA_OPEN);
  if (start < 0) return null;
  const from = start + DATA_OPEN.length;
  return JSON.parse(html.slice(from, html.indexOf("</script>", from)));
}

function buttonOrder(html) {
  return parseHtml(html)
    .querySelectorAll("a[data-service]")
    .map((a) => a.getAttribute("data-service"));
}

function expectedOrder(orders, country) {
  const index = (country && orders.countries?.[country]) ?? 0;
  return orders.orders[index];
}

/** Gives the page fixture orders if the build did not embed any. */
function ensureOrders(file) {
  const html = readFileSync(file, "utf8");
  const existing = embeddedOrders(html);
  if (existing) return existing;
  const built = buttonOrder(html);
  assert.ok(built.length >= 4, `${file} has too few buttons for the fixture`);
  const orders = {
    orders: [
      built,
      [built[4], ...built.filter((_, i) => i !== 4)], // FR: Deezer-like fifth service first
      [...built].reverse(), // JP
      [built[built.length - 1], ...built.slice(0, -1)], // NG
    ],
    countries: { FR: 1, JP: 2, NG: 3 },
  };
  const json = JSON.stringify(orders).replace(/</g, "\\u003c");
  writeFileSync(file, html.replace("</body>", `${DATA_OPEN}${json}</script>\n</body>`));
  return orders;
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

function stopWrangler() {
  if (wrangler && wrangler.exitCode === null) {
    try {
      process.kill(-wrangler.pid, "SIGTERM"); // wrangler and its workerd
    } catch {}
  }
}

before(
  async () => {
    dir = mkdtempSync(join(tmpdir(), "smartlinks-worker-"));
    const pub = join(dir, "public");
    run("cargo", ["run", "--quiet", "-p", "smartlinks", "--", "build", "--content", join(ROOT, "content"), "--out", pub]);
    ensureOrders(join(pub, ORDERED, "index.html"));
    run("bash", ["scripts/build-worker.sh"]);

    // The repository's wrangler.toml, pointed at the temporary site and state
    // and at the D1 sink, whose rows can be read back locally.
    const config = parseToml(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
    delete config.build; // built above
    config.main = join(ROOT, config.main);
    config.assets.directory = pub;
    config.vars.BEACON_SINK = "d1";
    for (const db of config.d1_databases) db.migrations_dir = join(ROOT, db.migrations_dir);
    writeFileSync(join(dir, "wrangler.json"), JSON.stringify(config, null, 2));
    wranglerCli(["d1", "migrations", "apply", "DB", "--local", "--persist-to", join(dir, "state")]);

    const port = await freePort();
    const inspector = await freePort();
    base = `http://127.0.0.1:${port}`;
    wrangler = spawn(
      process.execPath,
      [
        WRANGLER, "dev", "--config", join(dir, "wrangler.json"), "--ip", "127.0.0.1", "--port", String(port),
        "--inspector-port", String(inspector), "--local", "--persist-to", join(dir, "state"),
        "--show-interactive-dev-session=false", ...(process.env.WORKER_TEST_LOG ? ["--log-level", "debug"] : []),
      ],
      { cwd: dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    wrangler.stdout.on("data", (d) => (log += d));
    wrangler.stderr.on("data", (d) => (log += d));
    process.on("exit", stopWrangler);

    const deadline = Date.now() + 90_000;
    for (;;) {
      if (wrangler.exitCode !== null) assert.fail(`wrangler dev exited early:\n${log}`);
      try {
        if ((await fetch(`${base}/robots.txt`)).ok) break;
      } catch {}
      if (Date.now() > deadline) assert.fail(`wrangler dev not ready after 90 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  },
  { timeout: 20 * 60_000 }, // a cold wasm build with LTO takes minutes
);

after(() => {
  if (process.env.WORKER_TEST_LOG) writeFileSync(process.env.WORKER_TEST_LOG, log);
  stopWrangler();
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
      assert.equal(res.headers.get("cache-control"), "private, max-age=0, must-revalidate");
      seen.set(country, got.join(","));
    }
    assert.equal(seen.get(null), orders.orders[0].join(","), "unknown visitors get the page as built");
    if (orders.countries.FR !== undefined) {
      assert.notEqual(seen.get("FR"), seen.get("US"), "FR's own order reaches FR visitors");
    }
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
