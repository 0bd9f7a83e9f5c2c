package jwtgate_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"jwtgate"
)

// viewClaims reads every accessor of view into a Claims, for comparing
// with VerifyAt's.
func viewClaims(view *jwtgate.ClaimsView) jwtgate.Claims {
	c := jwtgate.Claims{
		Issuer:    view.Issuer(),
		Subject:   view.Subject(),
		ID:        view.ID(),
		SessionID: view.SessionID(),
		ExpiresAt: view.ExpiresAt(),
		NotBefore: view.NotBefore(),
		IssuedAt:  view.IssuedAt(),
		Version:   view.Version(),
		KeyID:     view.KeyID(),
		Type:      view.Type(),
		Algorithm: view.Algorithm(),
		Present:   view.Present(),
		Raw:       view.Raw(),
	}
	for i := 0; i < view.AudienceLen(); i++ {
		c.Audience = append(c.Audience, view.AudienceAt(i))
	}
	return c
}

// Every accessor of a ClaimsView gives what VerifyAt gives for the same
// token (escaped and non-ASCII strings, both forms of aud, absent claims,
// the times), and so does its owned copy; a rejected token gives the same
// error as VerifyAt and leaves no claim behind.
func TestClaimsViewMatchesVerifyAt(t *testing.T) {
	v := newVerifier(t, jwtgate.WithAudience("api", "web", "a\"q"))
	tokens := []string{
		sign(t, `{"iss":"https://login.example.com/","sub":"user-4f1c","aud":["api","billing"],"exp":1800000000,"nbf":1690000000,"iat":1690000000,"jti":"9b2f","sid":"sess-77","ver":7,"scope":"orders:read"}`,
			jwtgate.HS256, jwtgate.Header{KeyID: "kid-1"}),
		sign(t, `{"iss":"i-\u00e9sc\u0061ped","sub":"s\"q","aud":["web","a\"q"],"exp":1800000000}`,
			jwtgate.HS256, jwtgate.Header{Type: "at+jwt"}),
		sign(t, `{"sub":"one-aud","aud":"web","exp":1800000000}`, jwtgate.HS256, jwtgate.Header{OmitType: true}),
		sign(t, `{"sub":"no-aud","exp":1800000000}`, jwtgate.HS256, jwtgate.Header{}),
	}
	var view jwtgate.ClaimsView
	verified := 0
	for _, plain := range []bool{false, true} {
		ver := v
		if plain {
			ver = newVerifier(t)
		}
		for _, token := range tokens {
			want, werr := ver.VerifyAt(token, now)
			err := ver.VerifyView(token, now, &view)
			if !errors.Is(err, werr) || (err == nil) != (werr == nil) {
				t.Fatalf("VerifyView: %v, VerifyAt: %v", err, werr)
			}
			if werr != nil {
				continue
			}
			verified++
			if got := viewClaims(&view); !reflect.DeepEqual(got, want) {
				t.Errorf("accessors:\n got %+v\nwant %+v", got, want)
			}
			if got := view.Claims(); !reflect.DeepEqual(got, want) {
				t.Errorf("Claims():\n got %+v\nwant %+v", got, want)
			}
			if !view.Has(jwtgate.ClaimSub|jwtgate.ClaimExp) || view.Has(jwtgate.ClaimNbf) != want.Has(jwtgate.ClaimNbf) {
				t.Errorf("Has: present %v", view.Present())
			}
		}
	}
	// The audience verifier accepts the first three, the plain one the last.
	if verified != len(tokens) {
		t.Fatalf("%d of the %d tokens verified", verified, len(tokens))
	}
	expired := sign(t, `{"sub":"late","aud":"web","exp":1}`, jwtgate.HS256, jwtgate.Header{})
	_, werr := v.VerifyAt(expired, now)
	if err := v.VerifyView(expired, now, &view); werr == nil || !errors.Is(err, werr) {
		t.Fatalf("an expired token: VerifyView %v, VerifyAt %v", err, werr)
	}
	if got := viewClaims(&view); !reflect.DeepEqual(got, jwtgate.Claims{}) {
		t.Errorf("a failed VerifyView left claims behind: %+v", got)
	}
	if got := view.Claims(); !reflect.DeepEqual(got, jwtgate.Claims{}) {
		t.Errorf("Claims() after a failure: %+v", got)
	}
	if err := v.VerifyView(strings.Repeat("a", jwtgate.MaxTokenLen+1), now, &view); !errors.Is(err, jwtgate.ErrTokenTooLarge) {
		t.Errorf("an oversized token: %v", err)
	}
}

// A ClaimsView is reused without allocating once grown; each call's
// values are its own token's (a shorter token after a longer one, a
// token without aud after one with it); AudienceAt out of range is "";
// writing through Raw changes no string; an owned copy survives later
// calls.
func TestClaimsViewReuse(t *testing.T) {
	v := newVerifier(t, jwtgate.WithAudience("api", "web"))
	long := sign(t, `{"iss":"I-LONGER-ISSUER","sub":"S-LONGER","aud":["api","x","y"],"jti":"J-LONG","exp":1760000900}`,
		jwtgate.HS256, jwtgate.Header{KeyID: "K-LONG"})
	short := sign(t, `{"iss":"i","sub":"s","aud":"web","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})

	var view jwtgate.ClaimsView
	check := func(iss, sub, kid string, aud ...string) {
		t.Helper()
		got := viewClaims(&view)
		if got.Issuer != iss || got.Subject != sub || got.KeyID != kid || !reflect.DeepEqual(got.Audience, aud) {
			t.Errorf("view: %q %q %q %q, want %q %q %q %q", got.Issuer, got.Subject, got.KeyID, got.Audience, iss, sub, kid, aud)
		}
		if !bytes.Contains(view.Raw(), []byte(`"sub":"`+sub+`"`)) {
			t.Errorf("Raw: %s", view.Raw())
		}
	}
	if err := v.VerifyView(long, now, &view); err != nil {
		t.Fatal(err)
	}
	check("I-LONGER-ISSUER", "S-LONGER", "K-LONG", "api", "x", "y")
	owned := view.Claims()
	if view.AudienceAt(3) != "" || view.AudienceAt(-1) != "" {
		t.Errorf("AudienceAt out of range: %q %q", view.AudienceAt(3), view.AudienceAt(-1))
	}
	sub := view.Subject()
	raw := view.Raw()
	for i := range raw {
		raw[i] = 'x'
	}
	if sub != "S-LONGER" || view.Subject() != "S-LONGER" {
		t.Errorf("writing through Raw changed a string: %q", sub)
	}

	if err := v.VerifyView(short, now, &view); err != nil {
		t.Fatal(err)
	}
	check("i", "s", "", "web")
	allocs := testing.AllocsPerRun(200, func() {
		if err := v.VerifyView(long, now, &view); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("VerifyView into a grown view allocates %.0f times per call, want 0", allocs)
	}
	// Reading the aud array it left unread allocates nothing either.
	allocs = testing.AllocsPerRun(200, func() {
		if err := v.VerifyView(long, now, &view); err != nil || view.AudienceAt(1) != "x" {
			t.Fatal(err, view.AudienceAt(1))
		}
	})
	if allocs != 0 {
		t.Errorf("VerifyView and an aud read allocate %.0f times per call, want 0", allocs)
	}
	check("I-LONGER-ISSUER", "S-LONGER", "K-LONG", "api", "x", "y")
	noAud := sign(t, `{"iss":"n","sub":"no-aud","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	if err := newVerifier(t).VerifyView(noAud, now, &view); err != nil {
		t.Fatal(err)
	}
	check("n", "no-aud", "")
	if owned.Subject != "S-LONGER" || strings.Join(owned.Audience, ",") != "api,x,y" || !bytes.Contains(owned.Raw, []byte("J-LONG")) {
		t.Errorf("an owned copy changed after later calls: %+v", owned)
	}
	if view.ExpiresAt() != time.Unix(1760000900, 0) {
		t.Errorf("ExpiresAt: %v", view.ExpiresAt())
	}
}
