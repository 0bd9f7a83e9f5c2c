package jwtgate_test

import (
	"testing"
	"time"

	"jwtgate"
)

// The README's OIDC example, against the local identity provider.
func TestReadmeIssuerDiscovery(t *testing.T) {
	p := jwtgate.StartProvider(t)
	issuer, caFile, token := p.Issuer(), p.CAFile(), p.Token(t, "token-a")

	// Discovery at {issuer}/.well-known/openid-configuration; tokens must name the issuer.
	v, err := jwtgate.NewVerifier(jwtgate.WithIssuerDiscovery(issuer,
		jwtgate.WithCAFile(caFile),              // a private CA (the web roots otherwise)
		jwtgate.WithMaxKeyStaleness(time.Hour))) // ErrKeysStale after an hour without the provider
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close() // stops the key source too

	c, err := v.Verify(token)
	if err != nil || c.Subject != "ada" || c.Issuer != issuer {
		t.Fatalf("%+v %v", c, err)
	}
}
