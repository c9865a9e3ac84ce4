#!/bin/sh
# Regenerates the matrix-product references in this directory with the reference chroot
# (shared/tools/oracle-setup.sh; Debian sid's libggml0 0.27.0 = llama.cpp build 11669).
# Run as root on the host: ./regenerate.sh [CHROOT]   (default /opt/llama-oracle)
set -eu
ROOT=${1:-/opt/llama-oracle}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$ROOT/tmp/loupe-matmul
rm -rf "$WORK" && mkdir -p "$WORK/out"
cp "$HERE/mm.c" "$WORK/"
chroot "$ROOT" gcc -O1 -Wall -o /tmp/loupe-matmul/mm /tmp/loupe-matmul/mm.c -lggml -lggml-base -ldl -lm
run() { chroot "$ROOT" /tmp/loupe-matmul/mm "$@" >/dev/null 2>&1; }
# name type-id rows cols batches: 8 rows take the repacked layout where ggml has one
# (Q4_0, IQ4_NL, Q4_K), 12 rows the plain one; 768/800 columns give 3 super-blocks / 25 blocks.
printf '# name\ttype\trows\tcols\tbatches\n' > "$HERE/cases.tsv"
while read -r name id type rows cols batches; do
    run "$id" "$rows" "$cols" 7 "/tmp/loupe-matmul/out/$name" $(echo "$batches" | tr , ' ')
    cp "$WORK/out/$name.w.bin" "$HERE/"
    head -c $((cols * 4 * 2)) "$WORK/out/$name.deq.bin" > "$HERE/$name.deq.bin"   # first two rows
    for b in $(echo "$batches" | tr , ' '); do cp "$WORK/out/$name.y$b.bin" "$HERE/"; done
    cp "$WORK/out/$name.x.bin" "$HERE/x$cols.bin"   # activations depend on the seed and cols only
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$type" "$rows" "$cols" "$batches" >> "$HERE/cases.tsv"
done <<'CASES'
q4_0-8x800 2 Q4_0 8 800 1,2,4,5,9
q4_0-12x800 2 Q4_0 12 800 1,2,5,9
q4_1-8x800 3 Q4_1 8 800 1,2,4,5,9
q5_0-8x800 6 Q5_0 8 800 1,2,4,5,9
q5_0-12x800 6 Q5_0 12 800 1,2,5,9
q5_1-8x800 7 Q5_1 8 800 1,2,4,5,9
q8_0-8x800 8 Q8_0 8 800 1,2,4,5,9
q8_0-12x800 8 Q8_0 12 800 1,2,5,9
iq4_nl-8x800 20 IQ4_NL 8 800 1,2,4,5,9
iq4_nl-12x800 20 IQ4_NL 12 800 1,2,5,9
q2_k-8x768 10 Q2_K 8 768 1,5,7,8,9
q3_k-8x768 11 Q3_K 8 768 1,5,7,8,9
q4_k-8x768 12 Q4_K 8 768 1,5,7,8,9
q4_k-12x768 12 Q4_K 12 768 1,5,8,9
q5_k-8x768 13 Q5_K 8 768 1,5,7,8,9
q6_k-8x768 14 Q6_K 8 768 1,5,7,8,9
iq4_xs-8x768 23 IQ4_XS 8 768 1,5,7,8,9
CASES
rm -rf "$WORK"
