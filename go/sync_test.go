package jwtgate_test

// The synced mode against a real redis-server (started here on a free
// loopback port; a missing redis-server fails the test: scripts/setup.sh
// installs it) and against snapshot files (the JWTGATE_TEST_DENYLIST
// fixture and the denylist-empty.bin beside it).

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jwtgate"
)

const waitFor = 5 * time.Second

type redisServer struct {
	cmd *exec.Cmd
	url string
}

// startRedis runs a throwaway redis-server until the test ends (or Stop).
func startRedis(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not found (scripts/setup.sh installs it): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &redisServer{cmd: cmd, url: fmt.Sprintf("redis://127.0.0.1:%d/", port)}
	t.Cleanup(r.Stop)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(waitFor); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on port %d did not answer", port)
		}
	}
}

func (r *redisServer) Stop() {
	if r.cmd.Process != nil && r.cmd.ProcessState == nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
	}
}

// eventually polls verify until it returns an error matching want (nil:
// success) or the wait runs out; it returns the last error.
func eventually(v *jwtgate.Verifier, token string, at func() time.Time, want error) error {
	var err error
	for deadline := time.Now().Add(waitFor); ; time.Sleep(10 * time.Millisecond) {
		_, err = v.VerifyAt(token, at())
		if (want == nil && err == nil) || (want != nil && errors.Is(err, want)) || time.Now().After(deadline) {
			return err
		}
	}
}

func TestFollowRedis(t *testing.T) {
	redis := startRedis(t)
	const ns = "gotest"
	wall := time.Now
	exp := time.Now().Add(10 * time.Minute)
	tok := func(claims string) string {
		return sign(t, fmt.Sprintf(`{%s,"exp":%d}`, claims, exp.Unix()), jwtgate.HS256, jwtgate.Header{})
	}
	live, fresh := tok(`"sub":"g","jti":"g-live"`), tok(`"sub":"g","jti":"g-fresh"`)
	sess := tok(`"sub":"g","sid":"g-sess"`)
	subj := tok(fmt.Sprintf(`"sub":"g-user","iat":%d`, time.Now().Unix()))

	if _, err := jwtgate.NewStore("redis://127.0.0.1:1/", ns); !errors.Is(err, jwtgate.ErrSyncRedis) {
		t.Errorf("NewStore(closed port) = %v, want ErrSyncRedis", err)
	}
	store, err := jwtgate.NewStore(redis.url, ns)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	defer store.Close()

	v := newVerifier(t)
	if _, ok := v.Staleness(); ok {
		t.Error("Staleness before any source: ok = true")
	}
	f, err := v.FollowRedis(redis.url, ns)
	if err != nil {
		t.Fatalf("FollowRedis: %v", err)
	}
	defer f.Stop()
	if _, err := v.FollowRedis(redis.url, ns); !errors.Is(err, jwtgate.ErrSourceActive) {
		t.Errorf("second FollowRedis = %v, want ErrSourceActive", err)
	}
	if err := f.WaitReady(waitFor); err != nil {
		t.Fatalf("WaitReady: %v (last error %q)", err, f.LastError())
	}
	if d, ok := v.Staleness(); !ok || d > 2*time.Second {
		t.Errorf("Staleness after ready = %v, %v", d, ok)
	}
	for _, token := range []string{live, sess, subj, fresh} {
		if _, err := v.Verify(token); err != nil {
			t.Fatalf("before revoking: %v", err)
		}
	}

	for _, c := range []struct {
		name string
		do   func() (jwtgate.RevokeOutcome, error)
		want jwtgate.RevokeOutcome
	}{
		{"token", func() (jwtgate.RevokeOutcome, error) { return store.RevokeToken("g-live", exp) }, jwtgate.RevokeAdded},
		{"token again", func() (jwtgate.RevokeOutcome, error) { return store.RevokeToken("g-live", exp) }, jwtgate.RevokeUnchanged},
		{"session", func() (jwtgate.RevokeOutcome, error) { return store.RevokeSession("g-sess", exp) }, jwtgate.RevokeAdded},
		{"subject", func() (jwtgate.RevokeOutcome, error) {
			return store.RevokeSubject("g-user", time.Now().Add(time.Second), 0, exp)
		}, jwtgate.RevokeAdded},
	} {
		got, err := c.do()
		if err != nil || got != c.want {
			t.Errorf("revoke %s = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := store.RevokeSubject("g-user", time.Time{}, 0, exp); !errors.Is(err, jwtgate.ErrInvalidRevocation) {
		t.Errorf("RevokeSubject without a bound = %v, want ErrInvalidRevocation", err)
	}
	// Out of force (until plus the 5-minute maximum leeway is past): an
	// error, never a silent no-op.
	if _, err := store.RevokeToken("g-old", time.Now().Add(-10*time.Minute)); !errors.Is(err, jwtgate.ErrRevocationExpired) {
		t.Errorf("RevokeToken(past) = %v, want ErrRevocationExpired", err)
	}
	if _, err := store.RevokeToken("", exp); !errors.Is(err, jwtgate.ErrInvalidRevocation) {
		t.Errorf("RevokeToken(\"\") = %v, want ErrInvalidRevocation", err)
	}
	outs, err := store.RevokeMany([]jwtgate.Revocation{
		{Kind: jwtgate.KindToken, ID: "g-bulk-1", Until: exp},
		{Kind: jwtgate.KindToken, ID: "g-live", Until: exp},
		{Kind: jwtgate.KindSubject, ID: "g-bulk-u", Until: exp, BelowVersion: 3},
	})
	if err != nil || len(outs) != 3 || outs[0] != jwtgate.RevokeAdded ||
		outs[1] != jwtgate.RevokeUnchanged || outs[2] != jwtgate.RevokeAdded {
		t.Errorf("RevokeMany = %v, %v", outs, err)
	}
	if _, err := store.RevokeMany([]jwtgate.Revocation{{Kind: jwtgate.KindSession, ID: "", Until: exp}}); !errors.Is(err, jwtgate.ErrInvalidRevocation) {
		t.Errorf("RevokeMany with an empty id = %v, want ErrInvalidRevocation", err)
	}
	if _, err := store.RevokeMany([]jwtgate.Revocation{{Kind: jwtgate.KindSession, ID: "x", Until: time.Unix(1, 0)}}); !errors.Is(err, jwtgate.ErrRevocationExpired) {
		t.Errorf("RevokeMany with a past until = %v, want ErrRevocationExpired", err)
	}
	// The zero Time: the maximum token lifetime from now.
	if outs, err := store.RevokeMany([]jwtgate.Revocation{{Kind: jwtgate.KindSession, ID: "x"}}); err != nil || len(outs) != 1 || outs[0] != jwtgate.RevokeAdded {
		t.Errorf("RevokeMany without until = %v, %v, want RevokeAdded", outs, err)
	}
	for name, token := range map[string]string{"token": live, "session": sess, "subject": subj} {
		if err := eventually(v, token, wall, jwtgate.ErrRevoked); !errors.Is(err, jwtgate.ErrRevoked) {
			t.Errorf("%s revoked through the store: verify = %v, want ErrRevoked", name, err)
		}
	}
	if _, err := v.Verify(fresh); err != nil {
		t.Errorf("unrevoked token: %v", err)
	}

	// The default namespace is another keyspace.
	other := newVerifier(t)
	fo, err := other.FollowRedis(redis.url, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := fo.WaitReady(waitFor); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Verify(live); err != nil {
		t.Errorf("other namespace: %v", err)
	}
	fo.Stop()
	fo.Stop()

	m := v.Metrics()
	if m.RevocationsApplied < 3 || m.DenylistEntries < 3 || !m.Synced ||
		m.Rejected[jwtgate.ReasonRevokedToken] < 1 || m.Rejected[jwtgate.ReasonRevokedSession] < 1 ||
		m.Rejected[jwtgate.ReasonRevokedSubject] < 1 || m.Accepted < 5 {
		t.Errorf("Metrics = %+v", m)
	}
	text := v.MetricsPrometheus("")
	for _, want := range []string{
		"# TYPE jwtgate_verifications_total counter",
		fmt.Sprintf("jwtgate_accepted_total %d", m.Accepted),
		`jwtgate_rejected_total{reason="revoked_subject"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("MetricsPrometheus lacks %q:\n%s", want, text)
		}
	}
	if got := v.MetricsPrometheus("bad-prefix"); got != "" {
		t.Errorf("MetricsPrometheus(bad-prefix) = %q", got)
	}
	if jwtgate.ReasonStale.String() != "stale" || !strings.Contains(text, `reason="stale"`) {
		t.Error("reason labels differ from the Prometheus output")
	}

	// A live follower confirms every quarter second: not stale at 1 s.
	if err := v.SetMaxStaleness(time.Second); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		if _, err := v.Verify(fresh); err != nil {
			t.Fatalf("fresh token with a live follower: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	// Redis goes away: verification fails closed within about a second.
	redis.Stop()
	if err := eventually(v, fresh, wall, jwtgate.ErrStale); !errors.Is(err, jwtgate.ErrStale) {
		t.Fatalf("after stopping Redis: verify = %v, want ErrStale", err)
	}
	var jerr *jwtgate.Error
	if _, err := v.Verify(live); !errors.As(err, &jerr) || jerr.Code != 900 {
		t.Errorf("stale code = %v", err)
	}
	if d, ok := v.Staleness(); !ok || d <= time.Second {
		t.Errorf("Staleness with Redis down = %v, %v", d, ok)
	}
	if f.LastError() == "" {
		t.Error("LastError empty with Redis down")
	}
	if m := v.Metrics(); m.Disconnects < 1 || m.Rejected[jwtgate.ReasonStale] < 2 {
		t.Errorf("Metrics after Redis stopped = %+v", m)
	}
	if _, err := store.RevokeToken("g-late", exp); !errors.Is(err, jwtgate.ErrSyncRedis) {
		t.Errorf("revoke with Redis down = %v, want ErrSyncRedis", err)
	}
	// Without a maximum, what was held still applies.
	if err := v.SetMaxStaleness(0); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(live); !errors.Is(err, jwtgate.ErrRevoked) {
		t.Errorf("held revocation after Redis stopped: %v", err)
	}
	f.Stop()
	f.Stop()
	if err := f.WaitReady(time.Millisecond); !errors.Is(err, jwtgate.ErrNotReady) {
		t.Errorf("WaitReady after Stop = %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, to, b)
}

func writeAtomic(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

func TestWatchFile(t *testing.T) {
	revoking := os.Getenv("JWTGATE_TEST_DENYLIST")
	if revoking == "" {
		t.Fatal("JWTGATE_TEST_DENYLIST is not set (run scripts/test-go.sh)")
	}
	empty := filepath.Join(filepath.Dir(revoking), "denylist-empty.bin")
	path := filepath.Join(t.TempDir(), "denylist.bin")
	copyFile(t, empty, path)
	at := func() time.Time { return now }
	token := sign(t, `{"sub":"a","jti":"t-revoked","exp":1760000600}`, jwtgate.HS256, jwtgate.Header{})

	v := newVerifier(t)
	if err := v.SetMaxStaleness(time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyAt(token, now); !errors.Is(err, jwtgate.ErrStale) {
		t.Errorf("never synced with a maximum: %v, want ErrStale", err)
	}
	if _, err := v.WatchFile(filepath.Join(t.TempDir(), "missing.bin"), 0); !errors.Is(err, jwtgate.ErrSyncIO) {
		t.Errorf("WatchFile(missing) = %v, want ErrSyncIO", err)
	}
	w, err := v.WatchFile(path, 10*time.Millisecond)
	if err != nil {
		t.Fatalf("WatchFile: %v", err)
	}
	defer w.Stop()
	if _, err := v.WatchFile(path, 0); !errors.Is(err, jwtgate.ErrSourceActive) {
		t.Errorf("second WatchFile = %v, want ErrSourceActive", err)
	}
	if _, err := v.VerifyAt(token, now); err != nil {
		t.Fatalf("empty denylist: %v", err)
	}
	copyFile(t, revoking, path)
	if err := eventually(v, token, at, jwtgate.ErrRevoked); !errors.Is(err, jwtgate.ErrRevoked) {
		t.Fatalf("after the file changed: %v, want ErrRevoked", err)
	}
	writeAtomic(t, path, []byte("garbage"))
	for deadline := time.Now().Add(waitFor); w.LastError() == "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if w.LastError() == "" {
		t.Error("a corrupt file was not reported")
	}
	if _, err := v.VerifyAt(token, now); !errors.Is(err, jwtgate.ErrRevoked) {
		t.Errorf("after a corrupt file: %v, want ErrRevoked (last good kept)", err)
	}
	// The static denylist is another layer: clearing it keeps the live one.
	if err := v.ClearDenylist(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyAt(token, now); !errors.Is(err, jwtgate.ErrRevoked) {
		t.Errorf("after ClearDenylist: %v, want ErrRevoked", err)
	}
	m := v.Metrics()
	if m.Reloads < 2 || m.ReloadFailures < 1 || m.DenylistEntries != 3 || !m.Synced ||
		m.Rejected[jwtgate.ReasonStale] != 1 || m.Verifications < 4 {
		t.Errorf("Metrics = %+v", m)
	}
	w.Stop()
	time.Sleep(20 * time.Millisecond)
	if err := v.SetMaxStaleness(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyAt(token, now); !errors.Is(err, jwtgate.ErrStale) {
		t.Errorf("stopped watcher, 1 ms maximum: %v, want ErrStale", err)
	}
	// The verifier can take a new source once the old one stopped.
	w2, err := v.WatchFile(path+".missing", 0)
	if !errors.Is(err, jwtgate.ErrSyncIO) || w2 != nil {
		t.Errorf("WatchFile after Stop = %v, %v", w2, err)
	}
}

// Issue 12: a revocation by jti with any until at or after the token's exp
// (+15m, +20m, +1h, +2h, +1d, or the zero Time: the maximum token lifetime)
// is rejected by a follower, also for an exp one second before a window
// boundary and within the verifier's leeway after exp; an until beyond
// the maximum token lifetime is refused.
func TestRevokeTokenUntil(t *testing.T) {
	redis := startRedis(t)
	const ns = "gountil"
	store, err := jwtgate.NewStore(redis.url, ns)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	defer store.Close()
	if err := store.SetRetention(5*time.Minute, 24*time.Hour); err != nil {
		t.Fatalf("SetRetention: %v", err)
	}
	v := newVerifier(t, jwtgate.WithLeeway(30*time.Second))
	f, err := v.FollowRedis(redis.url, ns)
	if err != nil {
		t.Fatalf("FollowRedis: %v", err)
	}
	defer f.Stop()
	if err := f.WaitReady(waitFor); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	now := time.Now().Truncate(time.Second)
	edge := now.Truncate(time.Hour).Add(time.Hour - time.Second) // one second before a boundary
	if edge.Before(now.Add(2 * time.Minute)) {
		edge = edge.Add(time.Hour)
	}
	for e, exp := range []time.Time{now.Add(15 * time.Minute), edge} {
		untils := []time.Time{exp, now.Add(20 * time.Minute), now.Add(time.Hour), now.Add(2 * time.Hour), now.Add(24 * time.Hour), {}}
		for u, until := range untils {
			jti := fmt.Sprintf("u-%d-%d", e, u)
			token := sign(t, fmt.Sprintf(`{"jti":%q,"exp":%d}`, jti, exp.Unix()), jwtgate.HS256, jwtgate.Header{})
			if _, err := v.VerifyAt(token, now); err != nil {
				t.Fatalf("%s before revoking: %v", jti, err)
			}
			if got, err := store.RevokeToken(jti, until); err != nil || got != jwtgate.RevokeAdded {
				t.Fatalf("RevokeToken(%s, %v) = %v, %v", jti, until, got, err)
			}
			at := func() time.Time { return now }
			if err := eventually(v, token, at, jwtgate.ErrRevoked); !errors.Is(err, jwtgate.ErrRevoked) {
				t.Errorf("%s (exp %v, until %v): verify = %v, want ErrRevoked", jti, exp, until, err)
			}
			if _, err := v.VerifyAt(token, exp.Add(29*time.Second)); !errors.Is(err, jwtgate.ErrRevoked) {
				t.Errorf("%s at exp+29s (leeway 30s): verify = %v, want ErrRevoked", jti, err)
			}
		}
		other := sign(t, fmt.Sprintf(`{"jti":"other","exp":%d}`, exp.Unix()), jwtgate.HS256, jwtgate.Header{})
		if _, err := v.VerifyAt(other, now); err != nil {
			t.Errorf("a token not revoked: %v", err)
		}
	}
	if _, err := store.RevokeToken("far", now.Add(25*time.Hour)); !errors.Is(err, jwtgate.ErrRevocationTooFar) {
		t.Errorf("RevokeToken(+25h) = %v, want ErrRevocationTooFar", err)
	}
}
