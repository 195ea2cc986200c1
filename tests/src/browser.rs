//! A real headless Chromium for the browser tests, driven over WebDriver by `fantoccini`.
//!
//! Each [`Browser`] starts its own `chromedriver` on a free port with a fresh profile; dropping it
//! ends the session, stops the driver and removes the profile. The helpers wait for what they
//! need with short polling loops bounded by a deadline — never a fixed sleep.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::json;

/// How long a page, an element or a text may take to appear.
const PATIENCE: Duration = Duration::from_secs(10);

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// One `chromedriver` process, its Chromium profile and session: all ended when dropped.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
    session: Option<String>,
}

impl Driver {
    fn start() -> Self {
        for path in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's chromium and chromium-driver \
                 (`apt-get install chromium chromium-driver`, which `bash tests/run-all.sh` does)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port for chromedriver")
            .port();
        let profile =
            std::env::temp_dir().join(format!("passerelle-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&profile).expect("Chromium profile directory");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {CHROMEDRIVER}: {e}"));
        Self {
            child,
            port,
            profile,
            session: None,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until the driver answers `GET /status`.
    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        let http = reqwest::Client::new();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("chromedriver exited at start-up ({status})");
            }
            if let Ok(response) = http
                .get(format!("{}/status", self.url()))
                .timeout(Duration::from_secs(1))
                .send()
                .await
                && response.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on port {} within {PATIENCE:?}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Ends the WebDriver session with a plain blocking request, so that the driver closes
    /// Chromium even when the test panicked and the async runtime is going away.
    fn delete_session(&mut self) {
        let Some(session) = self.session.take() else {
            return;
        };
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let request = format!(
            "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.delete_session();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A signed-out headless Chromium pointed at one test server.
pub struct Browser {
    pub client: Client,
    base: String,
    driver: Driver,
}

impl Browser {
    /// Starts chromedriver and a fresh Chromium for the server at `base` (`http://127.0.0.1:…`).
    pub async fn start(base: &str) -> Self {
        // Two rustls crypto providers are compiled in (aws-lc-rs and ring): name one, or the
        // WebDriver client cannot build its (unused) TLS configuration.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut driver = Driver::start();
        driver.wait_ready().await;
        let profile = driver.profile.display().to_string();
        let mut capabilities = fantoccini::wd::Capabilities::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-dev-shm-usage",
                    "--disable-component-update",
                    "--no-first-run",
                    "--disable-sync",
                    format!("--user-data-dir={profile}"),
                    "--window-size=1280,1000",
                    "--lang=fr-FR",
                ],
                // Downloads land in the profile, without asking (see `downloaded`).
                "prefs": {
                    "download.default_directory": format!("{profile}/telechargements"),
                    "download.prompt_for_download": false,
                },
            }),
        );
        let client = ClientBuilder::rustls()
            .expect("TLS roots for the WebDriver client")
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| panic!("Chromium did not start through chromedriver: {e}"));
        driver.session = client.session_id().await.ok().flatten();
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            driver,
        }
    }

    /// Opens a path of the server (`/connexion`).
    /// Waits for a file of that name to be downloaded completely, and returns its bytes.
    pub async fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.driver.profile.join("telechargements").join(name);
        let deadline = Instant::now() + PATIENCE;
        loop {
            // Chromium writes `<name>.crdownload`, then renames it when done.
            if let Ok(bytes) = std::fs::read(&path) {
                return bytes;
            }
            assert!(
                Instant::now() < deadline,
                "no download {name} in {}",
                path.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path and query of the current page (`/connexion?suite=%2F`).
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits until the current page's address is `path`: compared with the query when `path`
    /// has one (`/orientations/…?fait=accepter`), without it otherwise.
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let url = self.client.current_url().await.expect("current URL");
            let here = if path.contains('?') {
                format!("{}?{}", url.path(), url.query().unwrap_or_default())
            } else {
                url.path().to_owned()
            };
            if here == path {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "expected to be on {path}, still on {url}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the current path (without the query) matches `accept`; returns it.
    pub async fn wait_for_path_matching(
        &self,
        what: &str,
        accept: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let url = self.client.current_url().await.expect("current URL");
            if accept(url.path()) {
                return url.path().to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "expected to reach {what}, still on {url}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The first element matching the CSS selector, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        self.find_by(Locator::Css(css), css).await
    }

    async fn find_by(&self, locator: Locator<'_>, what: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(element) = self.client.find(locator).await {
                return element;
            }
            assert!(
                Instant::now() < deadline,
                "no element {what} on {} within {PATIENCE:?}; the page says:\n{}",
                self.path().await,
                self.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// All elements matching the CSS selector now (possibly none).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find all {css}: {e}"))
    }

    /// The visible text of the first element matching the selector.
    pub async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// The text of the first element matching the selector as written in the page, whatever
    /// the style does to its case (badges are shown in capitals).
    pub async fn content(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("textContent")
            .await
            .unwrap_or_else(|e| panic!("text content of {css}: {e}"))
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    /// The visible text of the whole page.
    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page's visible text contains `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = self.body_text().await;
            if text.contains(needle) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the page {} never showed « {needle} »; it says:\n{text}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types `value` into the field matching the selector (cleared first).
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Sets a field's value from JavaScript (for `<input type="date">`, whose typing depends on
    /// the locale).
    pub async fn set_value(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        self.client
            .execute(
                "arguments[0].value = arguments[1]; \
                 arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
                vec![
                    serde_json::to_value(&field).expect("element as JSON"),
                    json!(value),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("set the value of {css}: {e}"));
    }

    /// Clicks the element matching the selector.
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks the button (or link styled as one) whose text is exactly `label`, within the
    /// element matching `scope` (`body` for the whole page).
    pub async fn click_button(&self, scope: &str, label: &str) {
        let container = self.find(scope).await;
        let xpath = format!(
            ".//*[self::button or self::a][normalize-space(.)={}]",
            xpath_literal(label)
        );
        let deadline = Instant::now() + PATIENCE;
        let button = loop {
            if let Ok(button) = container.find(Locator::XPath(&xpath)).await {
                break button;
            }
            assert!(
                Instant::now() < deadline,
                "no button « {label} » in {scope} on {}; the page says:\n{}",
                self.path().await,
                self.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        button
            .click()
            .await
            .unwrap_or_else(|e| panic!("click « {label} »: {e}"));
    }

    /// Signs in through the sign-in form of the current page.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click_button("main", "Se connecter").await;
    }

    /// Saves a screenshot of the page as `<temp dir>/passerelle-<name>.png`; returns the path.
    /// Opens `path` signed out, signs in on the page it leads to, and waits to be back on
    /// `path`.
    pub async fn sign_in_at(&self, path: &str, email: &str, password: &str) {
        self.open(path).await;
        self.wait_for_path("/connexion").await;
        self.sign_in(email, password).await;
        self.wait_for_path(path).await;
    }

    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = std::env::temp_dir().join(format!("passerelle-{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Ends the session and the driver (dropping does the same).
    pub async fn close(mut self) {
        if self.client.clone().close().await.is_ok() {
            self.driver.session = None;
        }
    }
}

/// `text` as an XPath string literal, whatever quotes it holds.
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}
