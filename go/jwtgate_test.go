package jwtgate_test

// The same cases as tests/c/test_api.c and tests/c/test_threads.c, through
// the Go API. The denylist fixture comes from JWTGATE_TEST_DENYLIST
// (scripts/test-go.sh writes it with `cargo run -p jwtgate-ffi --example
// c_fixtures`): it revokes jti "t-revoked", sid "s-revoked" and sub
// "u-revoked" issued before now.

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jwtgate"
)

var (
	now         = time.Unix(1760000000, 0)
	secret      = []byte("0123456789abcdef0123456789abcdef")
	otherSecret = []byte("fedcba9876543210fedcba9876543210")
	// RFC 8032 section 7.1, test 1.
	edSeed, _   = hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	edPublic, _ = hex.DecodeString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
	edJWKS      = `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`
)

func sign(t testing.TB, claims string, alg jwtgate.Algorithm, h jwtgate.Header) string {
	t.Helper()
	key := secret
	if alg == jwtgate.EdDSA {
		key = edSeed
	}
	token, err := jwtgate.Encode(alg, key, []byte(claims), h)
	if err != nil {
		t.Fatalf("Encode(%s): %v", claims, err)
	}
	return token
}

func newVerifier(t testing.TB, opts ...jwtgate.Option) *jwtgate.Verifier {
	t.Helper()
	opts = append([]jwtgate.Option{jwtgate.WithHMACKey(jwtgate.HS256, secret, "")}, opts...)
	v, err := jwtgate.NewVerifier(opts...)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Errorf("got error %v, want %v", err, want)
	}
}

func TestVersionAndErrors(t *testing.T) {
	if !strings.HasPrefix(jwtgate.Version(), "0.") {
		t.Errorf("Version() = %q", jwtgate.Version())
	}
	// The numbers are the core's.
	for _, c := range []struct {
		err  *jwtgate.Error
		code int
		msg  string
	}{
		{jwtgate.ErrMalformed, 100, "jwtgate: token is not compact JWS with three parts"},
		{jwtgate.ErrInvalidSignature, 400, "jwtgate: signature verification failed"},
		{jwtgate.ErrExpired, 500, "jwtgate: token has expired"},
		{jwtgate.ErrRevoked, 600, "jwtgate: token has been revoked"},
		{jwtgate.ErrDenylistChecksum, 801, "jwtgate: denylist checksum mismatch"},
		{jwtgate.ErrNullParameter, 1, "jwtgate: a required pointer argument was NULL"},
	} {
		if c.err.Code != c.code || c.err.Error() != c.msg {
			t.Errorf("%d: got code %d message %q", c.code, c.err.Code, c.err.Error())
		}
	}
	// errors.Is matches by code, also through wrapping and for fresh values.
	wrapped := errors.New("outer")
	if errors.Is(wrapped, jwtgate.ErrExpired) {
		t.Error("unrelated error matches")
	}
	if !errors.Is(&jwtgate.Error{Code: 500}, jwtgate.ErrExpired) || errors.Is(jwtgate.ErrExpired, jwtgate.ErrRevoked) {
		t.Error("errors.Is by code")
	}
	var je *jwtgate.Error
	if !errors.As(error(jwtgate.ErrRevoked), &je) || je.Code != 600 {
		t.Error("errors.As")
	}
}

func TestBadArguments(t *testing.T) {
	badUTF8 := string([]byte{'i', 0xff, 's'})
	for name, c := range map[string]struct {
		opt  jwtgate.Option
		want error
	}{
		"unknown alg":       {jwtgate.WithHMACKey(99, secret, ""), jwtgate.ErrInvalidArgument},
		"hmac with eddsa":   {jwtgate.WithHMACKey(jwtgate.EdDSA, secret, ""), jwtgate.ErrInvalidArgument},
		"weak secret":       {jwtgate.WithHMACKey(jwtgate.HS256, secret[:31], ""), jwtgate.ErrWeakKey},
		"weak for HS512":    {jwtgate.WithHMACKey(jwtgate.HS512, secret, ""), jwtgate.ErrWeakKey},
		"empty secret":      {jwtgate.WithHMACKey(jwtgate.HS256, nil, ""), jwtgate.ErrWeakKey},
		"kid not utf-8":     {jwtgate.WithHMACKey(jwtgate.HS256, secret, badUTF8), jwtgate.ErrInvalidUTF8},
		"kid too long":      {jwtgate.WithHMACKey(jwtgate.HS256, secret, strings.Repeat("k", 200)), jwtgate.ErrFieldTooLong},
		"short ed25519":     {jwtgate.WithEd25519Key(edPublic[:31], ""), jwtgate.ErrInvalidKey},
		"identity ed25519":  {jwtgate.WithEd25519Key(append([]byte{1}, make([]byte, 31)...), ""), jwtgate.ErrInvalidKey},
		"jwks not a set":    {jwtgate.WithJWKS([]byte(`{"keys":7}`)), jwtgate.ErrJWKS},
		"jwks not json":     {jwtgate.WithJWKS([]byte(`not json`)), jwtgate.ErrJWKS},
		"jwks empty":        {jwtgate.WithJWKS(nil), jwtgate.ErrJWKS},
		"issuer not utf-8":  {jwtgate.WithIssuer(badUTF8), jwtgate.ErrInvalidUTF8},
		"audience utf-8":    {jwtgate.WithAudience(badUTF8), jwtgate.ErrInvalidUTF8},
		"typ too long":      {jwtgate.WithType(strings.Repeat("t", 200)), jwtgate.ErrFieldTooLong},
		"unknown claim bit": {jwtgate.WithRequiredClaims(1 << 20), jwtgate.ErrInvalidArgument},
		"negative leeway":   {jwtgate.WithLeeway(-time.Second), jwtgate.ErrInvalidArgument},
		"not a denylist":    {jwtgate.WithDenylist([]byte("not a denylist")), jwtgate.ErrDenylistMalformed},
		"empty denylist":    {jwtgate.WithDenylist(nil), jwtgate.ErrDenylistMalformed},
		"nil clock":         {jwtgate.WithClock(nil), jwtgate.ErrInvalidArgument},
		"no issuer":         {jwtgate.WithIssuer(), jwtgate.ErrEmptyAllowList},
		"empty issuer":      {jwtgate.WithIssuer("a", ""), jwtgate.ErrEmptyAllowList},
		"no audience":       {jwtgate.WithAudience(), jwtgate.ErrEmptyAllowList},
		"empty audience":    {jwtgate.WithAudience(""), jwtgate.ErrEmptyAllowList},
		"no algorithm":      {jwtgate.WithAlgorithms(), jwtgate.ErrEmptyAllowList},
		"unknown algorithm": {jwtgate.WithAlgorithms(99), jwtgate.ErrInvalidArgument},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := jwtgate.NewVerifier(c.opt)
			wantErr(t, err, c.want)
			if v != nil {
				t.Error("a verifier despite the error")
			}
		})
	}
	_, err := jwtgate.NewVerifier(
		jwtgate.WithHMACKey(jwtgate.HS256, secret, "a"),
		jwtgate.WithHMACKey(jwtgate.HS256, otherSecret, "a"))
	wantErr(t, err, jwtgate.ErrDuplicateKeyID)
}

func TestHostileTokens(t *testing.T) {
	v := newVerifier(t)
	good := sign(t, `{"sub":"x","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	for name, c := range map[string]struct {
		token string
		want  error
	}{
		"valid":           {good, nil},
		"empty":           {"", jwtgate.ErrMalformed},
		"two parts":       {"a.b", jwtgate.ErrMalformed},
		"four parts":      {good + ".x", jwtgate.ErrMalformed},
		"not utf-8":       {"\xff\xfe.\x80.\xc0", jwtgate.ErrBase64},
		"too large":       {strings.Repeat("A", jwtgate.MaxTokenLen+1), jwtgate.ErrTokenTooLarge},
		"alg none":        {"eyJhbGciOiJub25lIn0.eyJleHAiOjE3NjAwMDA5MDB9.", jwtgate.ErrUnsupportedAlgorithm},
		"nul bytes":       {"\x00.\x00.\x00", jwtgate.ErrBase64},
		"bad signature":   {good[:len(good)-2] + flip(good[len(good)-2]) + good[len(good)-1:], jwtgate.ErrInvalidSignature},
		"maximum garbage": {strings.Repeat("A", 100) + "." + strings.Repeat("A", 99) + "." + strings.Repeat("A", jwtgate.MaxTokenLen-201), nil},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.VerifyAt(c.token, now)
			if name == "maximum garbage" {
				// Read (not refused for its length) and rejected.
				if err == nil || errors.Is(err, jwtgate.ErrTokenTooLarge) || errors.Is(err, jwtgate.ErrPanic) {
					t.Errorf("got %v", err)
				}
				return
			}
			wantErr(t, err, c.want)
		})
	}
}

func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

func TestClaims(t *testing.T) {
	v := newVerifier(t, jwtgate.WithAudience("api"), jwtgate.WithIssuer("https://auth.example"))
	token := sign(t, `{"iss":"https://auth.example","sub":"ren\u00e9 \"r\"","aud":["web","api"],`+
		`"exp":1760000900.5,"nbf":1759999999.5,"iat":1759999990,"jti":"t-1","sid":"","ver":3,"role":"admin"}`,
		jwtgate.HS256, jwtgate.Header{KeyID: `k\1`, Type: "at+jwt"})
	c, err := v.VerifyAt(token, now)
	if err != nil {
		t.Fatal(err)
	}
	all := jwtgate.ClaimIss | jwtgate.ClaimSub | jwtgate.ClaimAud | jwtgate.ClaimExp | jwtgate.ClaimNbf |
		jwtgate.ClaimIat | jwtgate.ClaimJti | jwtgate.ClaimSid | jwtgate.ClaimVer
	if c.Present != all || !c.Has(jwtgate.ClaimSid|jwtgate.ClaimVer) {
		t.Errorf("Present = %b", c.Present)
	}
	check := func(name, got, want string) {
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	check("iss", c.Issuer, "https://auth.example")
	check("sub", c.Subject, "rené \"r\"") // unescaped
	check("jti", c.ID, "t-1")
	check("sid", c.SessionID, "")
	check("kid", c.KeyID, `k\1`)
	check("typ", c.Type, "at+jwt")
	check("aud", strings.Join(c.Audience, ","), "web,api")
	if c.ExpiresAt.Unix() != 1760000900 || c.NotBefore.Unix() != 1760000000 || c.IssuedAt.Unix() != 1759999990 {
		t.Errorf("times %v %v %v", c.ExpiresAt, c.NotBefore, c.IssuedAt)
	}
	if c.Version != 3 || c.Algorithm != jwtgate.HS256 || c.Algorithm.String() != "HS256" {
		t.Errorf("ver %d alg %v", c.Version, c.Algorithm)
	}
	if !bytes.HasPrefix(c.Raw, []byte("{")) || !bytes.Contains(c.Raw, []byte(`"role":"admin"`)) {
		t.Errorf("Raw = %s", c.Raw)
	}

	// Absent claims are zero with their bit clear; a string aud is one value.
	c, err = v.VerifyAt(sign(t, `{"iss":"https://auth.example","aud":"api","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{}), now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Present != jwtgate.ClaimIss|jwtgate.ClaimAud|jwtgate.ClaimExp || c.Subject != "" ||
		!c.NotBefore.IsZero() || len(c.Audience) != 1 || c.Audience[0] != "api" || c.Type != "JWT" || c.KeyID != "" {
		t.Errorf("%+v", c)
	}
}

func TestPolicy(t *testing.T) {
	evil := sign(t, `{"iss":"https://evil","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	_, err := newVerifier(t).VerifyAt(evil, now)
	wantErr(t, err, nil) // any issuer until one is set
	_, err = newVerifier(t, jwtgate.WithIssuer("https://auth.example")).VerifyAt(evil, now)
	wantErr(t, err, jwtgate.ErrInvalidIssuer)

	other := sign(t, `{"iss":"https://auth.example","aud":"other","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	_, err = newVerifier(t).VerifyAt(other, now)
	wantErr(t, err, jwtgate.ErrInvalidAudience) // aud present, none accepted
	_, err = newVerifier(t, jwtgate.WithAudience("api")).VerifyAt(other, now)
	wantErr(t, err, jwtgate.ErrInvalidAudience)
	v := newVerifier(t, jwtgate.WithAudience("api", "other"))
	_, err = v.VerifyAt(other, now)
	wantErr(t, err, nil)

	_, err = v.VerifyAt(other, time.Unix(1760000900, 0))
	wantErr(t, err, jwtgate.ErrExpired)
	lenient := newVerifier(t, jwtgate.WithAudience("api", "other"), jwtgate.WithLeeway(30*time.Second))
	_, err = lenient.VerifyAt(other, time.Unix(1760000900, 0))
	wantErr(t, err, nil)
	_, err = lenient.VerifyAt(other, time.Unix(1760000930, 0))
	wantErr(t, err, jwtgate.ErrExpired)
	_, err = v.VerifyAt(sign(t, `{"aud":"api","exp":1760000900,"nbf":1760000100}`, jwtgate.HS256, jwtgate.Header{}), now)
	wantErr(t, err, jwtgate.ErrNotYetValid)
	_, err = v.VerifyAt(sign(t, `{"aud":"api","exp":1760000900,"iat":1760000100}`, jwtgate.HS256, jwtgate.Header{}), now)
	wantErr(t, err, jwtgate.ErrIssuedInFuture)

	noJti := sign(t, `{"exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	_, err = newVerifier(t, jwtgate.WithRequiredClaims(jwtgate.ClaimExp|jwtgate.ClaimJti)).VerifyAt(noJti, now)
	wantErr(t, err, jwtgate.ErrMissingClaim)
	noExp := sign(t, `{"sub":"x"}`, jwtgate.HS256, jwtgate.Header{})
	_, err = newVerifier(t).VerifyAt(noExp, now)
	wantErr(t, err, jwtgate.ErrMissingClaim)
	_, err = newVerifier(t, jwtgate.WithRequiredClaims(0)).VerifyAt(noExp, now)
	wantErr(t, err, nil)

	typed := newVerifier(t, jwtgate.WithType("at+jwt"))
	_, err = typed.VerifyAt(noJti, now)
	wantErr(t, err, jwtgate.ErrInvalidType)
	_, err = typed.VerifyAt(sign(t, `{"exp":1760000900}`, jwtgate.HS256, jwtgate.Header{Type: "application/AT+JWT"}), now)
	wantErr(t, err, nil)

	// Verify uses the verifier's clock.
	clocked := newVerifier(t, jwtgate.WithClock(func() time.Time { return time.Unix(1760000900, 0) }))
	_, err = clocked.Verify(noJti)
	wantErr(t, err, jwtgate.ErrExpired)
}

func TestKeys(t *testing.T) {
	ed := sign(t, `{"exp":1760000900}`, jwtgate.EdDSA, jwtgate.Header{KeyID: "ed-1"})
	hs := sign(t, `{"exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	_, err := newVerifier(t).VerifyAt(ed, now)
	wantErr(t, err, jwtgate.ErrAlgorithmMismatch)
	c, err := newVerifier(t, jwtgate.WithEd25519Key(edPublic, "ed-1")).VerifyAt(ed, now)
	wantErr(t, err, nil)
	if c.Algorithm != jwtgate.EdDSA {
		t.Errorf("alg %v", c.Algorithm)
	}
	j, err := jwtgate.NewVerifier(jwtgate.WithJWKS([]byte(edJWKS)))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c, err = j.VerifyAt(ed, now)
	wantErr(t, err, nil)
	if c.KeyID != "ed-1" {
		t.Errorf("kid %q", c.KeyID)
	}
	_, err = j.VerifyAt(hs, now)
	wantErr(t, err, jwtgate.ErrAlgorithmMismatch)

	// Two HMAC keys without kid: ambiguous for a token without kid.
	_, err = newVerifier(t, jwtgate.WithHMACKey(jwtgate.HS256, otherSecret, "")).VerifyAt(hs, now)
	wantErr(t, err, jwtgate.ErrAmbiguousKey)
}

func TestEncode(t *testing.T) {
	claims := []byte(`{"sub":"ada","exp":1760000900}`)
	token, err := jwtgate.Encode(jwtgate.HS256, secret, claims, jwtgate.Header{})
	if err != nil || !strings.HasPrefix(token, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.") {
		t.Fatalf("%q %v", token, err)
	}
	token, err = jwtgate.Encode(jwtgate.HS256, secret, claims, jwtgate.Header{OmitType: true})
	if err != nil || !strings.HasPrefix(token, "eyJhbGciOiJIUzI1NiJ9.") {
		t.Fatalf("%q %v", token, err)
	}
	// A large claims set goes through the retry with the exact length.
	big := []byte(`{"exp":1760000900,"pad":"` + strings.Repeat("x", 3000) + `"}`)
	token, err = jwtgate.Encode(jwtgate.EdDSA, edSeed, big, jwtgate.Header{KeyID: strings.Repeat("k", 100)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newVerifier(t, jwtgate.WithEd25519Key(edPublic, "")).VerifyAt(token, now); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		alg    jwtgate.Algorithm
		key    []byte
		claims string
		want   error
	}{
		"unknown alg":  {7, secret, `{}`, jwtgate.ErrInvalidArgument},
		"weak secret":  {jwtgate.HS256, secret[:8], `{}`, jwtgate.ErrWeakKey},
		"short seed":   {jwtgate.EdDSA, edSeed[:31], `{}`, jwtgate.ErrInvalidKey},
		"duplicate":    {jwtgate.HS256, secret, `{"a":1,"a":2}`, jwtgate.ErrDuplicateMember},
		"not object":   {jwtgate.HS256, secret, `[1]`, jwtgate.ErrClaimsJSON},
		"empty claims": {jwtgate.HS256, secret, ``, jwtgate.ErrClaimsJSON},
	} {
		_, err := jwtgate.Encode(c.alg, c.key, []byte(c.claims), jwtgate.Header{})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

func denylistFixture(t testing.TB) []byte {
	path := os.Getenv("JWTGATE_TEST_DENYLIST")
	if path == "" {
		t.Skip("JWTGATE_TEST_DENYLIST not set (scripts/test-go.sh sets it)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDenylist(t *testing.T) {
	snapshot := denylistFixture(t)
	v := newVerifier(t, jwtgate.WithDenylist(snapshot))
	for _, c := range []struct {
		claims string
		at     time.Time
		want   error
	}{
		{`{"sub":"a","jti":"t-revoked","exp":1760000900}`, now, jwtgate.ErrRevoked},
		{`{"sub":"a","sid":"s-revoked","exp":1760000900}`, now, jwtgate.ErrRevoked},
		{`{"sub":"u-revoked","iat":1759999000,"exp":1760000900}`, now, jwtgate.ErrRevoked},
		{`{"sub":"u-revoked","iat":1760000001,"exp":1760000900}`, now.Add(10 * time.Second), nil},
		{`{"sub":"a","jti":"t-fine","sid":"s-fine","exp":1760000900}`, now, nil},
	} {
		_, err := v.VerifyAt(sign(t, c.claims, jwtgate.HS256, jwtgate.Header{}), c.at)
		if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("%s: got %v, want %v", c.claims, err, c.want)
		}
	}
	revoked := sign(t, `{"sub":"a","jti":"t-revoked","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})

	// A corrupt snapshot is refused and the current one stays attached.
	corrupt := append([]byte(nil), snapshot...)
	corrupt[len(corrupt)/2] ^= 0x5a
	if err := v.SetDenylist(corrupt); !errors.Is(err, jwtgate.ErrDenylistChecksum) && !errors.Is(err, jwtgate.ErrDenylistMalformed) {
		t.Errorf("corrupt: %v", err)
	}
	wantErr(t, v.SetDenylist(snapshot[:len(snapshot)/2]), jwtgate.ErrDenylistChecksum)
	// The bytes were copied: the caller's slice may change.
	for i := range snapshot {
		snapshot[i] = 0
	}
	_, err := v.VerifyAt(revoked, now)
	wantErr(t, err, jwtgate.ErrRevoked)

	wantErr(t, v.ClearDenylist(), nil)
	_, err = v.VerifyAt(revoked, now)
	wantErr(t, err, nil)

	path := os.Getenv("JWTGATE_TEST_DENYLIST")
	wantErr(t, v.LoadDenylistFile(path), nil)
	_, err = v.VerifyAt(revoked, now)
	wantErr(t, err, jwtgate.ErrRevoked)
	if err := v.LoadDenylistFile(path + ".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// Several goroutines verify while one replaces the denylist: every result
// is one a sequential run could give.
func TestConcurrentDenylistSwap(t *testing.T) {
	snapshot := denylistFixture(t)
	v := newVerifier(t)
	good := sign(t, `{"sub":"good","jti":"t-fine","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	revoked := sign(t, `{"sub":"bad","jti":"t-revoked","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	var bad, seenRevoked, seenOK atomic.Int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 300; i++ {
			if v.SetDenylist(snapshot) != nil || v.ClearDenylist() != nil {
				bad.Add(1)
			}
		}
	}()
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				if c, err := v.VerifyAt(good, now); err != nil || c.Subject != "good" {
					bad.Add(1)
				}
				c, err := v.VerifyAt(revoked, now)
				switch {
				case errors.Is(err, jwtgate.ErrRevoked):
					seenRevoked.Add(1)
				case err == nil && c.Subject == "bad":
					seenOK.Add(1)
				default:
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	<-done
	if bad.Load() != 0 {
		t.Errorf("%d unexpected results", bad.Load())
	}
	t.Logf("revoked seen %d, ok seen %d", seenRevoked.Load(), seenOK.Load())
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	v := newVerifier(t)
	v.Close()
	v.Close()
	_, err := v.VerifyAt("a.b.c", now)
	wantErr(t, err, jwtgate.ErrNullParameter)
}

// hsJWKS holds secret as an HS256 key ("h256") and a 48-byte secret as an
// HS384 key ("h384").
const hsJWKS = `{"keys":[{"kty":"oct","alg":"HS256","kid":"h256","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"},` +
	`{"kty":"oct","alg":"HS384","kid":"h384","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm"}]}`

// Issue 12: an algorithm allow-list narrows the keys of a JWKS (Go had none).
func TestAlgorithmsNarrowJWKS(t *testing.T) {
	t256 := sign(t, `{"exp":1760000900}`, jwtgate.HS256, jwtgate.Header{KeyID: "h256"})
	t384, err := jwtgate.Encode(jwtgate.HS384, []byte("0123456789abcdef0123456789abcdef0123456789abcdef"),
		[]byte(`{"exp":1760000900}`), jwtgate.Header{KeyID: "h384"})
	if err != nil {
		t.Fatal(err)
	}
	open, err := jwtgate.NewVerifier(jwtgate.WithJWKS([]byte(hsJWKS)))
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	_, err = open.VerifyAt(t256, now)
	wantErr(t, err, nil)
	narrow, err := jwtgate.NewVerifier(jwtgate.WithJWKS([]byte(hsJWKS)), jwtgate.WithAlgorithms(jwtgate.HS384))
	if err != nil {
		t.Fatal(err)
	}
	defer narrow.Close()
	_, err = narrow.VerifyAt(t256, now)
	wantErr(t, err, jwtgate.ErrUnsupportedAlgorithm)
	claims, err := narrow.VerifyAt(t384, now)
	wantErr(t, err, nil)
	if claims.Algorithm != jwtgate.HS384 {
		t.Errorf("algorithm %v", claims.Algorithm)
	}
	// Allowing only algorithms no key has leaves no usable key.
	v, err := jwtgate.NewVerifier(jwtgate.WithJWKS([]byte(hsJWKS)), jwtgate.WithAlgorithms(jwtgate.EdDSA))
	wantErr(t, err, jwtgate.ErrEmptyKeySet)
	if v != nil {
		t.Error("a verifier despite the error")
	}
}

// Issue 12: an empty key set is refused, as in Python and C.
func TestEmptyKeySetRefused(t *testing.T) {
	for name, opts := range map[string][]jwtgate.Option{
		"no option":  nil,
		"empty jwks": {jwtgate.WithJWKS([]byte(`{"keys":[]}`))},
		"no key":     {jwtgate.WithIssuer("https://auth.example")},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := jwtgate.NewVerifier(opts...)
			wantErr(t, err, jwtgate.ErrEmptyKeySet)
			if v != nil {
				t.Error("a verifier despite the error")
			}
		})
	}
}

// Issue 20 item 2: issuers and audiences given as a list take effect as a
// whole; a later WithIssuer replaces an earlier one.
func TestIssuerAndAudienceLists(t *testing.T) {
	v := newVerifier(t, jwtgate.WithIssuer("a", "b"), jwtgate.WithAudience("x", "y"))
	for claims, want := range map[string]error{
		`{"iss":"b","aud":"y","exp":1760000900}`: nil,
		`{"iss":"c","aud":"y","exp":1760000900}`: jwtgate.ErrInvalidIssuer,
		`{"iss":"a","aud":"","exp":1760000900}`:  jwtgate.ErrInvalidAudience,
		`{"iss":"a","exp":1760000900}`:           jwtgate.ErrMissingClaim,
		`{"aud":"x","exp":1760000900}`:           jwtgate.ErrMissingClaim,
	} {
		_, err := v.VerifyAt(sign(t, claims, jwtgate.HS256, jwtgate.Header{}), now)
		wantErr(t, err, want)
	}
	r := newVerifier(t, jwtgate.WithIssuer("a"), jwtgate.WithIssuer("c"))
	_, err := r.VerifyAt(sign(t, `{"iss":"a","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{}), now)
	wantErr(t, err, jwtgate.ErrInvalidIssuer)
}
