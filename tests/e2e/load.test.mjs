// Load: a known number of valid, invalid and bot beacons sent concurrently
// (autocannon, exact request counts) to `smartlinks serve` and to the worker
// in workerd. Every valid event is stored exactly once, no invalid or bot
// one is, and no request fails. Requests per second and p99 latency are
// printed; speed is never asserted (bench: scripts/bench-load.sh).
//
// LOAD_VALID, LOAD_INVALID, LOAD_BOTS and LOAD_CONNECTIONS change the counts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { smartlinksBin } from './support/static-site.mjs';
import { buildWorker, configureWorker, startServe, startWorker } from './support/workerd.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const VALID = Number(process.env.LOAD_VALID ?? 2000);
const INVALID = Number(process.env.LOAD_INVALID ?? 600);
const BOTS = Number(process.env.LOAD_BOTS ?? 200);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 32);
const FAN_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/** A valid click, tagged so each one can be found in the store. */
function valid(tag) {
  return JSON.stringify({
    kind: 'click',
    artist: 'nova-lane',
    link: 'zoe-a-paris',
    service: 'deezer',
    device: 'mobile',
    ts: 1700000000000,
    utm: { source: 'load', content: tag },
  });
}

/** Invalid bodies of several kinds, each tagged; [body, expected status]. */
const INVALID_KINDS = [
  (tag) => [`{"kind":"click","utm":{"content":"${tag}"}`, 400], // cut short
  (tag) => [valid(tag).replace('"zoe-a-paris"', '"not-published"'), 422],
  (tag) => [valid(tag).replace('"deezer"', '"napster2"'), 422],
  (tag) => [valid(tag).replace('"kind":"click"', '"kind":"view"'), 422], // a service on a view
  (tag) => [valid(tag).replace('"load"', '"lo\\u0000ad"'), 422], // a control character
  (tag) => [valid(tag).replace('"mobile"', '"mobile","ip":"203.0.113.9"'), 400], // unknown field
  (tag) => [valid(tag).replace('"load"', `"${'x'.repeat(5000)}"`), 413], // too large
];

/**
 * Sends `amount` requests over CONNECTIONS connections; `make(i)` gives the
 * i-th request's body and headers. Resolves to autocannon's result.
 */
function fire(url, amount, make) {
  let i = 0;
  // Timed here: autocannon ends a run on its next one-second sample, so its
  // own duration overstates short runs.
  const started = process.hrtime.bigint();
  let last = started;
  return new Promise((ok, fail) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections: Math.min(CONNECTIONS, amount),
        amount,
        timeout: 30,
        requests: [
          {
            setupRequest: (req) => {
              const { body, headers } = make(i++);
              return { ...req, method: 'POST', body, headers: { ...req.headers, ...headers } };
            },
          },
        ],
      },
      (err, result) =>
        err ? fail(err) : ok({ ...result, seconds: Number(last - started) / 1e9 }),
    );
    instance.on('response', () => (last = process.hrtime.bigint()));
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

/**
 * Runs the three loads against `url` and checks the answers (the same from
 * the edge and the preview server, README "Beacon endpoint").
 */
async function load(name, url, { headers: extraHeaders = {}, foreignOrigin = false } = {}) {
  const headers = { 'Content-Type': 'text/plain;charset=UTF-8', 'User-Agent': FAN_UA, ...extraHeaders };
  const started = Date.now();
  const ok = await fire(url, VALID, (i) => ({ body: valid(`valid-${i}`), headers }));
  const statuses = {};
  const kinds = INVALID_KINDS.length + (foreignOrigin ? 1 : 0);
  const bad = await fire(url, INVALID, (i) => {
    if (i % kinds === INVALID_KINDS.length) {
      // A well-formed beacon from a page on another site (the edge refuses it).
      statuses[403] = (statuses[403] ?? 0) + 1;
      return { body: valid(`invalid-${i}`), headers: { ...headers, Origin: 'https://evil.example' } };
    }
    const [body, status] = INVALID_KINDS[i % kinds](`invalid-${i}`);
    statuses[status] = (statuses[status] ?? 0) + 1;
    return { body, headers };
  });
  const bots = await fire(url, BOTS, (i) => ({ body: valid(`bot-${i}`), headers: { ...headers, 'User-Agent': BOT_UA } }));
  const seconds = (Date.now() - started) / 1000;

  for (const [what, r, count] of [['valid', ok, VALID], ['invalid', bad, INVALID], ['bot', bots, BOTS]]) {
    assert.equal(r.errors, 0, `${name}: ${what} requests failed to connect or answer`);
    assert.equal(r.timeouts, 0, `${name}: ${what} requests timed out`);
    assert.equal(r.requests.sent, count, `${name}: ${what} requests sent`);
  }
  assert.equal(ok['2xx'], VALID, `${name}: every valid beacon is accepted`);
  assert.equal(bots['2xx'], BOTS, `${name}: bots are answered like fans`);
  assert.equal(bad['2xx'], 0, `${name}: no invalid beacon is accepted`);
  for (const [status, n] of Object.entries(statuses)) {
    assert.equal(bad.statusCodeStats[status]?.count, n, `${name}: ${n} invalid beacons answer ${status}`);
  }
  const rate = (r) => (r.requests.total / r.seconds).toFixed(0);
  console.log(
    `load ${name}: ${VALID} valid, ${INVALID} invalid, ${BOTS} bot beacons over ${CONNECTIONS} connections in ${seconds.toFixed(1)} s; ` +
      `valid ${rate(ok)} req/s, p99 ${ok.latency.p99} ms; invalid ${rate(bad)} req/s, p99 ${bad.latency.p99} ms; ` +
      `bots ${rate(bots)} req/s, p99 ${bots.latency.p99} ms`,
  );
}

/** Checks the stored tags: each valid one once, nothing else. */
function checkStored(name, rows) {
  const seen = new Map(rows.map((r) => [r.tag, r.n]));
  const twice = rows.filter((r) => r.n !== 1);
  assert.deepEqual(twice, [], `${name}: events stored more than once`);
  const strays = rows.filter((r) => !/^valid-\d+$/.test(r.tag ?? ''));
  assert.deepEqual(strays, [], `${name}: invalid or bot beacons were stored`);
  for (let i = 0; i < VALID; i++) assert.equal(seen.get(`valid-${i}`), 1, `${name}: valid-${i} stored once`);
}

const TAGS = "SELECT utm_content AS tag, COUNT(*) AS n FROM events WHERE utm_source = 'load' OR utm_source IS NULL GROUP BY utm_content";

describe('load', () => {
  let dir;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartlinks-load-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('smartlinks serve stores every valid beacon once and nothing else', { timeout: 10 * 60_000 }, async () => {
    const serve = await startServe(smartlinksBin(), join(ROOT, 'content'), {
      out: join(dir, 'serve-public'),
      db: join(dir, 'analytics.db'),
      exitAfter: 600,
    });
    try {
      const { url, db } = serve.started;
      await load('serve', `${url.replace(/\/$/, '')}/api/beacon`);
      const rows = JSON.parse(execFileSync('sqlite3', ['-json', db, TAGS], { encoding: 'utf8' }) || '[]');
      checkStored('serve', rows);
    } finally {
      serve.stop();
    }
  });

  test('the worker in workerd stores every valid beacon once and nothing else', { timeout: 20 * 60_000 }, async () => {
    const pub = join(dir, 'worker-public');
    execFileSync(smartlinksBin(), ['--content', join(ROOT, 'content'), '--quiet', 'build', '--out', pub], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    buildWorker();
    const wrangler = configureWorker(dir, pub);
    const state = ['--local', '--persist-to', join(dir, 'state')];
    wrangler(['d1', 'migrations', 'apply', 'DB', ...state]);
    const worker = await startWorker(dir);
    try {
      await load('worker', `${worker.base}/api/beacon`, {
        headers: { 'MF-CF-Blob': JSON.stringify({ country: 'FR' }) },
        foreignOrigin: true,
      });
    } finally {
      worker.stop();
    }
    const out = wrangler(['d1', 'execute', 'DB', ...state, '--json', '--command', TAGS]);
    checkStored('worker', JSON.parse(out)[0].results);
  });
});
