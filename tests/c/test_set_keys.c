/* jg_verifier_set_keys under concurrent verification: threads verify
 * tokens of keys A, B and C while the main thread cycles the key set
 * A -> A+B -> B. A verification uses one configuration whose generation
 * lies between the generations read before and after it, so its verdict
 * must be the one every key set in that range agrees on; C is never in a
 * set, so its token is never accepted. After the last swap (to B) lands,
 * A's tokens fail with JG_UNKNOWN_KEY.
 *
 * Usage: test_set_keys DENYLIST_FILE   (unused; every C test gets it) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "check.h"

#define NOW 1760000000ULL
#define VERIFIERS 3
#define SWAPS 600

static const char *const SECRETS[3] = {
    "set_keys test: key A, 32 bytes!!",
    "set_keys test: key B, 32 bytes!!",
    "set_keys test: key C, 32 bytes!!",
};
static const char *const KIDS[3] = {"a", "b", "c"};
/* The key set in force at generation BASE + n is SETS[n % 3]: bit i set
 * means key i is in it. */
static const int SETS[3] = {1, 3, 2};

static jg_verifier *shared;
static uint64_t BASE;
static uint8_t tokens[3][512];
static size_t token_lens[3];
static atomic_int stop;
static atomic_long bad, checked;

static int allowed_in_all(int key, uint64_t g0, uint64_t g1) {
    for (uint64_t g = g0; g <= g1; g++)
        if (!(SETS[(g - BASE) % 3] & (1 << key))) return 0;
    return 1;
}

static int allowed_in_none(int key, uint64_t g0, uint64_t g1) {
    for (uint64_t g = g0; g <= g1; g++)
        if (SETS[(g - BASE) % 3] & (1 << key)) return 0;
    return 1;
}

static void *verify_loop(void *arg) {
    (void)arg;
    while (!atomic_load(&stop)) {
        for (int key = 0; key < 3; key++) {
            uint64_t g0 = 0, g1 = 0;
            jg_verifier_generation(shared, &g0);
            jg_result rc = jg_verifier_verify(shared, tokens[key], token_lens[key], NOW, NULL);
            jg_verifier_generation(shared, &g1);
            int ok = rc == JG_OK, unknown = rc == JG_UNKNOWN_KEY;
            if (key == 2 && !unknown) atomic_fetch_add(&bad, 1);
            if (key < 2 && allowed_in_all(key, g0, g1) && !ok) atomic_fetch_add(&bad, 1);
            if (key < 2 && allowed_in_none(key, g0, g1) && !unknown) atomic_fetch_add(&bad, 1);
            if (!ok && !unknown) atomic_fetch_add(&bad, 1);
        }
        atomic_fetch_add(&checked, 1);
    }
    return NULL;
}

/* A verifier used as a key set holding the keys of `set`'s bits. */
static jg_verifier *key_set(int set) {
    jg_verifier *keys = NULL;
    CHECK_RC(jg_verifier_new(&keys), JG_OK);
    for (int key = 0; key < 3; key++)
        if (set & (1 << key))
            CHECK_RC(jg_verifier_add_hmac_key(keys, JG_ALG_HS256, U8(SECRETS[key]),
                                              strlen(SECRETS[key]), U8(KIDS[key]), 1),
                     JG_OK);
    return keys;
}

int main(void) {
    for (int key = 0; key < 3; key++) {
        const char *json = "{\"sub\":\"u\",\"exp\":1760000900}";
        CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRETS[key]), strlen(SECRETS[key]), U8(KIDS[key]),
                           1, NULL, 0, U8(json), strlen(json), tokens[key], sizeof tokens[key],
                           &token_lens[key]),
                 JG_OK);
    }
    jg_verifier *sets[3];
    for (int i = 0; i < 3; i++) sets[i] = key_set(SETS[i]);
    shared = key_set(SETS[0]);

    /* Refused sets change nothing: empty, or no key the policy allows. */
    jg_verifier *empty = NULL;
    CHECK_RC(jg_verifier_new(&empty), JG_OK);
    CHECK_RC(jg_verifier_set_keys(shared, empty), JG_EMPTY_KEY_SET);
    CHECK_RC(jg_verifier_set_keys(shared, NULL), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_set_keys(NULL, empty), JG_NULL_PARAMETER);
    jg_verifier_free(empty);
    CHECK_RC(jg_verifier_generation(shared, &BASE), JG_OK);
    CHECK(BASE == 1); /* the one add_hmac_key of key_set; refusals count none */
    CHECK_RC(jg_verifier_verify(shared, tokens[0], token_lens[0], NOW, NULL), JG_OK);

    pthread_t threads[VERIFIERS];
    for (int i = 0; i < VERIFIERS; i++)
        CHECK(pthread_create(&threads[i], NULL, verify_loop, NULL) == 0);
    /* Only this thread changes the configuration: swap n installs
       generation BASE + n. */
    for (int n = 1; n <= SWAPS; n++)
        CHECK_RC(jg_verifier_set_keys(shared, sets[n % 3]), JG_OK);
    atomic_store(&stop, 1);
    for (int i = 0; i < VERIFIERS; i++) pthread_join(threads[i], NULL);
    CHECK(atomic_load(&bad) == 0);
    CHECK(atomic_load(&checked) > 0);

    /* End with {B}: A's tokens now fail, B's pass. */
    CHECK_RC(jg_verifier_set_keys(shared, sets[2]), JG_OK);
    CHECK_RC(jg_verifier_verify(shared, tokens[0], token_lens[0], NOW, NULL), JG_UNKNOWN_KEY);
    CHECK_RC(jg_verifier_verify(shared, tokens[1], token_lens[1], NOW, NULL), JG_OK);
    printf("test_set_keys: %d threads, %d swaps, %ld rounds checked, %ld bad\n", VERIFIERS,
           SWAPS, atomic_load(&checked), atomic_load(&bad));
    for (int i = 0; i < 3; i++) jg_verifier_free(sets[i]);
    jg_verifier_free(shared);
    return finish("test_set_keys");
}
