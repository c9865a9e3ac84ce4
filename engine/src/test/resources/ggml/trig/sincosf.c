/* Writes glibc's cosf and sinf of a set of angles to stdout as little-endian triples of float
 * bits (angle, cosf, sinf): the RoPE angles of a Qwen3-VL vision head (positions 0..255, base
 * 10000, 16 pairs), of a Qwen3 text head (positions 0..4095 step 61, base 5e6, 64 pairs), and
 * 4000 pseudo-random angles in [-1e5, 1e5] and [-100, 100] (both range reductions).
 * Build and run: gcc -O2 -o sincosf sincosf.c -lm && ./sincosf > glibc-sincosf.bin */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void put(float th) {
    float v[3] = {th, cosf(th), sinf(th)};
    fwrite(v, sizeof v, 1, stdout);
}

int main(void) {
    float ts = powf(10000.0f, -2.0f / 32.0f);
    for (int p = 0; p < 256; p++) {
        float th = (float) p;
        for (int i = 0; i < 16; i++, th *= ts) put(th);
    }
    float tt = powf(5000000.0f, -2.0f / 128.0f);
    for (int p = 0; p < 4096; p += 61) {
        float th = (float) p;
        for (int i = 0; i < 64; i++, th *= tt) put(th);
    }
    srand(1);
    for (int k = 0; k < 2000; k++) {
        float th = ((float) rand() / RAND_MAX - 0.5f) * 2e5f;
        put(th);
        put(th * 1e-3f);
    }
    return 0;
}
