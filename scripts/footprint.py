#!/usr/bin/env python3
"""Where a running agent's resident pages come from.

    scripts/footprint.py PID [BINARY [SYMBOLS]]

Reads /proc/PID/smaps (resident and anonymous bytes by mapping) and, for the agent's own binary, which of
its pages are present (/proc/PID/pagemap, root only), then attributes them to ELF sections (readelf -S) and,
within .text and .rodata, to the Swift module or C library that owns the symbols there (nm). Prints Markdown.
SYMBOLS names the functions where BINARY's own names cannot be read (the image's binary stores them
compressed): the release binary it was made from, whose sections lie at the same addresses.
"""
import bisect
import collections
import os
import re
import struct
import subprocess
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")


def mappings(pid):
    """(start, end, offset, path, fields) for each mapping of smaps."""
    out, current = [], None
    header = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$")
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = header.match(line)
            if m:
                current = [int(m[1], 16), int(m[2], 16), int(m[4], 16), m[5] or "[anon]", {}, m[3]]
                out.append(current)
            elif current and ":" in line:
                key, value = line.split(":", 1)
                parts = value.split()
                if parts and parts[0].isdigit():
                    current[4][key] = int(parts[0]) * 1024
    return out


def sections(binary):
    """(file offset, size, name, address) of each allocated section."""
    text = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    out = []
    for line in text.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+\S+\s+(\S*)", line)
        if m and "A" in m[5]:
            out.append((int(m[3], 16), int(m[4], 16), m[1], int(m[2], 16)))
    return out


def owner(symbol):
    """The Swift module of a mangled symbol, or a family of C symbols."""
    m = re.match(r"_?\$s(\d+)([A-Za-z_][A-Za-z0-9_]*)", symbol)
    if m:
        n = int(m[1])
        return m[2][:n]
    if re.match(r"_?\$ss|_?\$sS", symbol):
        return "Swift"
    for prefix, name in [("u", "ICU"), ("ucol", "ICU"), ("icu_", "ICU"), ("ures", "ICU"), ("udata", "ICU"),
                         ("CRYPTO", "BoringSSL"), ("SSL", "BoringSSL"), ("EVP", "BoringSSL"), ("X509", "BoringSSL"),
                         ("BN_", "BoringSSL"), ("swift_", "Swift runtime"), ("_swift", "Swift runtime"),
                         ("CNIO", "NIO (C)"), ("c_nio", "NIO (C)"), ("_ZN", "C++"), ("_Z", "C++")]:
        if symbol.startswith(prefix):
            return name
    return "other C"


def symbols(binary):
    text = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True).stdout
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4:
            out.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    out.sort()
    return out


def present_pages(pid, start, end):
    with open(f"/proc/{pid}/pagemap", "rb") as f:
        f.seek(start // PAGE * 8)
        data = f.read((end - start) // PAGE * 8)
    for i in range(len(data) // 8):
        (entry,) = struct.unpack_from("<Q", data, i * 8)
        if entry >> 63 & 1:
            yield start + i * PAGE


def mb(n):
    return f"{n / 1e6:.1f}"


def main():
    pid = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else os.readlink(f"/proc/{pid}/exe")
    maps = mappings(pid)
    by_path = collections.defaultdict(lambda: [0, 0])
    for start, end, offset, path, fields, perms in maps:
        by_path[path][0] += fields.get("Rss", 0)
        by_path[path][1] += fields.get("Anonymous", 0)
    total = sum(v[0] for v in by_path.values())
    print(f"Resident {mb(total)} MB by mapping (MB resident, of which anonymous):\n")
    print("| mapping | resident | anonymous |\n|---|---|---|")
    for path, (rss, anon) in sorted(by_path.items(), key=lambda kv: -kv[1][0])[:10]:
        print(f"| {os.path.basename(path) or path} | {mb(rss)} | {mb(anon)} |")
    secs = sections(binary)
    syms = symbols(sys.argv[3] if len(sys.argv) > 3 else binary)
    addresses = [s[0] for s in syms]
    by_section = collections.Counter()
    by_owner = collections.Counter()
    real = os.path.realpath(binary)
    for start, end, offset, path, fields, perms in maps:
        if os.path.realpath(path) != real:
            continue
        for page in present_pages(pid, start, end):
            file_offset = page - start + offset
            name = next((n for o, s, n, a in secs if o <= file_offset < o + s), "(headers, padding)")
            by_section[name] += PAGE
            if name in (".text", ".rodata"):
                a = next(a + (file_offset - o) for o, s, n, a in secs if n == name)
                i = bisect.bisect_right(addresses, a) - 1
                by_owner[(name, owner(syms[i][2]) if i >= 0 else "?")] += PAGE
    print(f"\nPages of `{os.path.basename(real)}` present, by section (MB):\n")
    print("| section | resident |\n|---|---|")
    for name, n in by_section.most_common(12):
        print(f"| {name} | {mb(n)} |")
    print("\nOf .text and .rodata, by the module that owns the page's first symbol (MB):\n")
    print("| section | module | resident |\n|---|---|---|")
    for (name, mod), n in by_owner.most_common(16):
        print(f"| {name} | {mod} | {mb(n)} |")


main()
