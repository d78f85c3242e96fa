#!/usr/bin/env bash
# Writes the shell completion scripts and the man page of `presence`, generated
# from its options by swift-argument-parser, so they always match the binary:
#
#   deploy/completions/presence.bash  .zsh  .fish   (--generate-completion-script)
#   deploy/man/presence.1                           (argument-parser's GenerateManual plugin)
#
#   scripts/generate-completions.sh
#
# Run it after changing an option and commit the result: the CompletionTests
# suite fails while the committed files differ from what the binary generates.
# The man page carries a fixed date so that regenerating it changes nothing
# unless an option did.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$ROOT"

MAN_DATE=2026-01-01

log() { printf '[generate-completions] %s\n' "$*" >&2; }

if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

# The GenerateManual plugin builds the package (debug: the release build it
# defaults to would compile everything again) and runs argument-parser's
# generate-manual tool over `presence --experimental-dump-help`.
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
swift package --allow-writing-to-directory "$OUT" generate-manual --configuration debug \
    --date "$MAN_DATE" --section 1 --output-directory "$OUT" >&2
mkdir -p deploy/completions deploy/man
cp "$OUT/presence.1" deploy/man/presence.1
log "deploy/man/presence.1"

BINARY="$(swift build --show-bin-path)/presence"
for shell in bash zsh fish; do
    # No PRESENCE_* variable may leak into what is generated.
    env -i PATH="$PATH" "$BINARY" --generate-completion-script "$shell" >"deploy/completions/presence.$shell"
    log "deploy/completions/presence.$shell"
done
