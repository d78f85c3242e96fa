# The agent's release build, as the image ships it; sourced by build-image.sh and benchmark.sh, which measure
# what the image runs. After `source scripts/release-build.sh`:
#
#   release_build               builds `presence` into .build-release
#   release_binary              prints the path of the binary
#
# What each flag buys, measured: docs/BENCHMARKS.md, "Where the resident pages come from".
#   --static-swift-stdlib        no Swift shared libraries to ship
#   -Osize (C: -Os)              a tenth less code (.text 20.8 -> 18.7 MB): the size of the executable and the
#                                image is a target too, and an event's path to its keys is a few etcd and
#                                Docker round trips, not code (-Osize had added 0.6 ms to a 6 ms median)
#   -function-sections           each function in a section of its own, so that the linker can order them
#   -use-ld=lld, --symbol-ordering-file=deploy/symbol-order.txt
#                                the functions that run at start and in steady state side by side, first in
#                                .text: the kernel maps code 64 KB around each page fault, so scattered hot
#                                functions would make most of .text resident
#   --icf=all                    identical functions folded into one (Swift emits many: thunks, witnesses,
#                                specialisations alike in code): 1.1 MB of .text
#   deploy/no-unwind-tables.ld, --no-eh-frame-hdr
#                                no unwind tables (5 MB): nothing unwinds through them, the script says why
#   -no-pie                      no relocations for the loader to apply at start, nor pages they dirty
#   --no-export-dynamic          no dynamic symbol table of every Swift symbol (the backtracer reads .symtab)
#   libstdc++ and libgcc static  the Swift runtime's C++ library linked in: only the few functions it calls,
#                                placed by the ordering like the rest, where the shared library kept 1.1 MB
#                                resident (the loader's symbol lookups and relocations touch all of it). The
#                                static Swift stdlib names -lstdc++ itself, so the linker is shown a directory
#                                that holds only the archive
RELEASE_SCRATCH=${RELEASE_SCRATCH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.build-release}
RELEASE_DEPLOY=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deploy
RELEASE_ORDER=$RELEASE_DEPLOY/symbol-order.txt
RELEASE_STATIC_LIBS=$RELEASE_SCRATCH/static-libs
RELEASE_FLAGS=(
    -c release --static-swift-stdlib --product presence --scratch-path "$RELEASE_SCRATCH"
    -Xswiftc -Osize -Xcc -Os
    -Xswiftc -Xfrontend -Xswiftc -function-sections -Xswiftc -use-ld=lld
    -Xswiftc -Xclang-linker -Xswiftc -no-pie -Xlinker --no-export-dynamic
    -Xlinker "--symbol-ordering-file=$RELEASE_ORDER" -Xlinker --no-warn-symbol-ordering -Xlinker --icf=all
    -Xlinker "--script=$RELEASE_DEPLOY/no-unwind-tables.ld" -Xlinker --no-eh-frame-hdr
    -Xlinker "-L$RELEASE_STATIC_LIBS" -Xswiftc -Xclang-linker -Xswiftc -static-libgcc
)

# The directory of RELEASE_STATIC_LIBS: libstdc++.a alone, where the linker looks first for -lstdc++.
release_static_libs() {
    local archive
    archive=$(clang -print-file-name=libstdc++.a 2>/dev/null || true)
    [[ $archive == /* && -f $archive ]] || {
        echo "release-build: libstdc++.a not found (clang -print-file-name); install libstdc++-12-dev" >&2
        return 1
    }
    mkdir -p "$RELEASE_STATIC_LIBS"
    ln -sfn "$archive" "$RELEASE_STATIC_LIBS/libstdc++.a"
}

release_build() {
    release_static_libs && swift build "${RELEASE_FLAGS[@]}"
}

release_binary() {
    echo "$(swift build "${RELEASE_FLAGS[@]}" --show-bin-path)/presence"
}
