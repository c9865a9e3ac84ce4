// Loupe test-reference generator: one ggml_mul_mat per batch size through the haswell CPU
// backend of the installed libggml, the weight placed as llama.cpp places it (first extra
// buffer type whose supports_op accepts the op, else the plain CPU buffer).
// Writes NAME.w.bin (quantized rows as ggml stores them), NAME.x.bin (f32 activations,
// max batch rows), NAME.deq.bin (ggml's to_float of every row), NAME.y<B>.bin (f32 result,
// B rows of ROWS values) for each batch size B. The activations depend only on SEED and COLS.
// usage: mm TYPE_ID ROWS COLS SEED OUTPREFIX [plain] B1 [B2 ...]
#include <ggml.h>
#include <ggml-alloc.h>
#include <ggml-backend.h>
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t s;
static double urand(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (s >> 11) * (1.0 / 9007199254740992.0); }
static float gauss(void) { double u = urand(), v = urand(); if (u < 1e-300) u = 1e-300; return (float) (sqrt(-2 * log(u)) * cos(2 * M_PI * v)); }
static void seed(uint64_t v) { s = v * 2654435761ull + 88172645463325252ull; }

static void wr(const char *prefix, const char *suffix, const void *p, size_t n) {
    char path[512]; snprintf(path, sizeof path, "%s.%s", prefix, suffix);
    FILE *f = fopen(path, "wb"); fwrite(p, 1, n, f); fclose(f);
}

int main(int argc, char **argv) {
    if (argc < 7) { fprintf(stderr, "usage: mm TYPE ROWS COLS SEED OUT [plain] B...\n"); return 2; }
    enum ggml_type type = (enum ggml_type) atoi(argv[1]);
    int rows = atoi(argv[2]), cols = atoi(argv[3]);
    uint64_t sd = strtoull(argv[4], 0, 10);
    const char *out = argv[5];
    int a = 6, plain = 0;
    if (!strcmp(argv[a], "plain")) { plain = 1; a++; }
    int maxb = 0;
    for (int i = a; i < argc; i++) if (atoi(argv[i]) > maxb) maxb = atoi(argv[i]);

    void *h = dlopen("/usr/lib/x86_64-linux-gnu/ggml/backends0/libggml-cpu-haswell.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    ggml_backend_reg_t reg = ((ggml_backend_reg_t (*)(void)) dlsym(h, "ggml_backend_init"))();
    ggml_backend_dev_t dev = ggml_backend_reg_dev_get(reg, 0);
    ggml_backend_t be = ggml_backend_dev_init(dev, NULL);
    ((void (*)(ggml_backend_t, int)) dlsym(h, "ggml_backend_cpu_set_n_threads"))(be, 1);

    seed(sd);
    float *wf = malloc(sizeof(float) * rows * cols);
    for (long i = 0; i < (long) rows * cols; i++) wf[i] = gauss() / sqrtf((float) cols);
    size_t wbytes = ggml_row_size(type, cols) * rows;
    void *wq = malloc(wbytes);
    ggml_quantize_init(type);
    ggml_quantize_chunk(type, wf, wq, 0, rows, cols, NULL);
    seed(sd + 1000003); // activations depend on the seed and COLS only
    float *x = malloc(sizeof(float) * maxb * cols);
    for (long i = 0; i < (long) maxb * cols; i++) x[i] = gauss();
    float *deq = malloc(sizeof(float) * rows * cols);
    ggml_get_type_traits(type)->to_float(wq, deq, (int64_t) rows * cols);
    wr(out, "w.bin", wq, wbytes);
    wr(out, "x.bin", x, sizeof(float) * maxb * cols);
    wr(out, "deq.bin", deq, sizeof(float) * rows * cols);

    for (int i = a; i < argc; i++) {
        int batch = atoi(argv[i]);
        struct ggml_init_params p = { 64 * ggml_tensor_overhead() + ggml_graph_overhead(), NULL, true };
        struct ggml_context *cw = ggml_init(p), *cx = ggml_init(p);
        struct ggml_tensor *W = ggml_new_tensor_2d(cw, type, cols, rows);
        struct ggml_tensor *X = ggml_new_tensor_2d(cx, GGML_TYPE_F32, cols, batch);
        struct ggml_tensor *Y = ggml_mul_mat(cx, W, X);
        ggml_backend_buffer_type_t chosen = ggml_backend_dev_buffer_type(dev);
        const char *how = "CPU";
        ggml_backend_buffer_type_t *(*extra)(ggml_backend_dev_t) = ggml_backend_reg_get_proc_address(reg, "ggml_backend_dev_get_extra_bufts");
        if (!plain && extra) {
            for (ggml_backend_buffer_type_t *b = extra(dev); b && *b; b++) {
                ggml_backend_buffer_t dummy = ggml_backend_buft_alloc_buffer(*b, 0);
                W->buffer = dummy;
                int ok = ggml_backend_dev_supports_op(dev, Y);
                W->buffer = NULL;
                ggml_backend_buffer_free(dummy);
                if (ok) { chosen = *b; how = ggml_backend_buft_name(*b); break; }
            }
        }
        ggml_backend_buffer_t bw = ggml_backend_alloc_ctx_tensors_from_buft(cw, chosen);
        ggml_backend_buffer_t bx = ggml_backend_alloc_ctx_tensors(cx, be);
        ggml_backend_tensor_set(W, wq, 0, wbytes);
        ggml_backend_tensor_set(X, x, 0, sizeof(float) * batch * cols);
        struct ggml_cgraph *gf = ggml_new_graph(cx);
        ggml_build_forward_expand(gf, Y);
        ggml_backend_graph_compute(be, gf);
        float *y = malloc(sizeof(float) * batch * rows);
        ggml_backend_tensor_get(Y, y, 0, sizeof(float) * batch * rows);
        char suffix[32]; snprintf(suffix, sizeof suffix, "y%d.bin", batch);
        wr(out, suffix, y, sizeof(float) * batch * rows);
        printf("%s %s rows=%d cols=%d batch=%d buffer=%s\n", out, ggml_type_name(type), rows, cols, batch, how);
        free(y);
        ggml_backend_buffer_free(bw); ggml_backend_buffer_free(bx);
        ggml_free(cw); ggml_free(cx);
    }
    return 0;
}
