"""A Python follower for scripts/test-ha.sh: follows URL (namespace `ha`)
through jwtgate.Verifier.follow_redis, prints "ready", waits for DONE to
exist, then checks that every jti listed in ACKED is rejected as revoked
(the last one given up to 15 s to arrive) and prints "python: lost N of M".
Exit 0 when N is 0.

usage: follower.py URL SECRET TOKENS ACKED DONE
"""

import os
import sys
import time

import jwtgate


def revoked(verifier, token):
    try:
        verifier.verify(token)
    except Exception as e:  # noqa: BLE001 - any rejection is inspected by code
        code = getattr(e, "code", None) or 0
        if code // 100 == 6:
            return True
        if code == 900:
            return False
        raise
    return False


def main():
    url, secret, tokens_path, acked_path, done_path = sys.argv[1:6]
    tokens = dict(line.split(" ", 1) for line in open(tokens_path).read().split("\n") if line)
    verifier = jwtgate.Verifier(secret.encode())
    follower = verifier.follow_redis(url, namespace="ha", wait=30.0)
    print("ready", flush=True)
    while not os.path.exists(done_path):
        time.sleep(0.05)
    acked = [line for line in open(acked_path).read().split("\n") if line]
    deadline = time.time() + 15
    while acked and not revoked(verifier, tokens[acked[-1]]) and time.time() < deadline:
        time.sleep(0.02)
    lost = [j for j in acked if not revoked(verifier, tokens[j])]
    print(f"python: lost {len(lost)} of {len(acked)} {lost[:5]}", flush=True)
    follower.stop()
    sys.exit(1 if lost or not acked else 0)


if __name__ == "__main__":
    main()
