package jwtgate_test

// Tokens the way a typical OIDC provider issues them (RS256 with a kid,
// a JWKS of several keys), plus PS256 and ES256: the fixture shared with
// tests/c/test_idp.c and the Python tests, signed by PyJWT + cryptography
// (tests/fixtures/make_idp_tokens.py), and the provider's public JWKS
// core/tests/keys/jwks.json.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"testing"
	"time"

	"jwtgate"
)

type idpFixture struct {
	Issuer   string            `json:"issuer"`
	Audience string            `json:"audience"`
	Now      int64             `json:"now"`
	Tokens   map[string]string `json:"tokens"`
	Keys     map[string]string `json:"keys"`
}

func loadIdP(t *testing.T) (idpFixture, []byte) {
	t.Helper()
	var f idpFixture
	raw, err := os.ReadFile("../tests/fixtures/idp_tokens.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	jwks, err := os.ReadFile("../core/tests/keys/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	return f, jwks
}

func (f idpFixture) verifier(t *testing.T, opts ...jwtgate.Option) *jwtgate.Verifier {
	t.Helper()
	opts = append(opts, jwtgate.WithIssuer(f.Issuer), jwtgate.WithAudience(f.Audience),
		jwtgate.WithClock(func() time.Time { return time.Unix(f.Now, 0) }))
	v, err := jwtgate.NewVerifier(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func (f idpFixture) pem(t *testing.T, name string) any {
	t.Helper()
	block, _ := pem.Decode([]byte(f.Keys[name]))
	if block == nil {
		t.Fatalf("no PEM for %s", name)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestIdPJWKS(t *testing.T) {
	f, jwks := loadIdP(t)
	v := f.verifier(t, jwtgate.WithJWKS(jwks))
	for _, kid := range []string{"rsa2048", "rsa2049", "rsa3072", "rsa4096"} {
		c, err := v.Verify(f.Tokens["rs256_"+kid])
		if err != nil {
			t.Fatalf("%s: %v", kid, err)
		}
		if c.Algorithm != jwtgate.RS256 || c.KeyID != kid || c.Subject != "user-"+kid ||
			c.Issuer != f.Issuer || len(c.Audience) != 1 || c.Audience[0] != f.Audience {
			t.Fatalf("%s: claims %+v", kid, c)
		}
		if c.Algorithm.String() != "RS256" {
			t.Fatal(c.Algorithm.String())
		}
	}
	c, err := v.Verify(f.Tokens["es256_p256"])
	if err != nil || c.Algorithm != jwtgate.ES256 || c.KeyID != "p256" {
		t.Fatalf("es256: %+v %v", c, err)
	}
	// The JWKS binds rsa2048 to RS256.
	if _, err := v.Verify(f.Tokens["ps256_rsa2048"]); err == nil {
		t.Fatal("PS256 token accepted by an RS256 JWK")
	}
	if _, err := v.Verify(f.Tokens["rs256_unknown_kid"]); !errors.Is(err, jwtgate.ErrUnknownKey) {
		t.Fatalf("unknown kid: %v", err)
	}
	tampered := []byte(f.Tokens["rs256_rsa4096"])
	i := len(tampered) - 3
	if tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	if _, err := v.Verify(string(tampered)); !errors.Is(err, jwtgate.ErrInvalidSignature) {
		t.Fatalf("tampered: %v", err)
	}
}

func TestIdPExplicitKeys(t *testing.T) {
	f, _ := loadIdP(t)
	// Keys as a Go program has them: parsed from PEM by crypto/x509.
	pub := f.pem(t, "rsa2048_pem").(*rsa.PublicKey)
	n, e := pub.N.Bytes(), big.NewInt(int64(pub.E)).Bytes()
	ec := f.pem(t, "p256_pem").(*ecdsa.PublicKey)
	sec1 := elliptic.Marshal(elliptic.P256(), ec.X, ec.Y)
	if hex.EncodeToString(sec1) != f.Keys["p256_sec1_hex"] {
		t.Fatal("SEC1 bytes differ from the fixture's")
	}

	v := f.verifier(t, jwtgate.WithRSAKey(jwtgate.RS256, n, e, "rsa2048"),
		jwtgate.WithES256Key(sec1, "p256"))
	if c, err := v.Verify(f.Tokens["rs256_rsa2048"]); err != nil || c.Algorithm != jwtgate.RS256 {
		t.Fatalf("rs256: %+v %v", c, err)
	}
	if c, err := v.Verify(f.Tokens["es256_p256"]); err != nil || c.Algorithm != jwtgate.ES256 {
		t.Fatalf("es256: %+v %v", c, err)
	}
	if _, err := v.Verify(f.Tokens["ps256_rsa2048"]); !errors.Is(err, jwtgate.ErrAlgorithmMismatch) {
		t.Fatalf("ps256 against RS256 key: %v", err)
	}

	ps := f.verifier(t, jwtgate.WithRSAKey(jwtgate.PS256, n, e, ""))
	if c, err := ps.Verify(f.Tokens["ps256_rsa2048"]); err != nil || c.Algorithm != jwtgate.PS256 ||
		c.Subject != "user-ps256" || c.Algorithm.String() != "PS256" {
		t.Fatalf("ps256: %+v %v", c, err)
	}

	bad := map[string]struct {
		opt  jwtgate.Option
		want error
	}{
		"rsa with hs256":  {jwtgate.WithRSAKey(jwtgate.HS256, n, e, ""), jwtgate.ErrInvalidArgument},
		"rsa with es256":  {jwtgate.WithRSAKey(jwtgate.ES256, n, e, ""), jwtgate.ErrInvalidArgument},
		"rsa 1024 bits":   {jwtgate.WithRSAKey(jwtgate.RS256, n[:128], e, ""), jwtgate.ErrInvalidKey},
		"rsa empty e":     {jwtgate.WithRSAKey(jwtgate.RS256, n, nil, ""), jwtgate.ErrInvalidKey},
		"es256 64 bytes":  {jwtgate.WithES256Key(sec1[1:], ""), jwtgate.ErrInvalidKey},
		"es256 empty":     {jwtgate.WithES256Key(nil, ""), jwtgate.ErrInvalidKey},
		"hmac with rs256": {jwtgate.WithHMACKey(jwtgate.RS256, secret, ""), jwtgate.ErrInvalidArgument},
	}
	for name, c := range bad {
		if _, err := jwtgate.NewVerifier(c.opt); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestES256Encode(t *testing.T) {
	scalar := make([]byte, 32)
	for i := range scalar {
		scalar[i] = byte(i + 1)
	}
	x, y := elliptic.P256().ScalarBaseMult(scalar)
	token, err := jwtgate.Encode(jwtgate.ES256, scalar, []byte(`{"sub":"es","exp":4102444800}`),
		jwtgate.Header{KeyID: "es-1"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := jwtgate.NewVerifier(jwtgate.WithES256Key(elliptic.Marshal(elliptic.P256(), x, y), "es-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if c, err := v.VerifyAt(token, now); err != nil || c.Subject != "es" || c.Algorithm != jwtgate.ES256 {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := jwtgate.Encode(jwtgate.RS256, scalar, []byte(`{}`), jwtgate.Header{}); !errors.Is(err, jwtgate.ErrInvalidArgument) {
		t.Fatalf("RS256 encode: %v", err)
	}
}
