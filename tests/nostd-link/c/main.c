/* The smallest program that calls every entry point the no_std library
 * was built with (scripts/test-footprint.sh defines HAVE_<family> for
 * each), on inputs from argv so nothing is folded away. Its text size,
 * stripped and linked with --gc-sections, is what the core costs. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint32_t (*verify_fn)(const uint8_t *, size_t, const uint8_t *, size_t,
                              const uint8_t *, size_t, uint64_t);
#define DECLARE(name)                                                              \
    uint32_t name(const uint8_t *, size_t, const uint8_t *, size_t, const uint8_t *, \
                  size_t, uint64_t);
#ifdef HAVE_HMAC
DECLARE(nostd_verify)
#endif
#ifdef HAVE_EDDSA
DECLARE(nostd_verify_eddsa)
#endif
#ifdef HAVE_ES256
DECLARE(nostd_verify_es256)
#endif
#ifdef HAVE_RSA
DECLARE(nostd_verify_rs256)
#endif

#ifdef HAVE_JWKS
uint32_t nostd_jwks_len(const uint8_t *, size_t);
#endif

int main(int argc, char **argv) {
    static const verify_fn fns[] = {
#ifdef HAVE_HMAC
        nostd_verify,
#endif
#ifdef HAVE_EDDSA
        nostd_verify_eddsa,
#endif
#ifdef HAVE_ES256
        nostd_verify_es256,
#endif
#ifdef HAVE_RSA
        nostd_verify_rs256,
#endif
    };
    if (argc < 4) return 2;
    const uint8_t *token = (const uint8_t *)argv[1], *key = (const uint8_t *)argv[2];
    const uint8_t *denylist = (const uint8_t *)argv[3];
    uint32_t rc = 0;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        rc |= fns[i](token, strlen(argv[1]), key, strlen(argv[2]), denylist, strlen(argv[3]),
                     (uint64_t)argc);
#ifdef HAVE_JWKS
    if (argc > 4) rc |= nostd_jwks_len((const uint8_t *)argv[4], strlen(argv[4]));
#endif
    return (int)(rc & 0xff);
}
