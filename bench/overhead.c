/* The C side of bench/overhead.sh: times jg_verifier_verify on the token
 * given as argv[1] (made by core/examples/overhead.rs), with the secret,
 * policy and clock the Rust core and the Go package use there, and prints
 * the fastest of many short blocks in ns per call: with the claims written
 * to a jg_claims (c_abi_ns) and, in alternate blocks, the verdict alone
 * (c_abi_verdict_ns, claims_out NULL). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwtgate.h"

#define BLOCK 2000
#define NOW 3999990000ULL

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void check(jg_result rc, const char *what) {
    if (rc != JG_OK) {
        fprintf(stderr, "%s failed: %u\n", what, (unsigned)rc);
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TOKEN [budget-ms]\n", argv[0]);
        return 2;
    }
    const uint8_t *token = (const uint8_t *)argv[1];
    size_t len = strlen(argv[1]);
    double budget = (argc > 2 ? atof(argv[2]) : 1500.0) * 1e6;
    static const char secret[] = "jwtgate bench secret, 32 bytes!!";
    static const char issuer[] = "https://login.example.com/";
    static const char audience[] = "orders";

    jg_verifier *v = NULL;
    check(jg_verifier_new(&v), "jg_verifier_new");
    /* Uncached, as the Rust core it is compared with: every call checks
       the signature (the verified-token cache is on by default). */
    check(jg_verifier_set_cache_size(v, 0), "jg_verifier_set_cache_size");
    check(jg_verifier_add_hmac_key(v, JG_ALG_HS256, (const uint8_t *)secret, strlen(secret), NULL, 0),
          "add_hmac_key");
    check(jg_verifier_add_issuer(v, (const uint8_t *)issuer, strlen(issuer)), "add_issuer");
    check(jg_verifier_add_audience(v, (const uint8_t *)audience, strlen(audience)), "add_audience");
    jg_claims *claims = malloc(sizeof *claims);
    if (claims == NULL) return 1;
    check(jg_verifier_verify(v, token, len, NOW, claims), "jg_verifier_verify");

    /* Blocks with the claims written out and blocks of the verdict alone
       (claims_out NULL: no views written) alternate, so that both see the
       same load; the difference is what writing the views costs. */
    double best = 1e30, best_verdict = 1e30, start = now_ns();
    unsigned sink = 0;
    while (now_ns() - start < budget) {
        double t = now_ns();
        for (int i = 0; i < BLOCK; i++)
            sink += (unsigned)jg_verifier_verify(v, token, len, NOW, claims);
        double per = (now_ns() - t) / BLOCK;
        if (per < best) best = per;
        t = now_ns();
        for (int i = 0; i < BLOCK; i++)
            sink += (unsigned)jg_verifier_verify(v, token, len, NOW, NULL);
        per = (now_ns() - t) / BLOCK;
        if (per < best_verdict) best_verdict = per;
    }
    if (sink != 0) {
        fprintf(stderr, "a verification failed\n");
        return 1;
    }
    printf("c_abi_ns %.1f\n", best);
    printf("c_abi_verdict_ns %.1f\n", best_verdict);
    free(claims);
    jg_verifier_free(v);
    return 0;
}
