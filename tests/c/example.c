#include <stdio.h>
#include <string.h>
#include <jwtgate.h>

int main(void) {
    const char *secret = "a secret of at least 32 bytes...";
    const char *claims = "{\"iss\":\"https://auth.example\",\"sub\":\"ada\",\"exp\":1760000900}";
    uint8_t token[512];
    size_t token_len;
    jg_result rc = jg_encode(JG_ALG_HS256, (const uint8_t *)secret, strlen(secret), NULL, 0,
                             NULL, 0, (const uint8_t *)claims, strlen(claims),
                             token, sizeof token, &token_len);
    if (rc != JG_OK) return 1;

    jg_verifier *v;
    if (jg_verifier_new(&v) != JG_OK) return 1;
    jg_verifier_add_hmac_key(v, JG_ALG_HS256, (const uint8_t *)secret, strlen(secret), NULL, 0);
    jg_verifier_add_issuer(v, (const uint8_t *)"https://auth.example", 20);

    static jg_claims c; /* caller-owned; the views point into it */
    rc = jg_verifier_verify(v, token, token_len, 1760000000, &c);
    if (rc == JG_OK)
        printf("valid: sub=%.*s exp=%llu\n", (int)c.sub.len, (const char *)c.sub.ptr,
               (unsigned long long)c.exp);
    else
        printf("rejected: %s (%u)\n", jg_error_message(rc), (unsigned)rc);
    jg_verifier_free(v);
    return rc == JG_OK ? 0 : 1;
}
