// A Go follower for scripts/test-ha.sh: follows URL (namespace "ha")
// through Verifier.FollowRedis, prints "ready", waits for DONE to exist,
// then checks that every jti listed in ACKED is rejected as revoked (the
// last one given up to 15 s to arrive) and prints "go: lost N of M".
// Exit 0 when N is 0.
//
// usage: gofollower URL SECRET TOKENS ACKED DONE
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"jwtgate"
)

func revoked(v *jwtgate.Verifier, token string) bool {
	_, err := v.Verify(token)
	var e *jwtgate.Error
	return errors.As(err, &e) && e.Code/100 == 6
}

func lines(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func main() {
	url, secret, tokensPath, ackedPath, donePath := os.Args[1], os.Args[2], os.Args[3], os.Args[4], os.Args[5]
	tokens := map[string]string{}
	for _, l := range lines(tokensPath) {
		jti, tok, _ := strings.Cut(l, " ")
		tokens[jti] = tok
	}
	v, err := jwtgate.NewVerifier(jwtgate.WithHMACKey(jwtgate.HS256, []byte(secret), ""))
	if err != nil {
		panic(err)
	}
	f, err := v.FollowRedis(url, "ha")
	if err != nil {
		panic(err)
	}
	if err := f.WaitReady(30 * time.Second); err != nil {
		panic(fmt.Sprint(err, f.LastError()))
	}
	fmt.Println("ready")
	for {
		if _, err := os.Stat(donePath); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	acked := lines(ackedPath)
	deadline := time.Now().Add(15 * time.Second)
	for len(acked) > 0 && !revoked(v, tokens[acked[len(acked)-1]]) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var lost []string
	for _, j := range acked {
		if !revoked(v, tokens[j]) {
			lost = append(lost, j)
		}
	}
	fmt.Printf("go: lost %d of %d %v\n", len(lost), len(acked), lost[:min(len(lost), 5)])
	_ = f.Stop()
	if len(lost) > 0 || len(acked) == 0 {
		os.Exit(1)
	}
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}
