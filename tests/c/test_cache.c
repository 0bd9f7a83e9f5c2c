/* The verified-token cache through the C ABI (issue 15): on by default; a
 * repeat is a hit; a hit still fails on expiry and after the key set
 * changes; jg_verifier_set_cache_size(0) turns it off; the counters reach
 * jg_metrics and the Prometheus text.
 *
 * Usage: test_cache DENYLIST_FILE   (unused; every C test gets it) */
#include <stdint.h>

#include "check.h"

#define NOW 1760000000ULL
#define EXP 1760000900ULL

static const char *const SECRET_A = "cache test: key A, 32 bytes!!!!!";
static const char *const SECRET_B = "cache test: key B, 32 bytes!!!!!";

static jg_verifier *with_key(const char *secret, const char *kid) {
    jg_verifier *v = NULL;
    CHECK_RC(jg_verifier_new(&v), JG_OK);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS256, U8(secret), strlen(secret), U8(kid), 1),
             JG_OK);
    return v;
}

int main(void) {
    uint8_t token[512];
    size_t token_len = 0;
    const char *json = "{\"sub\":\"u\",\"exp\":1760000900}";
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET_A), strlen(SECRET_A), U8("a"), 1, NULL, 0, U8(json),
                       strlen(json), token, sizeof token, &token_len),
             JG_OK);
    jg_verifier *v = with_key(SECRET_A, "a");
    jg_metrics m;
    for (int i = 0; i < 3; i++) CHECK_RC(jg_verifier_verify(v, token, token_len, NOW, NULL), JG_OK);
    CHECK_RC(jg_verifier_metrics(v, &m), JG_OK);
    CHECK(m.cache_entries == 4096);
    CHECK(m.cache_hits == 2);
    CHECK(m.cache_misses == 1);
    CHECK(m.cache_inserts == 1);
    CHECK(m.accepted == 3);

    /* Expiry crossing between calls: the hit fails as expired. */
    CHECK_RC(jg_verifier_verify(v, token, token_len, EXP + 1, NULL), JG_EXPIRED);
    CHECK_RC(jg_verifier_metrics(v, &m), JG_OK);
    CHECK(m.cache_hits == 3);

    /* The key set replaced, the old key removed: unknown key. */
    jg_verifier *b = with_key(SECRET_B, "b");
    CHECK_RC(jg_verifier_set_keys(v, b), JG_OK);
    CHECK_RC(jg_verifier_verify(v, token, token_len, NOW, NULL), JG_UNKNOWN_KEY);
    /* Same kid, another secret: the signature is checked again. */
    jg_verifier *impostor = with_key(SECRET_B, "a");
    CHECK_RC(jg_verifier_set_keys(v, impostor), JG_OK);
    CHECK_RC(jg_verifier_verify(v, token, token_len, NOW, NULL), JG_INVALID_SIGNATURE);

    /* Off, then the counters stay and no hit is added. */
    jg_verifier *a = with_key(SECRET_A, "a");
    CHECK_RC(jg_verifier_set_keys(v, a), JG_OK);
    CHECK_RC(jg_verifier_set_cache_size(v, 0), JG_OK);
    CHECK_RC(jg_verifier_set_cache_size(NULL, 0), JG_NULL_PARAMETER);
    for (int i = 0; i < 2; i++) CHECK_RC(jg_verifier_verify(v, token, token_len, NOW, NULL), JG_OK);
    CHECK_RC(jg_verifier_metrics(v, &m), JG_OK);
    CHECK(m.cache_entries == 0);
    CHECK(m.cache_hits == 3);
    CHECK_RC(jg_verifier_set_cache_size(v, 10), JG_OK);
    for (int i = 0; i < 2; i++) CHECK_RC(jg_verifier_verify(v, token, token_len, NOW, NULL), JG_OK);
    CHECK_RC(jg_verifier_metrics(v, &m), JG_OK);
    CHECK(m.cache_entries == 8);
    CHECK(m.cache_hits == 4);

    char text[8192];
    size_t len = 0;
    CHECK_RC(jg_verifier_metrics_prometheus(v, U8("jg"), 2, (uint8_t *)text, sizeof text - 1, &len),
             JG_OK);
    text[len] = '\0';
    CHECK(strstr(text, "jg_cache_hits_total 4") != NULL);
    CHECK(strstr(text, "jg_cache_entries 8") != NULL);

    jg_verifier_free(a);
    jg_verifier_free(b);
    jg_verifier_free(impostor);
    jg_verifier_free(v);
    return finish("test_cache");
}
