/* The C ABI, call by call: results, claims views, encode, denylists, and
 * every kind of bad argument (NULL, bad lengths, bad UTF-8, bad values).
 *
 * Usage: test_api DENYLIST_FILE   (written by `cargo run -p jwtgate-ffi
 * --example c_fixtures`: revokes jti "t-revoked", sid "s-revoked" and
 * sub "u-revoked" issued before NOW). */
#include <stdint.h>

#include "check.h"

#define NOW 1760000000ULL

static const char SECRET[] = "0123456789abcdef0123456789abcdef"; /* 32 bytes */
static const char OTHER_SECRET[] = "fedcba9876543210fedcba9876543210";

/* RFC 8032 section 7.1, test 1. */
static const uint8_t ED_SEED[32] = {
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
    0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
    0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
static const uint8_t ED_PUBLIC[32] = {
    0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
    0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
    0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
/* The same key as a JWKS (x is ED_PUBLIC in base64url). */
static const char ED_JWKS[] =
    "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed-1\","
    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}";

static uint8_t tok[2048];
static size_t tok_len;
static jg_claims claims; /* static: 12 KiB is fine on the stack too */

/* Signs `json` with HS256 (or EdDSA when eddsa) into tok/tok_len. */
static jg_result sign(const char *json, int eddsa, const char *kid, const char *typ) {
    const uint8_t *key = eddsa ? ED_SEED : U8(SECRET);
    size_t key_len = eddsa ? sizeof ED_SEED : strlen(SECRET);
    return jg_encode(eddsa ? JG_ALG_EDDSA : JG_ALG_HS256, key, key_len, U8(kid),
                     kid ? strlen(kid) : 0, U8(typ), typ ? strlen(typ) : 0, U8(json),
                     strlen(json), tok, sizeof tok, &tok_len);
}

static jg_result verify(const jg_verifier *v, uint64_t now) {
    return jg_verifier_verify(v, tok, tok_len, now, &claims);
}

static jg_verifier *hs_verifier(void) {
    jg_verifier *v = NULL;
    CHECK_RC(jg_verifier_new(&v), JG_OK);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS256, U8(SECRET), strlen(SECRET), NULL, 0),
             JG_OK);
    return v;
}

static void test_version_and_messages(void) {
    CHECK(strcmp(jg_version(), JWTGATE_VERSION) == 0);
    CHECK(strcmp(jg_error_message(JG_OK), "ok") == 0);
    CHECK(strcmp(jg_error_message(JG_EXPIRED), "token has expired") == 0);
    CHECK(strcmp(jg_error_message(JG_REVOKED), "token has been revoked") == 0);
    CHECK(strcmp(jg_error_message(JG_NULL_PARAMETER), "a required pointer argument was NULL") ==
          0);
    CHECK(jg_error_message(12345) != NULL && strlen(jg_error_message(12345)) > 0);
    /* The numbers are the core's. */
    CHECK(JG_MALFORMED == 100 && JG_INVALID_SIGNATURE == 400 && JG_EXPIRED == 500 &&
          JG_REVOKED == 600 && JG_DENYLIST_CHECKSUM == 801);
}

static void test_null_and_bad_arguments(void) {
    jg_verifier *v = hs_verifier();
    uint8_t bad_utf8[] = {'i', 0xff, 's'};
    char long_kid[200];
    memset(long_kid, 'k', sizeof long_kid);

    CHECK_RC(jg_verifier_new(NULL), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_add_hmac_key(NULL, JG_ALG_HS256, U8(SECRET), 32, NULL, 0),
             JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS256, NULL, 32, NULL, 0), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_add_hmac_key(v, 99, U8(SECRET), 32, NULL, 0), JG_INVALID_ARGUMENT);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_EDDSA, U8(SECRET), 32, NULL, 0),
             JG_INVALID_ARGUMENT);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS256, U8(SECRET), 31, NULL, 0), JG_WEAK_KEY);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS512, U8(SECRET), 32, NULL, 0), JG_WEAK_KEY);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS256, U8(SECRET), 32, bad_utf8, 3),
             JG_INVALID_UTF8);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS256, U8(SECRET), 32, U8(long_kid),
                                      sizeof long_kid),
             JG_FIELD_TOO_LONG);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS256, U8(SECRET), 32, U8("a"), 1), JG_OK);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS256, U8(OTHER_SECRET), 32, U8("a"), 1),
             JG_DUPLICATE_KEY_ID);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS256, U8(SECRET), SIZE_MAX, NULL, 0),
             JG_INVALID_ARGUMENT);

    CHECK_RC(jg_verifier_add_ed25519_key(v, ED_PUBLIC, 31, NULL, 0), JG_INVALID_KEY);
    CHECK_RC(jg_verifier_add_ed25519_key(v, NULL, 32, NULL, 0), JG_NULL_PARAMETER);
    {
        uint8_t identity[32] = {1};
        CHECK_RC(jg_verifier_add_ed25519_key(v, identity, 32, NULL, 0), JG_INVALID_KEY);
    }
    CHECK_RC(jg_verifier_add_jwks(v, NULL, 0), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_add_jwks(v, U8("{\"keys\":7}"), 10), JG_JWKS);
    CHECK_RC(jg_verifier_add_jwks(v, U8("not json"), 8), JG_JWKS);

    CHECK_RC(jg_verifier_add_issuer(v, NULL, 3), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_add_issuer(v, bad_utf8, sizeof bad_utf8), JG_INVALID_UTF8);
    CHECK_RC(jg_verifier_add_audience(NULL, U8("a"), 1), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_add_audience(v, bad_utf8, sizeof bad_utf8), JG_INVALID_UTF8);
    CHECK_RC(jg_verifier_require_typ(v, U8(long_kid), sizeof long_kid), JG_FIELD_TOO_LONG);
    CHECK_RC(jg_verifier_set_required_claims(v, 1u << 20), JG_INVALID_ARGUMENT);
    CHECK_RC(jg_verifier_set_required_claims(NULL, 0), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_set_leeway(NULL, 0), JG_NULL_PARAMETER);

    CHECK_RC(sign("{\"sub\":\"x\",\"exp\":1760000900}", 0, "a", NULL), JG_OK);
    CHECK_RC(jg_verifier_verify(NULL, tok, tok_len, NOW, &claims), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_verify(v, NULL, tok_len, NOW, &claims), JG_NULL_PARAMETER);
    /* Oversized lengths are refused before a byte is read. */
    CHECK_RC(jg_verifier_verify(v, tok, JG_MAX_TOKEN_LEN + 1, NOW, &claims),
             JG_TOKEN_TOO_LARGE);
    CHECK_RC(jg_verifier_verify(v, tok, SIZE_MAX, NOW, &claims), JG_TOKEN_TOO_LARGE);
    CHECK_RC(jg_verifier_verify(v, tok, 0, NOW, &claims), JG_MALFORMED);
    CHECK_RC(jg_verifier_verify(v, U8("a.b"), 3, NOW, &claims), JG_MALFORMED);
    CHECK_RC(jg_verifier_verify(v, U8("\xff\xfe.\x80.\xc0"), 6, NOW, &claims), JG_BASE64);
    {
        /* A token of exactly the maximum length is read (and rejected as garbage). */
        static uint8_t big[JG_MAX_TOKEN_LEN];
        memset(big, 'A', sizeof big);
        big[100] = '.';
        big[200] = '.';
        jg_result rc = jg_verifier_verify(v, big, sizeof big, NOW, &claims);
        CHECK(rc != JG_OK && rc != JG_TOKEN_TOO_LARGE && rc != JG_PANIC);
    }
    /* The claims output is optional. */
    CHECK_RC(jg_verifier_verify(v, tok, tok_len, NOW, NULL), JG_OK);

    CHECK_RC(jg_verifier_set_denylist(v, NULL, 0), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_set_denylist(NULL, U8("x"), 1), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_set_denylist(v, U8("not a denylist"), 14), JG_DENYLIST_MALFORMED);
    CHECK_RC(jg_verifier_clear_denylist(NULL), JG_NULL_PARAMETER);

    jg_verifier_free(v);
    jg_verifier_free(v); /* a double free is detected and ignored */
    jg_verifier_free(NULL);
}

static void test_claims_views(void) {
    jg_verifier *v = hs_verifier();
    CHECK_RC(jg_verifier_add_audience(v, U8("api"), 3), JG_OK);
    CHECK_RC(jg_verifier_add_issuer(v, U8("https://auth.example"), 20), JG_OK);
    /* sub has escapes: the view is unescaped ("\u00e9" is U+00E9, 2 bytes). */
    CHECK_RC(sign("{\"iss\":\"https://auth.example\",\"sub\":\"ren\\u00e9 \\\"r\\\"\","
                  "\"aud\":[\"web\",\"api\"],\"exp\":1760000900.5,\"nbf\":1759999999.5,"
                  "\"iat\":1759999990,\"jti\":\"t-1\",\"sid\":\"\",\"ver\":3,\"role\":\"admin\"}",
                  0, "k\\1", "at+jwt"),
             JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    CHECK(claims.present == (JG_CLAIM_ISS | JG_CLAIM_SUB | JG_CLAIM_AUD | JG_CLAIM_EXP |
                             JG_CLAIM_NBF | JG_CLAIM_IAT | JG_CLAIM_JTI | JG_CLAIM_SID |
                             JG_CLAIM_VER));
    CHECK(claims.alg == JG_ALG_HS256);
    CHECK(str_eq(claims.iss, "https://auth.example"));
    CHECK(str_eq(claims.sub, "ren\xc3\xa9 \"r\""));
    CHECK(str_eq(claims.jti, "t-1"));
    CHECK(claims.sid.ptr != NULL && claims.sid.len == 0); /* present but empty */
    CHECK(claims.aud_count == 2 && str_eq(claims.aud[0], "web") && str_eq(claims.aud[1], "api"));
    CHECK(claims.exp == 1760000900 && claims.nbf == 1760000000 && claims.iat == 1759999990);
    CHECK(claims.ver == 3);
    CHECK(str_eq(claims.kid, "k\\1"));
    CHECK(str_eq(claims.typ, "at+jwt"));
    CHECK(claims.raw_json.len > 0 && claims.raw_json.ptr[0] == '{' &&
          contains(claims.raw_json, "\"role\":\"admin\""));

    /* A failure resets the views. */
    CHECK_RC(verify(v, 1760000900), JG_EXPIRED);
    CHECK(claims.present == 0 && claims.sub.ptr == NULL && claims.aud_count == 0 &&
          claims.raw_json.ptr == NULL);

    /* Absent claims are NULL views with their bit clear; a string aud is one value. */
    CHECK_RC(sign("{\"iss\":\"https://auth.example\",\"aud\":\"api\",\"exp\":1760000900}", 0,
                  NULL, NULL),
             JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    CHECK(claims.present == (JG_CLAIM_ISS | JG_CLAIM_AUD | JG_CLAIM_EXP));
    CHECK(claims.sub.ptr == NULL && claims.sub.len == 0 && claims.kid.ptr == NULL);
    CHECK(claims.aud_count == 1 && str_eq(claims.aud[0], "api"));
    CHECK(str_eq(claims.typ, "JWT"));

    /* A success right after a success leaves nothing of the first token:
     * fewer audiences leave the rest of aud NULL, an absent sub is NULL. */
    CHECK_RC(sign("{\"iss\":\"https://auth.example\",\"sub\":\"s\","
                  "\"aud\":[\"web\",\"api\",\"x\"],\"exp\":1760000900}",
                  0, NULL, NULL),
             JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    CHECK(claims.aud_count == 3 && str_eq(claims.aud[2], "x") && str_eq(claims.sub, "s"));
    CHECK_RC(sign("{\"iss\":\"https://auth.example\",\"aud\":\"api\",\"exp\":1760000900}", 0,
                  NULL, NULL),
             JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    CHECK(claims.aud_count == 1 && str_eq(claims.aud[0], "api"));
    CHECK(claims.aud[1].ptr == NULL && claims.aud[2].ptr == NULL && claims.aud[2].len == 0);
    CHECK(claims.sub.ptr == NULL && claims.present == (JG_CLAIM_ISS | JG_CLAIM_AUD | JG_CLAIM_EXP));
    jg_verifier_free(v);
}

/* A span of `buf` equals the C string `want`. */
static int span_eq(const uint8_t *buf, jg_span sp, const char *want) {
    return sp.len == strlen(want) && memcmp(buf + sp.offset, want, sp.len) == 0;
}

/* jg_verifier_verify_offsets and jg_verifier_verify_view (the Go
 * package's calls): offsets into the caller's buffer; the view leaves an
 * aud array pending until jg_offsets_audience reads it, which checks the
 * spans it is given. */
static void test_offsets_and_deferred_aud(void) {
    static jg_claims_offsets out, eager;
    static uint8_t buf[JG_CLAIMS_BUFFER_LEN], ebuf[JG_CLAIMS_BUFFER_LEN];
    jg_verifier *v = hs_verifier();
    CHECK_RC(jg_verifier_add_audience(v, U8("api"), 3), JG_OK);
    CHECK_RC(sign("{\"sub\":\"s\\u00e9\",\"aud\":[\"web\",\"a\\/pi\",\"api\"],\"exp\":1760000900}",
                  0, NULL, NULL),
             JG_OK);
    size_t need = jg_offsets_buffer_len(tok_len);
    CHECK(need > tok_len && need <= JG_CLAIMS_BUFFER_LEN);
    CHECK_RC(jg_verifier_verify_offsets(v, tok, tok_len, NOW, &eager, ebuf, need - 1),
             JG_INSUFFICIENT_SIZE);
    CHECK_RC(jg_verifier_verify_view(v, tok, tok_len, NOW, &out, NULL, need), JG_NULL_PARAMETER);
    CHECK(out.present == 0 && out.aud_count == 0 && out.aud_pending == 0);
    CHECK_RC(jg_verifier_verify_offsets(v, tok, tok_len, NOW, &eager, ebuf, need), JG_OK);
    CHECK(eager.aud_pending == 0 && eager.aud_count == 3 && span_eq(ebuf, eager.aud[1], "a/pi"));
    CHECK(span_eq(ebuf, eager.aud_array, "[\"web\",\"a\\/pi\",\"api\"]"));

    CHECK_RC(jg_verifier_verify_view(v, tok, tok_len, NOW, &out, buf, need), JG_OK);
    CHECK(out.aud_pending == 1 && out.aud_count == 0 && span_eq(buf, out.sub, "s\xc3\xa9"));
    CHECK(out.aud_scratch.len == out.aud_array.len &&
          (out.aud_scratch.offset >= out.aud_array.offset + out.aud_array.len ||
           out.aud_scratch.offset + out.aud_scratch.len <= out.aud_array.offset));
    jg_claims_offsets pending = out;
    CHECK_RC(jg_offsets_audience(NULL, buf, need), JG_NULL_PARAMETER);
    CHECK_RC(jg_offsets_audience(&out, buf, need), JG_OK);
    CHECK(out.aud_pending == 0 && out.aud_count == 3 && span_eq(buf, out.aud[0], "web") &&
          span_eq(buf, out.aud[1], "a/pi") && span_eq(buf, out.aud[2], "api"));
    CHECK_RC(jg_offsets_audience(&out, buf, need), JG_OK); /* nothing pending: nothing done */
    CHECK(out.aud_count == 3);

    /* Spans outside the buffer, or overlapping: refused, nothing read. */
    out = pending;
    CHECK_RC(jg_offsets_audience(&out, buf, out.aud_array.offset + 2), JG_INVALID_ARGUMENT);
    CHECK(out.aud_pending == 0 && out.aud_count == 0);
    out = pending;
    out.aud_scratch.offset = out.aud_array.offset;
    CHECK_RC(jg_offsets_audience(&out, buf, need), JG_INVALID_ARGUMENT);
    out = pending;
    out.aud_array.offset = UINT32_MAX;
    CHECK_RC(jg_offsets_audience(&out, buf, need), JG_INVALID_ARGUMENT);
    /* Text that is not an aud array any more: the core's errors. */
    out = pending;
    buf[out.aud_array.offset + 1] = '7';
    CHECK_RC(jg_offsets_audience(&out, buf, need), JG_CLAIMS_JSON);
    CHECK(out.aud_pending == 0 && out.aud_count == 0);

    /* A string aud is read at once; a failure leaves nothing pending. */
    CHECK_RC(sign("{\"sub\":\"s\",\"aud\":\"api\",\"exp\":1760000900}", 0, NULL, NULL), JG_OK);
    need = jg_offsets_buffer_len(tok_len);
    CHECK_RC(jg_verifier_verify_view(v, tok, tok_len, NOW, &out, buf, need), JG_OK);
    CHECK(out.aud_pending == 0 && out.aud_count == 1 && span_eq(buf, out.aud[0], "api") &&
          out.aud_array.len == 0);
    out = pending;
    CHECK_RC(jg_verifier_verify_view(v, tok, tok_len, 1760000900, &out, buf, need), JG_EXPIRED);
    CHECK(out.present == 0 && out.aud_count == 0 && out.aud_pending == 0);
    jg_verifier_free(v);
}

static void test_policy(void) {
    jg_verifier *v = hs_verifier();
    CHECK_RC(sign("{\"iss\":\"https://evil\",\"exp\":1760000900}", 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK); /* any issuer until one is set */
    CHECK_RC(jg_verifier_add_issuer(v, U8("https://auth.example"), 20), JG_OK);
    CHECK_RC(verify(v, NOW), JG_INVALID_ISSUER);

    CHECK_RC(sign("{\"iss\":\"https://auth.example\",\"aud\":\"other\",\"exp\":1760000900}", 0,
                  NULL, NULL),
             JG_OK);
    CHECK_RC(verify(v, NOW), JG_INVALID_AUDIENCE); /* aud present, none accepted */
    CHECK_RC(jg_verifier_add_audience(v, U8("api"), 3), JG_OK);
    CHECK_RC(verify(v, NOW), JG_INVALID_AUDIENCE);
    CHECK_RC(jg_verifier_add_audience(v, U8("other"), 5), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);

    /* Time, with and without leeway. */
    CHECK_RC(verify(v, 1760000900), JG_EXPIRED);
    CHECK_RC(jg_verifier_set_leeway(v, 30), JG_OK);
    CHECK_RC(verify(v, 1760000900), JG_OK);
    CHECK_RC(verify(v, 1760000930), JG_EXPIRED);
    CHECK_RC(sign("{\"iss\":\"https://auth.example\",\"aud\":\"api\",\"exp\":1760000900,"
                  "\"nbf\":1760000100}",
                  0, NULL, NULL),
             JG_OK);
    CHECK_RC(verify(v, NOW), JG_NOT_YET_VALID);

    /* Required claims. */
    CHECK_RC(sign("{\"iss\":\"https://auth.example\",\"aud\":\"api\",\"exp\":1760000900}", 0,
                  NULL, NULL),
             JG_OK);
    CHECK_RC(jg_verifier_set_required_claims(v, JG_CLAIM_EXP | JG_CLAIM_JTI), JG_OK);
    CHECK_RC(verify(v, NOW), JG_MISSING_CLAIM);
    CHECK_RC(jg_verifier_set_required_claims(v, JG_CLAIM_EXP), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    CHECK_RC(sign("{\"iss\":\"https://auth.example\",\"aud\":\"api\"}", 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_MISSING_CLAIM);
    CHECK_RC(jg_verifier_set_required_claims(v, 0), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);

    /* typ. */
    CHECK_RC(jg_verifier_require_typ(v, U8("at+jwt"), 6), JG_OK);
    CHECK_RC(verify(v, NOW), JG_INVALID_TYPE);
    CHECK_RC(sign("{\"iss\":\"https://auth.example\",\"aud\":\"api\"}", 0, NULL,
                  "application/AT+JWT"),
             JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    jg_verifier_free(v);
}

static void test_signatures_and_keys(void) {
    jg_verifier *v = hs_verifier();
    CHECK_RC(sign("{\"exp\":1760000900}", 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    if (tok_len > 2) tok[tok_len - 2] = tok[tok_len - 2] == 'A' ? 'B' : 'A';
    CHECK_RC(verify(v, NOW), JG_INVALID_SIGNATURE);

    /* EdDSA against a key that is HMAC only. */
    CHECK_RC(sign("{\"exp\":1760000900}", 1, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_ALGORITHM_MISMATCH);
    CHECK_RC(jg_verifier_add_ed25519_key(v, ED_PUBLIC, 32, U8("ed-1"), 4), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    CHECK(claims.alg == JG_ALG_EDDSA);
    jg_verifier_free(v);

    /* From a JWKS, with kid. */
    jg_verifier *j = NULL;
    CHECK_RC(jg_verifier_new(&j), JG_OK);
    CHECK_RC(jg_verifier_add_jwks(j, U8(ED_JWKS), strlen(ED_JWKS)), JG_OK);
    CHECK_RC(sign("{\"exp\":1760000900}", 1, "ed-1", NULL), JG_OK);
    CHECK_RC(verify(j, NOW), JG_OK);
    CHECK(str_eq(claims.kid, "ed-1"));
    CHECK_RC(sign("{\"exp\":1760000900}", 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(j, NOW), JG_ALGORITHM_MISMATCH);
    jg_verifier_free(j);

    /* alg none and friends never verify. */
    jg_verifier *n = hs_verifier();
    const char *none = "eyJhbGciOiJub25lIn0.eyJleHAiOjE3NjAwMDA5MDB9.";
    CHECK_RC(jg_verifier_verify(n, U8(none), strlen(none), NOW, &claims),
             JG_UNSUPPORTED_ALGORITHM);
    jg_verifier_free(n);
}

static void test_encode(void) {
    const char *json = "{\"sub\":\"ada\",\"exp\":1760000900}";
    uint8_t out[512];
    size_t need = 0, len = 0;
    /* Asking for the length first. */
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET), 32, NULL, 0, NULL, 0, U8(json), strlen(json),
                       NULL, 0, &need),
             JG_INSUFFICIENT_SIZE);
    CHECK(need > 0 && need < sizeof out);
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET), 32, NULL, 0, NULL, 0, U8(json), strlen(json),
                       out, need - 1, &len),
             JG_INSUFFICIENT_SIZE);
    CHECK(len == need);
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET), 32, NULL, 0, NULL, 0, U8(json), strlen(json),
                       out, need, &len),
             JG_OK);
    CHECK(len == need);
    /* The default header is {"alg":"HS256","typ":"JWT"}. */
    CHECK(len > 36 && memcmp(out, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0);
    /* An empty typ omits it: {"alg":"HS256"}. */
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET), 32, NULL, 0, U8(""), 0, U8(json), strlen(json),
                       out, sizeof out, &len),
             JG_OK);
    CHECK(memcmp(out, "eyJhbGciOiJIUzI1NiJ9.", 21) == 0);

    CHECK_RC(jg_encode(7, U8(SECRET), 32, NULL, 0, NULL, 0, U8(json), strlen(json), out,
                       sizeof out, &len),
             JG_INVALID_ARGUMENT);
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET), 8, NULL, 0, NULL, 0, U8(json), strlen(json),
                       out, sizeof out, &len),
             JG_WEAK_KEY);
    CHECK_RC(jg_encode(JG_ALG_EDDSA, ED_SEED, 31, NULL, 0, NULL, 0, U8(json), strlen(json), out,
                       sizeof out, &len),
             JG_INVALID_KEY);
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET), 32, NULL, 0, NULL, 0, U8("{\"a\":1,\"a\":2}"),
                       13, out, sizeof out, &len),
             JG_DUPLICATE_MEMBER);
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET), 32, NULL, 0, NULL, 0, U8("[1]"), 3, out,
                       sizeof out, &len),
             JG_CLAIMS_JSON);
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET), 32, NULL, 0, NULL, 0, U8(json), strlen(json),
                       out, sizeof out, NULL),
             JG_NULL_PARAMETER);
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET), 32, NULL, 0, NULL, 0, U8(json), strlen(json),
                       NULL, 10, &len),
             JG_NULL_PARAMETER);
    CHECK_RC(jg_encode(JG_ALG_HS256, NULL, 32, NULL, 0, NULL, 0, U8(json), strlen(json), out,
                       sizeof out, &len),
             JG_NULL_PARAMETER);
}

static void test_denylist(const char *path) {
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    CHECK(bytes != NULL && len > 0);
    if (bytes == NULL) return;

    jg_verifier *v = hs_verifier();
    const char *revoked_jti = "{\"sub\":\"a\",\"jti\":\"t-revoked\",\"exp\":1760000900}";
    const char *revoked_sid = "{\"sub\":\"a\",\"sid\":\"s-revoked\",\"exp\":1760000900}";
    const char *revoked_sub = "{\"sub\":\"u-revoked\",\"iat\":1759999000,\"exp\":1760000900}";
    const char *reissued = "{\"sub\":\"u-revoked\",\"iat\":1760000001,\"exp\":1760000900}";
    const char *fine = "{\"sub\":\"a\",\"jti\":\"t-fine\",\"sid\":\"s-fine\",\"exp\":1760000900}";

    CHECK_RC(jg_verifier_set_denylist(v, bytes, len), JG_OK);
    CHECK_RC(sign(revoked_jti, 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_REVOKED);
    CHECK(claims.present == 0);
    CHECK_RC(sign(revoked_sid, 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_REVOKED);
    CHECK_RC(sign(revoked_sub, 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_REVOKED);
    CHECK_RC(sign(reissued, 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW + 10), JG_OK);
    CHECK_RC(sign(fine, 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);

    /* A corrupt snapshot is refused and the current one stays attached. */
    bytes[len / 2] ^= 0x5a;
    jg_result rc = jg_verifier_set_denylist(v, bytes, len);
    CHECK(rc == JG_DENYLIST_CHECKSUM || rc == JG_DENYLIST_MALFORMED);
    CHECK_RC(jg_verifier_set_denylist(v, bytes, len / 2), JG_DENYLIST_CHECKSUM);
    CHECK_RC(sign(revoked_jti, 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_REVOKED);
    /* The bytes were copied: the caller's buffer can go. */
    free(bytes);
    CHECK_RC(verify(v, NOW), JG_REVOKED);

    CHECK_RC(jg_verifier_clear_denylist(v), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    CHECK_RC(jg_verifier_clear_denylist(v), JG_OK);
    jg_verifier_free(v);
}

/* Issue 20 item 4: a reused jg_claims is reset on every failure path, the
 * argument checks included (it kept the previous token's views). */
static void test_claims_reset_on_every_failure(void) {
    jg_verifier *v = hs_verifier();
    CHECK_RC(sign("{\"sub\":\"alice\",\"exp\":1760000900}", 0, "k", NULL), JG_OK);
#define FILLED() (verify(v, NOW) == JG_OK && claims.present != 0 && claims.sub.ptr != NULL)
#define RESET() (claims.present == 0 && claims.sub.ptr == NULL && claims.kid.ptr == NULL && \
                 claims.exp == 0 && claims.alg == 0 && claims.raw_json.ptr == NULL)
    CHECK(FILLED());
    CHECK_RC(jg_verifier_verify(v, tok, JG_MAX_TOKEN_LEN + 1, NOW, &claims), JG_TOKEN_TOO_LARGE);
    CHECK(RESET());
    CHECK(FILLED());
    CHECK_RC(jg_verifier_verify(v, NULL, tok_len, NOW, &claims), JG_NULL_PARAMETER);
    CHECK(RESET());
    CHECK(FILLED());
    CHECK_RC(jg_verifier_verify(NULL, tok, tok_len, NOW, &claims), JG_NULL_PARAMETER);
    CHECK(RESET());
    CHECK(FILLED());
    CHECK_RC(jg_verifier_verify(v, tok, 0, NOW, &claims), JG_MALFORMED);
    CHECK(RESET());
    CHECK(FILLED());
    CHECK_RC(jg_verifier_verify(v, tok, tok_len, 1760000900, &claims), JG_EXPIRED);
    CHECK(RESET());
    CHECK(FILLED());
    tok[tok_len - 2] = tok[tok_len - 2] == 'A' ? 'B' : 'A';
    CHECK_RC(verify(v, NOW), JG_INVALID_SIGNATURE);
    CHECK(RESET());
#undef FILLED
#undef RESET
    jg_verifier_free(v);
}

static const char HS384_SECRET[] = "0123456789abcdef0123456789abcdef0123456789abcdef";
/* SECRET as an HS256 key and HS384_SECRET as an HS384 key. */
static const char HS_JWKS[] =
    "{\"keys\":[{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"h256\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"},"
    "{\"kty\":\"oct\",\"alg\":\"HS384\",\"kid\":\"h384\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm\"}]}";

/* Issues 12 and 20: allow-lists and empty key sets. */
static void test_allow_lists_and_empty_key_sets(void) {
    /* An algorithm allow-list narrows the keys of a JWKS. */
    jg_verifier *v = NULL;
    CHECK_RC(jg_verifier_new(&v), JG_OK);
    CHECK_RC(jg_verifier_add_jwks(v, U8(HS_JWKS), strlen(HS_JWKS)), JG_OK);
    CHECK_RC(sign("{\"exp\":1760000900}", 0, "h256", NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    const uint32_t only384[] = {JG_ALG_HS384};
    CHECK_RC(jg_verifier_set_algorithms(v, only384, 1), JG_OK);
    CHECK_RC(verify(v, NOW), JG_UNSUPPORTED_ALGORITHM);
    CHECK_RC(jg_encode(JG_ALG_HS384, U8(HS384_SECRET), strlen(HS384_SECRET), U8("h384"), 4,
                       NULL, 0, U8("{\"exp\":1760000900}"), 18, tok, sizeof tok, &tok_len),
             JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    CHECK(claims.alg == JG_ALG_HS384);
    CHECK_RC(jg_verifier_check(v), JG_OK);
    /* Empty or unknown lists are refused and change nothing. */
    CHECK_RC(jg_verifier_set_algorithms(v, only384, 0), JG_EMPTY_ALLOW_LIST);
    CHECK_RC(jg_verifier_set_algorithms(v, NULL, 0), JG_EMPTY_ALLOW_LIST);
    const uint32_t unknown[] = {99};
    CHECK_RC(jg_verifier_set_algorithms(v, unknown, 1), JG_INVALID_ARGUMENT);
    CHECK_RC(jg_verifier_set_algorithms(v, NULL, 1), JG_NULL_PARAMETER);
    CHECK_RC(verify(v, NOW), JG_OK);
    /* Allowing only an algorithm no key has would leave no usable key: a
       usable verifier refuses it and stays as it was. */
    const uint32_t only_ed[] = {JG_ALG_EDDSA};
    CHECK_RC(jg_verifier_set_algorithms(v, only_ed, 1), JG_EMPTY_KEY_SET);
    CHECK_RC(jg_verifier_check(v), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    jg_verifier_free(v);

    /* While a verifier is being configured it may be unusable: then every
       verification says why. */
    CHECK_RC(jg_verifier_new(&v), JG_OK);
    CHECK_RC(jg_verifier_set_algorithms(v, only_ed, 1), JG_OK);
    CHECK_RC(jg_verifier_add_jwks(v, U8(HS_JWKS), strlen(HS_JWKS)), JG_OK);
    CHECK_RC(jg_verifier_check(v), JG_EMPTY_KEY_SET);
    CHECK_RC(verify(v, NOW), JG_UNSUPPORTED_ALGORITHM);
    jg_verifier_free(v);

    /* Empty key sets: no key, or a JWKS without one. */
    CHECK_RC(jg_verifier_new(&v), JG_OK);
    CHECK_RC(jg_verifier_check(v), JG_EMPTY_KEY_SET);
    CHECK_RC(jg_verifier_add_jwks(v, U8("{\"keys\":[]}"), 11), JG_OK);
    CHECK_RC(jg_verifier_check(v), JG_EMPTY_KEY_SET);
    CHECK_RC(sign("{\"exp\":1760000900}", 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_EMPTY_KEY_SET);
    CHECK_RC(jg_verifier_check(NULL), JG_NULL_PARAMETER);
    jg_verifier_free(v);

    /* Empty issuer and audience lists, or empty values, are refused. */
    v = hs_verifier();
    const size_t none[1] = {0};
    CHECK_RC(jg_verifier_set_issuers(v, NULL, NULL, 0), JG_EMPTY_ALLOW_LIST);
    CHECK_RC(jg_verifier_set_issuers(v, U8(""), none, 1), JG_EMPTY_ALLOW_LIST);
    CHECK_RC(jg_verifier_set_audiences(v, NULL, NULL, 0), JG_EMPTY_ALLOW_LIST);
    CHECK_RC(jg_verifier_set_audiences(v, U8(""), none, 1), JG_EMPTY_ALLOW_LIST);
    CHECK_RC(jg_verifier_add_issuer(v, U8(""), 0), JG_EMPTY_ALLOW_LIST);
    CHECK_RC(jg_verifier_add_audience(v, U8(""), 0), JG_EMPTY_ALLOW_LIST);
    const size_t lens[2] = {1, 2};
    CHECK_RC(jg_verifier_set_issuers(v, U8("abc"), lens, 2), JG_OK);
    CHECK_RC(jg_verifier_set_issuers(v, U8("abc"), NULL, 2), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_set_audiences(v, U8("api"), lens + 1, 1), JG_OK);
    CHECK_RC(sign("{\"iss\":\"bc\",\"aud\":\"ap\",\"exp\":1760000900}", 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_OK);
    CHECK_RC(sign("{\"iss\":\"b\",\"aud\":\"ap\",\"exp\":1760000900}", 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_INVALID_ISSUER);
    CHECK_RC(sign("{\"iss\":\"a\",\"aud\":\"\",\"exp\":1760000900}", 0, NULL, NULL), JG_OK);
    CHECK_RC(verify(v, NOW), JG_INVALID_AUDIENCE);
    jg_verifier_free(v);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DENYLIST_FILE\n", argv[0]);
        return 2;
    }
    test_version_and_messages();
    test_null_and_bad_arguments();
    test_claims_views();
    test_offsets_and_deferred_aud();
    test_policy();
    test_signatures_and_keys();
    test_encode();
    test_denylist(argv[1]);
    test_claims_reset_on_every_failure();
    test_allow_lists_and_empty_key_sets();
    return finish("test_api");
}
