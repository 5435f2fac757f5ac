#!/usr/bin/env python3
"""Incremental builds after one link changed, against a full build of the
same content, all into a tmpfs:

- `smartlinks build` run again from the command line: it checks every
  input file's stamp and every page in the site, since it cannot know what
  changed;
- the rebuild `smartlinks serve` makes when its watcher reports the edit:
  it checks only the files that changed.

    bench/rebuild.py BIN CONTENT_DIR [RUNS]

Prints one line per kind: the median seconds of RUNS and the share of a
full build. The content directory is left as it was.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN, CONTENT = sys.argv[1], Path(sys.argv[2])
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
OUT = Path("/dev/shm/smartlinks-rebuild")
RECORD = CONTENT / ".smartlinks"

link = min((CONTENT / "links").rglob("*.toml"))
original = link.read_text()


def edit(n):
    """The link's description changes; its page must be rendered again."""
    kept = [l for l in original.splitlines() if not l.startswith("description")]
    link.write_text("\n".join(kept + [f'description = "Edited, take {n}"']) + "\n")


def timed(*args):
    t0 = time.perf_counter()
    run = subprocess.run([BIN, "-q", "--content", str(CONTENT), *args],
                         capture_output=True, text=True)
    took = time.perf_counter() - t0
    if run.returncode != 0:
        sys.exit(f"rebuild: {' '.join(args)} failed:\n{run.stderr}")
    return took


def fresh():
    shutil.rmtree(OUT, ignore_errors=True)
    (RECORD / "build.bin").unlink(missing_ok=True)


full, cli, watched = [], [], []
try:
    for n in range(RUNS):
        fresh()
        full.append(timed("build", "--force", "--out", str(OUT)))
        # Outside the racy window, as an edit by hand would be.
        time.sleep(2.1)
        edit(n)
        cli.append(timed("build", "--out", str(OUT)))
        link.write_text(original)

    # The preview: one server, RUNS edits, each rebuild timed by the
    # server from the start of the build to its last write.
    fresh()
    serve = subprocess.Popen(
        [BIN, "--content", str(CONTENT), "serve", "--port", "0", "--json",
         "--out", str(OUT), "--db", "/dev/shm/smartlinks-rebuild.db",
         "--exit-after", "300"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        json.loads(serve.stdout.readline())
        time.sleep(2.1)
        for n in range(RUNS):
            edit(100 + n)
            while True:
                line = serve.stderr.readline()
                if not line:
                    sys.exit("rebuild: the server stopped")
                m = re.search(r"Rebuilt: .* in ([0-9.]+) s", line)
                if m:
                    watched.append(float(m.group(1)))
                    break
            time.sleep(0.5)
    finally:
        serve.terminate()
        serve.wait(10)
finally:
    link.write_text(original)
    shutil.rmtree(OUT, ignore_errors=True)
    for f in Path("/dev/shm").glob("smartlinks-rebuild.db*"):
        f.unlink()

f = statistics.median(full)
for name, times in [("command line", cli), ("watched (serve)", watched)]:
    t = statistics.median(times)
    print(f"  one link, {name:<16} {t:7.3f} s  = {100 * t / f:5.1f} % of a full build ({f:.3f} s)")
