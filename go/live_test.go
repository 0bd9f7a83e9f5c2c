package jwtgate_test

// SetKeys under concurrent verification, and the Go runner of the
// cross-binding rule table (tests/fixtures/rules.json).

import (
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jwtgate"
)

// Goroutines verify tokens of keys A, B and C while the key set cycles
// A -> A+B -> B. A verification uses one configuration whose generation
// lies between the generations read before and after it, so its verdict
// must be the one every set in that range agrees on; C is never in a set.
func TestSetKeysUnderConcurrentVerification(t *testing.T) {
	secrets := [3][]byte{
		[]byte("go set_keys test: key A 32 bytes"),
		[]byte("go set_keys test: key B 32 bytes"),
		[]byte("go set_keys test: key C 32 bytes"),
	}
	kids := [3]string{"a", "b", "c"}
	sets := [3]int{1, 3, 2} // bit i: key i; generation base+n holds sets[n%3]
	options := func(set int) []jwtgate.Option {
		var opts []jwtgate.Option
		for i := 0; i < 3; i++ {
			if set&(1<<i) != 0 {
				opts = append(opts, jwtgate.WithHMACKey(jwtgate.HS256, secrets[i], kids[i]))
			}
		}
		return opts
	}
	var tokens [3]string
	for i := range tokens {
		tok, err := jwtgate.Encode(jwtgate.HS256, secrets[i], []byte(`{"sub":"u","exp":1760000900}`),
			jwtgate.Header{KeyID: kids[i]})
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = tok
	}
	v, err := jwtgate.NewVerifier(append(options(sets[0]), jwtgate.WithClock(func() time.Time { return now }))...)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.SetKeys(); !errors.Is(err, jwtgate.ErrEmptyKeySet) {
		t.Fatalf("SetKeys() = %v, want ErrEmptyKeySet", err)
	}
	if err := v.SetKeys(jwtgate.WithHMACKey(jwtgate.HS256, []byte("short"), "")); !errors.Is(err, jwtgate.ErrWeakKey) {
		t.Fatalf("SetKeys(weak) = %v, want ErrWeakKey", err)
	}
	base := v.Generation()
	has := func(key int, g uint64) bool { return sets[(g-base)%3]&(1<<key) != 0 }

	var stop atomic.Bool
	var bad, checked atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				for key := 0; key < 3; key++ {
					g0 := v.Generation()
					_, err := v.Verify(tokens[key])
					g1 := v.Generation()
					all, none := true, true
					for g := g0; g <= g1; g++ {
						if has(key, g) {
							none = false
						} else {
							all = false
						}
					}
					unknown := errors.Is(err, jwtgate.ErrUnknownKey)
					switch {
					case key == 2 && !unknown,
						all && err != nil,
						none && !unknown,
						err != nil && !unknown:
						bad.Add(1)
					}
				}
				checked.Add(1)
			}
		}()
	}
	// Swap only once the verifiers run (on a loaded machine the swaps could
	// otherwise all land before any goroutine is scheduled).
	for checked.Load() < 3 {
		runtime.Gosched()
	}
	for n := 1; n <= 300; n++ {
		if err := v.SetKeys(options(sets[n%3])...); err != nil {
			t.Error(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if bad.Load() != 0 || checked.Load() == 0 {
		t.Fatalf("%d bad verdicts in %d rounds", bad.Load(), checked.Load())
	}
	// End with {B}: A's tokens fail, B's pass.
	if err := v.SetKeys(options(sets[2])...); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tokens[0]); !errors.Is(err, jwtgate.ErrUnknownKey) {
		t.Errorf("removed key: %v, want ErrUnknownKey", err)
	}
	if _, err := v.Verify(tokens[1]); err != nil {
		t.Errorf("kept key: %v", err)
	}
}

type ruleKey struct {
	Alg    string  `json:"alg"`
	Secret string  `json:"secret"`
	Kid    *string `json:"kid"`
}

type ruleCase struct {
	Name    string                     `json:"name"`
	Keys    []ruleKey                  `json:"keys"`
	Options map[string]json.RawMessage `json:"options"`
	Code    int                        `json:"code"`
}

// algorithmNamed is the Go name of an algorithm; an unknown name becomes
// an id the library refuses (Go takes ids, not names).
func algorithmNamed(name string) jwtgate.Algorithm {
	for _, a := range jwtgate.Algorithms {
		if a.String() == name {
			return a
		}
	}
	return 0
}

var claimBits = map[string]jwtgate.ClaimSet{
	"iss": jwtgate.ClaimIss, "sub": jwtgate.ClaimSub, "aud": jwtgate.ClaimAud,
	"exp": jwtgate.ClaimExp, "nbf": jwtgate.ClaimNbf, "iat": jwtgate.ClaimIat,
	"jti": jwtgate.ClaimJti, "sid": jwtgate.ClaimSid, "ver": jwtgate.ClaimVer,
}

// The rule table: keys, then options, then NewVerifier's check; the first
// error's code must be the case's. The table's 909 (an invalid name) is
// ErrInvalidArgument in Go, which takes ids. Options Go does not have
// (max_age, verify_*) have no invalid value and are skipped.
func TestRuleTable(t *testing.T) {
	data, err := os.ReadFile("../tests/fixtures/rules.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Cases []ruleCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	if len(table.Cases) < 20 {
		t.Fatalf("only %d cases", len(table.Cases))
	}
	for _, c := range table.Cases {
		var opts []jwtgate.Option
		for _, k := range c.Keys {
			kid := ""
			if k.Kid != nil {
				kid = *k.Kid
			}
			opts = append(opts, jwtgate.WithHMACKey(algorithmNamed(k.Alg), []byte(k.Secret), kid))
		}
		for _, name := range []string{"algorithms", "issuers", "audiences", "required", "typ", "leeway"} {
			raw, ok := c.Options[name]
			if !ok {
				continue
			}
			var list []string
			switch name {
			case "algorithms":
				_ = json.Unmarshal(raw, &list)
				algs := make([]jwtgate.Algorithm, len(list))
				for i, n := range list {
					algs[i] = algorithmNamed(n)
				}
				opts = append(opts, jwtgate.WithAlgorithms(algs...))
			case "issuers":
				_ = json.Unmarshal(raw, &list)
				opts = append(opts, jwtgate.WithIssuer(list...))
			case "audiences":
				_ = json.Unmarshal(raw, &list)
				opts = append(opts, jwtgate.WithAudience(list...))
			case "required":
				_ = json.Unmarshal(raw, &list)
				var set jwtgate.ClaimSet
				for _, n := range list {
					bit, known := claimBits[n]
					if !known {
						bit = 1 << 31
					}
					set |= bit
				}
				opts = append(opts, jwtgate.WithRequiredClaims(set))
			case "typ":
				var typ string
				_ = json.Unmarshal(raw, &typ)
				opts = append(opts, jwtgate.WithType(typ))
			case "leeway":
				var secs int64
				_ = json.Unmarshal(raw, &secs)
				opts = append(opts, jwtgate.WithLeeway(time.Duration(secs)*time.Second))
			}
		}
		want := c.Code
		if want == 909 {
			want = jwtgate.ErrInvalidArgument.Code
		}
		got := 0
		v, err := jwtgate.NewVerifier(opts...)
		if err != nil {
			var e *jwtgate.Error
			if !errors.As(err, &e) {
				t.Errorf("%s: %v is not a *jwtgate.Error", c.Name, err)
				continue
			}
			got = e.Code
		} else {
			v.Close()
		}
		if got != want {
			t.Errorf("%s: got %d, want %d", c.Name, got, want)
		}
	}
}
