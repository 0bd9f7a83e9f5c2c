/* The C side of the demo: verifies the tokens the Rust demo issued
 * (core/examples/demo.rs) against the same keys, policy and denylist, and
 * fails if any outcome differs from the expected one.
 *
 * Usage: jg_demo DIR   (DIR holds hs256.secret, jwks.json, denylist.bin,
 * tokens.tsv with "name<TAB>expected<TAB>token" lines, and now) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwtgate.h"

static uint8_t *slurp(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            buf = realloc(buf, cap + 1);
            if (buf == NULL) exit(2);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = 0; /* callers that parse text get a terminated string */
    *len = n;
    return buf;
}

#define TRY(call)                                                                   \
    do {                                                                            \
        jg_result rc_ = (call);                                                     \
        if (rc_ != JG_OK) {                                                         \
            fprintf(stderr, "%s: %s (%u)\n", #call, jg_error_message(rc_), rc_);    \
            return 2;                                                               \
        }                                                                           \
    } while (0)

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    size_t secret_len, jwks_len, denylist_len, tsv_len, now_len;
    uint8_t *secret = slurp(dir, "hs256.secret", &secret_len);
    uint8_t *jwks = slurp(dir, "jwks.json", &jwks_len);
    uint8_t *denylist = slurp(dir, "denylist.bin", &denylist_len);
    char *tsv = (char *)slurp(dir, "tokens.tsv", &tsv_len);
    char *now_text = (char *)slurp(dir, "now", &now_len);
    uint64_t now = strtoull(now_text, NULL, 10);

    jg_verifier *v;
    TRY(jg_verifier_new(&v));
    TRY(jg_verifier_add_hmac_key(v, JG_ALG_HS256, secret, secret_len, (const uint8_t *)"hs-1", 4));
    TRY(jg_verifier_add_jwks(v, jwks, jwks_len));
    TRY(jg_verifier_add_issuer(v, (const uint8_t *)"https://auth.demo", 17));
    TRY(jg_verifier_add_audience(v, (const uint8_t *)"api", 3));
    TRY(jg_verifier_set_denylist(v, denylist, denylist_len));

    printf("jwtgate demo (C, libjwtgate %s): denylist %zu bytes\n", jg_version(), denylist_len);
    static jg_claims claims;
    int mismatches = 0, count = 0;
    for (char *line = strtok(tsv, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char *name = line, *expected = strchr(name, '\t'), *token;
        if (expected == NULL || (token = strchr(expected + 1, '\t')) == NULL) continue;
        *expected++ = 0;
        *token++ = 0;
        jg_result rc = jg_verifier_verify(v, (const uint8_t *)token, strlen(token), now, &claims);
        const char *class = rc == JG_OK ? "valid" : rc == JG_REVOKED ? "revoked" : "rejected";
        int ok = strcmp(class, expected) == 0;
        mismatches += !ok;
        count++;
        if (rc == JG_OK)
            printf("  %-13s %-8s sub %.*s%s\n", name, class, (int)claims.sub.len,
                   (const char *)claims.sub.ptr, ok ? "" : "  <-- UNEXPECTED");
        else
            printf("  %-13s %-8s %s [%u]%s\n", name, class, jg_error_message(rc), rc,
                   ok ? "" : "  <-- UNEXPECTED");
    }
    jg_verifier_free(v);
    free(secret);
    free(jwks);
    free(denylist);
    free(tsv);
    free(now_text);
    if (count == 0) {
        fprintf(stderr, "no tokens in %s/tokens.tsv\n", dir);
        return 1;
    }
    if (mismatches != 0) {
        fprintf(stderr, "%d unexpected outcomes\n", mismatches);
        return 1;
    }
    return 0;
}
