// Starts the edge worker in workerd with `wrangler dev` (offline, on
// 127.0.0.1) serving a built site, and `smartlinks serve` on a free port:
// the two servers the end-to-end tests send real HTTP requests to.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import readline from 'node:readline';
import { parse as parseToml } from 'smol-toml';
import { repoRoot } from './static-site.mjs';

const WRANGLER = join(repoRoot, 'node_modules/wrangler/bin/wrangler.js');

/** Environment for wrangler: no metrics, no colours, nothing interactive. */
export const wranglerEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CI: 'true',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = net.createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** Builds the worker to wasm (quick when nothing changed). */
export function buildWorker() {
  execFileSync('bash', ['scripts/build-worker.sh'], { cwd: repoRoot, env: wranglerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Writes `dir/wrangler.json`: the repository's wrangler.toml pointed at the
 * built site `site`, at local state under `dir/state` and at the D1 sink,
 * whose rows can be read back locally. Returns a function running a wrangler
 * command with that config.
 */
export function configureWorker(dir, site) {
  const config = parseToml(readFileSync(join(repoRoot, 'wrangler.toml'), 'utf8'));
  delete config.build; // built by buildWorker()
  config.main = join(repoRoot, config.main);
  config.assets.directory = site;
  config.vars.BEACON_SINK = 'd1';
  for (const db of config.d1_databases) db.migrations_dir = join(repoRoot, db.migrations_dir);
  const file = join(dir, 'wrangler.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return (args) =>
    execFileSync(process.execPath, [WRANGLER, ...args, '--config', file], {
      cwd: repoRoot,
      env: wranglerEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
}

/**
 * Runs `wrangler dev` with the config configureWorker() wrote in `dir`, on a
 * free port of 127.0.0.1, and waits (at most `readyMs`) until it answers.
 * Resolves to { base, log(), stop() }; stop() ends wrangler and its workerd,
 * and also runs when the test process exits.
 */
export async function startWorker(dir, { readyMs = 90_000, logLevel } = {}) {
  const port = await freePort();
  const inspector = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      WRANGLER, 'dev', '--config', join(dir, 'wrangler.json'), '--ip', '127.0.0.1', '--port', String(port),
      '--inspector-port', String(inspector), '--local', '--persist-to', join(dir, 'state'),
      '--show-interactive-dev-session=false', ...(logLevel ? ['--log-level', logLevel] : []),
    ],
    { cwd: dir, env: wranglerEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM'); // wrangler and its workerd
      } catch {}
    }
  };
  process.on('exit', stop);

  const deadline = Date.now() + readyMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${log}`);
    try {
      if ((await fetch(`${base}/robots.txt`)).ok) break;
    } catch {}
    if (Date.now() > deadline) {
      stop();
      throw new Error(`wrangler dev not ready after ${readyMs / 1000} s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { base, log: () => log, stop };
}

/**
 * Runs `smartlinks serve --port 0 --json` (the binary `bin`) on the content
 * folder `content` (building into `out` and storing beacons in `db` when
 * given) and waits for the line
 * naming its address. The server stops by itself after `exitAfter` seconds.
 * Resolves to { child, started: {url, port, out, db}, stop() }.
 */
export function startServe(bin, content, { out, db, exitAfter = 300, readyMs = 60_000 } = {}) {
  const args = ['--content', content, '--json', 'serve', '--port', '0', '--exit-after', String(exitAfter)];
  if (out) args.push('--out', out);
  if (db) args.push('--db', db);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  };
  process.on('exit', stop);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('smartlinks serve printed no address'));
    }, readyMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`smartlinks serve exited with ${code}`));
    });
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, started: JSON.parse(line), stop });
    });
  });
}

/**
 * One HTTP request on its own connection, so no test depends on how a
 * local proxy keeps connections alive. `body` may be a string, or an array
 * of chunks sent without a length (chunked). Resolves to a fetch-like
 * { status, headers.get(name), text() }.
 */
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((ok, fail) => {
    const req = http.request(url, { method, headers: { ...headers, Connection: 'close' }, agent: false });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url} in 30 s`)));
    req.on('error', fail);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () =>
        ok({
          status: res.statusCode,
          headers: { get: (name) => res.headers[name.toLowerCase()] ?? null },
          text: async () => text,
        }),
      );
      res.on('error', fail);
    });
    if (Array.isArray(body)) {
      req.on('error', () => {}); // the server may answer (413) before the last chunk
      for (const chunk of body) req.write(chunk);
      req.end();
    } else {
      req.end(body);
    }
  });
}
