//! Load generator: a fixed number of concurrent clients drive one GraphQL workload over HTTP on
//! loopback for a bounded time, then print one Markdown table row: throughput, p50/p90/p99,
//! errors and the server's peak RSS (VmHWM of `--pid`).
//!
//! ```text
//! bench_load --url http://127.0.0.1:8080/graphql --scale 10000 --workload inbox --seconds 10
//! ```
//!
//! Workloads: `inbox` (the big CAF's `referralsReceived(first: 50)` with service and sending
//! organisation), `inbox-sent` (the same with `status: [SENT]`), `inbox-deep` (a page 10,000 rows
//! deep, or the last-but-one, through a cursor), `create` (`createReferral` by agents of the tenants' other
//! organisations to the big CAF, under the consents the generator wrote), `acknowledge`
//! (clients race to acknowledge the big CAF's SENT referrals: a refusal for a stale version
//! is counted apart, not as an error), `typename` (`{ __typename }` with a token).
//! Sign-in is not measured: a few users sign in once and their tokens are reused.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use clap::Parser;
use passerelle_bench::{PASSWORD, Shape, fixed_id};
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080/graphql")]
    url: String,
    #[arg(long, default_value_t = 10_000)]
    scale: u64,
    #[arg(long)]
    workload: String,
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// The server's process id, for its peak RSS.
    #[arg(long)]
    pid: Option<u32>,
    /// Label of the system under test, first column of the row.
    #[arg(long, default_value = "passerelle")]
    label: String,
}

const PAGE_FIELDS: &str = "edges { cursor node { id status version urgency dueAt createdAt \
     service { id name } fromOrganisation { id name } } } pageInfo { endCursor hasNextPage }";

/// What one request does: its document and variables, made fresh for each request.
#[derive(Clone)]
enum Work {
    Fixed(Value),
    Create {
        agents: Vec<(String, u64)>,
        shape: Shape,
    },
    Acknowledge,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let host = reqwest::Url::parse(&args.url)?;
    if !matches!(host.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
        bail!("loopback only: {}", args.url);
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(args))
}

struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    /// One GraphQL request; `Ok(data)` or `Err(first error's code or message)`.
    async fn gql(
        &self,
        token: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<Result<Value, String>> {
        let mut request = self.http.post(&self.url).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .with_context(|| format!("HTTP {status}"))?;
        if let Some(error) = body["errors"].get(0) {
            let code = error["extensions"]["code"].as_str().map(str::to_owned);
            return Ok(Err(code.unwrap_or_else(|| error["message"].to_string())));
        }
        Ok(Ok(body["data"].clone()))
    }

    async fn sign_in(&self, email: &str) -> anyhow::Result<String> {
        let body = json!({
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
            "variables": { "e": email, "p": PASSWORD }
        });
        let data = self
            .gql(None, &body)
            .await?
            .map_err(|e| anyhow::anyhow!("sign-in of {email}: {e}"))?;
        data["login"]["accessToken"]
            .as_str()
            .map(str::to_owned)
            .context("no accessToken")
    }
}

fn inbox(status: Option<&str>, after: Option<&str>) -> Value {
    json!({
        "query": format!("query($s: [ReferralStatus!], $a: String) {{ referralsReceived(first: 50, status: $s, after: $a) {{ {PAGE_FIELDS} }} }}"),
        "variables": { "s": status.map(|s| vec![s]), "a": after }
    })
}

async fn run(args: Args) -> anyhow::Result<()> {
    let shape = Shape::of(args.scale);
    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(args.concurrency)
            .tcp_nodelay(true)
            .build()?,
        url: args.url.clone(),
    });
    // Back-office users of the big CAFs of up to 4 tenants; clients take them in turn.
    let mut tokens = Vec::new();
    for t in 0..shape.tenants.min(4) {
        tokens.push(
            client
                .sign_in(&shape.back_office_email(shape.big_caf(t)))
                .await?,
        );
    }
    let work = match args.workload.as_str() {
        "inbox" => Work::Fixed(inbox(None, None)),
        "inbox-sent" => Work::Fixed(inbox(Some("SENT"), None)),
        "inbox-deep" => Work::Fixed(inbox(None, Some(&deep_cursor(&client, &tokens[0]).await?))),
        "typename" => Work::Fixed(json!({ "query": "{ __typename }" })),
        "acknowledge" => Work::Acknowledge,
        "create" => {
            // Agents of four organisations of tenant 0 (not its big CAF), each with its own token.
            tokens.clear();
            let mut agents = Vec::new();
            for k in 1..=4.min(shape.orgs_per_tenant - 1) {
                let o = k * shape.tenants; // rank k in tenant 0
                tokens.push(client.sign_in(&shape.agent_email(o)).await?);
                agents.push((fixed_id('s', shape.big_caf(0) * 3), o));
            }
            Work::Create { agents, shape }
        }
        other => bail!("unknown workload {other}"),
    };
    let tokens = Arc::new(tokens);
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..args.concurrency {
        let (client, tokens, work) = (client.clone(), tokens.clone(), work.clone());
        tasks.push(tokio::spawn(async move {
            let token = &tokens[worker % tokens.len()];
            let mut tally = Tally::default();
            let mut n = worker as u64;
            while Instant::now() < deadline {
                n += 1_000;
                let at = Instant::now();
                let outcome = one(&client, token, &work, worker, n).await;
                tally.latencies.push(at.elapsed().as_secs_f64() * 1000.0);
                match outcome {
                    Ok(Ok(())) => {}
                    Ok(Err(code)) if code == "CONFLICT" || code == "INVALID_TRANSITION" => {
                        tally.refused += 1
                    }
                    Ok(Err(code)) => tally.error(code),
                    Err(err) => tally.error(err.to_string()),
                }
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        let tally = task.await?;
        all.latencies.extend(tally.latencies);
        all.errors += tally.errors;
        all.refused += tally.refused;
        all.first_error = all.first_error.or(tally.first_error);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.latencies.sort_by(f64::total_cmp);
    let at = |q: f64| {
        all.latencies
            .get(((all.latencies.len().max(1) - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let rss = args
        .pid
        .and_then(peak_rss_mb)
        .map_or("–".to_owned(), |mb| format!("{mb:.0}"));
    println!(
        "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
        args.label,
        args.workload,
        args.concurrency,
        all.latencies.len() as f64 / elapsed,
        at(0.5),
        at(0.9),
        at(0.99),
        all.errors,
        all.refused,
        rss
    );
    if let Some(first) = all.first_error {
        eprintln!("first error: {first}");
    }
    if all.errors > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// One request of the workload.
async fn one(
    client: &Client,
    token: &str,
    work: &Work,
    worker: usize,
    n: u64,
) -> anyhow::Result<Result<(), String>> {
    Ok(match work {
        Work::Fixed(body) => client.gql(Some(token), body).await?.map(drop),
        Work::Create { agents, shape } => {
            let (service, o) = &agents[worker % agents.len()];
            let p = shape.person_of(*o, n % shape.people_per_org());
            let body = json!({
                "query": "mutation($i: CreateReferralInput!) { createReferral(input: $i) { id status } }",
                "variables": { "i": {
                    "personId": fixed_id('p', p), "consentId": fixed_id('c', p),
                    "serviceId": service, "motive": format!("Charge de test {n}")
                } }
            });
            client.gql(Some(token), &body).await?.map(drop)
        }
        Work::Acknowledge => {
            // Everyone reads the same first page of SENT referrals and races for one of them.
            let page = client.gql(Some(token), &inbox(Some("SENT"), None)).await?;
            let page = match page {
                Ok(page) => page,
                Err(e) => return Ok(Err(e)),
            };
            let edges = page["referralsReceived"]["edges"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let Some(edge) = edges.get((n as usize / 1000) % edges.len().max(1)) else {
                return Ok(Err("INBOX_EMPTY".into()));
            };
            let body = json!({
                "query": "mutation($id: ID!, $v: Int) { acknowledgeReferral(id: $id, expectedVersion: $v) { id version } }",
                "variables": { "id": edge["node"]["id"], "v": edge["node"]["version"] }
            });
            client.gql(Some(token), &body).await?.map(drop)
        }
    })
}

/// A cursor deep in the big inbox: after 10,000 rows, or the one that opens its last page when it
/// is shorter (its first page's end on a one-page inbox), reached page by page as a user would.
async fn deep_cursor(client: &Client, token: &str) -> anyhow::Result<String> {
    let mut after: Option<String> = None;
    for _ in 0..200 {
        let page = client
            .gql(Some(token), &inbox(None, after.as_deref()))
            .await?
            .map_err(|e| anyhow::anyhow!("inbox page: {e}"))?;
        let info = &page["referralsReceived"]["pageInfo"];
        let end = info["endCursor"].as_str().map(str::to_owned);
        if info["hasNextPage"] != json!(true) {
            return after.or(end).context("an empty inbox");
        }
        after = end;
    }
    after.context("an empty inbox")
}

#[derive(Default)]
struct Tally {
    latencies: Vec<f64>,
    errors: u64,
    refused: u64,
    first_error: Option<String>,
}

impl Tally {
    fn error(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }
}

/// VmHWM of a process, in MB.
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
