// Package jwtgate verifies JSON Web Tokens with jwtgate's Rust core, through
// its C ABI (cgo): the exact behaviour of the Rust, C and Python bindings,
// including the revocation denylist, at the cost of one cgo call per token.
//
//	v, err := jwtgate.NewVerifier(
//		jwtgate.WithHMACKey(jwtgate.HS256, secret, ""),
//		jwtgate.WithIssuer("https://auth.example"),
//	)
//	claims, err := v.Verify(token)
//	if errors.Is(err, jwtgate.ErrRevoked) { ... }
//
// Building: the package links the static library libjwtgate.a from the
// lib/ folder beside this file (scripts/test-go.sh puts it there; see
// docs/go.md), and reads include/jwtgate.h from the repository.
package jwtgate

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: -L${SRCDIR}/lib -ljwtgate -lgcc_s -lutil -lrt -lpthread -lm -ldl
#include <stdint.h>
#include <stdlib.h>
#include "jwtgate.h"

// The verifier (C memory) goes as an integer: cgo checks every pointer
// argument at run time, and a pointer to an incomplete C type costs an
// allocation.
// jg_verifier_verify_offsets into one Go buffer (no Go pointer inside):
// its jg_claims_offsets first, then buf_len bytes the token decodes into.
// An empty C call: the floor of any cgo call (bench/overhead.sh).
static inline void jg_go_nop(void) {}

// defer_aud (VerifyView): an aud array is left for jg_go_audience.
static inline jg_result jg_go_verify_offsets(uintptr_t verifier, const uint8_t *token, size_t len,
                                             uint64_t now, uint8_t *mem, size_t buf_len, int defer_aud) {
	jg_claims_offsets *out = (jg_claims_offsets *)mem;
	uint8_t *buf = mem + sizeof(jg_claims_offsets);
	if (defer_aud)
		return jg_verifier_verify_view((const jg_verifier *)verifier, token, len, now, out, buf, buf_len);
	return jg_verifier_verify_offsets((const jg_verifier *)verifier, token, len, now, out, buf, buf_len);
}

// Reads the aud array jg_go_verify_offsets left pending in mem.
static inline jg_result jg_go_audience(uint8_t *mem, size_t buf_len) {
	return jg_offsets_audience((jg_claims_offsets *)mem, mem + sizeof(jg_claims_offsets), buf_len);
}
*/
import "C"

import (
	"os"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// MaxTokenLen is the longest token Verify reads; longer ones give ErrTokenTooLarge.
const MaxTokenLen = C.JG_MAX_TOKEN_LEN

// Algorithm is a signature algorithm. It belongs to a key, never to a token.
type Algorithm uint32

// The algorithms jwtgate implements.
const (
	HS256 Algorithm = C.JG_ALG_HS256 // HMAC with SHA-256
	HS384 Algorithm = C.JG_ALG_HS384 // HMAC with SHA-384
	HS512 Algorithm = C.JG_ALG_HS512 // HMAC with SHA-512
	EdDSA Algorithm = C.JG_ALG_EDDSA // Ed25519
	ES256 Algorithm = C.JG_ALG_ES256 // ECDSA with P-256 and SHA-256
	RS256 Algorithm = C.JG_ALG_RS256 // RSASSA-PKCS1-v1_5 with SHA-256
	PS256 Algorithm = C.JG_ALG_PS256 // RSASSA-PSS with SHA-256
)

// String returns the JOSE name of the algorithm.
// Algorithms lists every algorithm, in id order. The test
// TestAlgorithmsAreExhaustive fails when the library has one it does not
// list (JG_ALG_COUNT), so a new algorithm cannot be added half-way.
var Algorithms = []Algorithm{HS256, HS384, HS512, EdDSA, ES256, RS256, PS256}

// libraryAlgorithmCount is the library's number of algorithms.
func libraryAlgorithmCount() int { return int(C.JG_ALG_COUNT) }

func (a Algorithm) String() string {
	switch a {
	case HS256:
		return "HS256"
	case HS384:
		return "HS384"
	case HS512:
		return "HS512"
	case EdDSA:
		return "EdDSA"
	case ES256:
		return "ES256"
	case RS256:
		return "RS256"
	case PS256:
		return "PS256"
	}
	return "Algorithm(?)"
}

// ClaimSet is a set of registered claims (a bit mask).
type ClaimSet uint32

// The registered claims, as ClaimSet bits.
const (
	ClaimIss ClaimSet = C.JG_CLAIM_ISS
	ClaimSub ClaimSet = C.JG_CLAIM_SUB
	ClaimAud ClaimSet = C.JG_CLAIM_AUD
	ClaimExp ClaimSet = C.JG_CLAIM_EXP
	ClaimNbf ClaimSet = C.JG_CLAIM_NBF
	ClaimIat ClaimSet = C.JG_CLAIM_IAT
	ClaimJti ClaimSet = C.JG_CLAIM_JTI
	ClaimSid ClaimSet = C.JG_CLAIM_SID
	ClaimVer ClaimSet = C.JG_CLAIM_VER
)

// Claims are the claims of a verified token, copied into Go memory.
// Time claims are zero when absent; Has tells absent from zero.
//
// A Claims from Verify or VerifyAt: every field is safe to keep after
// later calls, for as long as you like (nothing in it points into memory a
// later call writes). The strings and Raw are copied out of the buffer the
// token was decoded into (which the next call reuses) into one allocation
// of exactly their size, so keeping any one of them keeps the whole
// token's claims reachable; copy a string (strings.Clone) to keep it alone
// for long. Raw may be modified; the strings do not alias it.
//
// A Claims filled by VerifyInto is different: see VerifyInto.
type Claims struct {
	Issuer    string    // iss
	Subject   string    // sub
	ID        string    // jti
	SessionID string    // sid
	Audience  []string  // aud (a string aud is one element)
	ExpiresAt time.Time // exp (whole seconds, rounded down)
	NotBefore time.Time // nbf (rounded up)
	IssuedAt  time.Time // iat (rounded down)
	Version   uint64    // ver, the subject's token version
	KeyID     string    // the header's kid
	Type      string    // the header's typ
	Algorithm Algorithm // the header's alg, which is the verifying key's
	Present   ClaimSet  // which registered claims the token has
	Raw       []byte    // the claims JSON object exactly as signed, for custom claims

	// Kept only by VerifyInto: the buffer the strings and Raw are in and
	// the Audience slice, which the next VerifyInto into this Claims
	// overwrites. VerifyAt clears both, so its buffers are never reused.
	mem    []byte
	audMem []string
}

// Has reports whether the token carries every claim in set.
func (c *Claims) Has(set ClaimSet) bool { return c.Present&set == set }

// Verifier verifies tokens. It is safe for concurrent use by many
// goroutines, including SetDenylist and ClearDenylist while others verify.
// Release it with Close (a finalizer does it otherwise).
type Verifier struct {
	ptr  *C.jg_verifier
	now  func() time.Time
	keys *KeySource // WithJWKSURL or WithIssuerDiscovery; closed with the verifier
}

// Option configures a Verifier in NewVerifier.
type Option func(*Verifier) error

// NewVerifier creates a verifier from options. At least one key whose
// algorithm is allowed (WithAlgorithms) is required: ErrEmptyKeySet
// otherwise. Without WithIssuer any issuer is accepted; without WithAudience a token carrying aud is
// rejected (RFC 7519 section 4.1.3); exp is required unless
// WithRequiredClaims says otherwise.
func NewVerifier(opts ...Option) (*Verifier, error) {
	var p *C.jg_verifier
	if err := toError(C.jg_verifier_new(&p)); err != nil {
		return nil, err
	}
	v := &Verifier{ptr: p, now: time.Now}
	runtime.SetFinalizer(v, (*Verifier).Close)
	for _, opt := range opts {
		if err := opt(v); err != nil {
			v.Close()
			return nil, err
		}
	}
	// A verifier that can accept no token is refused (ErrEmptyKeySet).
	if err := toError(C.jg_verifier_check(v.ptr)); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

// Close releases the verifier. It must not run concurrently with other
// methods; later calls return ErrNullParameter. Calling it twice is safe.
func (v *Verifier) Close() error {
	if v.keys != nil {
		v.keys.Stop()
		v.keys = nil
	}
	if v.ptr != nil {
		C.jg_verifier_free(v.ptr)
		v.ptr = nil
		runtime.SetFinalizer(v, nil)
	}
	return nil
}

// emptyByte gives empty inputs a valid non-nil pointer (the C ABI treats
// NULL as a missing argument, not as an empty string).
var emptyByte C.uint8_t

func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return &emptyByte, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

func stringArg(s string) (*C.uint8_t, C.size_t) {
	if len(s) == 0 {
		return &emptyByte, 0
	}
	// The string's bytes, not copied: C only reads them during the call.
	return (*C.uint8_t)(unsafe.Pointer(*(**byte)(unsafe.Pointer(&s)))), C.size_t(len(s))
}

// optionalStringArg maps "" to NULL (absent).
func optionalStringArg(s string) (*C.uint8_t, C.size_t) {
	if s == "" {
		return nil, 0
	}
	return stringArg(s)
}

// WithHMACKey adds an HMAC key (HS256, HS384 or HS512) with an optional kid
// ("" for none). The secret is copied and must be at least as long as the
// hash output (ErrWeakKey).
func WithHMACKey(alg Algorithm, secret []byte, kid string) Option {
	return func(v *Verifier) error {
		s, sl := bytesArg(secret)
		k, kl := optionalStringArg(kid)
		return toError(C.jg_verifier_add_hmac_key(v.ptr, C.uint32_t(alg), s, sl, k, kl))
	}
}

// WithEd25519Key adds a 32-byte Ed25519 public key (EdDSA) with an optional kid.
func WithEd25519Key(public []byte, kid string) Option {
	return func(v *Verifier) error {
		p, pl := bytesArg(public)
		k, kl := optionalStringArg(kid)
		return toError(C.jg_verifier_add_ed25519_key(v.ptr, p, pl, k, kl))
	}
}

// WithES256Key adds a P-256 public key (ES256) in SEC1 form with an
// optional kid: 65 bytes 04||x||y (what crypto/ecdh's PublicKey.Bytes and
// elliptic.Marshal produce) or 33 bytes compressed. ErrInvalidKey for any
// other length or a point off the curve.
func WithES256Key(sec1 []byte, kid string) Option {
	return func(v *Verifier) error {
		p, pl := bytesArg(sec1)
		k, kl := optionalStringArg(kid)
		return toError(C.jg_verifier_add_es256_key(v.ptr, p, pl, k, kl))
	}
}

// WithRSAKey adds an RSA public key for alg (RS256 or PS256, else
// ErrInvalidArgument) from the big-endian modulus n and exponent e (for an
// *rsa.PublicKey: pub.N.Bytes() and big.NewInt(int64(pub.E)).Bytes()),
// with an optional kid. The modulus must have 2048 to 4096 bits
// (ErrInvalidKey otherwise).
func WithRSAKey(alg Algorithm, n, e []byte, kid string) Option {
	return func(v *Verifier) error {
		np, nl := bytesArg(n)
		ep, el := bytesArg(e)
		k, kl := optionalStringArg(kid)
		return toError(C.jg_verifier_add_rsa_key(v.ptr, C.uint32_t(alg), np, nl, ep, el, k, kl))
	}
}

// WithJWKS adds every usable key of a JWKS document (RFC 7517): oct
// (HMAC), OKP (Ed25519), EC (P-256) and RSA (RS256, or PS256 when the JWK
// says so) keys, the way an OIDC provider publishes them at jwks_uri.
func WithJWKS(document []byte) Option {
	return func(v *Verifier) error {
		d, dl := bytesArg(document)
		return toError(C.jg_verifier_add_jwks(v.ptr, d, dl))
	}
}

// SetKeys replaces every key of the verifier at once with the keys the
// options add (WithHMACKey, WithEd25519Key, WithES256Key, WithRSAKey,
// WithJWKS; other options are ignored). Verifications in flight finish
// with the keys they started with; every later one uses the new set.
// ErrEmptyKeySet (and nothing changed) when no new key has an allowed
// algorithm; a key option's error (nothing changed) otherwise.
func (v *Verifier) SetKeys(keys ...Option) error {
	var p *C.jg_verifier
	if err := toError(C.jg_verifier_new(&p)); err != nil {
		return err
	}
	staging := &Verifier{ptr: p}
	defer C.jg_verifier_free(p)
	for _, key := range keys {
		if err := key(staging); err != nil {
			return err
		}
	}
	if staging.keys != nil {
		// A key source feeds one verifier for its life: not a key set.
		staging.keys.Stop()
		return ErrInvalidArgument
	}
	return toError(C.jg_verifier_set_keys(v.ptr, p))
}

// Generation is the verifier's configuration generation: 0 when created,
// one more for every change that succeeded (keys, policy). A verification
// uses one configuration, whose generation lies between the values read
// before and after it.
func (v *Verifier) Generation() uint64 {
	var g C.uint64_t
	if toError(C.jg_verifier_generation(v.ptr, &g)) != nil {
		return 0
	}
	return uint64(g)
}

// stringList lays strings end to end, with their lengths, as
// jg_verifier_set_issuers and jg_verifier_set_audiences take them (no
// pointers inside the arrays, so Go memory can be passed).
func stringList(values []string) (*C.uint8_t, *C.size_t, C.size_t) {
	if len(values) == 0 {
		return nil, nil, 0
	}
	var all []byte
	lens := make([]C.size_t, len(values))
	for i, s := range values {
		all = append(all, s...)
		lens[i] = C.size_t(len(s))
	}
	p, _ := bytesArg(all)
	return p, &lens[0], C.size_t(len(values))
}

// WithCacheSize sets the verified-token cache to entries (rounded down to a
// multiple of 4; 0 turns it off). It is on by default with 4096 entries. A
// hit skips only the signature check of a token that verified before under
// the same keys and policy; expiry, policy, denylists and fail-closed rules
// run on every call. Metrics reports its counters (Cache*).
func WithCacheSize(entries int) Option {
	return func(v *Verifier) error {
		return v.SetCacheSize(entries)
	}
}

// SetCacheSize replaces the verified-token cache with an empty one of
// entries (0: off), at any time; see WithCacheSize.
func (v *Verifier) SetCacheSize(entries int) error {
	if entries < 0 {
		return ErrInvalidArgument
	}
	rc := C.jg_verifier_set_cache_size(v.ptr, C.size_t(entries))
	runtime.KeepAlive(v)
	return toError(rc)
}

// WithIssuer accepts tokens whose iss is one of issuers (iss becomes
// required), replacing any issuers set before. No issuer at all, or an
// empty string, gives ErrEmptyAllowList: a list loaded empty from a
// configuration is refused instead of accepting any issuer. Without
// WithIssuer any issuer is accepted.
func WithIssuer(issuers ...string) Option {
	return func(v *Verifier) error {
		b, lens, n := stringList(issuers)
		return toError(C.jg_verifier_set_issuers(v.ptr, b, lens, n))
	}
}

// WithAudience accepts tokens whose aud contains one of audiences (aud
// becomes required), replacing any audiences set before. No audience, or
// an empty string, gives ErrEmptyAllowList.
func WithAudience(audiences ...string) Option {
	return func(v *Verifier) error {
		b, lens, n := stringList(audiences)
		return toError(C.jg_verifier_set_audiences(v.ptr, b, lens, n))
	}
}

// WithAlgorithms allows only the algorithms listed (default: all): a key
// bound to another algorithm, from WithJWKS or any With*Key, is unusable,
// and a token whose alg is not listed gives ErrUnsupportedAlgorithm. No
// algorithm gives ErrEmptyAllowList; NewVerifier gives ErrEmptyKeySet when
// no key is left usable.
func WithAlgorithms(algs ...Algorithm) Option {
	return func(v *Verifier) error {
		if len(algs) == 0 {
			return toError(C.jg_verifier_set_algorithms(v.ptr, nil, 0))
		}
		ids := make([]C.uint32_t, len(algs))
		for i, a := range algs {
			ids[i] = C.uint32_t(a)
		}
		return toError(C.jg_verifier_set_algorithms(v.ptr, &ids[0], C.size_t(len(ids))))
	}
}

// WithLeeway tolerates clock skew on exp, nbf and iat (whole seconds).
func WithLeeway(d time.Duration) Option {
	return func(v *Verifier) error {
		if d < 0 {
			return ErrInvalidArgument
		}
		return toError(C.jg_verifier_set_leeway(v.ptr, C.uint64_t(d/time.Second)))
	}
}

// WithRequiredClaims replaces the set of claims a token must carry
// (default ClaimExp; 0 requires nothing).
func WithRequiredClaims(set ClaimSet) Option {
	return func(v *Verifier) error {
		return toError(C.jg_verifier_set_required_claims(v.ptr, C.uint32_t(set)))
	}
}

// WithType requires the header typ, compared case-insensitively with an
// optional "application/" prefix, for example "at+jwt" (RFC 9068).
func WithType(typ string) Option {
	return func(v *Verifier) error {
		p, l := stringArg(typ)
		return toError(C.jg_verifier_require_typ(v.ptr, p, l))
	}
}

// WithDenylist attaches a serialized denylist (see SetDenylist).
func WithDenylist(snapshot []byte) Option {
	return func(v *Verifier) error { return v.SetDenylist(snapshot) }
}

// WithClock sets the clock Verify uses (default time.Now); VerifyAt ignores it.
func WithClock(now func() time.Time) Option {
	return func(v *Verifier) error {
		if now == nil {
			return ErrInvalidArgument
		}
		v.now = now
		return nil
	}
}

// SetDenylist validates (checksum included) and copies a serialized
// denylist, then attaches it, atomically replacing the previous one while
// other goroutines verify. On error the previous denylist stays attached.
func (v *Verifier) SetDenylist(snapshot []byte) error {
	p, l := bytesArg(snapshot)
	err := toError(C.jg_verifier_set_denylist(v.ptr, p, l))
	runtime.KeepAlive(v)
	return err
}

// LoadDenylistFile reads a denylist snapshot file and attaches it (SetDenylist).
func (v *Verifier) LoadDenylistFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return v.SetDenylist(b)
}

// ClearDenylist detaches the denylist, if any.
func (v *Verifier) ClearDenylist() error {
	err := toError(C.jg_verifier_clear_denylist(v.ptr))
	runtime.KeepAlive(v)
	return err
}

// Verify verifies token at the verifier's clock (time.Now by default).
func (v *Verifier) Verify(token string) (Claims, error) {
	return v.VerifyAt(token, v.now())
}

// VerifyAt verifies token at time now: structure, signature, claims,
// policy and, when one is attached, the denylist. The Claims returned
// owns its memory: everything in it is safe to keep. It allocates twice
// at most (the strings and Raw in one buffer, and Audience when the token
// has aud); the token is decoded into pooled memory first.
func (v *Verifier) VerifyAt(token string, now time.Time) (Claims, error) {
	if len(token) > MaxTokenLen {
		return Claims{}, ErrTokenTooLarge
	}
	w := workMem.Get().(*[]byte)
	if need := claimsMemLen(len(token)); cap(*w) < need {
		*w = newClaimsMem(need)
	}
	if err := v.verifyOffsets(token, now, *w, false); err != nil {
		workMem.Put(w)
		return Claims{}, err
	}
	// The strings and Raw are copied out of the pooled memory into one
	// allocation of their own: nothing will reuse it.
	var out Claims
	out.fill(*w, len(token), true)
	workMem.Put(w)
	out.audMem = nil
	return out, nil
}

// VerifyInto is VerifyAt writing into *out, reusing the memory of the
// previous VerifyInto into the same out: no allocation once out's buffer
// has grown to the longest token seen (and its Audience slice to the most
// aud values). The token is decoded straight into out's buffer and the
// strings are slices of it (no copy; only Raw is copied, to a region of
// its own).
//
// The reuse has a price: the strings, Raw and Audience that a VerifyInto
// wrote into out are overwritten by the next VerifyInto into out, whether
// that one succeeds or fails (also through a copy of the struct, which
// shares the memory); a string's bytes then change under it. Use them before
// that call, or copy what you keep (strings.Clone, bytes.Clone). A Claims
// returned by VerifyAt or Verify owns its memory; VerifyInto into it
// allocates anew and leaves its old values intact. On failure *out is
// reset (its memory kept for the next call).
func (v *Verifier) VerifyInto(token string, now time.Time, out *Claims) error {
	if len(token) > MaxTokenLen {
		out.reset()
		return ErrTokenTooLarge
	}
	need := claimsMemLen(len(token))
	if cap(out.mem) < need {
		out.mem = newClaimsMem(need)
	}
	mem := out.mem[:cap(out.mem)]
	if err := v.verifyOffsets(token, now, mem, false); err != nil {
		out.reset()
		return err
	}
	out.fill(mem, len(token), false)
	return nil
}

// reset empties the claims, keeping the memory VerifyInto reuses.
func (c *Claims) reset() {
	*c = Claims{mem: c.mem, audMem: c.audMem}
}

// offsetsSize is the size of the jg_claims_offsets at the front of a
// claims buffer.
const offsetsSize = C.sizeof_jg_claims_offsets

// bufferLen is jg_offsets_buffer_len, computed here to spare a cgo call
// per verify (TestBufferLenMatchesLibrary compares the two).
func bufferLen(tokenLen int) int { return 2 * (tokenLen/4*3 + 3) }

// claimsMemLen is the memory one verification of a token of tokenLen
// bytes uses: the jg_claims_offsets, the buffer the token decodes into,
// and after it room for a copy of the claims JSON (Raw, never longer than
// half the buffer).
func claimsMemLen(tokenLen int) int {
	b := bufferLen(tokenLen)
	return offsetsSize + b + b/2
}

// newClaimsMem allocates n bytes (rounded up) aligned for the
// jg_claims_offsets at their front: one allocation, with no pointer
// inside, as cgo requires of Go memory passed to C.
func newClaimsMem(n int) []byte {
	words := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
}

// verifyOffsets is the cgo call of VerifyInto and VerifyView: the token
// decodes into mem (at least claimsMemLen(len(token)) bytes), the claims
// are offsets into it. With deferAud (VerifyView) an aud array is left
// pending, for readAudience.
func (v *Verifier) verifyOffsets(token string, now time.Time, mem []byte, deferAud bool) error {
	secs := now.Unix()
	if secs < 0 {
		secs = 0
	}
	var lazy C.int
	if deferAud {
		lazy = 1
	}
	t, tl := stringArg(token)
	rc := C.jg_go_verify_offsets(C.uintptr_t(uintptr(unsafe.Pointer(v.ptr))), t, tl, C.uint64_t(secs),
		(*C.uint8_t)(unsafe.Pointer(&mem[0])), C.size_t(bufferLen(len(token))), lazy)
	runtime.KeepAlive(v)
	if rc != C.JG_OK {
		return toError(rc)
	}
	return nil
}

// readAudience reads the aud array a deferAud verifyOffsets left pending
// in mem (for a token of tokenLen bytes); nothing when none is.
func readAudience(mem []byte, tokenLen int) error {
	o := (*C.jg_claims_offsets)(unsafe.Pointer(&mem[0]))
	if o.aud_pending == 0 {
		return nil
	}
	if rc := C.jg_go_audience((*C.uint8_t)(unsafe.Pointer(&mem[0])), C.size_t(bufferLen(tokenLen))); rc != C.JG_OK {
		return toError(rc)
	}
	return nil
}

// cgoFloor is an empty C call, for BenchmarkOverhead/floor: what any cgo
// call costs, the part of the Go overhead no binding code can remove.
func cgoFloor() { C.jg_go_nop() }

// spans reads the strings of a jg_claims_offsets out of buf: sharing
// buf's bytes (dst nil), or copied into dst, which must have room for
// every string read.
type spans struct {
	buf, dst []byte
	at       int
}

func (s *spans) str(sp C.jg_span) string {
	if sp.len == 0 {
		return ""
	}
	b := s.buf[sp.offset : sp.offset+sp.len]
	if s.dst != nil {
		d := s.dst[s.at : s.at+len(b) : s.at+len(b)]
		copy(d, b)
		s.at += len(b)
		b = d
	}
	return *(*string)(unsafe.Pointer(&b))
}

func unixIf(present bool, secs C.uint64_t) time.Time {
	if !present || secs > (1<<62) {
		return time.Time{}
	}
	return time.Unix(int64(secs), 0)
}

// fill sets every exported field of c from the jg_claims_offsets at the
// front of mem, which verifyOffsets wrote for a token of tokenLen bytes.
//
// Shared (own false): the strings are slices of mem (no copy), and Raw is
// copied into mem's last region with its capacity capped, so writes
// through Raw never reach a string. Owned (own true): the strings and Raw
// are copied into one new allocation of exactly their size, mem is left
// free for reuse. The Audience slice reuses c's last one when large
// enough.
func (c *Claims) fill(mem []byte, tokenLen int, own bool) {
	o := (*C.jg_claims_offsets)(unsafe.Pointer(&mem[0]))
	blen := bufferLen(tokenLen)
	s := spans{buf: mem[offsetsSize : offsetsSize+blen]}
	n := int(o.aud_count)
	var raw []byte
	if own {
		total := int(o.iss.len+o.sub.len+o.jti.len+o.sid.len+o.kid.len+o.typ.len) + int(o.raw_json.len)
		for i := 0; i < n; i++ {
			total += int(o.aud[i].len)
		}
		s.dst = make([]byte, total)
		raw = s.dst[total-int(o.raw_json.len):]
	} else {
		at := offsetsSize + blen
		raw = mem[at : at+int(o.raw_json.len) : at+int(o.raw_json.len)]
	}
	present := ClaimSet(o.present)
	c.Issuer = s.str(o.iss)
	c.Subject = s.str(o.sub)
	c.ID = s.str(o.jti)
	c.SessionID = s.str(o.sid)
	c.ExpiresAt = unixIf(present&ClaimExp != 0, o.exp)
	c.NotBefore = unixIf(present&ClaimNbf != 0, o.nbf)
	c.IssuedAt = unixIf(present&ClaimIat != 0, o.iat)
	c.Version = uint64(o.ver)
	c.KeyID = s.str(o.kid)
	c.Type = s.str(o.typ)
	c.Algorithm = Algorithm(o.alg)
	c.Present = present
	c.Audience = nil
	if n > 0 {
		if cap(c.audMem) < n {
			c.audMem = make([]string, n)
		}
		c.Audience = c.audMem[:n]
		for i := range c.Audience {
			c.Audience[i] = s.str(o.aud[i])
		}
	}
	copy(raw, s.buf[o.raw_json.offset:o.raw_json.offset+o.raw_json.len])
	c.Raw = raw
}

// workMem is the memory VerifyAt decodes into before copying out what it
// keeps: reused, so VerifyAt allocates only what the Claims holds.
var workMem = sync.Pool{New: func() any { return new([]byte) }}

// Header holds the header parameters of Encode; alg always comes from the key.
type Header struct {
	KeyID    string // kid; "" for none
	Type     string // typ; "" for the default "JWT"
	OmitType bool   // leave typ out entirely
}

// Encode signs claimsJSON (a JSON object, checked with the same strict
// rules as verification) with key and returns the compact JWS token. key
// is the HMAC secret, the 32-byte Ed25519 private seed for EdDSA, or the
// 32-byte big-endian P-256 private scalar for ES256. RSA keys only verify:
// RS256 and PS256 give ErrInvalidArgument.
func Encode(alg Algorithm, key, claimsJSON []byte, h Header) (string, error) {
	k, kl := bytesArg(key)
	kid, kidl := optionalStringArg(h.KeyID)
	typ, typl := optionalStringArg(h.Type)
	if h.OmitType {
		typ, typl = &emptyByte, 0
	}
	cj, cjl := bytesArg(claimsJSON)
	out := make([]byte, (len(claimsJSON)+len(h.KeyID)+len(h.Type))*4/3+256)
	for attempt := 0; attempt < 2; attempt++ {
		var n C.size_t
		o, ol := bytesArg(out)
		rc := C.jg_encode(C.uint32_t(alg), k, kl, kid, kidl, typ, typl, cj, cjl, o, ol, &n)
		switch {
		case rc == C.JG_OK:
			return string(out[:n]), nil
		case rc == C.JG_INSUFFICIENT_SIZE && attempt == 0:
			out = make([]byte, int(n))
		default:
			return "", toError(rc)
		}
	}
	return "", ErrInsufficientSize
}

// Version returns the C library's version.
func Version() string { return C.GoString(C.jg_version()) }

// libraryBufferLen is the library's jg_offsets_buffer_len, which bufferLen
// computes in Go (the test TestBufferLenMatchesLibrary compares them).
func libraryBufferLen(tokenLen int) int { return int(C.jg_offsets_buffer_len(C.size_t(tokenLen))) }
