package jwtgate

/*
#include "jwtgate.h"
*/
import "C"

import (
	"time"
	"unsafe"
)

// ClaimsView holds the claims of the last VerifyView into it, read
// through accessors straight from the buffer the token was decoded into:
// the verification builds nothing, so a service that reads a claim or two
// pays only for those (Claims, by contrast, is filled field by field on
// every call). The zero value is ready for use; keep one per goroutine
// and reuse it. Accessors write into the view too (Raw's copy, the first
// read of an aud array), so not even reads may share a view between
// goroutines.
//
// What is safe to keep: every string an accessor returns, and the slice
// of Raw, is valid until the next VerifyView into the same view, whether
// that one succeeds or fails; after it a string's bytes change under it.
// Copy what you keep (strings.Clone, bytes.Clone), or take an owned copy
// of everything with Claims. After a failed VerifyView (or before the
// first) every accessor returns its zero value.
type ClaimsView struct {
	mem      []byte // the jg_claims_offsets, the decode buffer, the Raw region
	tokenLen int    // of the last successful VerifyView; meaningful only when ok
	ok       bool
}

// VerifyView verifies token at time now exactly as VerifyAt does and
// leaves its claims in *view, to be read through its accessors. No
// allocation once view's buffer has grown to the longest token seen; the
// whole cost above the C call is a few comparisons.
func (v *Verifier) VerifyView(token string, now time.Time, view *ClaimsView) error {
	view.ok = false
	if len(token) > MaxTokenLen {
		return ErrTokenTooLarge
	}
	if need := claimsMemLen(len(token)); cap(view.mem) < need {
		view.mem = newClaimsMem(need)
	}
	view.mem = view.mem[:cap(view.mem)]
	if err := v.verifyOffsets(token, now, view.mem, true); err != nil {
		return err
	}
	view.tokenLen = len(token)
	view.ok = true
	return nil
}

// offsets is the jg_claims_offsets of the last successful VerifyView, nil
// when there is none.
func (c *ClaimsView) offsets() *C.jg_claims_offsets {
	if !c.ok {
		return nil
	}
	return (*C.jg_claims_offsets)(unsafe.Pointer(&c.mem[0]))
}

// str is the string at sp in the decode buffer (no copy). Small enough
// to be inlined into each accessor: no spans value, one slice of mem.
func (c *ClaimsView) str(sp C.jg_span) string {
	if sp.len == 0 {
		return ""
	}
	at := offsetsSize + int(sp.offset)
	b := c.mem[at : at+int(sp.len)]
	return *(*string)(unsafe.Pointer(&b))
}

// Issuer is iss ("" when absent).
func (c *ClaimsView) Issuer() string {
	if o := c.offsets(); o != nil {
		return c.str(o.iss)
	}
	return ""
}

// Subject is sub ("" when absent).
func (c *ClaimsView) Subject() string {
	if o := c.offsets(); o != nil {
		return c.str(o.sub)
	}
	return ""
}

// ID is jti ("" when absent).
func (c *ClaimsView) ID() string {
	if o := c.offsets(); o != nil {
		return c.str(o.jti)
	}
	return ""
}

// SessionID is sid ("" when absent).
func (c *ClaimsView) SessionID() string {
	if o := c.offsets(); o != nil {
		return c.str(o.sid)
	}
	return ""
}

// KeyID is the header's kid ("" when absent).
func (c *ClaimsView) KeyID() string {
	if o := c.offsets(); o != nil {
		return c.str(o.kid)
	}
	return ""
}

// Type is the header's typ ("" when absent).
func (c *ClaimsView) Type() string {
	if o := c.offsets(); o != nil {
		return c.str(o.typ)
	}
	return ""
}

// audience is offsets with the aud values read: VerifyView leaves an aud
// array unread (most services never look at it; the verifier's policy
// checked it), and the first call that wants it reads it, a C call.
func (c *ClaimsView) audience() *C.jg_claims_offsets {
	o := c.offsets()
	if o != nil && o.aud_pending != 0 {
		if err := readAudience(c.mem, c.tokenLen); err != nil {
			// The view's buffer is private and its aud array was validated
			// when it verified: only a bug gets here.
			panic("jwtgate: reading the aud of a verified token failed: " + err.Error())
		}
	}
	return o
}

// AudienceLen is the number of aud values (a string aud is one; 0
// without aud). The first aud accessor after a VerifyView of a token
// whose aud is an array reads it (a second C call, about 120 ns);
// later ones read what it left.
func (c *ClaimsView) AudienceLen() int {
	if o := c.audience(); o != nil {
		return int(o.aud_count)
	}
	return 0
}

// AudienceAt is aud value i, in the token's order; "" when i is out of
// range.
func (c *ClaimsView) AudienceAt(i int) string {
	if o := c.audience(); o != nil && i >= 0 && i < int(o.aud_count) {
		return c.str(o.aud[i])
	}
	return ""
}

// ExpiresAt is exp, whole seconds rounded down (the zero Time when
// absent).
func (c *ClaimsView) ExpiresAt() time.Time {
	if o := c.offsets(); o != nil {
		return unixIf(ClaimSet(o.present)&ClaimExp != 0, o.exp)
	}
	return time.Time{}
}

// NotBefore is nbf, rounded up (the zero Time when absent).
func (c *ClaimsView) NotBefore() time.Time {
	if o := c.offsets(); o != nil {
		return unixIf(ClaimSet(o.present)&ClaimNbf != 0, o.nbf)
	}
	return time.Time{}
}

// IssuedAt is iat, rounded down (the zero Time when absent).
func (c *ClaimsView) IssuedAt() time.Time {
	if o := c.offsets(); o != nil {
		return unixIf(ClaimSet(o.present)&ClaimIat != 0, o.iat)
	}
	return time.Time{}
}

// Version is ver, the subject's token version (0 when absent).
func (c *ClaimsView) Version() uint64 {
	if o := c.offsets(); o != nil {
		return uint64(o.ver)
	}
	return 0
}

// Algorithm is the header's alg, which is the verifying key's.
func (c *ClaimsView) Algorithm() Algorithm {
	if o := c.offsets(); o != nil {
		return Algorithm(o.alg)
	}
	return 0
}

// Present is the set of registered claims the token has.
func (c *ClaimsView) Present() ClaimSet {
	if o := c.offsets(); o != nil {
		return ClaimSet(o.present)
	}
	return 0
}

// Has reports whether the token carries every claim in set.
func (c *ClaimsView) Has(set ClaimSet) bool { return c.Present()&set == set }

// Raw is the claims JSON object exactly as signed, for custom claims. It
// is copied, on each call, into a region of the view's buffer of its own:
// writing through it never changes a string the view returned, and the
// next Raw or VerifyView overwrites it. nil when there are no claims.
func (c *ClaimsView) Raw() []byte {
	o := c.offsets()
	if o == nil {
		return nil
	}
	at := offsetsSize + bufferLen(c.tokenLen)
	n := int(o.raw_json.len)
	raw := c.mem[at : at+n : at+n]
	copy(raw, c.mem[offsetsSize+int(o.raw_json.offset):])
	return raw
}

// Claims is an owned copy of every claim, as VerifyAt returns it: safe
// to keep after later calls (it allocates as VerifyAt does). The zero
// Claims when there are none.
func (c *ClaimsView) Claims() Claims {
	var out Claims
	if c.audience() != nil {
		out.fill(c.mem, c.tokenLen, true)
		out.audMem = nil
	}
	return out
}
