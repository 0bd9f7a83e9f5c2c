/* The C runner of the cross-binding rule table (tests/fixtures/rules.json,
 * written as rules.txt next to the denylist fixture by
 * `cargo run -p jwtgate-ffi --example c_fixtures`; format there). Each case
 * builds a verifier: keys in order, then options, then jg_verifier_check;
 * the first status that is not JG_OK must be the case's code. The C API
 * takes algorithm and claim ids, not names: the names are converted here,
 * and an unknown name becomes an invalid id, so the table's 909 (an
 * invalid name) is JG_INVALID_ARGUMENT in C. Options the C API does not
 * have (max_age, verify_*) have no invalid value and are skipped.
 *
 * Usage: test_rules DENYLIST_FILE   (rules.txt is read from its directory) */
#include <stdint.h>

#include "check.h"

#define LINE 32768

static const struct {
    const char *name;
    uint32_t id;
} ALGS[] = {
    {"HS256", JG_ALG_HS256}, {"HS384", JG_ALG_HS384}, {"HS512", JG_ALG_HS512},
    {"EdDSA", JG_ALG_EDDSA}, {"ES256", JG_ALG_ES256}, {"RS256", JG_ALG_RS256},
    {"PS256", JG_ALG_PS256},
};

static const struct {
    const char *name;
    uint32_t bit;
} CLAIMS[] = {
    {"iss", JG_CLAIM_ISS}, {"sub", JG_CLAIM_SUB}, {"aud", JG_CLAIM_AUD},
    {"exp", JG_CLAIM_EXP}, {"nbf", JG_CLAIM_NBF}, {"iat", JG_CLAIM_IAT},
    {"jti", JG_CLAIM_JTI}, {"sid", JG_CLAIM_SID}, {"ver", JG_CLAIM_VER},
};

/* 0: no such algorithm (an id the C API refuses). */
static uint32_t alg_id(const char *name) {
    for (size_t i = 0; i < sizeof ALGS / sizeof ALGS[0]; i++)
        if (strcmp(ALGS[i].name, name) == 0) return ALGS[i].id;
    return 0;
}

/* 1u << 31: no such claim (a bit the C API refuses). */
static uint32_t claim_bit(const char *name) {
    for (size_t i = 0; i < sizeof CLAIMS / sizeof CLAIMS[0]; i++)
        if (strcmp(CLAIMS[i].name, name) == 0) return CLAIMS[i].bit;
    return 1u << 31;
}

/* Decodes hex `s` ("-": empty) into `out` (NUL-terminated); the length. */
static size_t unhex(const char *s, char *out, size_t cap) {
    size_t n = 0;
    if (strcmp(s, "-") == 0) {
        out[0] = 0;
        return 0;
    }
    for (; s[0] && s[1] && n + 1 < cap; s += 2) {
        unsigned b;
        if (sscanf(s, "%2x", &b) != 1) break;
        out[n++] = (char)b;
    }
    out[n] = 0;
    return n;
}

/* The next space-separated word of *p (modified in place). */
static char *word(char **p) {
    while (**p == ' ') (*p)++;
    char *start = *p;
    while (**p && **p != ' ' && **p != '\n') (*p)++;
    if (**p) *(*p)++ = 0;
    return start;
}

/* Applies a list option; the first failing status. */
static jg_result list_option(jg_verifier *v, const char *name, char *rest) {
    size_t count = strtoul(word(&rest), NULL, 10);
    static char bytes[LINE];
    size_t lens[64], used = 0;
    uint32_t ids[64], mask = 0;
    if (count > 64) return JG_INVALID_ARGUMENT;
    for (size_t i = 0; i < count; i++) {
        char value[2048];
        lens[i] = unhex(word(&rest), value, sizeof value);
        memcpy(bytes + used, value, lens[i]);
        used += lens[i];
        ids[i] = alg_id(value);
        mask |= claim_bit(value);
    }
    if (strcmp(name, "algorithms") == 0) return jg_verifier_set_algorithms(v, ids, count);
    if (strcmp(name, "issuers") == 0) return jg_verifier_set_issuers(v, U8(bytes), lens, count);
    if (strcmp(name, "audiences") == 0)
        return jg_verifier_set_audiences(v, U8(bytes), lens, count);
    if (strcmp(name, "required") == 0) return jg_verifier_set_required_claims(v, mask);
    fprintf(stderr, "unknown list option %s\n", name);
    return JG_INTERNAL_ERROR;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DENYLIST_FILE\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s", argv[1]);
    char *slash = strrchr(path, '/');
    snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0),
             "rules.txt");
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f == NULL) return finish("test_rules");

    static char line[LINE];
    jg_verifier *v = NULL;
    jg_result first = JG_OK;
    unsigned want = 0, cases = 0;
    char name[512] = "";
    while (fgets(line, sizeof line, f) != NULL) {
        char *p = line;
        const char *kind = word(&p);
        jg_result rc = JG_OK;
        if (strcmp(kind, "case") == 0) {
            want = (unsigned)strtoul(word(&p), NULL, 10);
            if (want == 909) want = JG_INVALID_ARGUMENT;
            unhex(word(&p), name, sizeof name);
            first = JG_OK;
            CHECK_RC(jg_verifier_new(&v), JG_OK);
            continue;
        } else if (strcmp(kind, "key") == 0) {
            uint32_t alg = alg_id(word(&p));
            const char *kid_hex = word(&p);
            char kid[1024], secret[1024];
            size_t kid_len = unhex(kid_hex, kid, sizeof kid);
            size_t secret_len = unhex(word(&p), secret, sizeof secret);
            int has_kid = strcmp(kid_hex, "NONE") != 0;
            rc = jg_verifier_add_hmac_key(v, alg, U8(secret), secret_len,
                                          has_kid ? U8(kid) : NULL, kid_len);
        } else if (strcmp(kind, "list") == 0) {
            const char *option = word(&p);
            rc = list_option(v, option, p);
        } else if (strcmp(kind, "num") == 0) {
            const char *option = word(&p);
            uint64_t n = strtoull(word(&p), NULL, 10);
            if (strcmp(option, "leeway") == 0) rc = jg_verifier_set_leeway(v, n);
        } else if (strcmp(kind, "str") == 0) {
            const char *option = word(&p);
            char value[1024];
            size_t len = unhex(word(&p), value, sizeof value);
            if (strcmp(option, "typ") == 0) rc = jg_verifier_require_typ(v, U8(value), len);
        } else if (strcmp(kind, "end") == 0) {
            if (first == JG_OK) first = jg_verifier_check(v);
            if (first != (jg_result)want)
                fprintf(stderr, "rule \"%s\": got %u, want %u\n", name, (unsigned)first, want);
            CHECK_RC(first, want);
            jg_verifier_free(v);
            v = NULL;
            cases++;
            continue;
        }
        if (first == JG_OK) first = rc;
    }
    fclose(f);
    CHECK(cases >= 20);
    printf("test_rules: %u cases\n", cases);
    return finish("test_rules");
}
