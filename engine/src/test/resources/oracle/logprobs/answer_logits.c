// answer_logits: what llama.cpp computes for an answer after an image prompt, at every answer position.
// Built and run inside the reference chroot (Debian sid's llama.cpp 1:0.7.0+dfsg-2, the one
// shared/tools/oracle-setup.sh installs); README.md next to this file gives the exact commands.
//
//   answer_logits BACKEND MODEL MMPROJ IMAGE HEXPROMPT HEXANSWER HEXEND OUT
//
// BACKEND  the ggml CPU backend library to load (a path), so that the reference does not depend on
//          which variant ggml_backend_load_all() would pick on the machine (the oracle used haswell)
// HEXPROMPT  the chat-formatted prompt with mtmd's marker <__media__>, hex of its UTF-8 bytes
// HEXANSWER  the answer text, tokenized as text (add_special=0, parse_special=0), hex
// HEXEND     the special token that closes the answer (tokenized with parse_special=1), hex
//
// The prompt goes through mtmd as llama-mtmd-cli sends it (mtmd_tokenize, then
// mtmd_helper_eval_chunks with n_batch 4096, logits of the last position); then the answer tokens
// but the last are decoded in ONE batch with logits at every position. Answer token t is scored
// by the logits of the position before it: the prompt's last for t = 0, batch row t - 1 after.
// Writes OUT.logits.bin (n_answer rows x n_vocab float32, little-endian, row t = the logits
// scoring answer token t) and OUT.json (the prompt's text-chunk token ids, image chunk sizes,
// answer ids, each answer token's log-probability computed here in double, the top 5 of each row).
// Settings as the oracle's: n_ctx = n_batch = n_ubatch = 4096, one sequence, KV cache F16, flash
// attention auto, 1 thread, CPU only, no warm-up.

#include "llama.h"
#include "mtmd.h"
#include "mtmd-helper.h"
#include "ggml-backend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_CTX 4096

static void quiet(enum ggml_log_level level, const char * text, void * ud) { (void) level; (void) text; (void) ud; }

static void die(const char * msg) { fprintf(stderr, "answer_logits: %s\n", msg); exit(1); }

static char * unhex(const char * h, int * len) {
    size_t n = strlen(h);
    if (n % 2) die("odd hex length");
    char * out = malloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) { unsigned v; sscanf(h + 2 * i, "%2x", &v); out[i] = (char) v; }
    out[n / 2] = 0;
    *len = (int) (n / 2);
    return out;
}

static int tokenize(const struct llama_vocab * vocab, const char * text, int len, int parse_special, llama_token * ids, int cap) {
    int n = llama_tokenize(vocab, text, len, ids, cap, 0, parse_special);
    if (n < 0) die("too many tokens");
    return n;
}

static void print_ids(FILE * f, const llama_token * ids, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? "," : "", ids[i]);
    fputc(']', f);
}

int main(int argc, char ** argv) {
    if (argc != 9) die("usage: answer_logits BACKEND MODEL MMPROJ IMAGE HEXPROMPT HEXANSWER HEXEND OUT");
    llama_log_set(quiet, NULL);
    mtmd_helper_log_set(quiet, NULL);
    if (!ggml_backend_load(argv[1])) die("cannot load the backend");
    llama_backend_init();

    struct llama_model_params mparams = llama_model_default_params();
    mparams.n_gpu_layers = 0;
    struct llama_model * model = llama_model_load_from_file(argv[2], mparams);
    if (!model) die("cannot load the model");
    const struct llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);

    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = N_CTX; cp.n_batch = N_CTX; cp.n_ubatch = N_CTX; cp.n_seq_max = 1;
    cp.n_threads = 1; cp.n_threads_batch = 1;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_AUTO;
    cp.no_perf = true;
    struct llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) die("cannot create the context");

    struct mtmd_context_params mp = mtmd_context_params_default();
    mp.use_gpu = false; mp.print_timings = false; mp.n_threads = 1; mp.warmup = false;
    mp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_AUTO;
    mtmd_context * mctx = mtmd_init_from_file(argv[3], model, mp);
    if (!mctx) die("cannot load the mmproj");
    struct mtmd_helper_bitmap_wrapper bw = mtmd_helper_bitmap_init_from_file(mctx, argv[4], false, mtmd_helper_init_opt_default());
    if (!bw.bitmap) die("cannot load the image");

    int plen, alen, elen;
    char * prompt = unhex(argv[5], &plen);
    char * answer_text = unhex(argv[6], &alen);
    char * end_text = unhex(argv[7], &elen);
    llama_token answer[256];
    int n_answer = tokenize(vocab, answer_text, alen, 0, answer, 255);
    if (tokenize(vocab, end_text, elen, 1, answer + n_answer, 1) != 1) die("the end token is not one token");
    n_answer++;

    mtmd_input_text txt = { prompt, (size_t) plen, true, true };
    mtmd_input_chunks * chunks = mtmd_input_chunks_init();
    const mtmd_bitmap * bitmaps[1] = { bw.bitmap };
    if (mtmd_tokenize(mctx, chunks, &txt, bitmaps, 1)) die("mtmd_tokenize failed");
    llama_pos n_past = 0;
    if (mtmd_helper_eval_chunks(mctx, ctx, chunks, 0, 0, N_CTX, true, &n_past)) die("eval chunks failed");

    float * rows = malloc(sizeof(float) * (size_t) n_answer * n_vocab);
    memcpy(rows, llama_get_logits_ith(ctx, -1), sizeof(float) * n_vocab);
    if (n_answer > 1) {
        struct llama_batch b = llama_batch_init(n_answer - 1, 0, 1);
        b.n_tokens = n_answer - 1;
        for (int i = 0; i < n_answer - 1; i++) {
            b.token[i] = answer[i]; b.pos[i] = n_past + i; b.n_seq_id[i] = 1; b.seq_id[i][0] = 0; b.logits[i] = 1;
        }
        if (llama_decode(ctx, b)) die("decoding the answer failed");
        for (int i = 0; i < n_answer - 1; i++) memcpy(rows + (size_t) (i + 1) * n_vocab, llama_get_logits_ith(ctx, i), sizeof(float) * n_vocab);
        llama_batch_free(b);
    }

    char path[4096];
    snprintf(path, sizeof(path), "%s.logits.bin", argv[8]);
    FILE * fb = fopen(path, "wb");
    if (!fb) die("cannot write the logits");
    fwrite(rows, sizeof(float), (size_t) n_answer * n_vocab, fb);
    fclose(fb);

    snprintf(path, sizeof(path), "%s.json", argv[8]);
    FILE * f = fopen(path, "w");
    if (!f) die("cannot write the json");
    fprintf(f, "{\n \"backend\": \"%s\",\n \"n_vocab\": %d,\n \"n_past_after_prompt\": %d,\n \"chunks\": [", argv[1], n_vocab, n_past);
    size_t nch = mtmd_input_chunks_size(chunks);
    for (size_t i = 0; i < nch; i++) {
        const mtmd_input_chunk * ch = mtmd_input_chunks_get(chunks, i);
        fprintf(f, "%s\n  ", i ? "," : "");
        if (mtmd_input_chunk_get_type(ch) == MTMD_INPUT_CHUNK_TYPE_TEXT) {
            size_t nt;
            const llama_token * toks = mtmd_input_chunk_get_tokens_text(ch, &nt);
            fprintf(f, "{\"type\": \"text\", \"tokens\": ");
            print_ids(f, toks, (int) nt);
            fprintf(f, "}");
        } else {
            fprintf(f, "{\"type\": \"image\", \"n_tokens\": %zu}", mtmd_input_chunk_get_n_tokens(ch));
        }
    }
    fprintf(f, "\n ],\n \"answer\": ");
    print_ids(f, answer, n_answer);
    fprintf(f, ",\n \"positions\": [");
    for (int t = 0; t < n_answer; t++) {
        const float * r = rows + (size_t) t * n_vocab;
        double max = -INFINITY, sum = 0;
        for (int i = 0; i < n_vocab; i++) if (r[i] > max) max = r[i];
        for (int i = 0; i < n_vocab; i++) sum += exp(r[i] - max);
        double logprob = r[answer[t]] - (max + log(sum));
        fprintf(f, "%s\n  {\"token\": %d, \"logit\": %.9g, \"logprob\": %.17g, \"top5\": [", t ? "," : "", answer[t], r[answer[t]], logprob);
        int taken[5];
        for (int k = 0; k < 5; k++) {
            int best = -1;
            for (int i = 0; i < n_vocab; i++) {
                int used = 0;
                for (int j = 0; j < k; j++) used |= taken[j] == i;
                if (!used && (best < 0 || r[i] > r[best])) best = i;
            }
            taken[k] = best;
            fprintf(f, "%s[%d, %.9g]", k ? ", " : "", best, r[best]);
        }
        fprintf(f, "]}");
    }
    fprintf(f, "\n ]\n}\n");
    fclose(f);

    free(rows);
    mtmd_input_chunks_free(chunks);
    mtmd_bitmap_free(bw.bitmap);
    mtmd_free(mctx);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
