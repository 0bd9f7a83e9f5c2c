/* One verifier shared by several threads that verify continuously while
 * another thread replaces and clears the denylist, and another changes
 * the configuration. Every result must be one a single-threaded run could
 * give; ASan/TSan-style bugs surface as crashes or sanitizer reports.
 *
 * Usage: test_threads DENYLIST_FILE   (see test_api.c) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "check.h"

#define NOW 1760000000ULL
#define VERIFIERS 4
#define ROUNDS 20000
#define SWAPS 400

static const char SECRET[] = "0123456789abcdef0123456789abcdef";

static jg_verifier *shared;
static uint8_t good[1024], revoked[1024];
static size_t good_len, revoked_len;
static uint8_t *denylist;
static size_t denylist_len;
static atomic_int stop;
static atomic_long bad_results, seen_revoked, seen_ok_on_revoked, swaps_done;

static void *verify_loop(void *arg) {
    (void)arg;
    jg_claims *c = malloc(sizeof *c); /* one per thread: views live in it */
    if (c == NULL) return NULL;
    for (int i = 0; i < ROUNDS; i++) {
        jg_result rc = jg_verifier_verify(shared, good, good_len, NOW, c);
        if (rc != JG_OK || !str_eq(c->sub, "good")) atomic_fetch_add(&bad_results, 1);
        rc = jg_verifier_verify(shared, revoked, revoked_len, NOW, c);
        if (rc == JG_REVOKED)
            atomic_fetch_add(&seen_revoked, 1);
        else if (rc == JG_OK && str_eq(c->sub, "bad"))
            atomic_fetch_add(&seen_ok_on_revoked, 1);
        else
            atomic_fetch_add(&bad_results, 1);
    }
    free(c);
    return NULL;
}

static void *swap_loop(void *arg) {
    (void)arg;
    for (int i = 0; i < SWAPS && !atomic_load(&stop); i++) {
        if (jg_verifier_set_denylist(shared, denylist, denylist_len) != JG_OK)
            atomic_fetch_add(&bad_results, 1);
        if (jg_verifier_clear_denylist(shared) != JG_OK) atomic_fetch_add(&bad_results, 1);
        atomic_fetch_add(&swaps_done, 1);
    }
    /* End with the denylist attached. */
    if (jg_verifier_set_denylist(shared, denylist, denylist_len) != JG_OK)
        atomic_fetch_add(&bad_results, 1);
    return NULL;
}

static void *configure_loop(void *arg) {
    (void)arg;
    for (int i = 0; i < 200 && !atomic_load(&stop); i++) {
        /* Changes that do not change any outcome: leeway within exp. */
        if (jg_verifier_set_leeway(shared, (uint64_t)(i % 7)) != JG_OK)
            atomic_fetch_add(&bad_results, 1);
    }
    return NULL;
}

static size_t sign(const char *json, uint8_t *out, size_t cap) {
    size_t len = 0;
    jg_result rc = jg_encode(JG_ALG_HS256, U8(SECRET), strlen(SECRET), NULL, 0, NULL, 0,
                             U8(json), strlen(json), out, cap, &len);
    CHECK_RC(rc, JG_OK);
    return len;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DENYLIST_FILE\n", argv[0]);
        return 2;
    }
    denylist = read_file(argv[1], &denylist_len);
    CHECK(denylist != NULL);
    if (denylist == NULL) return finish("test_threads");

    CHECK_RC(jg_verifier_new(&shared), JG_OK);
    CHECK_RC(jg_verifier_add_hmac_key(shared, JG_ALG_HS256, U8(SECRET), strlen(SECRET), NULL, 0),
             JG_OK);
    good_len = sign("{\"sub\":\"good\",\"jti\":\"t-fine\",\"exp\":1760000900}", good, sizeof good);
    revoked_len =
        sign("{\"sub\":\"bad\",\"jti\":\"t-revoked\",\"exp\":1760000900}", revoked, sizeof revoked);

    pthread_t verifiers[VERIFIERS], swapper, configurer;
    for (int i = 0; i < VERIFIERS; i++)
        CHECK(pthread_create(&verifiers[i], NULL, verify_loop, NULL) == 0);
    CHECK(pthread_create(&swapper, NULL, swap_loop, NULL) == 0);
    CHECK(pthread_create(&configurer, NULL, configure_loop, NULL) == 0);
    for (int i = 0; i < VERIFIERS; i++) pthread_join(verifiers[i], NULL);
    atomic_store(&stop, 1);
    pthread_join(swapper, NULL);
    pthread_join(configurer, NULL);

    CHECK(atomic_load(&bad_results) == 0);
    CHECK(atomic_load(&swaps_done) > 0);
    CHECK(atomic_load(&seen_revoked) + atomic_load(&seen_ok_on_revoked) ==
          (long)VERIFIERS * ROUNDS);
    printf("test_threads: %d threads x %d rounds, %ld swaps, revoked seen %ld, ok seen %ld\n",
           VERIFIERS, ROUNDS, atomic_load(&swaps_done), atomic_load(&seen_revoked),
           atomic_load(&seen_ok_on_revoked));
    /* After the swapper finished, the denylist is attached. */
    CHECK_RC(jg_verifier_verify(shared, revoked, revoked_len, NOW, NULL), JG_REVOKED);
    CHECK_RC(jg_verifier_verify(shared, good, good_len, NOW, NULL), JG_OK);

    jg_verifier_free(shared);
    free(denylist);
    return finish("test_threads");
}
