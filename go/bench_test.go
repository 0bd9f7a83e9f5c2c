package jwtgate_test

import (
	"testing"

	"jwtgate"
)

// The claims of the Rust benchmark (core/benches/verify.rs), so the figures compare.
const benchClaims = `{"iss":"https://login.example.com/","sub":"user-4f1c9a2b","aud":["orders","billing"],"exp":1800000000,"nbf":1690000000,"iat":1690000000,"jti":"9b2f6c1e-4d7a-4c1b-9a8e-3f5d2c7b1a60","sid":"sess-77d1e0b2","scope":"orders:read orders:write profile","roles":["customer","beta-tester"]}`

func benchVerify(b *testing.B, alg jwtgate.Algorithm, opts ...jwtgate.Option) {
	v, err := jwtgate.NewVerifier(append(opts,
		jwtgate.WithIssuer("https://login.example.com/"), jwtgate.WithAudience("orders"))...)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	token := sign(b, benchClaims, alg, jwtgate.Header{})
	if _, err := v.VerifyAt(token, now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.VerifyAt(token, now); err != nil {
			b.Fatal(err)
		}
	}
}

// Verify, cgo call and the copy of the claims into Go strings included;
// the same token every time, uncached (every call checks the signature),
// and with the verified-token cache (on by default: every call after the
// first is a hit).
func BenchmarkVerifyHS256(b *testing.B) {
	benchVerify(b, jwtgate.HS256, jwtgate.WithHMACKey(jwtgate.HS256, secret, ""), jwtgate.WithCacheSize(0))
}

func BenchmarkVerifyHS256CacheHit(b *testing.B) {
	benchVerify(b, jwtgate.HS256, jwtgate.WithHMACKey(jwtgate.HS256, secret, ""))
}

func BenchmarkVerifyEdDSA(b *testing.B) {
	benchVerify(b, jwtgate.EdDSA, jwtgate.WithEd25519Key(edPublic, ""), jwtgate.WithCacheSize(0))
}

func BenchmarkVerifyEdDSACacheHit(b *testing.B) {
	benchVerify(b, jwtgate.EdDSA, jwtgate.WithEd25519Key(edPublic, ""))
}

func BenchmarkVerifyHS256Parallel(b *testing.B) {
	v, err := jwtgate.NewVerifier(jwtgate.WithHMACKey(jwtgate.HS256, secret, ""),
		jwtgate.WithIssuer("https://login.example.com/"), jwtgate.WithAudience("orders"))
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	token := sign(b, benchClaims, jwtgate.HS256, jwtgate.Header{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.VerifyAt(token, now); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
