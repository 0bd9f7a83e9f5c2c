package jwtgate

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// provider is the local HTTPS identity provider of
// sync/examples/jwks_server.rs (JG_JWKS_SERVER, built by
// scripts/test-go.sh), serving a directory the test rewrites.
type provider struct {
	dir, issuer, ca string
	cmd             *exec.Cmd
}

func startProvider(t *testing.T) *provider {
	t.Helper()
	bin := os.Getenv("JG_JWKS_SERVER")
	if bin == "" {
		t.Skip("JG_JWKS_SERVER is not set (scripts/test-go.sh sets it)")
	}
	tmp := t.TempDir()
	p := &provider{dir: filepath.Join(tmp, "srv")}
	info := filepath.Join(tmp, "info")
	p.cmd = exec.Command(bin, p.dir, info, "120")
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if f, err := os.Open(info); err == nil {
			lines := []string{}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			f.Close()
			if len(lines) == 2 {
				p.issuer, p.ca = "https://127.0.0.1:"+lines[0], lines[1]
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("jwks_server did not write its port")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Issuer is the provider's issuer URL (for the external example test).
func (p *provider) Issuer() string { return p.issuer }

// CAFile is the path of the provider's test CA.
func (p *provider) CAFile() string { return p.ca }

// Token is the token file `name` the provider wrote.
func (p *provider) Token(t *testing.T, name string) string { return p.token(t, name) }

func (p *provider) token(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// serve makes the JWKS file `from` the served one (write and rename).
func (p *provider) serve(t *testing.T, from string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, from))
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(p.dir, "jwks.json.new")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(p.dir, "jwks.json")); err != nil {
		t.Fatal(err)
	}
}

// verifyUntil verifies token until the error is want (nil: accepted) or
// the bound passes, and returns the last error.
func verifyUntil(v *Verifier, token string, want error, bound time.Duration) error {
	deadline := time.Now().Add(bound)
	for {
		_, err := v.Verify(token)
		if errors.Is(err, want) || (want == nil && err == nil) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *provider) options() []KeySourceOption {
	return []KeySourceOption{
		WithCAFile(p.ca),
		WithRefreshInterval(100*time.Millisecond, 300*time.Millisecond),
		WithRefreshCooldown(200 * time.Millisecond),
		WithFetchTimeout(2 * time.Second),
		WithMaxKeyStaleness(1500 * time.Millisecond),
	}
}

func TestKeySourceRefusals(t *testing.T) {
	p := startProvider(t)
	jwks := p.issuer + "/jwks.json"
	// The web roots do not trust the test CA.
	if _, err := NewVerifier(WithJWKSURL(jwks)); !errors.Is(err, ErrKeyFetch) {
		t.Fatalf("untrusted CA: %v, want ErrKeyFetch", err)
	}
	plain := strings.Replace(jwks, "https://", "http://", 1)
	if _, err := NewVerifier(WithJWKSURL(plain, p.options()...)); !errors.Is(err, ErrKeySourceRefused) {
		t.Fatalf("plain http: %v, want ErrKeySourceRefused", err)
	}
	if _, err := NewVerifier(WithIssuerDiscovery(p.issuer+"/other", p.options()...)); err == nil {
		t.Fatal("an issuer without a discovery document was accepted")
	}
	v, err := NewVerifier(WithJWKSURL(jwks, p.options()...))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.SetKeys(WithJWKSURL(jwks, p.options()...)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("SetKeys with a key source: %v, want ErrInvalidArgument", err)
	}
	if _, err := v.Verify(p.token(t, "token-a")); err != nil {
		t.Fatalf("token-a after SetKeys was refused: %v", err)
	}
}

func TestKeySourceRotationAndOutage(t *testing.T) {
	p := startProvider(t)
	v, err := NewVerifier(WithIssuerDiscovery(p.issuer, p.options()...))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	a, b := p.token(t, "token-a"), p.token(t, "token-b")
	c, err := v.Verify(a)
	if err != nil || c.Issuer != p.issuer {
		t.Fatalf("token-a: %v %q", err, c.Issuer)
	}
	if _, err := v.Verify(b); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("token-b before rotation: %v, want ErrUnknownKey", err)
	}

	// Rotation: b arrives (asked for by its unknown kid), then a goes.
	p.serve(t, "jwks-ab.json")
	if err := verifyUntil(v, b, nil, 5*time.Second); err != nil {
		t.Fatalf("token-b after rotation: %v", err)
	}
	p.serve(t, "jwks-b.json")
	if err := verifyUntil(v, a, ErrUnknownKey, 5*time.Second); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("token-a after its key went: %v, want ErrUnknownKey", err)
	}
	if s := v.KeySource().Staleness(); s < 0 || s >= 1500*time.Millisecond {
		t.Fatalf("staleness while the provider is up: %v", s)
	}

	// Outage: the last keys keep verifying, then verification fails closed.
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	if _, err := v.Verify(b); err != nil {
		t.Fatalf("token-b right after the outage began: %v", err)
	}
	if err := verifyUntil(v, b, ErrKeysStale, 10*time.Second); !errors.Is(err, ErrKeysStale) {
		t.Fatalf("token-b during the outage: %v, want ErrKeysStale", err)
	}
	if v.KeySource().LastError() == "" {
		t.Fatal("no last error during the outage")
	}
}

func TestKeySourceKeyMissWait(t *testing.T) {
	p := startProvider(t)
	// No timed refresh: only the unknown kid fetches.
	opts := []KeySourceOption{
		WithCAFile(p.ca),
		WithRefreshInterval(time.Hour, time.Hour),
		WithRefreshCooldown(200 * time.Millisecond),
		WithFetchTimeout(2 * time.Second),
	}
	noWait, err := NewVerifier(WithJWKSURL(p.issuer+"/jwks.json", opts...))
	if err != nil {
		t.Fatal(err)
	}
	defer noWait.Close()
	waits, err := NewVerifier(WithJWKSURL(p.issuer+"/jwks.json",
		append(opts, WithKeyMissWait(3*time.Second))...))
	if err != nil {
		t.Fatal(err)
	}
	defer waits.Close()
	// Key b arrives after both verifiers started, past their cooldown.
	p.serve(t, "jwks-ab.json")
	time.Sleep(400 * time.Millisecond)
	b := p.token(t, "token-b")
	if _, err := noWait.Verify(b); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("without the wait: %v, want ErrUnknownKey", err)
	}
	if _, err := waits.Verify(b); err != nil {
		t.Fatalf("with the wait, first call: %v", err)
	}
	if err := verifyUntil(noWait, b, nil, 5*time.Second); err != nil {
		t.Fatalf("without the wait, after the refresh: %v", err)
	}
}
