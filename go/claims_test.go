package jwtgate_test

import (
	"strings"
	"sync"
	"testing"

	"jwtgate"
)

// A Claims kept across later calls keeps its values.
func TestClaimsSurviveLaterCalls(t *testing.T) {
	v := newVerifier(t, jwtgate.WithAudience("api", "web"))
	first, err := v.VerifyAt(sign(t, `{"iss":"i-one","sub":"s-one","aud":["api","x"],"jti":"j-one","sid":"d-one","exp":1760000900}`,
		jwtgate.HS256, jwtgate.Header{KeyID: "k-one"}), now)
	if err != nil {
		t.Fatal(err)
	}
	raw := string(first.Raw)
	for i := 0; i < 50; i++ {
		if _, err := v.VerifyAt(sign(t, `{"iss":"I-TWO-LONGER","sub":"S-TWO-LONGER","aud":"web","jti":"J-TWO","sid":"D-TWO","exp":1760000900}`,
			jwtgate.HS256, jwtgate.Header{KeyID: "K-TWO"}), now); err != nil {
			t.Fatal(err)
		}
	}
	got := strings.Join([]string{first.Issuer, first.Subject, first.ID, first.SessionID, first.KeyID, first.Type,
		strings.Join(first.Audience, ",")}, " ")
	if want := "i-one s-one j-one d-one k-one JWT api,x"; got != want {
		t.Errorf("claims after later calls: %q, want %q", got, want)
	}
	if string(first.Raw) != raw || !strings.Contains(raw, `"sub":"s-one"`) {
		t.Errorf("Raw changed: %s", first.Raw)
	}
	// Raw is the caller's to modify; the strings do not share its bytes.
	for i := range first.Raw {
		first.Raw[i] = 'x'
	}
	if first.Subject != "s-one" || first.Issuer != "i-one" || first.Audience[1] != "x" {
		t.Errorf("modifying Raw changed the strings: %+v", first)
	}
}

// One verification allocates at most twice: the buffer of every string
// and Raw, and the Audience slice (issue 21).
func TestVerifyAllocatesAtMostTwice(t *testing.T) {
	v := newVerifier(t, jwtgate.WithIssuer("https://login.example.com/"), jwtgate.WithAudience("orders"))
	token := sign(t, `{"iss":"https://login.example.com/","sub":"user-4f1c9a2b","aud":["orders","billing"],"exp":1800000000,"nbf":1690000000,"iat":1690000000,"jti":"9b2f6c1e","sid":"sess-77d1e0b2","scope":"orders:read"}`,
		jwtgate.HS256, jwtgate.Header{KeyID: "kid"})
	plain := newVerifier(t)
	for _, c := range []struct {
		v     *jwtgate.Verifier
		token string
		max   float64
	}{{v, token, 2}, {plain, sign(t, `{"sub":"no-aud","exp":1800000000}`, jwtgate.HS256, jwtgate.Header{}), 1}} {
		allocs := testing.AllocsPerRun(200, func() {
			if _, err := c.v.VerifyAt(c.token, now); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > c.max {
			t.Errorf("VerifyAt allocates %.0f times per call, want at most %.0f", allocs, c.max)
		}
	}
}

// VerifyInto reuses the Claims' memory: no allocation once it has grown,
// the values of each call are right, a failure resets the claims, and a
// Claims from VerifyAt keeps its values when VerifyInto writes into it.
func TestVerifyIntoReusesMemory(t *testing.T) {
	v := newVerifier(t, jwtgate.WithAudience("api", "web"))
	long := sign(t, `{"iss":"I-LONGER-ISSUER","sub":"S-LONGER","aud":["api","x","y"],"jti":"J-LONG","exp":1760000900}`,
		jwtgate.HS256, jwtgate.Header{KeyID: "K-LONG"})
	short := sign(t, `{"iss":"i","sub":"s","aud":"web","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})

	kept, err := v.VerifyAt(long, now)
	if err != nil {
		t.Fatal(err)
	}
	c := kept // a VerifyAt result: VerifyInto into it must not touch kept's memory
	if err := v.VerifyInto(short, now, &c); err != nil {
		t.Fatal(err)
	}
	if kept.Issuer != "I-LONGER-ISSUER" || kept.Subject != "S-LONGER" || strings.Join(kept.Audience, ",") != "api,x,y" {
		t.Errorf("VerifyInto changed a VerifyAt result: %+v", kept)
	}
	check := func(c *jwtgate.Claims, iss, sub, kid, aud string) {
		t.Helper()
		got := strings.Join([]string{c.Issuer, c.Subject, c.KeyID, strings.Join(c.Audience, ",")}, " ")
		if want := strings.Join([]string{iss, sub, kid, aud}, " "); got != want {
			t.Errorf("VerifyInto: %q, want %q", got, want)
		}
		if !strings.Contains(string(c.Raw), `"sub":"`+sub+`"`) {
			t.Errorf("Raw: %s", c.Raw)
		}
	}
	check(&c, "i", "s", "", "web")
	if err := v.VerifyInto(long, now, &c); err != nil {
		t.Fatal(err)
	}
	check(&c, "I-LONGER-ISSUER", "S-LONGER", "K-LONG", "api,x,y")
	if err := v.VerifyInto(short, now, &c); err != nil {
		t.Fatal(err)
	}
	check(&c, "i", "s", "", "web")

	allocs := testing.AllocsPerRun(200, func() {
		if err := v.VerifyInto(long, now, &c); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("VerifyInto into a grown Claims allocates %.0f times per call, want 0", allocs)
	}
	check(&c, "I-LONGER-ISSUER", "S-LONGER", "K-LONG", "api,x,y")

	// A token without aud after one with it: no Audience left behind.
	noAud := sign(t, `{"iss":"n","sub":"no-aud","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	if err := newVerifier(t).VerifyInto(noAud, now, &c); err != nil {
		t.Fatal(err)
	}
	check(&c, "n", "no-aud", "", "")
	if c.Audience != nil {
		t.Errorf("Audience after a token without aud: %q", c.Audience)
	}

	if err := v.VerifyInto("not.a.token", now, &c); err == nil {
		t.Fatal("a malformed token verified")
	}
	if c.Issuer != "" || c.Audience != nil || c.Raw != nil || c.Present != 0 {
		t.Errorf("a failed VerifyInto left claims behind: %+v", c)
	}
}

// The strings of a kept VerifyAt result are slices of the buffer its
// token was decoded into (no copy): no later call may write that buffer.
// Later VerifyAt calls (accepted and rejected, from several goroutines),
// VerifyInto into fresh and into reused Claims, and VerifyInto into a
// copy of the kept Claims leave every kept value as it was, the unescaped
// strings (a separate region of the buffer) included.
func TestKeptClaimsAreNeverOverwritten(t *testing.T) {
	v := newVerifier(t, jwtgate.WithAudience("api", "web"))
	kept, err := v.VerifyAt(sign(t, `{"iss":"i-\u00e9scaped","sub":"s-one","aud":["api","a\"q"],"jti":"j-one","sid":"d-one","exp":1760000900}`,
		jwtgate.HS256, jwtgate.Header{KeyID: "k-one"}), now)
	if err != nil {
		t.Fatal(err)
	}
	want := "i-\u00e9scaped s-one j-one d-one k-one JWT api,a\"q"
	raw := string(kept.Raw)
	check := func(when string) {
		t.Helper()
		got := strings.Join([]string{kept.Issuer, kept.Subject, kept.ID, kept.SessionID, kept.KeyID, kept.Type,
			strings.Join(kept.Audience, ",")}, " ")
		if got != want || string(kept.Raw) != raw {
			t.Fatalf("kept claims %s: %q (Raw %s), want %q (Raw %s)", when, got, kept.Raw, want, raw)
		}
	}
	other := sign(t, `{"iss":"I-\u00c9-TWO-LONGER","sub":"S-TWO-LONGER","aud":["web","B\"Q"],"jti":"J-TWO","sid":"D-TWO","exp":1760000900}`,
		jwtgate.HS256, jwtgate.Header{KeyID: "K-TWO"})
	expired := sign(t, `{"iss":"X","sub":"XXXXXXXXXXXX","aud":"web","exp":1}`, jwtgate.HS256, jwtgate.Header{})

	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var reused jwtgate.Claims
			for i := 0; i < 200; i++ {
				if _, err := v.VerifyAt(other, now); err != nil {
					t.Error(err)
					return
				}
				if _, err := v.VerifyAt(expired, now); err == nil {
					t.Error("an expired token verified")
					return
				}
				if err := v.VerifyInto(other, now, &reused); err != nil {
					t.Error(err)
					return
				}
				_ = v.VerifyInto(expired, now, &reused)
			}
		}()
	}
	wg.Wait()
	check("after later calls")

	c := kept // VerifyInto into a copy of a VerifyAt result allocates anew
	for _, tok := range []string{other, expired, other} {
		_ = v.VerifyInto(tok, now, &c)
	}
	check("after VerifyInto into a copy")
	if c.Issuer != "I-\u00c9-TWO-LONGER" || c.Audience[1] != "B\"Q" {
		t.Errorf("VerifyInto into the copy: %+v", c)
	}
	// Raw is the caller's to modify: the strings, unescaped or not, stay.
	for i := range kept.Raw {
		kept.Raw[i] = 'x'
	}
	raw = string(kept.Raw)
	check("after Raw was modified")
}
