//! A partner's live subscriber: `tests/live/subscribe.py`, the Python `gql` client speaking
//! graphql-transport-ws, run as a child process whose JSON lines the test reads.

use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::mpsc,
};

use crate::TestApp;

pub struct Subscriber {
    _child: Child,
    lines: mpsc::UnboundedReceiver<Value>,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("live/subscribe.py")
}

impl Subscriber {
    /// Subscribes to `referralEvents(organisationId)` on `app` with `token`.
    pub fn start(app_url: &str, token: &str, organisation: &str) -> Self {
        let ws = format!("{}/graphql/ws", app_url.replacen("http://", "ws://", 1));
        let mut child = Command::new("python3")
            .arg(script())
            .args([&ws, token, organisation])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 tests/live/subscribe.py (pip install 'gql[websockets]')");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let value = serde_json::from_str(&line).unwrap_or(Value::String(line));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Self {
            _child: child,
            lines,
        }
    }

    /// The next line the client prints, within `limit`.
    pub async fn next(&mut self, limit: Duration) -> Option<Value> {
        tokio::time::timeout(limit, self.lines.recv())
            .await
            .ok()
            .flatten()
    }

    /// The next line that is not `{"connected": true}`.
    pub async fn next_news(&mut self, limit: Duration) -> Option<Value> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.next(left).await?;
            if line.get("connected").is_none() {
                return Some(line);
            }
        }
    }

    /// Whatever it printed within `limit` (for "and nothing else").
    pub async fn drain(&mut self, limit: Duration) -> Vec<Value> {
        let deadline = Instant::now() + limit;
        let mut out = Vec::new();
        while let Some(line) = self
            .next(deadline.saturating_duration_since(Instant::now()))
            .await
        {
            out.push(line);
        }
        out
    }
}

impl TestApp {
    /// Waits until this process has `n` live subscriptions listening.
    pub async fn wait_for_subscribers(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.state.hooks.live.subscribers() < n {
            assert!(Instant::now() < deadline, "{n} subscriptions never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
