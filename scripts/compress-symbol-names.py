#!/usr/bin/env python3
"""Compresses the symbol names of an ELF64 executable, in place.

    scripts/compress-symbol-names.py BINARY

The image keeps the symbol table for Swift's crash backtracer, which names each frame from `.symtab` and the
names in `.strtab`. The names are three quarters of the table and compress tenfold. The backtracer reads a
section marked SHF_COMPRESSED through zlib (libz.so.1, which the agent links anyway), so `.strtab` is stored
that way: the gABI's compression header (ELFCOMPRESS_ZLIB) and the zlib stream, in place of the bytes.

No installed tool does this: GNU objcopy compresses only `.debug_*` sections, and llvm-objcopy refuses to
compress a string table that a symbol table refers to. `.symtab` itself stays as it is: with it compressed
too, the backtracer of Swift 6.3 fails to symbolicate (tried), and it is a quarter of the saving at most.

Neither section is loaded into memory (no SHF_ALLOC), so this changes the file and nothing the agent maps.
"""
import struct
import sys
import zlib

SHF_COMPRESSED = 0x800
ELFCOMPRESS_ZLIB = 1
SHT_NOBITS = 8
# Elf64_Shdr: name, type, flags, addr, offset, size, link, info, addralign, entsize.
SECTION_HEADER = struct.Struct("<IIQQQQIIQQ")
# Elf64_Chdr: type, reserved, size, addralign.
COMPRESSION_HEADER = struct.Struct("<IIQQ")
NAME, TYPE, FLAGS, OFFSET, SIZE, ALIGN = 0, 1, 2, 4, 5, 8


def compress(path):
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian 64-bit ELF file")
    (table_offset,) = struct.unpack_from("<Q", data, 0x28)
    entry_size, count, names_index = struct.unpack_from("<HHH", data, 0x3A)
    headers = [list(SECTION_HEADER.unpack_from(data, table_offset + i * entry_size)) for i in range(count)]
    names_offset = headers[names_index][OFFSET]

    def name(header):
        start = names_offset + header[NAME]
        return data[start : data.index(b"\0", start)].decode()

    target = next((i for i, h in enumerate(headers) if name(h) == ".strtab"), None)
    if target is None:
        sys.exit(f"{path}: has no .strtab; is it stripped?")
    if headers[target][FLAGS] & SHF_COMPRESSED:
        print(f"{path}: .strtab is already compressed")
        return
    # The sections from .strtab on hold no loaded bytes (the linker puts .symtab, .strtab and .shstrtab
    # last): they are laid out again after the loaded part, then the section header table.
    start = headers[target][OFFSET]
    following = sorted(
        (i for i, h in enumerate(headers) if i != 0 and h[TYPE] != SHT_NOBITS and h[OFFSET] >= start),
        key=lambda i: headers[i][OFFSET],
    )
    if any(headers[i][FLAGS] & 0x2 for i in following):  # SHF_ALLOC
        sys.exit(f"{path}: a loaded section follows .strtab; not rewriting it")
    before = len(data)
    out = bytearray(data[:start])
    for i in following:
        header = headers[i]
        body = bytes(data[header[OFFSET] : header[OFFSET] + header[SIZE]])
        alignment = max(header[ALIGN], 1)
        if i == target:
            body = COMPRESSION_HEADER.pack(ELFCOMPRESS_ZLIB, 0, len(body), header[ALIGN]) + zlib.compress(body, 9)
            header[FLAGS] |= SHF_COMPRESSED
            alignment = 8  # the compression header's own
        out += b"\0" * (-len(out) % alignment)
        header[OFFSET], header[SIZE] = len(out), len(body)
        out += body
    out += b"\0" * (-len(out) % 8)
    struct.pack_into("<Q", out, 0x28, len(out))
    for header in headers:
        out += SECTION_HEADER.pack(*header)
    open(path, "wb").write(out)
    print(f"{path}: .strtab compressed, {before / 1e6:.1f} MB -> {len(out) / 1e6:.1f} MB")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: scripts/compress-symbol-names.py BINARY", file=sys.stderr)
        sys.exit(64)
    compress(sys.argv[1])
