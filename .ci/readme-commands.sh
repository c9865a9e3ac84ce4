#!/usr/bin/env bash
# Runs every command the README shows, on the demo model, and fails if one of them fails: the
# README's examples are the first thing a newcomer types, so they are tested like code.
#
#   .ci/readme-commands.sh [--list] [MARKDOWN]     MARKDOWN defaults to README.md
#
# What counts as a command:
# - every code block (indented by four spaces, or fenced with ```), run as one bash script from
#   the checkout's top directory (below; lines ending in a backslash continue, `# ...` comments are
#   bash's); a block that must not run here is preceded by a marker line that says why,
#       <!-- readme-commands: skip: needs real model files -->
#   (an HTML comment: invisible on the rendered page; between the text and the block, or in
#   place of the blank line before it);
# - every inline code span that starts with ./submit.sh or ./loupe and is a whole command, i.e.
#   has no placeholder: no "...", no [optional] part, no a|b choice and no UPPERCASE word
#   (`./submit.sh --dry-run` runs, `./loupe COMMAND` is listed as a placeholder).
# The commands run in a scratch directory that links to every top-level entry of the checkout but
# out/, so what they write (out/sample-annotations, out/trial, ...) lands there and is deleted
# afterwards: the checkout's own out/ is left alone and a second run starts as fresh as CI's.
# The jars are built once first when stale (bin/loupe-env.sh), then used as they are.
# --list prints what would run and what is skipped (and why), and runs nothing.
# Exit status: 0 when every command ran fine, 1 when one failed (its output's tail is printed),
# 2 for bad usage.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
list_only=false
if [[ "${1:-}" == --list ]]; then list_only=true; shift; fi
markdown="${1:-$ROOT/README.md}"
[[ -f "$markdown" ]] || { echo "readme-commands: $markdown: no such file" >&2; exit 2; }

# One record per command, NUL-terminated: "run<TAB>line<TAB>text" or "skip<TAB>line<TAB>reason<TAB>text".
extract() {
  awk '
    function flush() {
      if (block != "") {
        if (skip != "") printf "skip\t%d\t%s\t%s%c", start, skip, block, 0
        else printf "run\t%d\t%s%c", start, block, 0
      }
      block = ""; skip = ""
    }
    function placeholder(cmd) {
      return cmd ~ /\.\.\./ || cmd ~ /\[/ || cmd ~ /\|/ || cmd ~ /(^|[^A-Za-z0-9_.-])[A-Z][A-Z0-9_]+([^A-Za-z0-9_.-]|$)/
    }
    BEGIN { blank = 1; fenced = 0; pending = "" }
    fenced {
      if ($0 ~ /^[ \t]*```/) { fenced = 0; flush(); blank = 1; next }
      block = block (block == "" ? "" : "\n") $0; next
    }
    /^[ \t]*<!-- *readme-commands: *skip/ {
      reason = $0
      sub(/^.*readme-commands: *skip:? */, "", reason); sub(/ *-->.*$/, "", reason)
      pending = reason == "" ? "marked skip" : reason
      blank = 1; next
    }
    /^[ \t]*```/ { flush(); fenced = 1; start = NR + 1; skip = pending; pending = ""; next }
    /^    / && (blank || block != "") {
      if (block == "") { start = NR; skip = pending; pending = "" }
      line = substr($0, 5)
      block = block (block == "" ? "" : "\n") line
      next
    }
    /^[ \t]*$/ { if (block != "") { flush() } blank = 1; next }
    {
      flush(); blank = 0; pending = ""
      rest = $0
      while (match(rest, /`\.\/(submit\.sh|loupe)( [^`]*)?`/)) {
        cmd = substr(rest, RSTART + 1, RLENGTH - 2)
        rest = substr(rest, RSTART + RLENGTH)
        if (seen[cmd]++) continue
        if (placeholder(cmd)) printf "skip\t%d\tplaceholder\t%s%c", NR, cmd, 0
        else printf "run\t%d\t%s%c", NR, cmd, 0
      }
    }
    END { flush() }
  ' "$markdown"
}

ran=0 skipped=0 failed=()
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
logs="$scratch/logs" work="$scratch/checkout"
mkdir -p "$logs" "$work"
for entry in "$ROOT"/*; do
  [[ "${entry##*/}" == out ]] || ln -s "$entry" "$work/"
done
if ! $list_only; then
  (source "$ROOT/bin/loupe-env.sh") || { echo "readme-commands: the build failed" >&2; exit 1; }
fi
while IFS= read -r -d '' record; do
  kind="${record%%$'\t'*}"; record="${record#*$'\t'}"
  line="${record%%$'\t'*}"; record="${record#*$'\t'}"
  if [[ "$kind" == skip ]]; then
    reason="${record%%$'\t'*}"; text="${record#*$'\t'}"
    printf '== skip  %s:%s (%s): %s\n' "${markdown##*/}" "$line" "$reason" "${text%%$'\n'*}"
    skipped=$((skipped + 1))
    continue
  fi
  text="$record"
  if $list_only; then
    printf '== run   %s:%s\n%s\n' "${markdown##*/}" "$line" "$text"
    continue
  fi
  printf '== run   %s:%s\n%s\n' "${markdown##*/}" "$line" "$text"
  log="$logs/$line.log"
  started=$SECONDS
  (cd "$work" && LOUPE_NO_BUILD=1 bash -eo pipefail -c "$text") >"$log" 2>&1 </dev/null
  status=$?
  if [[ $status -eq 0 ]]; then
    printf '   ok in %d s\n' $((SECONDS - started))
  else
    printf '   FAILED (exit %d) in %d s; the end of its output:\n' "$status" $((SECONDS - started))
    tail -n 30 "$log" | sed 's/^/   | /'
    failed+=("${markdown##*/}:$line")
  fi
  ran=$((ran + 1))
done < <(extract)

$list_only && exit 0
echo "== readme-commands: $ran run, $skipped skipped, ${#failed[@]} failed${failed:+: ${failed[*]}}"
[[ ${#failed[@]} -eq 0 ]]
