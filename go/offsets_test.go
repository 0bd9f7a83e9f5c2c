package jwtgate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

const testSecret = "jwtgate go view test secret, 32b"

// The Go copy of jg_offsets_buffer_len gives the library's figure for
// every token length Verify accepts: a smaller one would make every
// verification of such a token fail with ErrInsufficientSize.
func TestBufferLenMatchesLibrary(t *testing.T) {
	for n := 0; n <= MaxTokenLen; n++ {
		if got, want := bufferLen(n), libraryBufferLen(n); got != want {
			t.Fatalf("bufferLen(%d) = %d, the library says %d", n, got, want)
		}
	}
}

// VerifyView leaves an aud array unread (the C call does not walk it);
// the first aud accessor reads it, once, and a string aud needs no read.
// A view whose buffer was damaged after the verification (only a bug can
// do that) panics on that read instead of reporting no audience.
func TestClaimsViewReadsAnAudArrayOnDemand(t *testing.T) {
	v, err := NewVerifier(WithHMACKey(HS256, []byte(testSecret), ""), WithAudience("api"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	sign := func(claims string) string {
		t.Helper()
		tok, err := Encode(HS256, []byte(testSecret), []byte(claims), Header{})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	now := time.Unix(1700000000, 0)
	var view ClaimsView
	pending := func() bool { return view.offsets().aud_pending != 0 }
	if err := v.VerifyView(sign(`{"sub":"a","aud":"api","exp":1800000000}`), now, &view); err != nil {
		t.Fatal(err)
	}
	if pending() || view.AudienceLen() != 1 || view.AudienceAt(0) != "api" {
		t.Fatalf("a string aud: pending %v, %d values", pending(), view.AudienceLen())
	}
	array := sign(`{"sub":"a","aud":["x","api","y"],"exp":1800000000}`)
	if err := v.VerifyView(array, now, &view); err != nil {
		t.Fatal(err)
	}
	if !pending() {
		t.Fatal("VerifyView read the aud array")
	}
	if view.AudienceLen() != 3 || pending() || view.AudienceAt(2) != "y" {
		t.Fatalf("after the read: pending %v, %d values", pending(), view.AudienceLen())
	}
	if err := v.VerifyView(array, now, &view); err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(view.mem, []byte(`["x"`))
	if at < 0 || !pending() {
		t.Fatalf("no pending aud array in the view (at %d)", at)
	}
	view.mem[at] = '{'
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "reading the aud") {
			t.Fatalf("a damaged view: %v", r)
		}
	}()
	view.AudienceLen()
}
