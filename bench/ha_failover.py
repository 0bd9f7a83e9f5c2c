"""Failover benchmark parts for bench/ha.sh (the jwtgate Python package):

  ha_failover.py tokens SECRET N              N tokens f-0..f-N-1 on stdout
  ha_failover.py follower URL SECRET TOKENS WRITER_LOG OUT STOP
      one follower process (Verifier.follow_redis, namespace `ha`): prints
      "ready", then every 2 ms checks the tokens the writer started to
      revoke (and did not give up on) and records when each is first
      rejected as revoked; writes "i ns live" lines to OUT once STOP
      exists ("i ns sweep" for those only a last check of every token
      found: enforced, at a time not measured).
  ha_failover.py writer URL OUT STOP WAIT
      revokes f-0, f-1, ... every 20 ms through RevocationStore (WAIT
      replicas when WAIT > 0) until STOP exists; writes "S i" before and
      "E i start_ns end_ns ok|error:CODE" after each to OUT.
  ha_failover.py report KILL_NS WRITER FOLLOWER_OUT...
      prints the propagation before the kill (from the start of the revoke
      call to rejection, per follower and for the slowest follower: p50,
      p99, max), the failover time (from the kill to the first revocation
      started after it that every follower enforces), and the acknowledged
      revocations some follower never enforced. Exit 1 when no revocation
      made after the kill was enforced by all, or one acknowledged was
      missed.
"""

import collections
import os
import sys
import time

import jwtgate

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ha"))
from follower import revoked  # noqa: E402 - the test follower's rule: a 6xx code is revoked

POLL = 0.002
PERIOD = 0.02


def tokens(secret, n):
    now = int(time.time())
    for i in range(int(n)):
        claims = {"sub": "u", "jti": f"f-{i}", "iat": now - 1, "exp": now + 3600}
        print(jwtgate.encode(claims, secret.encode(), algorithm="HS256"))


def follower(url, secret, tokens_path, writer_log, out, stop):
    toks = open(tokens_path).read().split()
    verifier = jwtgate.Verifier(secret.encode())
    f = verifier.follow_redis(url, namespace="ha", wait=30.0)
    print("ready", flush=True)
    seen, pending, tail = {}, set(), ""
    while not os.path.exists(writer_log):
        time.sleep(POLL)
    with open(writer_log) as log:
        while not os.path.exists(stop):
            # The writer's new lines: "S i" when it starts revoking i (checked
            # from then on), "E i ... error" when it gave up on i.
            tail += log.read()
            *lines, tail = tail.split("\n")
            for line in lines:
                kind, i, *rest = line.split()
                if kind == "S":
                    pending.add(int(i))
                elif rest[-1] != "ok":
                    pending.discard(int(i))
            for i in list(pending):
                if revoked(verifier, toks[i]):
                    seen[i] = time.time_ns()
                    pending.discard(i)
            time.sleep(POLL)
    # A last sweep: what arrived after the writer gave up on it (a refused
    # revocation may still have been stored) is enforced too, at a time
    # not measured.
    swept = set()
    for i in range(0, min(max(seen, default=-1) + 64, len(toks))):
        if i not in seen and revoked(verifier, toks[i]):
            seen[i] = time.time_ns()
            swept.add(i)
    f.stop()
    with open(out, "w") as o:
        o.writelines(f"{i} {ns} {'sweep' if i in swept else 'live'}\n" for i, ns in sorted(seen.items()))


def writer(url, out, stop, wait):
    kw = {"wait_replicas": int(wait), "wait_timeout_ms": 500} if int(wait) > 0 else {}
    store = None
    i = 0
    with open(out, "w") as o:
        while not os.path.exists(stop):
            t0 = time.time_ns()
            o.write(f"S {i}\n")
            o.flush()
            try:
                if store is None:
                    store = jwtgate.RevocationStore(url, namespace="ha", **kw)
                store.revoke_token(f"f-{i}", exp=int(time.time()) + 3600)
                ok = "ok"
            except Exception as e:  # noqa: BLE001 - counted, not fatal
                ok = f"error:{getattr(e, 'code', '?')}"
            o.write(f"E {i} {t0} {time.time_ns()} {ok}\n")
            o.flush()
            i += 1
            time.sleep(PERIOD)


def pct(xs, p):
    xs = sorted(xs)
    return xs[(len(xs) - 1) * p // 100] / 1e6 if xs else float("nan")


def report(kill_ns, writer_log, *outs):
    kill = int(kill_ns)
    log = [line.split()[1:] for line in open(writer_log) if line.startswith("E ")]
    followers, enforcing = [], []
    for path in outs:
        rows = [line.split() for line in open(path) if line.strip()]
        # Timed: seen while polling; enforcing: also those found by the
        # last sweep.
        followers.append({int(i): int(ns) for i, ns, how in rows if how == "live"})
        enforcing.append({int(i) for i, _, _ in rows})
    n = len(followers)
    per, slowest = [], []
    for i, t0, t1, ok in log:
        i, t0, t1 = int(i), int(t0), int(t1)
        if ok != "ok" or t1 >= kill:
            continue
        ds = [f[i] - t0 for f in followers if i in f]
        if len(ds) == n:
            per.extend(ds)
            slowest.append(max(ds))
    print(
        f"propagation before the kill, {len(slowest)} revocations x {n} follower processes: "
        f"per follower p50 {pct(per, 50):.2f} ms, p99 {pct(per, 99):.2f} ms, max {pct(per, 100):.2f} ms; "
        f"slowest follower p50 {pct(slowest, 50):.2f} ms, p99 {pct(slowest, 99):.2f} ms, max {pct(slowest, 100):.2f} ms"
    )
    def first_enforced(only_acked):
        for i, t0, _, ok in log:
            i = int(i)
            if int(t0) > kill and (ok == "ok" or not only_acked) and all(i in f for f in followers):
                return round((max(f[i] for f in followers) - kill) / 1e6)
        return None

    recovered, recovered_acked = first_enforced(False), first_enforced(True)
    acked = [int(i) for i, _, _, ok in log if ok == "ok"]
    missed = [i for i in acked if not all(i in f for f in enforcing)]
    refused = collections.Counter(ok for *_, ok in log if ok != "ok")
    first_ack = next((round((int(t1) - kill) / 1e6) for _, t0, t1, ok in log if ok == "ok" and int(t0) > kill), None)
    print(
        f"failover, from the kill: first revocation made after it that every follower enforces {recovered} ms "
        f"(acknowledged ones only: {recovered_acked} ms); first acknowledged {first_ack} ms; "
        f"{len(acked)} acknowledged, refused {dict(refused)}, "
        f"{len(missed)} acknowledged but missed by a follower {missed[:5]}"
    )
    return 0 if recovered is not None and not missed else 1


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "tokens":
        tokens(*args)
    elif cmd == "follower":
        follower(*args)
    elif cmd == "writer":
        writer(*args)
    elif cmd == "report":
        sys.exit(report(*args))
    else:
        sys.exit(f"unknown command {cmd}")
