package jwtgate_test

import (
	"errors"
	"fmt"
	"time"

	"jwtgate"
)

func Example() {
	secret := []byte("a secret of at least 32 bytes...")
	claims := []byte(`{"iss":"https://auth.example","sub":"ada","exp":1760000900}`)
	token, err := jwtgate.Encode(jwtgate.HS256, secret, claims, jwtgate.Header{})
	if err != nil {
		panic(err)
	}

	v, err := jwtgate.NewVerifier(
		jwtgate.WithHMACKey(jwtgate.HS256, secret, ""),
		jwtgate.WithIssuer("https://auth.example"),
	)
	if err != nil {
		panic(err)
	}
	defer v.Close()

	c, err := v.VerifyAt(token, time.Unix(1760000000, 0))
	fmt.Println(c.Subject, err)
	_, err = v.VerifyAt(token, time.Unix(1760000900, 0))
	fmt.Println(errors.Is(err, jwtgate.ErrExpired), err)
	// Output:
	// ada <nil>
	// true jwtgate: token has expired
}

// VerifyView verifies without building a Claims: the claims are read
// through the view's accessors, straight from its buffer, until the next
// VerifyView into it.
func ExampleVerifier_VerifyView() {
	secret := []byte("a secret of at least 32 bytes...")
	claims := []byte(`{"sub":"ada","aud":["api","web"],"exp":1760000900}`)
	token, err := jwtgate.Encode(jwtgate.HS256, secret, claims, jwtgate.Header{})
	if err != nil {
		panic(err)
	}
	v, err := jwtgate.NewVerifier(
		jwtgate.WithHMACKey(jwtgate.HS256, secret, ""),
		jwtgate.WithAudience("api"),
	)
	if err != nil {
		panic(err)
	}
	defer v.Close()

	var view jwtgate.ClaimsView // one per goroutine, reused
	err = v.VerifyView(token, time.Unix(1760000000, 0), &view)
	fmt.Println(view.Subject(), view.AudienceLen(), view.AudienceAt(1), err)
	err = v.VerifyView(token, time.Unix(1760000900, 0), &view)
	fmt.Printf("%q %v\n", view.Subject(), errors.Is(err, jwtgate.ErrExpired))
	// Output:
	// ada 2 web <nil>
	// "" true
}
