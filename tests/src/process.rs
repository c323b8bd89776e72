//! The `fundtrail` command as a child process.
//!
//! Which executable ([`executable`]): `FUNDTRAIL_BIN` when set (to try a
//! release build, say), else this package's `fundtrail-e2e-server`, the `fundtrail`
//! command built from `services/fundtrail/src/main.rs` (see `Cargo.toml`):
//! cargo builds it before this package's integration tests, so it is there
//! on a fresh clone, whereas `cargo nextest run --workspace` does not build
//! `target/debug/fundtrail`.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::client::Client;
use crate::server::Storage;

/// The executable to run: `FUNDTRAIL_BIN` when set, else `built` (the test's
/// `env!("CARGO_BIN_EXE_fundtrail-e2e-server")`: only integration tests see
/// that variable, so they pass it in).
pub fn executable(built: &str) -> PathBuf {
    std::env::var_os("FUNDTRAIL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(built))
}

/// `fundtrail token create --name NAME --role ROLE` over `storage` (no server
/// may hold the embedded store meanwhile); returns the printed token.
pub async fn create_token(exe: &Path, storage: &Storage, name: &str, role: &str) -> String {
    let (args, env) = storage.command_args();
    let mut command = Command::new(exe);
    command
        .args(["token", "create", "--name", name, "--role", role])
        .args(&args)
        .current_dir(storage.workdir())
        .stdin(Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FUNDTRAIL_") {
            command.env_remove(key);
        }
    }
    let output = command
        .envs(env)
        .output()
        .await
        .expect("run fundtrail token create");
    assert!(
        output.status.success(),
        "fundtrail token create failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).expect("the token is text");
    let token = token.trim().to_owned();
    assert!(token.starts_with("ft_"), "not a token: {token:?}");
    token
}

/// A running `fundtrail serve`, killed if dropped before [`Served::terminate`].
pub struct Served {
    child: Child,
    pub client: Client,
    log: Arc<Mutex<String>>,
    reader: JoinHandle<()>,
}

impl Served {
    /// `fundtrail serve --listen 127.0.0.1:0` over `storage`; waits until it
    /// says where it listens and `/readyz` answers 200.
    pub async fn start(exe: &Path, storage: &Storage) -> Served {
        Self::start_with_log(exe, storage, "info").await
    }

    /// [`Served::start`] with `RUST_LOG=rust_log` (`"debug,tower_http=trace"`, say).
    pub async fn start_with_log(exe: &Path, storage: &Storage, rust_log: &str) -> Served {
        Self::start_with(exe, storage, rust_log, &[], &[]).await
    }

    /// [`Served::start_with_log`], with more arguments to `serve` and more
    /// environment (`FUNDTRAIL_WEBHOOK_URL`, say).
    pub async fn start_with(
        exe: &Path,
        storage: &Storage,
        rust_log: &str,
        more_args: &[&str],
        more_env: &[(&str, &str)],
    ) -> Served {
        assert!(
            exe.exists(),
            "the fundtrail executable {} is missing",
            exe.display()
        );
        let (args, env) = storage.command_args();
        let token = create_token(exe, storage, crate::server::ACTOR, "admin").await;
        let mut command = Command::new(exe);
        command
            .arg("serve")
            .args(&args)
            .args(["--listen", "127.0.0.1:0", "--log-format", "text"])
            .current_dir(storage.workdir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Only what this test says: no settings from the developer's shell.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("FUNDTRAIL_") {
                command.env_remove(key);
            }
        }
        command
            .args(more_args)
            .env("RUST_LOG", rust_log)
            .envs(env)
            .envs(more_env.iter().copied());
        let mut child = command.spawn().expect("spawn fundtrail serve");

        let log = Arc::new(Mutex::new(String::new()));
        let (address_tx, address_rx) = oneshot::channel::<String>();
        let stderr = child.stderr.take().expect("a piped stderr");
        let log_writer = log.clone();
        let reader = tokio::spawn(async move {
            let mut address_tx = Some(address_tx);
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.split("GraphiQL at http://").nth(1)
                    && let Some(tx) = address_tx.take()
                {
                    let address = rest.split('/').next().unwrap_or_default().to_owned();
                    let _ = tx.send(address);
                }
                let mut log = log_writer.lock().unwrap_or_else(|p| p.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });

        let address = match tokio::time::timeout(Duration::from_secs(20), address_rx).await {
            Ok(Ok(address)) => address,
            _ => {
                let status = child.try_wait().ok().flatten();
                panic!(
                    "fundtrail serve did not say where it listens (exit: {status:?}); its log:\n{}",
                    log.lock().unwrap_or_else(|p| p.into_inner())
                );
            }
        };
        let client = Client::with_token(format!("http://{address}"), token);
        let served = Served {
            child,
            client,
            log,
            reader,
        };
        served.wait_ready().await;
        served
    }

    /// Polls `/readyz` until it answers 200 (at most 20 s).
    async fn wait_ready(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let status = self
                .client
                .http()
                .get(self.client.url("/readyz"))
                .send()
                .await
                .map(|r| r.status().as_u16());
            if matches!(status, Ok(200)) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "/readyz never answered 200 (last: {status:?}); log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("a running child")
    }

    /// Kills the process (SIGKILL: no shutdown of any kind) and waits for it.
    pub async fn kill(mut self) -> String {
        self.child.kill().await.expect("kill fundtrail");
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.reader).await;
        self.log()
    }

    /// Sends SIGTERM and waits (at most 10 s) for the process to exit.
    pub async fn terminate(mut self) -> (ExitStatus, String) {
        let pid = self.pid();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let status = match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(status) => status.expect("wait for fundtrail"),
            Err(_) => panic!(
                "fundtrail did not exit within 10 s of SIGTERM; log:\n{}",
                self.log()
            ),
        };
        // The log ends when the process has gone (its stderr closes).
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.reader).await;
        (status, self.log())
    }
}
