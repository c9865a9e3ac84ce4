#!/usr/bin/env bash
# Loupe vs llama.cpp on the same GGUF files, same machine, same thread count, in one run.
#
#   bench/vs-llamacpp.sh MODEL.gguf [MMPROJ.gguf] [THREADS]
#
# Needs the reference llama.cpp (Debian's package in a chroot: sudo bash ../shared/tools/oracle-setup.sh,
# default /opt/llama-oracle; override with LLAMA_ROOT). Without a model, makes the SmolVLM-256M shape
# with `loupe make-model` first. Prints llama-bench / llama-batched-bench / llama-mtmd-cli figures,
# Loupe's `loupe bench --json`, and a ratio table Loupe/llama.cpp (higher is better for Loupe,
# except image encode where the ratio is llama.cpp seconds / Loupe seconds). LOUPE_NUMERICS=exact|fast
# (default fast) picks Loupe's arithmetic for the encoder and prefill. LOUPE_PP / LOUPE_TG (default
# 512 / 128) set the prompt and generation lengths (the 4B shapes take minutes per repetition at
# 512 / 128: 256 / 64 is the usual choice there). Without an mmproj, only the text figures.
# On Intel Sapphire Rapids, llama.cpp 11669's sapphirerapids CPU variant aborts on deepseek2 (Youtu-VL)
# models in ggml_backend_sched_split_graph; move libggml-cpu-sapphirerapids.so out of the chroot's
# usr/lib/x86_64-linux-gnu/ggml/backends0 so that it loads the zen4 variant. For AVX2 figures on an
# AVX-512 machine, leave only libggml-cpu-haswell.so there and run this with JAVA_TOOL_OPTIONS=-XX:UseAVX=2.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
LLAMA_ROOT="${LLAMA_ROOT:-/opt/llama-oracle}"
LOUPE=("$JAVA" --add-modules jdk.incubator.vector -jar "$ROOT/engine/target/loupe.jar")
[[ -x "$LLAMA_ROOT/usr/bin/llama-bench" ]] || { echo "no llama.cpp in $LLAMA_ROOT (run ../shared/tools/oracle-setup.sh)" >&2; exit 2; }
[[ -f "$ROOT/engine/target/loupe.jar" ]] || (cd "$ROOT" && mvn -B -q -DskipTests package)

MODEL="${1:-}"
MMPROJ="${2:-}"
THREADS="${3:-$(nproc)}"
NUMERICS="${LOUPE_NUMERICS:-fast}"
DEPTH="${LOUPE_DEPTH:-1024}"   # generation is also timed after this many cached positions (a caption after its image); 0 skips it
PP="${LOUPE_PP:-512}"
TG="${LOUPE_TG:-128}"
if [[ -z "$MODEL" ]]; then
  MODEL="$ROOT/target/bench/smolvlm-256m-q8_0.gguf"
  MMPROJ="$ROOT/target/bench/smolvlm-256m-q8_0-mmproj.gguf"
  mkdir -p "$(dirname "$MODEL")"
  [[ -f "$MODEL" ]] || "${LOUPE[@]}" make-model --like smolvlm-256m --type Q8_0 "$MODEL"
fi

work="$LLAMA_ROOT/tmp/loupe-bench"
mkdir -p "$work"
# The chroot sees only its own tree: link the files in (a 4B model is gigabytes), or copy them.
# Remove first: copying onto an earlier run's hard link would overwrite that model's own file.
# A file already in the work directory (the same file) stays as it is: removing it would lose it.
place() { local from; from=$(readlink -f "$1"); [[ "$from" -ef "$2" ]] && [[ ! -L "$2" ]] && return 0; rm -f "$2"; ln "$from" "$2" 2>/dev/null || cp "$from" "$2"; }  # symlinks resolved: the chroot cannot follow them
place "$MODEL" "$work/model.gguf"
[[ -n "$MMPROJ" ]] && place "$MMPROJ" "$work/mmproj.gguf"
run() { chroot "$LLAMA_ROOT" "$@"; }

echo "== llama.cpp ($(run llama-cli --version 2>&1 | head -1)), $THREADS threads"
ll_json=$(run llama-bench -m /tmp/loupe-bench/model.gguf -t "$THREADS" -p "$PP" -n "$TG" -r 5 -o json 2>/dev/null)
ll_pp=$(echo "$ll_json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print([r["avg_ts"] for r in d if r["n_prompt"]>0][0])')
ll_tg=$(echo "$ll_json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print([r["avg_ts"] for r in d if r["n_gen"]>0][0])')
echo "pp$PP $ll_pp t/s, tg$TG $ll_tg t/s"
ll_tgd=""
if [[ "$DEPTH" -gt 0 ]]; then
  ll_tgd=$(run llama-bench -m /tmp/loupe-bench/model.gguf -t "$THREADS" -p 0 -n "$TG" -d "$DEPTH" -r 3 -o json 2>/dev/null \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print([r["avg_ts"] for r in d if r["n_gen"]>0][0])')
  echo "tg$TG after $DEPTH positions: $ll_tgd t/s"
fi
declare -A ll_b
for b in 1 8; do
  out=$(run llama-batched-bench -m /tmp/loupe-bench/model.gguf -t "$THREADS" -c 8192 -npp 32 -ntg 32 -npl "$b" 2>/dev/null | grep -E '^\|\s+32' | head -1)
  ll_b[$b]=$(echo "$out" | awk -F'|' '{gsub(/ /,"",$9); print $9}')   # S_TG t/s column
  echo "batched B=$b: ${ll_b[$b]} t/s"
done
ll_img=""
if [[ -n "$MMPROJ" ]]; then
  # A 512x512 image. SmolVLM: tiles + overview at the model's longest edge, time per encoder pass (one tile);
  # Qwen3-VL, Youtu-VL: one pass over the whole image (16 x 16 = 256 tokens), as `loupe bench` times it.
  # --jinja: the Youtu-VL GGUF has no built-in chat format in llama.cpp (the encoding time does not depend on it).
  # -c 4096: the default context is the model's trained one (256K tokens for Qwen3-VL), whose KV cache
  # alone outgrew 24 GB and got llama-mtmd-cli killed; the encoder's time does not depend on it.
  python3 -c 'import sys; sys.stdout.buffer.write(b"P6 512 512 255\n" + bytes([128])*512*512*3)' > "$work/gray.ppm"
  enc=$(run llama-mtmd-cli -m /tmp/loupe-bench/model.gguf --mmproj /tmp/loupe-bench/mmproj.gguf --image /tmp/loupe-bench/gray.ppm \
        -p "x" -n 1 -c 4096 -t "$THREADS" --temp 0 --jinja 2>&1 | grep -o 'batch encoding done in [0-9]* ms' | awk '{print $5}' | sort -n)
  ll_img=$(echo "$enc" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]/1000}')
  echo "image encode (one tile): ${ll_img} s (median of $(echo "$enc" | wc -l) passes)"
fi

echo "== Loupe ($NUMERICS numerics)"
mm=(); [[ -n "$MMPROJ" ]] && mm=(--mmproj "$MMPROJ")
lo_json=$("${LOUPE[@]}" bench -m "$MODEL" "${mm[@]}" -t "$THREADS" --pp "$PP" --tg "$TG" --batch 1,8 --depth "$DEPTH" --numerics "$NUMERICS" --json 2>/dev/null | tail -1)
echo "$lo_json"

echo "== Loupe / llama.cpp"
python3 - "$lo_json" "$ll_pp" "$ll_tg" "${ll_b[1]}" "${ll_b[8]}" "$ll_img" "$ll_tgd" "$DEPTH" "$PP" "$TG" <<'PY'
import json, sys
lo = json.loads(sys.argv[1]); pp, tg, b1, b8, img, tgd, depth, npp, ntg = sys.argv[2:11]
rows = [(f"pp{npp} t/s", lo[f"pp{npp}_tps"], float(pp)), (f"tg{ntg} t/s", lo[f"tg{ntg}_tps"], float(tg))]
if int(depth) > 0: rows.append((f"tg{ntg} @d{depth} t/s", lo[f"tg{ntg}_d{depth}_tps"], float(tgd)))
rows += [("batched B=1 t/s", lo["batched_tps_b1"], float(b1)), ("batched B=8 t/s", lo["batched_tps_b8"], float(b8))]
for name, l, r in rows: print(f"{name:18} Loupe {l:10.2f}  llama.cpp {r:10.2f}  ratio {l/r:6.2f}x")
if "fma_peak_gflops" in lo:
    # The prompt's roof (loupe bench): the float FMA peak of these threads against the FLOPs of a
    # prompt token's weight products; a rate above 100% of it needs integer dot products.
    peak, per_token = lo["fma_peak_gflops"], lo["product_gflop_per_token"]
    print(f"{'pp roofline':18} float FMA peak {peak:.1f} GFLOP/s; products at Loupe {100*lo[f'pp{npp}_tps']*per_token/peak:.0f}%, llama.cpp {100*float(pp)*per_token/peak:.0f}% of it")
if img and "image_encode_s" in lo:
    print(f"{'image encode s':18} Loupe {lo['image_encode_s']:10.2f}  llama.cpp {float(img):10.2f}  ratio {float(img)/lo['image_encode_s']:6.2f}x")
PY
