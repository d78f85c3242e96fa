#!/usr/bin/env python3
"""Writes the symbol file that Swift's crash backtracer reads for the image's executable.

    scripts/backtracer-symbols.py BINARY OUT

The image's executable keeps no symbol table (strip --strip-all): its function names, which the backtracer
prints for each frame, go into OUT, an ELF file of the kind a debug package holds, which the backtracer finds
by the executable's build id (/usr/lib/debug/.build-id/XX/YYYY.debug, see deploy/backtracer-launcher.c) and
whose `.symtab` it reads in place of the executable's own. OUT keeps of BINARY's table only what the
backtracer reads, the defined function symbols (STT_FUNC):
- no data symbols (type metadata, descriptors, globals), file or section symbols, which name no frame;
- one name per address: the linker folds identical functions into one (lld's --icf=all, see
  scripts/release-build.sh), and the backtracer shows one name at an address whatever the others; the one
  kept is a global's before a local's, then the shortest, then the first in alphabetical order.
OUT has BINARY's section headers, so that the symbols' section indices hold, but no contents besides the
table, its names and the section names, and no program headers: nothing in it is loaded.

No installed tool does this: objcopy keeps a symbol per name it is not told to drop, and
`objcopy --only-keep-debug` keeps program headers that point past the end of the file it writes. The image
stores OUT xz-compressed: Swift 6.3's backtracer reads a symbol table neither when it is compressed in place
(SHF_COMPRESSED) nor as a MiniDebugInfo section (.gnu_debugdata): both were tried, and it reported no
names and failed, respectively.
"""
import struct
import sys

SHT_NOBITS = 8
STT_FUNC = 2
STB_LOCAL = 0
SHN_UNDEF = 0
# Elf64_Shdr: name, type, flags, addr, offset, size, link, info, addralign, entsize.
SECTION_HEADER = struct.Struct("<IIQQQQIIQQ")
# Elf64_Sym: name, info, other, section index, value, size.
SYMBOL = struct.Struct("<IBBHQQ")
NAME, TYPE, FLAGS, OFFSET, SIZE, LINK, INFO, ALIGN = 0, 1, 2, 4, 5, 6, 7, 8


def string_at(table, offset):
    return bytes(table[offset : table.index(b"\0", offset)])


def function_symbols(symtab, strtab):
    """The defined functions, one per address, locals first as ELF wants: (name, info, other, shndx, value, size)."""
    chosen = {}
    for offset in range(SYMBOL.size, len(symtab), SYMBOL.size):  # entry 0 is the null symbol
        name, info, other, shndx, value, size = SYMBOL.unpack_from(symtab, offset)
        if info & 0xF != STT_FUNC or shndx == SHN_UNDEF:
            continue
        symbol = (string_at(strtab, name), info, other, shndx, value, size)
        rank = (info >> 4 == STB_LOCAL, len(symbol[0]), symbol[0])
        if value not in chosen or rank < chosen[value][0]:
            chosen[value] = (rank, symbol)
    symbols = [symbol for _, symbol in sorted(chosen.values(), key=lambda kept: kept[1][4])]
    return [s for s in symbols if s[1] >> 4 == STB_LOCAL] + [s for s in symbols if s[1] >> 4 != STB_LOCAL]


def write_symbol_file(binary, out_path):
    data = open(binary, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{binary}: not a little-endian 64-bit ELF file")
    (table_offset,) = struct.unpack_from("<Q", data, 0x28)
    entry_size, count, names_index = struct.unpack_from("<HHH", data, 0x3A)
    headers = [list(SECTION_HEADER.unpack_from(data, table_offset + i * entry_size)) for i in range(count)]

    def name(header):
        return string_at(data, headers[names_index][OFFSET] + header[NAME]).decode()

    def body(header):
        return data[header[OFFSET] : header[OFFSET] + header[SIZE]]

    symtab_index = next((i for i, h in enumerate(headers) if name(h) == ".symtab"), None)
    if symtab_index is None:
        sys.exit(f"{binary}: has no .symtab; is it stripped?")
    strtab_index = headers[symtab_index][LINK]
    symbols = function_symbols(body(headers[symtab_index]), body(headers[strtab_index]))
    if not symbols:
        sys.exit(f"{binary}: its symbol table names no function")
    names, symtab = bytearray(b"\0"), bytearray(SYMBOL.size)
    for symbol_name, info, other, shndx, value, size in symbols:
        symtab += SYMBOL.pack(len(names), info, other, shndx, value, size)
        names += symbol_name + b"\0"
    contents = {symtab_index: bytes(symtab), strtab_index: bytes(names), names_index: body(headers[names_index])}
    headers[symtab_index][INFO] = 1 + sum(1 for s in symbols if s[1] >> 4 == STB_LOCAL)

    out = bytearray(data[:64])  # the ELF header, without program headers
    struct.pack_into("<Q", out, 0x20, 0)  # e_phoff
    struct.pack_into("<H", out, 0x38, 0)  # e_phnum
    for i, header in enumerate(headers):
        if i == 0:
            continue
        if i in contents:
            out += b"\0" * (-len(out) % max(header[ALIGN], 1))
            header[OFFSET], header[SIZE] = len(out), len(contents[i])
            out += contents[i]
        else:
            header[TYPE], header[OFFSET] = SHT_NOBITS, 0
    out += b"\0" * (-len(out) % 8)
    struct.pack_into("<Q", out, 0x28, len(out))
    for header in headers:
        out += SECTION_HEADER.pack(*header)
    open(out_path, "wb").write(out)
    print(f"{out_path}: {len(symbols)} function names of {binary}, {len(out) / 1e6:.1f} MB")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: scripts/backtracer-symbols.py BINARY OUT", file=sys.stderr)
        sys.exit(64)
    write_symbol_file(sys.argv[1], sys.argv[2])
