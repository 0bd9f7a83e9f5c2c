package jwtgate

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

type claimsKey struct{}

// Middleware authenticates every request with its "Authorization: Bearer"
// token and passes it on with the verified claims in the request context
// (read them with ClaimsFromContext). A request without a valid token is
// answered 401 with a WWW-Authenticate header (RFC 6750 section 3) and a
// JSON body, and next is not called.
//
// Revocation is checked on every request against the verifier's denylist,
// in memory: no Redis round trip (SetDenylist replaces it while serving).
func Middleware(v *Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := BearerToken(r)
		if !ok {
			unauthorized(w, "", "missing bearer token")
			return
		}
		claims, err := v.Verify(token)
		if err != nil {
			unauthorized(w, "invalid_token", err.Error())
			return
		}
		next.ServeHTTP(w, r.WithContext(ContextWithClaims(r.Context(), claims)))
	})
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header (the scheme is case-insensitive, RFC 6750 section 2.1).
func BearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	token := strings.TrimSpace(h[len(prefix):])
	return token, token != ""
}

// ContextWithClaims returns ctx carrying claims (what Middleware does).
func ContextWithClaims(ctx context.Context, claims Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, claims)
}

// ClaimsFromContext returns the claims Middleware stored in ctx.
func ClaimsFromContext(ctx context.Context) (Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(Claims)
	return c, ok
}

func unauthorized(w http.ResponseWriter, code, description string) {
	challenge := `Bearer realm="jwtgate"`
	if code != "" {
		challenge += `, error="` + code + `"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	if code == "" {
		code = "unauthorized"
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}
