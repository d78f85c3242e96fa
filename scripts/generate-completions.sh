#!/usr/bin/env bash
# Writes the shell completion scripts and the man page of `presence`, generated
# from its options by swift-argument-parser, so they always match the binary:
#
#   deploy/completions/presence.bash  .zsh  .fish   (--generate-completion-script)
#   deploy/man/presence.1                           (the GenerateManual plugin)
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

swift build --product presence >&2
BINARY="$(swift build --show-bin-path)/presence"

mkdir -p deploy/completions deploy/man
for shell in bash zsh fish; do
    # No PRESENCE_* variable may leak into what is generated.
    env -i PATH="$PATH" "$BINARY" --generate-completion-script "$shell" >"deploy/completions/presence.$shell"
    log "deploy/completions/presence.$shell"
done

# The plugin builds the product and runs argument-parser's generate-manual tool
# over its --experimental-dump-help.
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
swift package --allow-writing-to-directory "$OUT" generate-manual --product presence \
    --date "$MAN_DATE" --section 1 --output-directory "$OUT" >&2
cp "$OUT/presence.1" deploy/man/presence.1
log "deploy/man/presence.1"
