/* A minimal test harness for the C tests: CHECK counts, the binary prints
 * "[name] checks passed N, failed M" and exits non-zero on any failure. */
#ifndef JG_CHECK_H
#define JG_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwtgate.h"

static int jg_passed, jg_failed;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) {                                                          \
            jg_passed++;                                                     \
        } else {                                                             \
            jg_failed++;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

/* CHECK_RC(expr, want): the call returns the jg_result `want`. */
#define CHECK_RC(expr, want)                                                  \
    do {                                                                      \
        jg_result rc_ = (expr);                                               \
        if (rc_ == (jg_result)(want)) {                                       \
            jg_passed++;                                                      \
        } else {                                                              \
            jg_failed++;                                                      \
            fprintf(stderr, "%s:%d: %s returned %u (%s), want %u (%s)\n",     \
                    __FILE__, __LINE__, #expr, (unsigned)rc_,                 \
                    jg_error_message(rc_), (unsigned)(want),                  \
                    jg_error_message(want));                                  \
        }                                                                     \
    } while (0)

#define U8(s) ((const uint8_t *)(s))

/* Whether a view holds exactly the NUL-terminated string `want`. */
static inline int str_eq(jg_str s, const char *want) {
    return s.ptr != NULL && s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* Whether a view contains the NUL-terminated string `needle`. */
static inline int contains(jg_str s, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; s.ptr != NULL && i + n <= s.len; i++)
        if (memcmp(s.ptr + i, needle, n) == 0) return 1;
    return 0;
}

static inline int finish(const char *name) {
    printf("[%s] checks passed %d, failed %d\n", name, jg_passed, jg_failed);
    return jg_failed == 0 ? 0 : 1;
}

/* Reads a whole file into a malloc'd buffer; NULL on failure. */
static inline uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *grown = realloc(buf, cap);
            if (grown == NULL) { free(buf); fclose(f); return NULL; }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    *len = n;
    return buf;
}

#endif
