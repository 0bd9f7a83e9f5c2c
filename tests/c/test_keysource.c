/* Keys from an identity provider: jg_verifier_follow_issuer and
 * jg_verifier_follow_jwks against a real local HTTPS server with a test CA
 * made at run time (sync/examples/jwks_server.rs): refusals, key rotation
 * (a new key arrives, an old one goes), and an outage (the server killed:
 * the last keys keep verifying until the maximum key staleness, then
 * JG_KEYS_STALE), and the key-miss wait (a new key accepted on the first
 * call with jg_verifier_set_key_miss_wait, rejected without).
 *
 * Usage: test_keysource [ignored...]
 *   JG_JWKS_SERVER names the built jwks_server example (scripts/test-c.sh
 *   builds it). Required: without it the test fails (it never skips). */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static jg_claims claims;
static char dir[256];

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* DIR/name as a NUL-terminated path in `out`. */
static const char *path_of(const char *name, char *out, size_t cap) {
    snprintf(out, cap, "%s/srv/%s", dir, name);
    return out;
}

/* The whole file DIR/srv/name, NUL-terminated and without a final newline;
 * NULL when missing. */
static char *slurp(const char *name) {
    char path[512];
    FILE *f = fopen(path_of(name, path, sizeof path), "rb");
    if (f == NULL) return NULL;
    char *buf = malloc(65536);
    size_t n = buf == NULL ? 0 : fread(buf, 1, 65535, f);
    fclose(f);
    if (buf == NULL) return NULL;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
    buf[n] = 0;
    return buf;
}

/* Serves DIR/srv/from as the JWKS from now on (write + rename). */
static int serve_jwks(const char *from) {
    char *text = slurp(from);
    char tmp[512], dst[512];
    if (text == NULL) return 0;
    FILE *f = fopen(path_of("jwks.json.new", tmp, sizeof tmp), "wb");
    int ok = f != NULL && fputs(text, f) >= 0;
    if (f != NULL) ok = fclose(f) == 0 && ok;
    free(text);
    return ok && rename(tmp, path_of("jwks.json", dst, sizeof dst)) == 0;
}

static jg_result verify_file(const jg_verifier *v, const char *name) {
    char *token = slurp(name);
    if (token == NULL) return JG_INTERNAL_ERROR;
    jg_result rc = jg_verifier_verify(v, U8(token), strlen(token), (uint64_t)time(NULL), &claims);
    free(token);
    return rc;
}

/* Verifies `name` every 50 ms until it gives `want` or `ms` pass. */
static jg_result verify_until(const jg_verifier *v, const char *name, jg_result want, long ms) {
    jg_result rc = verify_file(v, name);
    for (long waited = 0; rc != want && waited < ms; waited += 50) {
        sleep_ms(50);
        rc = verify_file(v, name);
    }
    return rc;
}

/* The README's OIDC example: keys from an issuer, through discovery. */
static jg_result follow_issuer(jg_verifier *v, const char *issuer, const char *ca_file,
                               jg_key_source **source) {
    jg_key_source_options opts;
    jg_key_source_options_init(&opts);
    opts.ca_file = (const uint8_t *)ca_file; /* a private CA; NULL: the web roots */
    opts.ca_file_len = strlen(ca_file);
    opts.max_key_staleness_ms = 3600 * 1000; /* JG_KEYS_STALE after an hour without the provider */
    /* Discovery at {issuer}/.well-known/openid-configuration; tokens must name the issuer. */
    return jg_verifier_follow_issuer(v, (const uint8_t *)issuer, strlen(issuer), &opts, source);
}

int main(void) {
    const char *server = getenv("JG_JWKS_SERVER");
    if (server == NULL) {
        fprintf(stderr, "JG_JWKS_SERVER is not set (scripts/test-c.sh sets it)\n");
        return 1;
    }
    snprintf(dir, sizeof dir, "/tmp/jg-keysource-XXXXXX");
    if (mkdtemp(dir) == NULL) return 1;

    /* The server: stdin is a pipe we hold (it exits when the pipe closes). */
    int fds[2];
    if (pipe(fds) != 0) return 1;
    char srv[300], info[300];
    snprintf(srv, sizeof srv, "%s/srv", dir);
    snprintf(info, sizeof info, "%s/info", dir);
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
        dup2(fds[0], 0);
        close(fds[0]);
        close(fds[1]);
        execl(server, server, srv, info, "120", (char *)NULL);
        _exit(127);
    }
    close(fds[0]);

    /* Its port and CA path. */
    unsigned port = 0;
    char ca[300] = {0};
    for (int i = 0; i < 200 && port == 0; i++) {
        FILE *f = fopen(info, "r");
        if (f != NULL) {
            if (fscanf(f, "%u %299s", &port, ca) != 2) port = 0;
            fclose(f);
        }
        if (port == 0) sleep_ms(50);
    }
    CHECK(port != 0);
    char issuer[64], jwks_url[96], plain[96];
    snprintf(issuer, sizeof issuer, "https://127.0.0.1:%u", port);
    snprintf(jwks_url, sizeof jwks_url, "%s/jwks.json", issuer);
    snprintf(plain, sizeof plain, "http://127.0.0.1:%u/jwks.json", port);

    jg_key_source_options opts;
    CHECK_RC(jg_key_source_options_init(NULL), JG_NULL_PARAMETER);
    CHECK_RC(jg_key_source_options_init(&opts), JG_OK);
    CHECK(opts.struct_size == sizeof opts && opts.max_key_staleness_ms == 0);
    opts.ca_file = U8(ca);
    opts.ca_file_len = strlen(ca);
    opts.refresh_min_ms = 100;
    opts.refresh_max_ms = 300;
    opts.cooldown_ms = 200;
    opts.timeout_ms = 2000;
    opts.max_key_staleness_ms = 1500;

    jg_verifier *v = NULL;
    jg_key_source *source = NULL;
    CHECK_RC(jg_verifier_new(&v), JG_OK);

    /* Refusals: bad arguments, plain http, an untrusted certificate. */
    CHECK_RC(jg_verifier_follow_issuer(NULL, U8(issuer), strlen(issuer), &opts, &source),
             JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_follow_issuer(v, U8(issuer), strlen(issuer), &opts, NULL),
             JG_NULL_PARAMETER);
    jg_key_source_options bad = opts;
    bad.struct_size = sizeof bad - 1;
    CHECK_RC(jg_verifier_follow_jwks(v, U8(jwks_url), strlen(jwks_url), &bad, &source),
             JG_INVALID_ARGUMENT);
    CHECK_RC(jg_verifier_follow_jwks(v, U8(plain), strlen(plain), &opts, &source),
             JG_KEY_SOURCE_REFUSED);
    CHECK_RC(jg_verifier_follow_jwks(v, U8(jwks_url), strlen(jwks_url), NULL, &source),
             JG_KEY_FETCH);
    CHECK(source == NULL);
    CHECK(strstr(jg_error_message(JG_KEY_FETCH), "key source") != NULL);

    /* A JWKS URL: keys installed, no issuer required. */
    jg_verifier *direct = NULL;
    CHECK_RC(jg_verifier_new(&direct), JG_OK);
    CHECK_RC(jg_verifier_follow_jwks(direct, U8(jwks_url), strlen(jwks_url), &opts, &source),
             JG_OK);
    CHECK_RC(verify_file(direct, "token-a"), JG_OK);
    CHECK_RC(verify_file(direct, "token-b"), JG_UNKNOWN_KEY);
    jg_key_source_free(source);
    jg_key_source_free(NULL);
    jg_verifier_free(direct);
    source = NULL;

    /* The README's example. */
    jg_verifier *readme = NULL;
    CHECK_RC(jg_verifier_new(&readme), JG_OK);
    CHECK_RC(follow_issuer(readme, issuer, ca, &source), JG_OK);
    CHECK_RC(verify_file(readme, "token-a"), JG_OK);
    CHECK(str_eq(claims.sub, "ada"));
    jg_verifier_free(readme); /* either order with the source */
    jg_key_source_free(source);
    source = NULL;

    /* Discovery. */
    CHECK_RC(jg_verifier_follow_issuer(v, U8(issuer), strlen(issuer), &opts, &source), JG_OK);
    CHECK(source != NULL);
    CHECK_RC(verify_file(v, "token-a"), JG_OK);
    CHECK(str_eq(claims.iss, issuer));
    CHECK_RC(verify_file(v, "token-b"), JG_UNKNOWN_KEY);

    /* The key-miss wait: two verifiers without timed refreshes, one that
     * waits up to 3 s for the provider when a token names a new kid. */
    jg_key_source_options slow = opts;
    slow.refresh_min_ms = slow.refresh_max_ms = 3600 * 1000;
    slow.max_key_staleness_ms = 0;
    jg_verifier *nw = NULL, *w = NULL;
    jg_key_source *nw_source = NULL, *w_source = NULL;
    CHECK_RC(jg_verifier_new(&nw), JG_OK);
    CHECK_RC(jg_verifier_new(&w), JG_OK);
    CHECK_RC(jg_verifier_follow_jwks(nw, U8(jwks_url), strlen(jwks_url), &slow, &nw_source), JG_OK);
    CHECK_RC(jg_verifier_follow_jwks(w, U8(jwks_url), strlen(jwks_url), &slow, &w_source), JG_OK);
    CHECK_RC(jg_verifier_set_key_miss_wait(NULL, 3000), JG_NULL_PARAMETER);
    CHECK_RC(jg_verifier_set_key_miss_wait(w, 3000), JG_OK);

    /* Rotation: key b arrives (asked for by the unknown kid), then key a
     * goes (the scheduled refresh, at most refresh_max_ms later). */
    CHECK(serve_jwks("jwks-ab.json"));
    sleep_ms(400); /* past the cooldown of the sources' first fetch */
    CHECK_RC(verify_file(nw, "token-b"), JG_UNKNOWN_KEY); /* the refresh runs behind it */
    CHECK_RC(verify_file(w, "token-b"), JG_OK);           /* waited for that refresh */
    CHECK_RC(verify_until(nw, "token-b", JG_OK, 5000), JG_OK);
    jg_key_source_free(nw_source);
    jg_key_source_free(w_source);
    jg_verifier_free(nw);
    jg_verifier_free(w);
    CHECK_RC(verify_until(v, "token-b", JG_OK, 5000), JG_OK);
    CHECK_RC(verify_file(v, "token-a"), JG_OK);
    CHECK(serve_jwks("jwks-b.json"));
    CHECK_RC(verify_until(v, "token-a", JG_UNKNOWN_KEY, 5000), JG_UNKNOWN_KEY);
    CHECK_RC(verify_file(v, "token-b"), JG_OK);
    uint64_t stale = UINT64_MAX;
    CHECK_RC(jg_key_source_staleness_ms(source, &stale), JG_OK);
    CHECK(stale < 1500);

    /* Outage: the last keys keep verifying, then fail closed. */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fds[1]);
    CHECK_RC(verify_file(v, "token-b"), JG_OK);
    CHECK_RC(verify_until(v, "token-b", JG_KEYS_STALE, 10000), JG_KEYS_STALE);
    char err[512];
    size_t err_len = 0;
    CHECK_RC(jg_key_source_last_error(source, (uint8_t *)err, sizeof err, &err_len), JG_OK);
    CHECK(err_len > 0);
    CHECK_RC(jg_key_source_staleness_ms(source, &stale), JG_OK);
    CHECK(stale >= 1500 && stale != UINT64_MAX);

    jg_key_source_free(source);
    jg_verifier_free(v);
    return finish("test_keysource");
}
