package jwtgate_test

// The verified-token cache through Go (issue 15): on by default, counted in
// Metrics; a hit still fails on expiry and after a key swap; WithCacheSize(0)
// turns it off.

import (
	"errors"
	"testing"
	"time"

	"jwtgate"
)

func TestCache(t *testing.T) {
	secretA := []byte("go cache test: key A, 32 bytes!!")
	secretB := []byte("go cache test: key B, 32 bytes!!")
	tok, err := jwtgate.Encode(jwtgate.HS256, secretA, []byte(`{"sub":"u","exp":1760000900}`),
		jwtgate.Header{KeyID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1760000000, 0)
	v, err := jwtgate.NewVerifier(jwtgate.WithHMACKey(jwtgate.HS256, secretA, "a"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for i := 0; i < 3; i++ {
		if _, err := v.VerifyAt(tok, now); err != nil {
			t.Fatal(err)
		}
	}
	m := v.Metrics()
	if m.CacheEntries != 4096 || m.CacheHits != 2 || m.CacheMisses != 1 || m.CacheInserts != 1 {
		t.Fatalf("cache counters %+v", m)
	}
	if _, err := v.VerifyAt(tok, time.Unix(1760000901, 0)); !errors.Is(err, jwtgate.ErrExpired) {
		t.Fatalf("expired hit: %v", err)
	}
	if err := v.SetKeys(jwtgate.WithHMACKey(jwtgate.HS256, secretB, "b")); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyAt(tok, now); !errors.Is(err, jwtgate.ErrUnknownKey) {
		t.Fatalf("after the key swap: %v", err)
	}
	if got := v.Metrics().CacheHits; got != 3 {
		t.Fatalf("hits %d, want 3", got)
	}

	off, err := jwtgate.NewVerifier(jwtgate.WithHMACKey(jwtgate.HS256, secretA, "a"), jwtgate.WithCacheSize(0))
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	for i := 0; i < 2; i++ {
		if _, err := off.VerifyAt(tok, now); err != nil {
			t.Fatal(err)
		}
	}
	if m := off.Metrics(); m.CacheEntries != 0 || m.CacheHits != 0 || m.Accepted != 2 {
		t.Fatalf("cache off: %+v", m)
	}
	if err := off.SetCacheSize(-1); !errors.Is(err, jwtgate.ErrInvalidArgument) {
		t.Fatalf("SetCacheSize(-1) = %v", err)
	}
}
