package jwtgate

/*
#include <stdlib.h>
#include "jwtgate.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Keys from an identity provider: WithJWKSURL (a jwks_uri) or
// WithIssuerDiscovery (an issuer, through OpenID Connect discovery) fetch
// the keys when the verifier is built and keep them current in a
// background thread, over the C ABI's jg_verifier_follow_jwks and
// jg_verifier_follow_issuer. The rules (HTTPS only, the refresh schedule,
// one refresh per cooldown for unknown kids, the key-miss wait,
// stale-if-error, fail-closed past the maximum key staleness) are
// jwtgate-sync's.

// KeySourceOption configures WithJWKSURL and WithIssuerDiscovery.
type KeySourceOption func(*keySourceConfig)

type keySourceConfig struct {
	opts     C.jg_key_source_options
	caFile   string
	hasCA    bool
	missWait C.uint64_t
}

func millis(d time.Duration) C.uint64_t {
	if d <= 0 {
		return 0
	}
	return C.uint64_t(d / time.Millisecond)
}

// WithCAFile trusts the CA certificates of a PEM file instead of the
// built-in web roots (a private identity provider, tests).
func WithCAFile(path string) KeySourceOption {
	return func(c *keySourceConfig) { c.caFile, c.hasCA = path, true }
}

// WithHTTPLoopback allows plain http:// to a loopback address (a local
// sidecar, tests); HTTPS only otherwise.
func WithHTTPLoopback() KeySourceOption {
	return func(c *keySourceConfig) { c.opts.allow_http_loopback = 1 }
}

// WithRefreshInterval bounds the interval between scheduled refreshes,
// whatever the provider's Cache-Control says (defaults: one minute, one day).
func WithRefreshInterval(min, max time.Duration) KeySourceOption {
	return func(c *keySourceConfig) {
		c.opts.refresh_min_ms, c.opts.refresh_max_ms = millis(min), millis(max)
	}
}

// WithRefreshCooldown sets the shortest interval between two refreshes
// asked for by tokens with an unknown kid, which is also the wait before
// retrying a failed fetch (default 30 s).
func WithRefreshCooldown(d time.Duration) KeySourceOption {
	return func(c *keySourceConfig) { c.opts.cooldown_ms = millis(d) }
}

// WithMaxKeyStaleness makes verification fail closed (ErrKeysStale) once
// the keys were not confirmed current for d (0, the default: never).
func WithMaxKeyStaleness(d time.Duration) KeySourceOption {
	return func(c *keySourceConfig) { c.opts.max_key_staleness_ms = millis(d) }
}

// WithKeyMissWait lets a Verify call whose token names a kid the verifier
// lacks wait up to d for the provider: for the fetch in flight, or the one
// the token may start (not inside the cooldown, not for a kid a fetch
// already came back without). 0, the default: no wait, the token is
// rejected with ErrUnknownKey and the refresh happens behind it.
func WithKeyMissWait(d time.Duration) KeySourceOption {
	return func(c *keySourceConfig) { c.missWait = millis(d) }
}

// WithFetchTimeout bounds one HTTP request (default 10 s).
func WithFetchTimeout(d time.Duration) KeySourceOption {
	return func(c *keySourceConfig) { c.opts.timeout_ms = millis(d) }
}

// KeySource is the background thread keeping a verifier's keys current
// (Verifier.KeySource). The verifier's Close stops it.
type KeySource struct {
	mu  sync.Mutex
	ptr *C.jg_key_source
}

// WithJWKSURL fetches the keys of the JWKS at url (https://) when the
// verifier is built (ErrKeyFetch or ErrKeySourceRefused: no verifier), then
// keeps them current: a refresh when the provider's max-age runs out, an
// early one when a token names an unknown kid; a failed fetch keeps the
// last good keys. The keys replace those of other key options.
func WithJWKSURL(url string, opts ...KeySourceOption) Option {
	return followKeys(url, false, opts)
}

// WithIssuerDiscovery is WithJWKSURL with the JWKS URL taken from the
// issuer's discovery document ({issuer}/.well-known/openid-configuration,
// read once), whose issuer must equal issuer exactly (ErrKeySourceRefused
// otherwise); tokens must then name that issuer.
func WithIssuerDiscovery(issuer string, opts ...KeySourceOption) Option {
	return followKeys(issuer, true, opts)
}

func followKeys(url string, issuer bool, opts []KeySourceOption) Option {
	return func(v *Verifier) error {
		if v.keys != nil {
			return ErrSourceActive
		}
		var c keySourceConfig
		if err := toError(C.jg_key_source_options_init(&c.opts)); err != nil {
			return err
		}
		for _, opt := range opts {
			opt(&c)
		}
		if c.hasCA {
			// C memory: the options struct is passed by pointer and may
			// not hold a Go pointer.
			ca := C.CString(c.caFile)
			defer C.free(unsafe.Pointer(ca))
			c.opts.ca_file = (*C.uint8_t)(unsafe.Pointer(ca))
			c.opts.ca_file_len = C.size_t(len(c.caFile))
		}
		u, ul := stringArg(url)
		var p *C.jg_key_source
		var rc C.jg_result
		if issuer {
			rc = C.jg_verifier_follow_issuer(v.ptr, u, ul, &c.opts, &p)
		} else {
			rc = C.jg_verifier_follow_jwks(v.ptr, u, ul, &c.opts, &p)
		}
		runtime.KeepAlive(url)
		if err := toError(rc); err != nil {
			return err
		}
		v.keys = &KeySource{ptr: p}
		if err := toError(C.jg_verifier_set_key_miss_wait(v.ptr, c.missWait)); err != nil {
			return err
		}
		return nil
	}
}

// KeySource is the verifier's key source (WithJWKSURL,
// WithIssuerDiscovery), nil without one.
func (v *Verifier) KeySource() *KeySource { return v.keys }

// LastError returns the last fetch error ("" if none), kept after recovery.
func (s *KeySource) LastError() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptr == nil {
		return ""
	}
	return lastError(func(out *C.uint8_t, cap C.size_t, n *C.size_t) C.jg_result {
		return C.jg_key_source_last_error(s.ptr, out, cap, n)
	})
}

// Staleness is how long ago the keys were last confirmed current (a good
// fetch or an unchanged answer); -1 after Stop.
func (s *KeySource) Staleness() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ms C.uint64_t
	if s.ptr == nil || toError(C.jg_key_source_staleness_ms(s.ptr, &ms)) != nil {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// Stop stops refreshing; the verifier keeps its last keys, which then age.
// Calling it twice is safe.
func (s *KeySource) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptr != nil {
		C.jg_key_source_free(s.ptr)
		s.ptr = nil
	}
}
