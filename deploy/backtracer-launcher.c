// The image's stand-in for Swift's crash backtracer, whose kit the image stores compressed.
//
// What only a crash needs is more than a third of the image: the backtracer (swift-backtrace-static, 7.2 MB),
// the libraries that only it links (libstdc++ above all) and the agent's function names (3.4 MB of symbol
// table). The image keeps them xz-compressed beside this launcher, and the agent's executable has no symbol
// table of its own:
//
//   DIR/swift-backtrace            this launcher, which SWIFT_BACKTRACE's swift-backtrace= names
//   DIR/swift-backtrace-static.xz  the backtracer
//   DIR/lib/SONAME.xz              each library only the backtracer links
//   DIR/symbols.xz                 the agent's function symbols, an ELF file of .symtab and .strtab
//                                  (scripts/backtracer-symbols.py)
//   /usr/lib/debug/.build-id/XX/YYYY.debug -> /dev/shm/presence-symbols.debug
//                                  where the backtracer looks for the symbols of an executable without
//                                  them, by its build id: a link to where this launcher inflates them
//
// When the runtime's crash handler starts the launcher, it inflates the symbols to /dev/shm (a memory file
// system in every container, even one whose root file system is read-only; without it the report has
// addresses but no names), inflates the backtracer and the libraries into memory files (memfd_create),
// names the libraries in LD_PRELOAD by their /proc/self/fd paths (the loader matches the backtracer's
// DT_NEEDED entries to them by soname), and executes the backtracer from its memory file with the same
// arguments and environment, in the same process: the crashed agent let this process read its memory, and
// it keeps that leave across the exec.
//
// Built by scripts/build-image.sh, with liblzma linked in: cc -O2 -o swift-backtrace backtracer-launcher.c
// -Wl,-Bstatic -llzma -Wl,-Bdynamic

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *const symbols_path = "/dev/shm/presence-symbols.debug";

static void warn(const char *what, const char *path) {
    fprintf(stderr, "presence backtracer launcher: %s %s: %s\n", what, path, strerror(errno));
}

static void fail(const char *what, const char *path) {
    warn(what, path);
    exit(1);
}

// Writes all of `buffer` to `fd`; false with errno set if it cannot.
static int write_all(int fd, const uint8_t *buffer, size_t count) {
    while (count > 0) {
        ssize_t written = write(fd, buffer, count);
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) return 0;
        buffer += written;
        count -= (size_t)written;
    }
    return 1;
}

// Decompresses the xz file at `path` into `fd`; false with errno set if it cannot.
static int inflate(const char *path, int fd) {
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) return 0;
    lzma_stream stream = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&stream, UINT64_MAX, 0) != LZMA_OK) {
        close(in);
        errno = ENOMEM;
        return 0;
    }
    static uint8_t input[1 << 16], output[1 << 16];
    lzma_action action = LZMA_RUN;
    stream.next_out = output;
    stream.avail_out = sizeof output;
    int done = 0, ok = 1;
    while (!done && ok) {
        if (stream.avail_in == 0 && action == LZMA_RUN) {
            ssize_t count = read(in, input, sizeof input);
            if (count < 0 && errno == EINTR) continue;
            if (count < 0) {
                ok = 0;
                break;
            }
            if (count == 0) action = LZMA_FINISH;
            stream.next_in = input;
            stream.avail_in = (size_t)count;
        }
        lzma_ret result = lzma_code(&stream, action);
        done = result == LZMA_STREAM_END;
        if (result != LZMA_OK && !done) {
            errno = EILSEQ;
            ok = 0;
        } else if (stream.avail_out == 0 || done) {
            ok = write_all(fd, output, sizeof output - stream.avail_out);
            stream.next_out = output;
            stream.avail_out = sizeof output;
        }
    }
    lzma_end(&stream);
    close(in);
    return ok;
}

// Inflates the xz file at `path` into a new memory file named `name`; returns its descriptor.
static int inflate_into_memory_file(const char *path, const char *name, unsigned int flags) {
    int fd = memfd_create(name, flags);
    if (fd < 0) fail("cannot create a memory file for", path);
    if (!inflate(path, fd)) fail("cannot inflate", path);
    return fd;
}

// `directory`/`name` into `out` (PATH_MAX bytes), or the launcher fails: a path cut short would name another file.
static void join(char *out, const char *directory, const char *name) {
    int length = snprintf(out, PATH_MAX, "%s/%s", directory, name);
    if (length < 0 || length >= PATH_MAX) {
        errno = ENAMETOOLONG;
        fail("cannot name", name);
    }
}

// Appends `item` to the space-separated list in `list` (`size` bytes), or the launcher fails.
static void append(char *list, size_t size, const char *item) {
    size_t used = strlen(list);
    int added = snprintf(list + used, size - used, "%s%s", used ? " " : "", item);
    if (added < 0 || (size_t)added >= size - used) {
        errno = E2BIG;
        fail("too long:", "LD_PRELOAD");
    }
}

int main(int argc, char **argv) {
    (void)argc;
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length < 0) fail("cannot read", "/proc/self/exe");
    self[length] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL) fail("no directory in", self);
    *slash = '\0';
    char path[PATH_MAX], directory[PATH_MAX];

    // The symbols first: without them the backtrace still comes, with addresses instead of names.
    join(path, self, "symbols.xz");
    int symbols = open(symbols_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (symbols < 0) {
        warn("cannot write the agent's function names to", symbols_path);
    } else {
        if (!inflate(path, symbols)) {
            warn("cannot inflate", path);
            unlink(symbols_path);
        }
        close(symbols);
    }

    // The libraries, kept open across the exec: the loader opens them by their /proc/self/fd paths.
    char preload[8192] = "";
    join(directory, self, "lib");
    DIR *libraries = opendir(directory);
    if (libraries == NULL && errno != ENOENT) fail("cannot list", directory);
    for (struct dirent *entry; libraries != NULL && (entry = readdir(libraries)) != NULL;) {
        size_t name_length = strlen(entry->d_name);
        if (name_length <= 3 || strcmp(entry->d_name + name_length - 3, ".xz") != 0) continue;
        char soname[NAME_MAX];
        snprintf(soname, sizeof soname, "%.*s", (int)(name_length - 3), entry->d_name);
        join(path, directory, entry->d_name);
        char fd_path[32];
        snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", inflate_into_memory_file(path, soname, 0));
        append(preload, sizeof preload, fd_path);
    }
    if (libraries != NULL) closedir(libraries);
    const char *earlier = getenv("LD_PRELOAD");
    if (earlier != NULL && *earlier != '\0') append(preload, sizeof preload, earlier);
    if (*preload != '\0' && setenv("LD_PRELOAD", preload, 1) != 0) fail("cannot set", "LD_PRELOAD");

    join(path, self, "swift-backtrace-static.xz");
    int backtracer = inflate_into_memory_file(path, "swift-backtrace-static", MFD_CLOEXEC);
    extern char **environ;
    fexecve(backtracer, argv, environ);
    fail("cannot execute", path);
    return 1;
}
