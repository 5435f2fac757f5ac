// Builds the sample catalog with the real `smartlinks` binary and serves the
// result over loopback, the way a CDN would: `/a/b` answers `a/b/index.html`,
// a missing page answers 404.html with status 404.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

let binary;
/** Path of the `smartlinks` binary, built (or found up to date) by cargo. */
export function smartlinksBin() {
  if (process.env.SMARTLINKS_BIN) return process.env.SMARTLINKS_BIN;
  if (!binary) {
    execFileSync('cargo', ['build', '-q', '-p', 'smartlinks', '--bin', 'smartlinks'], { cwd: repoRoot, stdio: 'inherit' });
    const meta = JSON.parse(execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: repoRoot, encoding: 'utf8' }));
    binary = join(meta.target_directory, 'debug', 'smartlinks');
  }
  return binary;
}

function tomlFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => f.endsWith('.toml') && statSync(f).isFile());
}

/**
 * Copies content/ into a temporary directory and builds it.
 * `theme`: when given, every page uses that theme (the site default is set
 * and every artist or link choice removed). `edit(contentDir)` may change
 * files before the build. Returns { dir, content, out, remove() }.
 */
export function buildSample({ theme, edit } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'smartlinks-e2e-'));
  const content = join(dir, 'content');
  cpSync(join(repoRoot, 'content'), content, { recursive: true });
  if (theme) {
    const site = join(content, 'site.toml');
    writeFileSync(site, readFileSync(site, 'utf8').replace(/^theme = .*$/m, `theme = "${theme}"`));
    for (const file of [...tomlFiles(join(content, 'artists')), ...tomlFiles(join(content, 'links'))]) {
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^theme = .*\n/gm, ''));
    }
  }
  if (edit) edit(content);
  const out = join(dir, 'public');
  execFileSync(smartlinksBin(), ['--content', content, '--quiet', 'build', '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { dir, content, out, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The themes the binary ships: every folder of themes/ with a theme.toml. */
export function themeNames() {
  const root = join(repoRoot, 'themes');
  return readdirSync(root).filter((n) => existsSync(join(root, n, 'theme.toml'))).sort();
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.xml': 'application/xml', '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.webp': 'image/webp',
};

/**
 * Serves `root` on 127.0.0.1 at a free port. Resolves to { url, close() }.
 * The server closes itself after `lifetimeMs` in case a test forgets.
 */
export function serve(root, { lifetimeMs = 10 * 60_000 } = {}) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(400).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    let status = 200;
    if (!existsSync(file)) {
      status = 404;
      file = join(base, '404.html');
    }
    res.writeHead(status, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const timer = setTimeout(() => close(), lifetimeMs);
      timer.unref();
      function close() {
        clearTimeout(timer);
        server.closeAllConnections();
        return new Promise((done) => server.close(() => done()));
      }
      ok({ url: `http://127.0.0.1:${server.address().port}`, close });
    });
  });
}
