#!/usr/bin/env bash
# End-to-end race, images per hour: the same N images captioned by llama.cpp's llama-server
# (continuous batching, PARALLEL slots, a client keeping PARALLEL requests in flight) and by
# Loupe's annotate job (./submit.sh, batching on), same GGUF pair, same threads, same machine,
# one after the other.
#
#   bench/vs-llamacpp-annotate.sh MODEL.gguf MMPROJ.gguf [THREADS]
#
# Needs the reference llama.cpp (Debian's package in a chroot: sudo bash ../shared/tools/oracle-setup.sh,
# default /opt/llama-oracle; override with LLAMA_ROOT), as bench/vs-llamacpp.sh does.
# Knobs (environment):
#   LOUPE_IMAGES=N          images in the race (default 32)
#   LOUPE_SIDE=PX           side of the square synthetic JPEGs (default 512; 384 for Qwen3-VL)
#   LOUPE_MAX_TOKENS=N      most tokens generated per caption, both sides (default 64)
#   LOUPE_PARALLEL=N        llama-server's slots and the client's requests in flight; Loupe's
#                           --max-batch (default 8)
#   LOUPE_PROMPT=TEXT       the prompt (default "Describe this image.")
#   LOUPE_LONGEST_EDGE=PX   SmolVLM (idefics3) only: resolution cap on both sides (default 512,
#                           the one-tile setting: Loupe --max-longest-edge, llama-server a copy of
#                           the mmproj with clip.vision.preproc_image_size set to it); 0 keeps the
#                           model's own (2048: 16 tiles + overview per image)
#   LOUPE_MAX_IMAGE_TOKENS=N  Qwen3-VL / Youtu-VL only: image-token cap on both sides (Loupe
#                           --max-image-tokens, llama-server --image-max-tokens); default: the
#                           model's own (a 384 x 384 image is 144 tokens, under it)
#   LOUPE_SLOT_CTX=N        llama-server context per slot; -c is PARALLEL times this (default 2048)
#   LOUPE_PARTITIONS=N      Loupe's --partitions (default THREADS: one Spark task per thread, each
#                           keeping PARALLEL rows queued on the executor's one batch scheduler)
#   LOUPE_NUMERICS=exact|fast  Loupe's arithmetic (default fast)
#   LOUPE_PORT=N            llama-server's port (default 18088)
#   LOUPE_SKIP_LLAMA=1 / LOUPE_SKIP_LOUPE=1  run one side only
# For AVX2 figures on an AVX-512 machine, leave only libggml-cpu-haswell.so in the chroot's
# usr/lib/x86_64-linux-gnu/ggml/backends0 and run this with JAVA_TOOL_OPTIONS=-XX:UseAVX=2.
#
# What is timed: llama-server from the first request sent to the last answer received (its model
# load and warm-up are before); Loupe by the job's own wall time (_loupe_summary.json "seconds":
# from reading the input to the committed Parquet) minus the model load the executor logs, the
# headline; the job's wall time with the load and the whole process (JVM and Spark start
# included) are printed too. Images per hour = images / timed seconds; core-hours per million
# images = THREADS x timed seconds per image x 1e6 / 3600. Both sides run their own
# preprocessing (Loupe's reproduces llama.cpp's), prompt tokens and generated tokens per image
# are printed for both so that the reader can check that they did the same work.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
LLAMA_ROOT="${LLAMA_ROOT:-/opt/llama-oracle}"
LOUPE=("$JAVA" --add-modules jdk.incubator.vector -jar "$ROOT/engine/target/loupe.jar")
[[ -x "$LLAMA_ROOT/usr/bin/llama-server" ]] || { echo "no llama-server in $LLAMA_ROOT (run ../shared/tools/oracle-setup.sh)" >&2; exit 2; }
[[ -f "$ROOT/engine/target/loupe.jar" && -f "$ROOT/spark-job/target/loupe-spark.jar" ]] || (cd "$ROOT" && mvn -B -q -DskipTests package)

[[ $# -ge 2 ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
MODEL="$(realpath "$1")"
MMPROJ="$(realpath "$2")"
THREADS="${3:-$(nproc)}"
N="${LOUPE_IMAGES:-32}"
SIDE="${LOUPE_SIDE:-512}"
MAX_TOKENS="${LOUPE_MAX_TOKENS:-64}"
PARALLEL="${LOUPE_PARALLEL:-8}"
PROMPT="${LOUPE_PROMPT:-Describe this image.}"
EDGE="${LOUPE_LONGEST_EDGE:-512}"
MAX_IMAGE_TOKENS="${LOUPE_MAX_IMAGE_TOKENS:-}"
SLOT_CTX="${LOUPE_SLOT_CTX:-2048}"
PARTITIONS="${LOUPE_PARTITIONS:-$THREADS}"
NUMERICS="${LOUPE_NUMERICS:-fast}"
PORT="${LOUPE_PORT:-18088}"

work="$LLAMA_ROOT/tmp/loupe-bench"
mkdir -p "$work"
# As in vs-llamacpp.sh: the chroot sees only its own tree, so the models are linked in.
place() { local from; from=$(readlink -f "$1"); [[ "$from" -ef "$2" ]] && [[ ! -L "$2" ]] && return 0; rm -f "$2"; ln "$from" "$2" 2>/dev/null || cp "$from" "$2"; }  # symlinks resolved: the chroot cannot follow them
place "$MODEL" "$work/model.gguf"
place "$MMPROJ" "$work/mmproj.gguf"
run() { chroot "$LLAMA_ROOT" "$@"; }
results="$ROOT/target/bench/annotate-race"
mkdir -p "$results"

# The images: deterministic photo-like JPEGs, the same files for both sides (the chroot's /tmp
# is $work's parent, and Loupe reads the same directory from outside).
images="$work/images-$SIDE-$N"
if [[ $(ls "$images" 2>/dev/null | grep -c '\.jpg$' || true) -ne "$N" ]]; then
  rm -rf "$images"
  "$JAVA" "$ROOT/bench/SyntheticPhotos.java" "$images" "$N" "$SIDE"
fi

# The resolution settings, the same on both sides.
projector=$("${LOUPE[@]}" inspect "$MMPROJ" 2>/dev/null | awk '$1 == "clip.projector_type" {gsub(/"/, "", $3); print $3}')
loupe_res=()
server_res=()
server_mmproj=/tmp/loupe-bench/mmproj.gguf
resolution="model's own"
if [[ "$projector" == idefics3 && "$EDGE" -gt 0 ]]; then
  # llama.cpp has no option for SmolVLM's longest edge: it reads clip.vision.preproc_image_size.
  # A copy with that key lowered is what Loupe's --max-longest-edge reproduces (a copy, not a
  # link: gguf-set-metadata writes in place).
  rm -f "$work/mmproj-edge.gguf"
  cp "$MMPROJ" "$work/mmproj-edge.gguf"
  run gguf-set-metadata --force /tmp/loupe-bench/mmproj-edge.gguf clip.vision.preproc_image_size "$EDGE" >/dev/null
  server_mmproj=/tmp/loupe-bench/mmproj-edge.gguf
  loupe_res=(--max-longest-edge "$EDGE")
  resolution="longest edge $EDGE"
elif [[ -n "$MAX_IMAGE_TOKENS" ]]; then
  loupe_res=(--max-image-tokens "$MAX_IMAGE_TOKENS")
  server_res=(--image-max-tokens "$MAX_IMAGE_TOKENS")
  resolution="at most $MAX_IMAGE_TOKENS image tokens"
fi

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
if grep -qw avx512f /proc/cpuinfo; then vec=avx512f; elif grep -qw avx2 /proc/cpuinfo; then vec=avx2; else vec="no avx2"; fi
if [[ "${JAVA_TOOL_OPTIONS:-}" == *UseAVX=2* ]]; then useavx="yes"; else useavx="no"; fi
echo "== $(basename "$MODEL") + $(basename "$MMPROJ") ($projector), $N images ${SIDE}x$SIDE, $resolution, $MAX_TOKENS tokens at most, $THREADS threads, $PARALLEL in flight"
echo "   CPU: $cpu ($(nproc) cores seen, vector features: $vec; JAVA_TOOL_OPTIONS -XX:UseAVX=2: $useavx)"

ll_json="{}"
variant="not run"
if [[ "${LOUPE_SKIP_LLAMA:-}" != 1 ]]; then
  server_log="$results/llama-server.log"
  # --cont-batching is llama-server's default, written out; -tb: prompt and image threads too;
  # -lv 4 logs which CPU variant ggml loaded.
  health() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "http://127.0.0.1:$PORT/health" 2>/dev/null; }
  if health; then echo "something already answers on port $PORT: stop it or set LOUPE_PORT" >&2; exit 1; fi
  # chroot itself, not the run function: a backgrounded function is a subshell, and $! would be
  # its pid rather than the server's (chroot execs llama-server, so $! is the server).
  chroot "$LLAMA_ROOT" llama-server -m /tmp/loupe-bench/model.gguf --mmproj "$server_mmproj" "${server_res[@]}" \
      -t "$THREADS" -tb "$THREADS" --parallel "$PARALLEL" --cont-batching -c $((PARALLEL * SLOT_CTX)) \
      --host 127.0.0.1 --port "$PORT" --no-webui -lv 4 > "$server_log" 2>&1 &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true' EXIT
  up=""
  for _ in $(seq 1 1200); do   # a 4B model on a loaded machine takes minutes to load and warm up
    kill -0 "$server_pid" 2>/dev/null || break
    if health; then up=1; break; fi
    sleep 1
  done
  [[ -n "$up" ]] || { echo "llama-server did not come up; its log, $server_log:" >&2; tail -20 "$server_log" >&2; exit 1; }
  variant=$(grep -o 'libggml-cpu-[a-z0-9_]*\.so' "$server_log" | head -1 || true)   # -lv 4 logs it
  echo "== llama-server ($(run llama-server --version 2>&1 | grep -m1 -o 'version: .*'), CPU variant ${variant:-unknown}; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  ll_json=$(python3 "$ROOT/bench/llama-server-client.py" --url "http://127.0.0.1:$PORT" --images "$images" \
      --parallel "$PARALLEL" --max-tokens "$MAX_TOKENS" --prompt "$PROMPT" --captions "$results/llama-captions.jsonl")
  echo "$ll_json"
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  trap - EXIT
  python3 - "$results/llama-captions.jsonl" <<'PY'
import json, sys
for line in list(open(sys.argv[1]))[:2]:
    r = json.loads(line)
    print(f"  {r['image']}: {r.get('text', r.get('error'))[:100]!r}")
PY
fi

lo_json="{}"
if [[ "${LOUPE_SKIP_LOUPE:-}" != 1 ]]; then
  echo "== Loupe annotate job (--master local[$THREADS], -Dloupe.threads=$THREADS, $PARTITIONS partitions, --max-batch $PARALLEL, $NUMERICS numerics; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  out="$results/loupe-out"
  log="$results/loupe-job.log"
  t0=$(date +%s.%N)
  LOUPE_JAVA_OPTS="-Dloupe.threads=$THREADS ${LOUPE_JAVA_OPTS:-}" "$ROOT/submit.sh" --master "local[$THREADS]" \
      --input "$images" --output "$out" --mode overwrite --model "$MODEL" --mmproj "$MMPROJ" "${loupe_res[@]}" \
      --max-tokens "$MAX_TOKENS" --temperature 0 --prompt "$PROMPT" --partitions "$PARTITIONS" --max-batch "$PARALLEL" \
      --numerics "$NUMERICS" --show 2 > "$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
  t1=$(date +%s.%N)
  # Spark's progress bar shares a line with the first summary line: cut from "loupe annotate:".
  grep -oE 'loupe annotate:.*|^\|.*' "$log" | sed 's/^/  /'
  load=$(grep -o 'Loupe: loaded .* in [0-9.]* s' "$log" | awk '{s += $(NF-1)} END {print s + 0}')
  lo_json=$(python3 - "$out/_loupe_summary.json" "$t0" "$t1" "$load" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); r = s["this_run"]
t0, t1, load = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
n = r["images"] - r["errors"]
timed = s["seconds"] - load
print(json.dumps({"images": r["images"], "failures": r["errors"], "seconds": timed, "job_seconds": s["seconds"],
                  "model_load_seconds": load, "process_seconds": t1 - t0,
                  "images_per_hour": n * 3600 / timed if timed > 0 else 0, "generated_tokens": r["generated_tokens"],
                  "mean_generated_tokens": r["generated_tokens"] / n if n else 0,
                  "mean_prompt_tokens": r["prompt_tokens"] / n if n else 0,
                  "encode_seconds": r["encode_seconds"], "prefill_seconds": r["prefill_seconds"], "decode_seconds": r["decode_seconds"]}))
PY
)
  echo "$lo_json"
fi

echo "== Loupe / llama-server ($N images ${SIDE}x$SIDE, $THREADS threads, $vec, UseAVX=2: $useavx, ggml ${variant:-unknown})"
python3 - "$ll_json" "$lo_json" "$THREADS" <<'PY'
import json, sys
ll, lo, threads = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
def per_image(d): return d["seconds"] / (d["images"] - d["failures"]) if d and d["images"] > d["failures"] else None
def core_hours(d):
    s = per_image(d)
    return threads * s * 1e6 / 3600 if s else None
rows = [("images/hour", lambda d: d.get("images_per_hour"), True),
        ("core-hours per 1M images", core_hours, False),
        ("timed seconds", lambda d: d.get("seconds"), None),
        ("mean prompt tokens", lambda d: d.get("mean_prompt_tokens"), None),
        ("mean generated tokens", lambda d: d.get("mean_generated_tokens"), None),
        ("failures", lambda d: d.get("failures"), None)]
print(f"{'':26} {'llama-server':>14} {'Loupe':>14} {'Loupe/llama':>12}")
for name, f, higher_better in rows:
    a, b = (f(ll) if ll else None), (f(lo) if lo else None)
    fmt = lambda v: f"{v:14.1f}" if isinstance(v, float) else (f"{v:14d}" if isinstance(v, int) else f"{'-':>14}")
    ratio = ""
    if higher_better is not None and a and b:
        ratio = f"{(b / a if higher_better else a / b):11.2f}x"
    print(f"{name:26} {fmt(a)} {fmt(b)} {ratio:>12}")
if lo:
    print(f"Loupe timed = job wall time {lo['job_seconds']:.1f} s (input read to committed Parquet) - model load "
          f"{lo['model_load_seconds']:.2f} s; whole process (JVM + Spark start) {lo['process_seconds']:.1f} s; "
          f"engine time summed over rows: encode {lo['encode_seconds']:.1f} s, prefill {lo['prefill_seconds']:.1f} s, "
          f"decode {lo['decode_seconds']:.1f} s")
if ll:
    print("llama-server timed = first request sent to last answer received (model load and warm-up excluded)")
print("(the core-hours ratio is llama-server's / Loupe's: above 1x, Loupe uses fewer)")
PY
