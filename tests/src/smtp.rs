//! A real SMTP server for the tests: `tests/smtp/server.py` (aiosmtpd, installed by the test
//! command) on a free port, writing each message it accepts as a JSON file that the tests read
//! back. It can be stopped and started again on the same port, to play a mail server outage.

use std::{
    collections::HashSet,
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde::Deserialize;

/// One message as the server received it (headers decoded, parts as text).
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub message_id: String,
    pub subject: String,
    pub from: String,
    pub to: String,
    pub text: Option<String>,
    pub html: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    /// Each message takes this long to accept.
    pub delay_ms: u64,
    /// A recipient containing this text is refused with 550.
    pub reject: Option<String>,
}

pub struct SmtpServer {
    pub port: u16,
    pub dir: PathBuf,
    options: SmtpOptions,
    child: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl SmtpServer {
    pub async fn start(options: SmtpOptions) -> Self {
        let dir = std::env::temp_dir().join(format!("passerelle-smtp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("mail directory");
        let mut server = Self {
            port: free_port(),
            dir,
            options,
            child: None,
        };
        server.restart().await;
        server
    }

    /// The URL the app sends to.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Starts the server (again) on its port, and waits until it answers.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp/server.py");
        let mut command = Command::new("python3");
        command
            .arg(script)
            .args(["--port", &self.port.to_string()])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--delay-ms", &self.options.delay_ms.to_string()])
            .stdout(Stdio::null());
        if let Some(reject) = &self.options.reject {
            command.args(["--reject", reject]);
        }
        self.child = Some(command.spawn().expect(
            "python3 with aiosmtpd is needed (`python3 -m pip install aiosmtpd`; the test command installs it)",
        ));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("the SMTP server exited: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the SMTP server did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the server: connections are refused until `restart`.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Received> {
        let mut messages = Vec::new();
        for entry in std::fs::read_dir(&self.dir).expect("mail directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                let raw = std::fs::read_to_string(&path).expect("message file");
                messages.push(serde_json::from_str(&raw).expect("message JSON"));
            }
        }
        messages
    }

    /// Waits until at least `n` messages arrived; panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(
                started.elapsed() < timeout,
                "{} message(s) received, {n} expected",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The distinct Message-IDs among `messages`.
pub fn distinct_ids(messages: &[Received]) -> HashSet<String> {
    messages.iter().map(|m| m.message_id.clone()).collect()
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
