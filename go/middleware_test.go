package jwtgate_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"jwtgate"
)

func TestMiddleware(t *testing.T) {
	v := newVerifier(t, jwtgate.WithAudience("api"),
		jwtgate.WithClock(func() time.Time { return now }))
	handler := jwtgate.Middleware(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := jwtgate.ClaimsFromContext(r.Context())
		if !ok {
			t.Error("no claims in the context")
		}
		fmt.Fprintf(w, "hello %s", c.Subject)
	}))
	valid := sign(t, `{"sub":"ada","aud":"api","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	expired := sign(t, `{"sub":"ada","aud":"api","exp":1759999999}`, jwtgate.HS256, jwtgate.Header{})
	for _, c := range []struct {
		name, auth string
		status     int
		body       string
		challenge  string
	}{
		{"valid", "Bearer " + valid, 200, "hello ada", ""},
		{"scheme is case-insensitive", "bearer  " + valid, 200, "hello ada", ""},
		{"no header", "", 401, `"error":"unauthorized"`, `Bearer realm="jwtgate"`},
		{"basic auth", "Basic YTpi", 401, `"error":"unauthorized"`, `Bearer realm="jwtgate"`},
		{"empty token", "Bearer ", 401, `"error":"unauthorized"`, `Bearer realm="jwtgate"`},
		{"expired", "Bearer " + expired, 401, "token has expired", `error="invalid_token"`},
		{"garbage", "Bearer not.a.token", 401, `"error":"invalid_token"`, `error="invalid_token"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/orders", nil)
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.body) {
				t.Errorf("got %d %q, want %d containing %q", rec.Code, rec.Body.String(), c.status, c.body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); !strings.Contains(got, c.challenge) {
				t.Errorf("WWW-Authenticate = %q, want %q", got, c.challenge)
			}
			if c.status == 401 {
				var body map[string]string
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Errorf("body is not JSON: %v", err)
				}
			}
		})
	}
}

// The middleware rejects a token as soon as the denylist that revokes it is
// attached, with no restart and no per-request store lookup.
func TestMiddlewareRevocation(t *testing.T) {
	snapshot := denylistFixture(t)
	v := newVerifier(t, jwtgate.WithClock(func() time.Time { return now }))
	srv := httptest.NewServer(jwtgate.Middleware(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwtgate.ClaimsFromContext(r.Context())
		fmt.Fprint(w, c.ID)
	})))
	defer srv.Close()
	token := sign(t, `{"sub":"a","jti":"t-revoked","exp":1760000900}`, jwtgate.HS256, jwtgate.Header{})
	get := func() int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(); got != 200 {
		t.Fatalf("before revocation: %d", got)
	}
	if err := v.SetDenylist(snapshot); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != 401 {
		t.Fatalf("after revocation: %d", got)
	}
}

func ExampleMiddleware() {
	secret := []byte("a secret of at least 32 bytes...")
	v, _ := jwtgate.NewVerifier(jwtgate.WithHMACKey(jwtgate.HS256, secret, ""),
		jwtgate.WithClock(func() time.Time { return time.Unix(1760000000, 0) }))
	defer v.Close()
	api := jwtgate.Middleware(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := jwtgate.ClaimsFromContext(r.Context())
		fmt.Fprintf(w, "hello %s", claims.Subject)
	}))

	token, _ := jwtgate.Encode(jwtgate.HS256, secret, []byte(`{"sub":"ada","exp":1760000900}`), jwtgate.Header{})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 hello ada
}
