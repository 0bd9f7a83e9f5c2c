/* The synced mode of jg_verifier: a live denylist fed by a snapshot-file
 * watcher and by a Redis follower, revocations through jg_store, staleness
 * and fail-closed, counters and their Prometheus text.
 *
 * Usage: test_sync DENYLIST_FILE
 *   DENYLIST_FILE and the denylist-empty.bin beside it come from
 *   `cargo run -p jwtgate-ffi --example c_fixtures` (see test_api.c).
 *   JG_REDIS_URL and JG_REDIS_PID name a throwaway redis-server that
 *   scripts/test-c.sh starts; this test kills it to observe fail-closed.
 *   Both are required: without them the test fails (it never skips). */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define NOW 1760000000ULL
#define WAIT_MS 5000

static const char SECRET[] = "0123456789abcdef0123456789abcdef";

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static uint64_t unix_now(void) { return (uint64_t)time(NULL); }

static jg_verifier *new_verifier(void) {
    jg_verifier *v = NULL;
    CHECK_RC(jg_verifier_new(&v), JG_OK);
    CHECK_RC(jg_verifier_add_hmac_key(v, JG_ALG_HS256, U8(SECRET), strlen(SECRET), NULL, 0),
             JG_OK);
    return v;
}

/* Signs `json` with SECRET into `out` (NUL-terminated); returns its length. */
static size_t sign(const char *json, char *out, size_t cap) {
    size_t len = 0;
    CHECK_RC(jg_encode(JG_ALG_HS256, U8(SECRET), strlen(SECRET), NULL, 0, NULL, 0, U8(json),
                       strlen(json), (uint8_t *)out, cap - 1, &len),
             JG_OK);
    out[len] = '\0';
    return len;
}

static jg_result verify(jg_verifier *v, const char *token, uint64_t now) {
    return jg_verifier_verify(v, U8(token), strlen(token), now, NULL);
}

/* Polls until verify() gives `want` or WAIT_MS pass; returns the last result. */
static jg_result wait_for(jg_verifier *v, const char *token, uint64_t now, jg_result want) {
    jg_result rc = verify(v, token, now);
    for (int waited = 0; rc != want && waited < WAIT_MS; waited += 10) {
        sleep_ms(10);
        rc = verify(v, token, now);
    }
    return rc;
}

static int write_file(const char *path, const uint8_t *bytes, size_t len) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) return -1;
    size_t n = fwrite(bytes, 1, len, f);
    if (fclose(f) != 0 || n != len) return -1;
    return rename(tmp, path); /* atomic: the watcher sees old or new */
}

static int prometheus_has(jg_verifier *v, const char *needle) {
    char buf[8192];
    size_t len = 0;
    if (jg_verifier_metrics_prometheus(v, U8("jg"), 2, (uint8_t *)buf, sizeof buf - 1, &len) !=
        JG_OK)
        return 0;
    buf[len] = '\0';
    return strstr(buf, needle) != NULL;
}

static void test_watch(const char *revoking_path) {
    char dir[2048], empty_path[4096], watched[4096];
    snprintf(dir, sizeof dir, "%s", revoking_path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) *slash = '\0'; else snprintf(dir, sizeof dir, ".");
    snprintf(empty_path, sizeof empty_path, "%s/denylist-empty.bin", dir);
    snprintf(watched, sizeof watched, "%s/watched-%ld.bin", dir, (long)getpid());

    size_t revoking_len = 0, empty_len = 0;
    uint8_t *revoking = read_file(revoking_path, &revoking_len);
    uint8_t *empty = read_file(empty_path, &empty_len);
    CHECK(revoking != NULL && empty != NULL);
    if (revoking == NULL || empty == NULL) { free(revoking); free(empty); return; }
    CHECK(write_file(watched, empty, empty_len) == 0);

    char token[1024];
    sign("{\"sub\":\"a\",\"jti\":\"t-revoked\",\"exp\":1760000600}", token, sizeof token);
    jg_verifier *v = new_verifier();

    uint64_t ms = 0;
    CHECK_RC(jg_verifier_staleness_ms(v, &ms), JG_OK);
    CHECK(ms == JG_NEVER_SYNCED);
    /* Never synced counts as infinitely stale once a maximum is set. */
    CHECK_RC(jg_verifier_set_max_staleness(v, 60000), JG_OK);
    CHECK_RC(verify(v, token, NOW), JG_DENYLIST_STALE);
    CHECK_RC(jg_verifier_set_max_staleness(v, 0), JG_OK);
    CHECK_RC(verify(v, token, NOW), JG_OK);

    /* Bad arguments. */
    jg_watcher *w = NULL, *w2 = NULL;
    CHECK_RC(jg_verifier_watch_file(v, U8(watched), strlen(watched), 10, NULL),
             JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_watch_file(NULL, U8(watched), strlen(watched), 10, &w),
             JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_watch_file(v, U8("/nonexistent/x.bin"), 18, 10, &w), JG_SYNC_IO);
    CHECK_RC(jg_verifier_watch_file(v, U8(SECRET), strlen(SECRET), 10, &w), JG_SYNC_IO);
    CHECK(w == NULL);

    CHECK_RC(jg_verifier_watch_file(v, U8(watched), strlen(watched), 10, &w), JG_OK);
    CHECK_RC(jg_verifier_watch_file(v, U8(watched), strlen(watched), 10, &w2), JG_SOURCE_ACTIVE);
    CHECK(w2 == NULL);
    CHECK_RC(jg_verifier_staleness_ms(v, &ms), JG_OK);
    CHECK(ms < 60000);
    CHECK_RC(verify(v, token, NOW), JG_OK);

    /* A new version of the file is picked up. */
    CHECK(write_file(watched, revoking, revoking_len) == 0);
    CHECK_RC(wait_for(v, token, NOW, JG_REVOKED), JG_REVOKED);

    /* A corrupt version is reported and skipped: the last good one stays. */
    CHECK(write_file(watched, (const uint8_t *)"garbage", 7) == 0);
    char err[512];
    size_t err_len = 0;
    for (int waited = 0; waited < WAIT_MS; waited += 10) {
        CHECK_RC(jg_watcher_last_error(w, (uint8_t *)err, sizeof err, &err_len), JG_OK);
        if (err_len > 0) break;
        sleep_ms(10);
    }
    CHECK(err_len > 0);
    CHECK_RC(jg_watcher_last_error(w, NULL, 0, &err_len), JG_INSUFFICIENT_SIZE);
    CHECK_RC(verify(v, token, NOW), JG_REVOKED);

    /* The static denylist is a separate layer: it adds, never removes. */
    CHECK_RC(jg_verifier_set_denylist(v, empty, empty_len), JG_OK);
    CHECK_RC(verify(v, token, NOW), JG_REVOKED);
    CHECK_RC(jg_verifier_clear_denylist(v), JG_OK);
    CHECK_RC(verify(v, token, NOW), JG_REVOKED);
    /* ... and survives configuration changes, like the live one. */
    CHECK_RC(jg_verifier_set_leeway(v, 5), JG_OK);
    CHECK_RC(verify(v, token, NOW), JG_REVOKED);

    /* Fail closed: the file's age is its staleness. */
    CHECK_RC(jg_watcher_stop(w), JG_OK);
    CHECK_RC(jg_watcher_stop(w), JG_OK);
    sleep_ms(30);
    CHECK_RC(jg_verifier_set_max_staleness(v, 1), JG_OK);
    CHECK_RC(jg_verifier_set_leeway(v, 0), JG_OK); /* the maximum survives this */
    CHECK_RC(verify(v, token, NOW), JG_DENYLIST_STALE);
    CHECK_RC(jg_verifier_set_max_staleness(v, 0), JG_OK);
    CHECK_RC(verify(v, token, NOW), JG_REVOKED);

    jg_metrics m;
    CHECK_RC(jg_verifier_metrics(v, NULL), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_metrics(v, &m), JG_OK);
    CHECK(m.reloads >= 2);
    CHECK(m.reload_failures >= 1);
    CHECK(m.accepted >= 2);
    CHECK(m.rejected[JG_REASON_REVOKED_TOKEN] >= 5);
    CHECK(m.rejected[JG_REASON_STALE] == 2);
    CHECK(m.verifications == m.accepted + m.rejected[JG_REASON_REVOKED_TOKEN] +
                                 m.rejected[JG_REASON_STALE]);
    CHECK(m.denylist_entries == 3);
    CHECK(m.denylist_bytes > 0);
    CHECK(m.staleness_ms != JG_NEVER_SYNCED);

    /* Prometheus text: size negotiation, prefix check, content. */
    size_t need = 0, len = 0;
    CHECK_RC(jg_verifier_metrics_prometheus(v, U8("jg"), 2, NULL, 0, &need), JG_INSUFFICIENT_SIZE);
    CHECK(need > 100);
    char *text = malloc(need + 1);
    CHECK(text != NULL);
    if (text != NULL) {
        CHECK_RC(jg_verifier_metrics_prometheus(v, U8("jg"), 2, (uint8_t *)text, need, &len),
                 JG_OK);
        text[len] = '\0';
        CHECK(strstr(text, "# TYPE jg_verifications_total counter") != NULL);
        CHECK(strstr(text, "jg_rejected_total{reason=\"stale\"} 2") != NULL);
        CHECK(strstr(text, "jg_snapshot_reloads_total 2") != NULL);
        free(text);
    }
    CHECK_RC(jg_verifier_metrics_prometheus(v, U8("1bad"), 4, NULL, 0, &need),
             JG_INVALID_ARGUMENT);
    CHECK_RC(jg_verifier_metrics_prometheus(v, NULL, 0, NULL, 0, &need), JG_NULL_PARAMETER);

    /* Freed in either order: the watcher shares the verifier's state. */
    jg_verifier_free(v);
    jg_watcher_free(w);
    jg_watcher_free(w);
    jg_watcher_free(NULL);
    remove(watched);
    free(revoking);
    free(empty);
}

/* Issue 12: a revocation by jti with any `until` at or after the token's
 * exp (or none: the maximum token lifetime) is rejected by a follower,
 * also for an exp one second before a window boundary and within the
 * verifier's leeway after exp; an `until` beyond the lifetime is refused. */
static void test_until(void) {
    const char *url = getenv("JG_REDIS_URL");
    CHECK(url != NULL);
    if (url == NULL) return;
    const char *ns = "cuntil";
    uint64_t now = unix_now();
    uint64_t edge = now - now % 3600 + 3599; /* before a one-hour boundary */
    if (edge < now + 120) edge += 3600;
    const uint64_t exps[2] = {now + 900, edge};
    jg_store *st = NULL;
    CHECK_RC(jg_store_connect(U8(url), strlen(url), U8(ns), strlen(ns), &st), JG_OK);
    CHECK_RC(jg_store_set_retention(NULL, 300, 86400), JG_NULL_PARAMETER);
    CHECK_RC(jg_store_set_retention(st, 300, 86400), JG_OK);
    jg_verifier *v = new_verifier();
    CHECK_RC(jg_verifier_set_leeway(v, 30), JG_OK);
    jg_follower *f = NULL;
    CHECK_RC(jg_verifier_follow_redis(v, U8(url), strlen(url), U8(ns), strlen(ns), &f), JG_OK);
    CHECK_RC(jg_follower_wait_ready(f, WAIT_MS), JG_OK);
    char json[256], tok[1024], other[1024], jti[32];
    for (int e = 0; e < 2; e++) {
        uint64_t exp = exps[e];
        /* +15m/exact, +20m, +1h, +2h, +1d, and 0: not given. */
        const uint64_t untils[6] = {exp, now + 1200, now + 3600, now + 7200, now + 86400, 0};
        for (int u = 0; u < 6; u++) {
            snprintf(jti, sizeof jti, "u-%d-%d", e, u);
            snprintf(json, sizeof json, "{\"jti\":\"%s\",\"exp\":%llu}", jti,
                     (unsigned long long)exp);
            sign(json, tok, sizeof tok);
            CHECK_RC(verify(v, tok, now), JG_OK);
            uint32_t outcome = 0;
            CHECK_RC(jg_store_revoke_token(st, U8(jti), strlen(jti), untils[u], &outcome), JG_OK);
            CHECK(outcome == JG_REVOKE_ADDED);
            CHECK_RC(wait_for(v, tok, now, JG_REVOKED), JG_REVOKED);
            /* Accepted until exp + leeway: still revoked at exp + 29. */
            CHECK_RC(verify(v, tok, exp + 29), JG_REVOKED);
        }
        snprintf(json, sizeof json, "{\"jti\":\"other\",\"exp\":%llu}", (unsigned long long)exp);
        sign(json, other, sizeof other);
        CHECK_RC(verify(v, other, now), JG_OK);
    }
    CHECK_RC(jg_store_revoke_token(st, U8("far"), 3, now + 86400 + 3600, NULL),
             JG_REVOCATION_TOO_FAR);
    CHECK_RC(jg_store_set_retention(st, 300, 30 * 86400), JG_OK);
    CHECK_RC(jg_store_revoke_token(st, U8("far"), 3, now + 86400 + 3600, NULL), JG_OK);
    CHECK(strcmp(jg_error_message(JG_REVOCATION_EXPIRED), "unknown jwtgate result code") != 0);
    jg_follower_free(f);
    jg_verifier_free(v);
    jg_store_free(st);
}

static void test_redis(void) {
    const char *url = getenv("JG_REDIS_URL");
    const char *pid_s = getenv("JG_REDIS_PID");
    CHECK(url != NULL && pid_s != NULL); /* scripts/test-c.sh starts redis-server */
    if (url == NULL || pid_s == NULL) return;
    pid_t redis_pid = (pid_t)atol(pid_s);
    const char *ns = "ctest";
    uint64_t now = unix_now();
    char json[256], live[1024], fresh[1024], sess[1024], subj[1024];

    jg_store *st = NULL, *bad = NULL;
    CHECK_RC(jg_store_connect(U8("redis://127.0.0.1:1/"), 20, NULL, 0, &bad), JG_SYNC_REDIS);
    CHECK_RC(jg_store_connect(U8("not a url"), 9, NULL, 0, &bad), JG_SYNC_REDIS);
    CHECK_RC(jg_store_connect(U8(url), strlen(url), U8(ns), 0, &bad), JG_INVALID_ARGUMENT);
    CHECK(bad == NULL);
    CHECK_RC(jg_store_connect(U8(url), strlen(url), U8(ns), strlen(ns), &st), JG_OK);

    jg_verifier *v = new_verifier();
    jg_follower *f = NULL, *f2 = NULL;
    CHECK_RC(jg_verifier_follow_redis(v, U8(url), strlen(url), U8(ns), strlen(ns), NULL),
             JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_follow_redis(v, U8(url), strlen(url), U8(ns), strlen(ns), &f), JG_OK);
    CHECK_RC(jg_verifier_follow_redis(v, U8(url), strlen(url), U8(ns), strlen(ns), &f2),
             JG_SOURCE_ACTIVE);
    CHECK_RC(jg_follower_wait_ready(f, WAIT_MS), JG_OK);
    uint64_t ms = JG_NEVER_SYNCED;
    CHECK_RC(jg_verifier_staleness_ms(v, &ms), JG_OK);
    CHECK(ms < 2000);

    snprintf(json, sizeof json, "{\"sub\":\"c\",\"jti\":\"c-live-1\",\"exp\":%llu}",
             (unsigned long long)(now + 600));
    sign(json, live, sizeof live);
    snprintf(json, sizeof json, "{\"sub\":\"c\",\"jti\":\"c-fresh\",\"exp\":%llu}",
             (unsigned long long)(now + 600));
    sign(json, fresh, sizeof fresh);
    snprintf(json, sizeof json, "{\"sub\":\"c\",\"sid\":\"c-sess\",\"exp\":%llu}",
             (unsigned long long)(now + 600));
    sign(json, sess, sizeof sess);
    snprintf(json, sizeof json, "{\"sub\":\"c-user\",\"iat\":%llu,\"exp\":%llu}",
             (unsigned long long)now, (unsigned long long)(now + 600));
    sign(json, subj, sizeof subj);
    CHECK_RC(verify(v, live, now), JG_OK);
    CHECK_RC(verify(v, sess, now), JG_OK);
    CHECK_RC(verify(v, subj, now), JG_OK);

    /* Revoke through the store; the follower applies it within a bounded wait. */
    uint32_t outcome = 0;
    CHECK_RC(jg_store_revoke_token(st, U8("c-live-1"), 8, now + 600, &outcome), JG_OK);
    CHECK(outcome == JG_REVOKE_ADDED);
    CHECK_RC(jg_store_revoke_token(st, U8("c-live-1"), 8, now + 600, &outcome), JG_OK);
    CHECK(outcome == JG_REVOKE_UNCHANGED);
    /* Out of force (until + max leeway past): refused, never a silent no-op. */
    outcome = 0;
    CHECK_RC(jg_store_revoke_token(st, U8("c-old"), 5, now - 301, &outcome),
             JG_REVOCATION_EXPIRED);
    CHECK(outcome == 0);
    CHECK_RC(jg_store_revoke_token(st, U8("c-x"), 0, now + 600, NULL), JG_INVALID_REVOCATION);
    CHECK_RC(jg_store_revoke_token(NULL, U8("c-x"), 3, now + 600, NULL), JG_NULL_PARAMETER);
    CHECK_RC(jg_store_revoke_session(st, U8("c-sess"), 6, now + 600, NULL), JG_OK);
    CHECK_RC(jg_store_revoke_subject(st, U8("c-user"), 6, now + 1, 0, now + 600, &outcome),
             JG_OK);
    CHECK(outcome == JG_REVOKE_ADDED);
    CHECK_RC(jg_store_revoke_subject(st, U8("c-user"), 6, 0, 0, now + 600, NULL),
             JG_INVALID_REVOCATION);

    /* The bulk path: one call, pipelined; outcomes in order; checked first. */
    jg_revocation many[3] = {
        {JG_KIND_TOKEN, U8("c-bulk-1"), 8, now + 600, 0, 0},
        {JG_KIND_TOKEN, U8("c-live-1"), 8, now + 600, 0, 0},
        {JG_KIND_SUBJECT, U8("c-bulk-u"), 8, now + 600, 0, 3},
    };
    uint32_t outcomes[3] = {0, 0, 0};
    CHECK_RC(jg_store_revoke_many(st, many, 3, outcomes), JG_OK);
    CHECK(outcomes[0] == JG_REVOKE_ADDED && outcomes[1] == JG_REVOKE_UNCHANGED &&
          outcomes[2] == JG_REVOKE_ADDED);
    CHECK_RC(jg_store_revoke_many(st, many, 0, NULL), JG_OK);
    CHECK_RC(jg_store_revoke_many(st, NULL, 1, NULL), JG_NULL_PARAMETER);
    many[1].kind = 9;
    CHECK_RC(jg_store_revoke_many(st, many, 3, NULL), JG_INVALID_ARGUMENT);
    many[1].kind = JG_KIND_SESSION;
    many[1].id_len = 0; /* an empty identifier: refused, nothing sent */
    CHECK_RC(jg_store_revoke_many(st, many, 3, NULL), JG_INVALID_REVOCATION);
    many[1].id_len = 8;
    many[1].until = 1; /* long out of force */
    CHECK_RC(jg_store_revoke_many(st, many, 3, NULL), JG_REVOCATION_EXPIRED);
    many[1].until = 0; /* 0: the maximum token lifetime from now */
    CHECK_RC(jg_store_revoke_many(st, many, 3, outcomes), JG_OK);
    CHECK(outcomes[1] == JG_REVOKE_ADDED);

    CHECK_RC(wait_for(v, live, now, JG_REVOKED), JG_REVOKED);
    CHECK_RC(wait_for(v, sess, now, JG_REVOKED), JG_REVOKED);
    CHECK_RC(wait_for(v, subj, now, JG_REVOKED), JG_REVOKED);
    CHECK_RC(verify(v, fresh, now), JG_OK);

    /* A second verifier in another namespace sees none of it. */
    jg_verifier *other = new_verifier();
    jg_follower *fo = NULL;
    CHECK_RC(jg_verifier_follow_redis(other, U8(url), strlen(url), NULL, 0, &fo), JG_OK);
    CHECK_RC(jg_follower_wait_ready(fo, WAIT_MS), JG_OK);
    CHECK_RC(verify(other, live, now), JG_OK);
    jg_follower_free(fo);
    jg_verifier_free(other);

    /* A live follower confirms every quarter second: never stale at 1 s. */
    CHECK_RC(jg_verifier_set_max_staleness(v, 1000), JG_OK);
    for (int i = 0; i < 6; i++) {
        CHECK_RC(verify(v, fresh, unix_now()), JG_OK);
        sleep_ms(250);
    }

    /* Redis goes away: within about a second, every verification fails closed. */
    CHECK(kill(redis_pid, SIGTERM) == 0);
    CHECK_RC(wait_for(v, fresh, unix_now(), JG_DENYLIST_STALE), JG_DENYLIST_STALE);
    CHECK_RC(verify(v, live, unix_now()), JG_DENYLIST_STALE);
    CHECK_RC(jg_verifier_staleness_ms(v, &ms), JG_OK);
    CHECK(ms > 1000 && ms != JG_NEVER_SYNCED);
    char err[512];
    size_t err_len = 0;
    for (int waited = 0; err_len == 0 && waited < WAIT_MS; waited += 10) {
        CHECK_RC(jg_follower_last_error(f, (uint8_t *)err, sizeof err, &err_len), JG_OK);
        if (err_len == 0) sleep_ms(10);
    }
    CHECK(err_len > 0);
    CHECK_RC(jg_store_revoke_token(st, U8("c-late"), 6, now + 600, NULL), JG_SYNC_REDIS);

    jg_metrics m;
    CHECK_RC(jg_verifier_metrics(v, &m), JG_OK);
    CHECK(m.revocations_applied >= 3);
    CHECK(m.denylist_entries >= 3);
    CHECK(m.disconnects >= 1);
    CHECK(m.rejected[JG_REASON_REVOKED_TOKEN] >= 1);
    CHECK(m.rejected[JG_REASON_REVOKED_SESSION] >= 1);
    CHECK(m.rejected[JG_REASON_REVOKED_SUBJECT] >= 1);
    CHECK(m.rejected[JG_REASON_STALE] >= 2);
    CHECK(m.accepted >= 10);
    CHECK(prometheus_has(v, "jg_rejected_total{reason=\"revoked_session\"}"));

    /* Without a maximum, what was held still applies. */
    CHECK_RC(jg_verifier_set_max_staleness(v, 0), JG_OK);
    CHECK_RC(verify(v, live, unix_now()), JG_REVOKED);
    CHECK_RC(verify(v, fresh, unix_now()), JG_OK);

    /* Stopping releases the verifier's source slot. */
    CHECK_RC(jg_follower_stop(f), JG_OK);
    CHECK_RC(jg_follower_wait_ready(f, 1), JG_NOT_READY);
    CHECK_RC(jg_verifier_follow_redis(v, U8(url), strlen(url), U8(ns), strlen(ns), &f2), JG_OK);
    jg_follower_free(f2);
    jg_follower_free(f);
    jg_follower_free(f);
    jg_follower_free(NULL);
    jg_store_free(st);
    jg_store_free(st);
    jg_store_free(NULL);
    jg_verifier_free(v);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_sync DENYLIST_FILE\n");
        return 2;
    }
    CHECK(strcmp(jg_error_message(JG_DENYLIST_STALE), "unknown jwtgate result code") != 0);
    CHECK(JG_DENYLIST_STALE == 900);
    test_watch(argv[1]);
    test_until();
    test_redis(); /* last: it stops redis-server */
    return finish("test_sync");
}
