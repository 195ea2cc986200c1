//! The real binary, run as an operator runs it: found in the target folder, started with a
//! clean environment, killed when the test ends.

use std::{
    path::PathBuf,
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

/// `target/debug/passerelle`, or under `CARGO_TARGET_DIR` when set.
pub fn binary() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                workspace.join(dir)
            }
        })
        .unwrap_or_else(|| workspace.join("target"));
    let path = target.join("debug").join("passerelle");
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p passerelle` before these tests",
        path.display()
    );
    path
}

/// The binary with a clean environment of ours: no `PASSERELLE_*` variable of the caller leaks in.
pub fn passerelle(database_url: &str) -> Command {
    let mut command = Command::new(binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PASSERELLE_") {
            command.env_remove(key);
        }
    }
    command
        .env("PASSERELLE_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn");
    command
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A child process killed (by its own handle) if the test ends without waiting for it.
pub struct Running {
    pub child: Child,
    pub stderr: PathBuf,
}

impl Running {
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The exit status if it ends within `limit`.
    pub async fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_file(&self.stderr);
    }
}

pub fn serve(mut command: Command) -> Running {
    let stderr = std::env::temp_dir().join(format!(
        "passerelle-cli-test-{}.log",
        uuid::Uuid::new_v4().simple()
    ));
    let file = std::fs::File::create(&stderr).expect("log file");
    let child = command
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .expect("spawn passerelle serve");
    Running { child, stderr }
}

impl Running {
    /// The process's peak resident memory so far, in MiB (`VmHWM`, Linux).
    pub fn peak_memory_mib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024)
    }

    /// Its resident memory now, in MiB (`VmRSS`).
    pub fn memory_mib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024)
    }
}
