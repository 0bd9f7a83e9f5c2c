/* Tokens from a typical OIDC provider setup: RS256 with a kid, verified
 * against a JWKS of several keys (core/tests/keys/jwks.json: four RSA keys
 * and a P-256 key), plus PS256 and ES256 through explicit keys. The tokens
 * were signed by PyJWT + cryptography (tests/fixtures/make_idp_tokens.py ->
 * tests/fixtures/idp_tokens.json); run from the repository root. */
#include "check.h"

#define FIXTURE "tests/fixtures/idp_tokens.json"
#define JWKS "core/tests/keys/jwks.json"

static char *fixture;

/* The string value of the (unique) member `name` in the fixture, as a
 * malloc'd NUL-terminated copy; NULL when missing. The fixture has no
 * escapes inside the values looked up here. */
static char *value(const char *name) {
    char pattern[128];
    snprintf(pattern, sizeof pattern, "\"%s\": \"", name);
    const char *at = strstr(fixture, pattern);
    if (at == NULL) return NULL;
    at += strlen(pattern);
    const char *end = strchr(at, '"');
    if (end == NULL) return NULL;
    char *out = malloc((size_t)(end - at) + 1);
    if (out == NULL) return NULL;
    memcpy(out, at, (size_t)(end - at));
    out[end - at] = 0;
    return out;
}

/* Hex-decodes the fixture member `name` into a malloc'd buffer. */
static uint8_t *hex_value(const char *name, size_t *len) {
    char *hex = value(name);
    if (hex == NULL) return NULL;
    size_t n = strlen(hex) / 2;
    uint8_t *out = malloc(n ? n : 1);
    for (size_t i = 0; out != NULL && i < n; i++) {
        unsigned byte;
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1) { free(out); out = NULL; break; }
        out[i] = (uint8_t)byte;
    }
    free(hex);
    *len = n;
    return out;
}

static jg_claims claims;
static uint64_t now;

static jg_result verify_named(jg_verifier *v, const char *name) {
    char *token = value(name);
    if (token == NULL) {
        fprintf(stderr, "fixture token %s missing\n", name);
        return JG_INTERNAL_ERROR;
    }
    jg_result rc = jg_verifier_verify(v, U8(token), strlen(token), now, &claims);
    free(token);
    return rc;
}

static jg_verifier *policy_verifier(void) {
    jg_verifier *v = NULL;
    CHECK_RC(jg_verifier_new(&v), JG_OK);
    char *iss = value("issuer"), *aud = value("audience");
    CHECK(iss != NULL && aud != NULL);
    if (iss && aud) {
        CHECK_RC(jg_verifier_add_issuer(v, U8(iss), strlen(iss)), JG_OK);
        CHECK_RC(jg_verifier_add_audience(v, U8(aud), strlen(aud)), JG_OK);
    }
    free(iss);
    free(aud);
    return v;
}

static void test_jwks(void) {
    size_t len = 0;
    uint8_t *jwks = read_file(JWKS, &len);
    CHECK(jwks != NULL);
    if (jwks == NULL) return;
    jg_verifier *v = policy_verifier();
    CHECK_RC(jg_verifier_add_jwks(v, jwks, len), JG_OK);
    free(jwks);

    static const char *const rsa[] = {"rsa2048", "rsa2049", "rsa3072", "rsa4096"};
    for (size_t i = 0; i < sizeof rsa / sizeof rsa[0]; i++) {
        char name[64], sub[64];
        snprintf(name, sizeof name, "rs256_%s", rsa[i]);
        snprintf(sub, sizeof sub, "user-%s", rsa[i]);
        CHECK_RC(verify_named(v, name), JG_OK);
        CHECK(claims.alg == JG_ALG_RS256);
        CHECK(str_eq(claims.kid, rsa[i]));
        CHECK(str_eq(claims.sub, sub));
        CHECK(str_eq(claims.iss, "https://idp.example.com"));
        CHECK(claims.aud_count == 1 && str_eq(claims.aud[0], "jwtgate-client"));
    }
    CHECK_RC(verify_named(v, "es256_p256"), JG_OK);
    CHECK(claims.alg == JG_ALG_ES256);
    CHECK(str_eq(claims.kid, "p256"));
    /* The JWKS binds rsa2048 to RS256: a PS256 token must not use it. */
    CHECK(verify_named(v, "ps256_rsa2048") != JG_OK);
    CHECK_RC(verify_named(v, "rs256_unknown_kid"), JG_UNKNOWN_KEY);

    /* A flipped signature byte. */
    char *token = value("rs256_rsa3072");
    CHECK(token != NULL);
    if (token != NULL) {
        size_t n = strlen(token);
        token[n - 3] = token[n - 3] == 'A' ? 'B' : 'A';
        CHECK_RC(jg_verifier_verify(v, U8(token), n, now, &claims), JG_INVALID_SIGNATURE);
        CHECK(claims.alg == 0 && claims.sub.ptr == NULL);
        free(token);
    }
    jg_verifier_free(v);
}

static void test_explicit_keys(void) {
    size_t n_len = 0, e_len = 0, sec1_len = 0;
    uint8_t *n = hex_value("rsa2048_n_hex", &n_len);
    uint8_t *e = hex_value("rsa2048_e_hex", &e_len);
    uint8_t *sec1 = hex_value("p256_sec1_hex", &sec1_len);
    CHECK(n != NULL && e != NULL && sec1 != NULL && n_len == 256 && sec1_len == 65);
    if (n == NULL || e == NULL || sec1 == NULL) goto out;

    jg_verifier *v = policy_verifier();
    CHECK_RC(jg_verifier_add_rsa_key(v, JG_ALG_PS256, n, n_len, e, e_len, U8("rsa2048"), 7),
             JG_OK);
    CHECK_RC(verify_named(v, "ps256_rsa2048"), JG_OK);
    CHECK(claims.alg == JG_ALG_PS256);
    CHECK(str_eq(claims.sub, "user-ps256"));
    /* Same kid, other algorithm: an RS256 token is an algorithm mismatch. */
    CHECK_RC(verify_named(v, "rs256_rsa2048"), JG_ALGORITHM_MISMATCH);
    jg_verifier_free(v);

    v = policy_verifier();
    CHECK_RC(jg_verifier_add_rsa_key(v, JG_ALG_RS256, n, n_len, e, e_len, NULL, 0), JG_OK);
    CHECK_RC(verify_named(v, "rs256_rsa2048"), JG_OK);
    CHECK(claims.alg == JG_ALG_RS256);
    CHECK_RC(jg_verifier_add_es256_key(v, sec1, sec1_len, U8("p256"), 4), JG_OK);
    CHECK_RC(verify_named(v, "es256_p256"), JG_OK);
    CHECK(claims.alg == JG_ALG_ES256);
    /* A token signed by another RSA key does not verify with this one. */
    CHECK_RC(verify_named(v, "rs256_rsa3072"), JG_INVALID_SIGNATURE);
    jg_verifier_free(v);

    /* Argument checks. */
    v = policy_verifier();
    CHECK_RC(jg_verifier_add_rsa_key(v, JG_ALG_HS256, n, n_len, e, e_len, NULL, 0),
             JG_INVALID_ARGUMENT);
    CHECK_RC(jg_verifier_add_rsa_key(v, JG_ALG_ES256, n, n_len, e, e_len, NULL, 0),
             JG_INVALID_ARGUMENT);
    CHECK_RC(jg_verifier_add_rsa_key(v, 99, n, n_len, e, e_len, NULL, 0), JG_INVALID_ARGUMENT);
    CHECK_RC(jg_verifier_add_rsa_key(v, JG_ALG_RS256, NULL, n_len, e, e_len, NULL, 0),
             JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_add_rsa_key(v, JG_ALG_RS256, n, n_len, NULL, e_len, NULL, 0),
             JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_add_rsa_key(v, JG_ALG_RS256, n, 128, e, e_len, NULL, 0),
             JG_INVALID_KEY); /* 1024 bits */
    CHECK_RC(jg_verifier_add_rsa_key(v, JG_ALG_RS256, n, n_len, e, 0, NULL, 0), JG_INVALID_KEY);
    CHECK_RC(jg_verifier_add_rsa_key(NULL, JG_ALG_RS256, n, n_len, e, e_len, NULL, 0),
             JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_add_es256_key(v, sec1, 64, NULL, 0), JG_INVALID_KEY);
    CHECK_RC(jg_verifier_add_es256_key(v, NULL, 65, NULL, 0), JG_NULL_PARAMETER);
    sec1[64] ^= 1; /* off the curve */
    CHECK_RC(jg_verifier_add_es256_key(v, sec1, sec1_len, NULL, 0), JG_INVALID_KEY);
    jg_verifier_free(v);
out:
    free(n);
    free(e);
    free(sec1);
}

static void test_es256_encode(void) {
    /* ES256 signs with the 32-byte private scalar; RSA keys only verify. */
    static const uint8_t scalar[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    const char *json = "{\"sub\":\"es\",\"exp\":4102444800}";
    uint8_t out[512];
    size_t out_len = 0;
    CHECK_RC(jg_encode(JG_ALG_ES256, scalar, 32, U8("es"), 2, NULL, 0, U8(json), strlen(json),
                       out, sizeof out, &out_len),
             JG_OK);
    CHECK_RC(jg_encode(JG_ALG_ES256, scalar, 31, NULL, 0, NULL, 0, U8(json), strlen(json), out,
                       sizeof out, &out_len),
             JG_INVALID_KEY);
    CHECK_RC(jg_encode(JG_ALG_RS256, scalar, 32, NULL, 0, NULL, 0, U8(json), strlen(json), out,
                       sizeof out, &out_len),
             JG_INVALID_ARGUMENT);
    CHECK_RC(jg_encode(JG_ALG_PS256, scalar, 32, NULL, 0, NULL, 0, U8(json), strlen(json), out,
                       sizeof out, &out_len),
             JG_INVALID_ARGUMENT);
}

int main(void) {
    size_t len = 0;
    uint8_t *raw = read_file(FIXTURE, &len);
    if (raw == NULL) {
        fprintf(stderr, "cannot read %s (run from the repository root)\n", FIXTURE);
        return 1;
    }
    fixture = malloc(len + 1);
    if (fixture == NULL) return 1;
    memcpy(fixture, raw, len);
    fixture[len] = 0;
    free(raw);
    now = (uint64_t)strtoull(strstr(fixture, "\"now\": ") + 7, NULL, 10);
    CHECK(now == 1760000000);

    test_jwks();
    test_explicit_keys();
    test_es256_encode();
    free(fixture);
    return finish("test_idp");
}
