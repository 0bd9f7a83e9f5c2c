// Command jwtgate-demo is the Go side of the demo: it verifies the tokens
// the Rust demo issued (core/examples/demo.rs) against the same keys,
// policy and denylist, behind the net/http middleware, and exits non-zero
// if any outcome differs from the expected one.
//
// Usage: jwtgate-demo DIR   (DIR holds hs256.secret, jwks.json,
// denylist.bin, tokens.tsv and now)
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"jwtgate"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "jwtgate-demo:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return errors.New("usage: jwtgate-demo DIR")
	}
	dir := os.Args[1]
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
	secret, err := read("hs256.secret")
	if err != nil {
		return err
	}
	jwks, err := read("jwks.json")
	if err != nil {
		return err
	}
	nowText, err := read("now")
	if err != nil {
		return err
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(string(nowText)), 10, 64)
	if err != nil {
		return err
	}
	now := time.Unix(secs, 0)

	v, err := jwtgate.NewVerifier(
		jwtgate.WithHMACKey(jwtgate.HS256, secret, "hs-1"),
		jwtgate.WithJWKS(jwks),
		jwtgate.WithIssuer("https://auth.demo"),
		jwtgate.WithAudience("api"),
		jwtgate.WithClock(func() time.Time { return now }),
	)
	if err != nil {
		return err
	}
	defer v.Close()
	if err := v.LoadDenylistFile(filepath.Join(dir, "denylist.bin")); err != nil {
		return err
	}

	// Every token goes through the middleware, as a request to a service would.
	api := jwtgate.Middleware(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := jwtgate.ClaimsFromContext(r.Context())
		fmt.Fprintf(w, "sub %s", claims.Subject)
	}))

	tsv, err := read("tokens.tsv")
	if err != nil {
		return err
	}
	fmt.Printf("jwtgate demo (Go, libjwtgate %s)\n", jwtgate.Version())
	mismatches, count := 0, 0
	lines := bufio.NewScanner(bytes.NewReader(tsv))
	for lines.Scan() {
		fields := strings.SplitN(lines.Text(), "\t", 3)
		if len(fields) != 3 {
			continue
		}
		name, expected, token := fields[0], fields[1], fields[2]
		count++

		class, detail := "valid", ""
		if _, err := v.Verify(token); errors.Is(err, jwtgate.ErrRevoked) {
			class = "revoked"
		} else if err != nil {
			class = "rejected"
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		detail = fmt.Sprintf("HTTP %d %s", rec.Code, strings.TrimSpace(rec.Body.String()))

		ok := class == expected && (rec.Code == http.StatusOK) == (class == "valid")
		mark := ""
		if !ok {
			mismatches++
			mark = "  <-- UNEXPECTED"
		}
		fmt.Printf("  %-13s %-8s %s%s\n", name, class, detail, mark)
	}
	if count == 0 {
		return errors.New("no tokens in tokens.tsv")
	}
	if mismatches != 0 {
		return fmt.Errorf("%d unexpected outcomes", mismatches)
	}
	return nil
}
