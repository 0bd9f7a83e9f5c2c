//! Highly available Redis topologies for the failover tests, started on
//! loopback in a temporary directory and killed on drop: a Sentinel group
//! (master, replica, three sentinels) and a Cluster (three masters, three
//! replicas, created with `redis-cli --cluster create`).

use super::{free_port, TempDir};
use jwtgate_sync::redis;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One `redis-server` process (data node or sentinel).
pub struct Proc {
    child: Option<Child>,
    pub port: u16,
    args: Vec<String>,
    ping: bool,
}

impl Proc {
    fn spawn(port: u16, args: Vec<String>) -> Proc {
        let mut p = Proc::spawn_unchecked(port, args);
        wait_ping(port);
        p.ping = true;
        p
    }

    /// Starts `redis-server ARGS` without waiting for a plain-text PING
    /// (a TLS-only server).
    pub fn spawn_unchecked(port: u16, args: Vec<String>) -> Proc {
        let mut p = Proc {
            child: None,
            port,
            args,
            ping: false,
        };
        p.start();
        p
    }

    fn start(&mut self) {
        let child = Command::new("redis-server")
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be on PATH (scripts/setup.sh installs it)");
        self.child = Some(child);
        if self.ping {
            wait_ping(self.port);
        }
    }

    /// SIGKILL: no shutdown, no save.
    pub fn kill(&mut self) {
        super::kill_child(&mut self.child);
    }

    /// Starts the same command again (same port, same directory).
    pub fn restart(&mut self) {
        self.kill();
        self.start();
    }

    /// Starts it again with extra arguments.
    pub fn restart_with(&mut self, extra: &[String]) {
        self.kill();
        let saved = self.args.clone();
        self.args.extend_from_slice(extra);
        self.start();
        self.args = saved;
    }

    /// Sends a signal (`STOP`, `CONT`, ...) with kill(1).
    pub fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(pid)
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    pub fn con(&self) -> redis::Connection {
        connect(self.port)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A CA and a server certificate for 127.0.0.1 (EC P-256, one day),
/// made with openssl(1) in `dir`: returns (ca.pem, server.pem, server.key).
pub fn make_certs(dir: &Path) -> (String, String, String) {
    let p = |f: &str| dir.join(f).display().to_string();
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let (ca, ca_key, key, csr, cert, ext) = (
        p("ca.pem"),
        p("ca.key"),
        p("server.key"),
        p("server.csr"),
        p("server.pem"),
        p("san.ext"),
    );
    let mut a = vec!["req", "-x509", "-days", "1", "-subj", "/CN=jwtgate test CA"];
    a.extend_from_slice(&ec);
    a.extend_from_slice(&["-keyout", &ca_key, "-out", &ca]);
    run(&a);
    let mut a = vec!["req", "-subj", "/CN=127.0.0.1"];
    a.extend_from_slice(&ec);
    a.extend_from_slice(&["-keyout", &key, "-out", &csr]);
    run(&a);
    std::fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        &ext,
        "-out",
        &cert,
    ]);
    (ca, cert, key)
}

pub fn connect(port: u16) -> redis::Connection {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(1))
        .unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c
}

fn wait_ping(port: u16) {
    assert!(
        poll(Duration::from_secs(10), || {
            redis::Client::open(format!("redis://127.0.0.1:{port}/"))
                .ok()
                .and_then(|c| {
                    c.get_connection_with_timeout(Duration::from_millis(200))
                        .ok()
                })
                .is_some_and(|mut c| redis::cmd("PING").query::<String>(&mut c).is_ok())
        }),
        "redis on port {port} did not answer PING"
    );
}

/// Polls `f` every 20 ms until true or `timeout` (servers are asked over
/// new connections: no need to spin).
pub fn poll(timeout: Duration, f: impl FnMut() -> bool) -> bool {
    super::eventually_every(timeout, Duration::from_millis(20), f)
}

/// Runs a command on a fresh connection, `None` on any error.
pub fn try_query<T: redis::FromRedisValue>(port: u16, cmd: &redis::Cmd) -> Option<T> {
    let mut c = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .ok()?
        .get_connection_with_timeout(Duration::from_millis(300))
        .ok()?;
    c.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    cmd.query(&mut c).ok()
}

/// `redis-server` arguments for an in-memory node on loopback.
pub fn data_args(port: u16, dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--dir",
        &dir.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

/// The master's name in the sentinels' configuration.
pub const MASTER_NAME: &str = "jg-master";

/// One master, one replica, three sentinels (quorum 2), with the short
/// timeouts of a test: down after 1000 ms, failover timeout 3000 ms.
pub struct SentinelGroup {
    pub nodes: Vec<Proc>,
    pub sentinels: Vec<Proc>,
    pub dir: TempDir,
}

impl SentinelGroup {
    pub fn start() -> SentinelGroup {
        let dir = TempDir::new("sentinel");
        let mport = free_port();
        let rport = free_port();
        let mdir = dir.path().join("m");
        let rdir = dir.path().join("r");
        std::fs::create_dir_all(&mdir).unwrap();
        std::fs::create_dir_all(&rdir).unwrap();
        let master = Proc::spawn(mport, data_args(mport, &mdir, &[]));
        let replica = Proc::spawn(
            rport,
            data_args(
                rport,
                &rdir,
                &["--replicaof", "127.0.0.1", &mport.to_string()],
            ),
        );
        assert!(
            poll(Duration::from_secs(10), || {
                try_query::<String>(mport, redis::cmd("INFO").arg("replication"))
                    .is_some_and(|i| i.contains("connected_slaves:1") && i.contains("state=online"))
            }),
            "replica never synced"
        );
        let sentinels = (0..3)
            .map(|i| {
                let port = free_port();
                let conf = dir.path().join(format!("sentinel-{i}.conf"));
                std::fs::write(
                    &conf,
                    format!(
                        "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {}\n\
                         sentinel monitor {MASTER_NAME} 127.0.0.1 {mport} 2\n\
                         sentinel down-after-milliseconds {MASTER_NAME} 1000\n\
                         sentinel failover-timeout {MASTER_NAME} 3000\n\
                         sentinel parallel-syncs {MASTER_NAME} 1\n",
                        dir.path().display()
                    ),
                )
                .unwrap();
                Proc::spawn(
                    port,
                    vec![conf.display().to_string(), "--sentinel".to_string()],
                )
            })
            .collect::<Vec<_>>();
        // Every sentinel must know the replica and the two other sentinels
        // before a failover can be agreed on.
        for s in &sentinels {
            assert!(
                poll(Duration::from_secs(15), || {
                    let others: Option<Vec<redis::Value>> = try_query(
                        s.port,
                        redis::cmd("SENTINEL").arg("sentinels").arg(MASTER_NAME),
                    );
                    let replicas: Option<Vec<redis::Value>> = try_query(
                        s.port,
                        redis::cmd("SENTINEL").arg("replicas").arg(MASTER_NAME),
                    );
                    others.is_some_and(|o| o.len() == 2) && replicas.is_some_and(|r| r.len() == 1)
                }),
                "sentinels did not discover each other and the replica"
            );
        }
        SentinelGroup {
            nodes: vec![master, replica],
            sentinels,
            dir,
        }
    }

    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .sentinels
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port))
            .collect();
        format!("redis+sentinel://{}/{MASTER_NAME}", hosts.join(","))
    }

    /// The master's port as the first sentinel answering reports it.
    pub fn master_port(&self) -> Option<u16> {
        self.sentinels.iter().find_map(|s| {
            try_query::<(String, u16)>(
                s.port,
                redis::cmd("SENTINEL")
                    .arg("get-master-addr-by-name")
                    .arg(MASTER_NAME),
            )
            .map(|(_, p)| p)
        })
    }

    pub fn node_mut(&mut self, port: u16) -> &mut Proc {
        self.nodes.iter_mut().find(|n| n.port == port).unwrap()
    }
}

/// Three masters and three replicas, node timeout 1000 ms.
pub struct Cluster {
    pub nodes: Vec<Proc>,
    pub dir: TempDir,
}

impl Cluster {
    pub fn start() -> Cluster {
        let dir = TempDir::new("cluster");
        let nodes: Vec<Proc> = (0..6)
            .map(|i| {
                let port = free_port();
                // The bus port defaults to port + 10000, which may not exist
                // for an ephemeral port: pick one.
                let bus = free_port().to_string();
                let d = dir.path().join(format!("n{i}"));
                std::fs::create_dir_all(&d).unwrap();
                Proc::spawn(
                    port,
                    data_args(
                        port,
                        &d,
                        &[
                            "--cluster-port",
                            &bus,
                            "--cluster-enabled",
                            "yes",
                            "--cluster-config-file",
                            "nodes.conf",
                            "--cluster-node-timeout",
                            "1000",
                        ],
                    ),
                )
            })
            .collect();
        let mut create = Command::new("redis-cli");
        create.arg("--cluster").arg("create");
        for n in &nodes {
            create.arg(format!("127.0.0.1:{}", n.port));
        }
        let out = create
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli must be on PATH");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let cluster = Cluster { nodes, dir };
        cluster.wait_ok();
        cluster.wait_replicas_synced(3);
        cluster
    }

    /// Waits until `n` running nodes are replicas with their link up.
    pub fn wait_replicas_synced(&self, n: usize) {
        assert!(
            poll(Duration::from_secs(20), || {
                self.nodes
                    .iter()
                    .filter(|p| p.is_running())
                    .filter(|p| {
                        try_query::<String>(p.port, redis::cmd("INFO").arg("replication"))
                            .is_some_and(|i| {
                                i.contains("role:slave") && i.contains("master_link_status:up")
                            })
                    })
                    .count()
                    >= n
            }),
            "cluster replicas did not sync"
        );
    }

    /// Waits until every running node reports `cluster_state:ok`.
    pub fn wait_ok(&self) {
        for n in self.nodes.iter().filter(|n| n.is_running()) {
            assert!(
                poll(Duration::from_secs(20), || {
                    try_query::<String>(n.port, redis::cmd("CLUSTER").arg("INFO"))
                        .is_some_and(|i| i.contains("cluster_state:ok"))
                }),
                "cluster not ok on {}",
                n.port
            );
        }
    }

    pub fn url(&self) -> String {
        // Two seeds are enough; the third shows that a list is accepted.
        let seeds: Vec<String> = self
            .nodes
            .iter()
            .take(3)
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis+cluster://{}", seeds.join(","))
    }

    /// (master port, replica ports) of the slot of `key`, as seen by a
    /// running node.
    pub fn shard_of(&self, key: &[u8]) -> Option<(u16, Vec<u16>)> {
        self.nodes.iter().filter(|n| n.is_running()).find_map(|n| {
            let slot: i64 = try_query(n.port, redis::cmd("CLUSTER").arg("KEYSLOT").arg(key))?;
            let slots: Vec<redis::Value> = try_query(n.port, redis::cmd("CLUSTER").arg("SLOTS"))?;
            slots.iter().find_map(|r| {
                let redis::Value::Array(r) = r else {
                    return None;
                };
                let (redis::Value::Int(a), redis::Value::Int(b)) = (r.first()?, r.get(1)?) else {
                    return None;
                };
                if !(*a..=*b).contains(&slot) {
                    return None;
                }
                let port = |v: &redis::Value| match v {
                    redis::Value::Array(x) => match x.get(1) {
                        Some(redis::Value::Int(p)) => u16::try_from(*p).ok(),
                        _ => None,
                    },
                    _ => None,
                };
                let master = port(r.get(2)?)?;
                let replicas = r.iter().skip(3).filter_map(port).collect();
                Some((master, replicas))
            })
        })
    }

    pub fn node_mut(&mut self, port: u16) -> &mut Proc {
        self.nodes.iter_mut().find(|n| n.port == port).unwrap()
    }
}
