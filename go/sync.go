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

// The synced mode: every Verifier also holds a live denylist, empty until a
// source feeds it. FollowRedis (a Redis revocation stream) or WatchFile (a
// snapshot file) keeps it current; a token is rejected when the live
// denylist or the static one (SetDenylist) revokes it. SetMaxStaleness
// makes verification fail closed (ErrStale) once the source has not
// confirmed the live denylist current for too long.

// Follower is a background thread following a Redis revocation stream into
// a verifier's live denylist. Stop it with Stop (a finalizer does it
// otherwise). It shares the verifier's state: either may be closed first.
type Follower struct {
	mu  sync.Mutex
	ptr *C.jg_follower
}

// FollowRedis starts following the Redis at url (for example
// "redis://127.0.0.1:6379/0"), namespace ns ("" for the default "jwtgate"),
// into the verifier's live denylist. It returns at once; WaitReady waits for
// the first full load. An unreachable server is retried with backoff (see
// LastError). One source per verifier: ErrSourceActive while another
// follower or watcher of v runs.
func (v *Verifier) FollowRedis(url, ns string) (*Follower, error) {
	u, ul := stringArg(url)
	n, nl := optionalStringArg(ns)
	var p *C.jg_follower
	rc := C.jg_verifier_follow_redis(v.ptr, u, ul, n, nl, &p)
	runtime.KeepAlive(v)
	if err := toError(rc); err != nil {
		return nil, err
	}
	f := &Follower{ptr: p}
	runtime.SetFinalizer(f, (*Follower).Stop)
	return f, nil
}

// WaitReady waits up to timeout for the first full load from Redis; it
// returns ErrNotReady on timeout or after Stop.
func (f *Follower) WaitReady(timeout time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ptr == nil {
		return ErrNotReady
	}
	if timeout < 0 {
		timeout = 0
	}
	return toError(C.jg_follower_wait_ready(f.ptr, C.uint64_t(timeout/time.Millisecond)))
}

// LastError returns the last error the follower met ("" if none), for
// example a refused connection while Redis is down.
func (f *Follower) LastError() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ptr == nil {
		return ""
	}
	return lastError(func(out *C.uint8_t, cap C.size_t, n *C.size_t) C.jg_result {
		return C.jg_follower_last_error(f.ptr, out, cap, n)
	})
}

// Stop stops the follower, waits for its thread and releases it. The live
// denylist keeps what it holds (and grows stale); the verifier may take a
// new source. Calling it twice is safe.
func (f *Follower) Stop() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ptr != nil {
		C.jg_follower_free(f.ptr)
		f.ptr = nil
		runtime.SetFinalizer(f, nil)
	}
	return nil
}

// Watcher is a background thread polling a snapshot file into a verifier's
// live denylist. Stop it with Stop (a finalizer does it otherwise).
type Watcher struct {
	mu  sync.Mutex
	ptr *C.jg_watcher
}

// WatchFile loads the snapshot file at path into the verifier's live
// denylist now (an unreadable file gives ErrSyncIO, a bad one
// ErrDenylist*), then polls it every poll (0: 50 ms) and installs each new
// valid version atomically; a corrupt version is skipped (see LastError).
// The live denylist's staleness is the file's age: a writer that rewrites
// or touches it regularly keeps it fresh.
func (v *Verifier) WatchFile(path string, poll time.Duration) (*Watcher, error) {
	if poll < 0 {
		return nil, ErrInvalidArgument
	}
	p, pl := stringArg(path)
	var w *C.jg_watcher
	rc := C.jg_verifier_watch_file(v.ptr, p, pl, C.uint64_t(poll/time.Millisecond), &w)
	runtime.KeepAlive(v)
	if err := toError(rc); err != nil {
		return nil, err
	}
	out := &Watcher{ptr: w}
	runtime.SetFinalizer(out, (*Watcher).Stop)
	return out, nil
}

// LastError returns the last load error (a missing or corrupt file), or "".
func (w *Watcher) LastError() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ptr == nil {
		return ""
	}
	return lastError(func(out *C.uint8_t, cap C.size_t, n *C.size_t) C.jg_result {
		return C.jg_watcher_last_error(w.ptr, out, cap, n)
	})
}

// Stop stops polling, waits for the thread and releases the watcher; the
// live denylist keeps the last version loaded. Calling it twice is safe.
func (w *Watcher) Stop() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ptr != nil {
		C.jg_watcher_free(w.ptr)
		w.ptr = nil
		runtime.SetFinalizer(w, nil)
	}
	return nil
}

// lastError reads a message through a jg_*_last_error function.
func lastError(read func(*C.uint8_t, C.size_t, *C.size_t) C.jg_result) string {
	buf := make([]byte, 512)
	for attempt := 0; attempt < 3; attempt++ {
		var n C.size_t
		o, ol := bytesArg(buf)
		rc := read(o, ol, &n)
		switch {
		case rc == C.JG_OK:
			return string(buf[:n])
		case rc == C.JG_INSUFFICIENT_SIZE:
			buf = make([]byte, int(n))
		default:
			return ""
		}
	}
	return ""
}

// SetMaxStaleness makes verification fail closed (ErrStale) once the live
// denylist is older than max; a live denylist that was never synced counts
// as infinitely stale. 0 (the default) never fails closed. Durations
// below a millisecond are rounded up to one.
func (v *Verifier) SetMaxStaleness(max time.Duration) error {
	ms := uint64(0)
	if max > 0 {
		ms = uint64((max + time.Millisecond - 1) / time.Millisecond)
	}
	err := toError(C.jg_verifier_set_max_staleness(v.ptr, C.uint64_t(ms)))
	runtime.KeepAlive(v)
	return err
}

// Staleness returns how long ago the source last confirmed the live
// denylist current; ok is false when no source ever did.
func (v *Verifier) Staleness() (d time.Duration, ok bool) {
	var ms C.uint64_t
	rc := C.jg_verifier_staleness_ms(v.ptr, &ms)
	runtime.KeepAlive(v)
	if rc != C.JG_OK || ms == C.JG_NEVER_SYNCED {
		return 0, false
	}
	return msDuration(uint64(ms)), true
}

func msDuration(ms uint64) time.Duration {
	const max = uint64(1<<63-1) / uint64(time.Millisecond)
	if ms > max {
		ms = max
	}
	return time.Duration(ms) * time.Millisecond
}

// Reason is why a verification was rejected, as counted in Metrics.Rejected.
type Reason int

// The rejection reasons, in Metrics.Rejected order.
const (
	ReasonMalformed      Reason = C.JG_REASON_MALFORMED       // 1xx
	ReasonUnsupported    Reason = C.JG_REASON_UNSUPPORTED     // 2xx
	ReasonKey            Reason = C.JG_REASON_KEY             // 3xx
	ReasonSignature      Reason = C.JG_REASON_SIGNATURE       // 4xx
	ReasonExpired        Reason = C.JG_REASON_EXPIRED         // 500
	ReasonClaims         Reason = C.JG_REASON_CLAIMS          // other 5xx
	ReasonRevokedToken   Reason = C.JG_REASON_REVOKED_TOKEN   // 600 by jti
	ReasonRevokedSession Reason = C.JG_REASON_REVOKED_SESSION // 600 by sid
	ReasonRevokedSubject Reason = C.JG_REASON_REVOKED_SUBJECT // 600 by sub
	ReasonLimits         Reason = C.JG_REASON_LIMITS          // 7xx
	ReasonDenylist       Reason = C.JG_REASON_DENYLIST        // 8xx
	ReasonStale          Reason = C.JG_REASON_STALE           // 900
	NumReasons                  = C.JG_REASON_COUNT
)

var reasonLabels = [NumReasons]string{
	"malformed", "unsupported", "key", "signature", "expired", "claims",
	"revoked_token", "revoked_session", "revoked_subject", "limits", "denylist", "stale",
}

// String returns the reason's label in the Prometheus output.
func (r Reason) String() string {
	if r < 0 || int(r) >= len(reasonLabels) {
		return "Reason(?)"
	}
	return reasonLabels[r]
}

// Metrics are a verifier's counters (every verification, by outcome) and
// its live denylist's gauges, read at one moment.
type Metrics struct {
	Verifications      uint64             // verifications, accepted or not
	Accepted           uint64             // verifications accepted
	Rejected           [NumReasons]uint64 // rejections, indexed by Reason
	RevocationsApplied uint64             // revocations applied live (from Redis)
	Reloads            uint64             // snapshot files loaded
	ReloadFailures     uint64             // snapshot files rejected (previous denylist kept)
	Disconnects        uint64             // Redis connections lost or refused
	Resyncs            uint64             // full resyncs from Redis after the first load
	Compactions        uint64             // live denylist base rebuilds
	DenylistEntries    uint64             // distinct revocations in the live denylist
	DenylistBytes      uint64             // bytes of live denylist in memory
	DenylistSequence   uint64             // the live base's sequence number
	DenylistAge        time.Duration      // since the live denylist last changed
	Staleness          time.Duration      // since the source last confirmed it current (if Synced)
	Synced             bool               // whether a source ever confirmed it current
	CacheHits          uint64             // verified-token cache hits (signature check skipped)
	CacheMisses        uint64             // verified-token cache misses
	CacheInserts       uint64             // tokens inserted into the cache
	CacheEvictions     uint64             // inserts that evicted a valid entry
	CacheEntries       uint64             // entries the cache holds at most (0: off)
}

// Metrics reads the verifier's counters.
func (v *Verifier) Metrics() Metrics {
	var m C.jg_metrics
	rc := C.jg_verifier_metrics(v.ptr, &m)
	runtime.KeepAlive(v)
	if rc != C.JG_OK {
		return Metrics{}
	}
	out := Metrics{
		Verifications:      uint64(m.verifications),
		Accepted:           uint64(m.accepted),
		RevocationsApplied: uint64(m.revocations_applied),
		Reloads:            uint64(m.reloads),
		ReloadFailures:     uint64(m.reload_failures),
		Disconnects:        uint64(m.disconnects),
		Resyncs:            uint64(m.resyncs),
		Compactions:        uint64(m.compactions),
		DenylistEntries:    uint64(m.denylist_entries),
		DenylistBytes:      uint64(m.denylist_bytes),
		DenylistSequence:   uint64(m.denylist_sequence),
		DenylistAge:        msDuration(uint64(m.denylist_age_ms)),
		Synced:             m.staleness_ms != C.JG_NEVER_SYNCED,
		CacheHits:          uint64(m.cache_hits),
		CacheMisses:        uint64(m.cache_misses),
		CacheInserts:       uint64(m.cache_inserts),
		CacheEvictions:     uint64(m.cache_evictions),
		CacheEntries:       uint64(m.cache_entries),
	}
	if out.Synced {
		out.Staleness = msDuration(uint64(m.staleness_ms))
	}
	for i := range out.Rejected {
		out.Rejected[i] = uint64(m.rejected[i])
	}
	return out
}

// MetricsPrometheus returns the counters in the Prometheus text exposition
// format, every name starting with prefix + "_" ("" for "jwtgate"). prefix
// must be a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*); otherwise the
// result is "".
func (v *Verifier) MetricsPrometheus(prefix string) string {
	if prefix == "" {
		prefix = "jwtgate"
	}
	p, pl := stringArg(prefix)
	buf := make([]byte, 4096)
	for attempt := 0; attempt < 3; attempt++ {
		var n C.size_t
		o, ol := bytesArg(buf)
		rc := C.jg_verifier_metrics_prometheus(v.ptr, p, pl, o, ol, &n)
		runtime.KeepAlive(v)
		switch {
		case rc == C.JG_OK:
			return string(buf[:n])
		case rc == C.JG_INSUFFICIENT_SIZE:
			buf = make([]byte, int(n)+256)
		default:
			return ""
		}
	}
	return ""
}

// RevokeOutcome is what a Store revocation did.
type RevokeOutcome int

// The outcomes of a revocation.
const (
	RevokeAdded     RevokeOutcome = C.JG_REVOKE_ADDED     // stored and announced to every follower
	RevokeUnchanged RevokeOutcome = C.JG_REVOKE_UNCHANGED // an equal or wider revocation was already in force
)

// String names the outcome.
func (o RevokeOutcome) String() string {
	switch o {
	case RevokeAdded:
		return "added"
	case RevokeUnchanged:
		return "unchanged"
	}
	return "RevokeOutcome(?)"
}

// Store is the authority's side: it writes revocations to Redis, where
// every follower of the namespace picks them up. Safe for concurrent use.
// Release it with Close (a finalizer does it otherwise).
type Store struct {
	ptr *C.jg_store
}

// NewStore connects to the Redis at url, namespace ns ("" for "jwtgate"),
// and checks the connection (ErrSyncRedis when unreachable).
func NewStore(url, ns string) (*Store, error) {
	u, ul := stringArg(url)
	n, nl := optionalStringArg(ns)
	var p *C.jg_store
	if err := toError(C.jg_store_connect(u, ul, n, nl, &p)); err != nil {
		return nil, err
	}
	s := &Store{ptr: p}
	runtime.SetFinalizer(s, (*Store).Close)
	return s, nil
}

// Close releases the store. It must not run concurrently with other
// methods; calling it twice is safe.
func (s *Store) Close() error {
	if s.ptr != nil {
		C.jg_store_free(s.ptr)
		s.ptr = nil
		runtime.SetFinalizer(s, nil)
	}
	return nil
}

func unixSecs(t time.Time) C.uint64_t {
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	return C.uint64_t(t.Unix())
}

func (s *Store) revoke(call func(*C.uint32_t) C.jg_result) (RevokeOutcome, error) {
	var outcome C.uint32_t
	rc := call(&outcome)
	runtime.KeepAlive(s)
	if err := toError(rc); err != nil {
		return 0, err
	}
	return RevokeOutcome(outcome), nil
}

// untilSecs is a revocation's until for C: the zero Time is "not given"
// (0: the maximum token lifetime from now); a time before 1970 is 1, which
// the store refuses as out of force.
func untilSecs(t time.Time) C.uint64_t {
	switch {
	case t.IsZero():
		return 0
	case t.Unix() < 1:
		return 1
	}
	return C.uint64_t(t.Unix())
}

// SetRetention sets how long revocations are kept after their until
// (maxLeeway: the largest verifier leeway plus clock skew; followers must
// use the same) and how far one may reach (maxTokenLifetime: the longest
// token lifetime, also the reach of a revocation with the zero until).
// Defaults: 5 minutes and 24 hours. Whole seconds; negative is 0.
func (s *Store) SetRetention(maxLeeway, maxTokenLifetime time.Duration) error {
	secs := func(d time.Duration) C.uint64_t {
		if d < 0 {
			return 0
		}
		return C.uint64_t(d / time.Second)
	}
	rc := C.jg_store_set_retention(s.ptr, secs(maxLeeway), secs(maxTokenLifetime))
	runtime.KeepAlive(s)
	return toError(rc)
}

// RevokeToken revokes every token with this jti whose exp is at or before
// until: any time at or after the token's expiry (it need not be exact);
// the zero Time for the maximum token lifetime from now. An until whose
// maximum leeway has passed is ErrRevocationExpired (it would revoke
// nothing); one beyond the maximum token lifetime is ErrRevocationTooFar.
func (s *Store) RevokeToken(jti string, until time.Time) (RevokeOutcome, error) {
	return s.revoke(func(out *C.uint32_t) C.jg_result {
		p, l := stringArg(jti)
		return C.jg_store_revoke_token(s.ptr, p, l, untilSecs(until), out)
	})
}

// RevokeSession revokes every token of session sid whose exp is at or
// before until (the zero Time: the maximum token lifetime from now).
// Errors as RevokeToken.
func (s *Store) RevokeSession(sid string, until time.Time) (RevokeOutcome, error) {
	return s.revoke(func(out *C.uint32_t) C.jg_result {
		p, l := stringArg(sid)
		return C.jg_store_revoke_session(s.ptr, p, l, untilSecs(until), out)
	})
}

// RevokeSubject revokes every token of sub issued before issuedBefore (the
// zero Time: bound unused) and/or whose ver is below belowVersion (0:
// unused), whose exp is at or before until (the zero Time: the maximum
// token lifetime from now); at least one bound must be set
// (ErrInvalidRevocation). Errors as RevokeToken.
func (s *Store) RevokeSubject(sub string, issuedBefore time.Time, belowVersion uint64, until time.Time) (RevokeOutcome, error) {
	return s.revoke(func(out *C.uint32_t) C.jg_result {
		p, l := stringArg(sub)
		return C.jg_store_revoke_subject(s.ptr, p, l, unixSecs(issuedBefore), C.uint64_t(belowVersion), untilSecs(until), out)
	})
}

// RevocationKind says what a Revocation's ID is.
type RevocationKind int

// The kinds of revocation.
const (
	KindToken   RevocationKind = C.JG_KIND_TOKEN   // one token, by jti
	KindSession RevocationKind = C.JG_KIND_SESSION // every token of a session, by sid
	KindSubject RevocationKind = C.JG_KIND_SUBJECT // tokens of a subject below a bound, by sub
)

// Revocation is one item of Store.RevokeMany.
type Revocation struct {
	Kind RevocationKind
	ID   string
	// Until: tokens whose exp is at or before it are revoked (as in
	// RevokeToken); the zero Time for the maximum token lifetime from now.
	Until time.Time
	// IssuedBefore (subject only): tokens issued before it are revoked (zero: unused).
	IssuedBefore time.Time
	// BelowVersion (subject only): tokens whose ver is below it are revoked (0: unused).
	BelowVersion uint64
}

// RevokeMany revokes every item, pipelined (one round trip per 1000; each
// revocation atomic, the list not). All are checked before anything is
// sent (ErrInvalidRevocation, ErrInvalidArgument for an unknown kind).
// Returns the outcomes, in order.
func (s *Store) RevokeMany(revs []Revocation) ([]RevokeOutcome, error) {
	if len(revs) == 0 {
		return nil, nil
	}
	// The array and the identifiers live in C memory: a C struct in Go
	// memory may not point at other Go memory.
	total := 0
	for _, r := range revs {
		total += len(r.ID)
	}
	ids := (*C.uint8_t)(C.malloc(C.size_t(total + 1)))
	defer C.free(unsafe.Pointer(ids))
	arr := (*C.jg_revocation)(C.malloc(C.size_t(len(revs)) * C.size_t(unsafe.Sizeof(C.jg_revocation{}))))
	defer C.free(unsafe.Pointer(arr))
	outs := (*C.uint32_t)(C.malloc(C.size_t(len(revs)) * 4))
	defer C.free(unsafe.Pointer(outs))
	idBuf := unsafe.Slice((*byte)(unsafe.Pointer(ids)), total+1)
	items := unsafe.Slice(arr, len(revs))
	at := 0
	for i, r := range revs {
		copy(idBuf[at:], r.ID)
		items[i] = C.jg_revocation{
			kind:          C.uint32_t(r.Kind),
			id:            (*C.uint8_t)(unsafe.Pointer(&idBuf[at])),
			id_len:        C.size_t(len(r.ID)),
			until:         untilSecs(r.Until),
			issued_before: unixSecs(r.IssuedBefore),
			below_version: C.uint64_t(r.BelowVersion),
		}
		at += len(r.ID)
	}
	rc := C.jg_store_revoke_many(s.ptr, arr, C.size_t(len(revs)), outs)
	runtime.KeepAlive(s)
	if err := toError(rc); err != nil {
		return nil, err
	}
	out := make([]RevokeOutcome, len(revs))
	for i, o := range unsafe.Slice(outs, len(revs)) {
		out[i] = RevokeOutcome(o)
	}
	return out, nil
}
