//! Generated GraphQL documents and variables, valid and broken, sent to the real server as
//! every kind of caller: whatever arrives, the answer is never a 5xx nor an
//! INTERNAL_SERVER_ERROR — odd input is the caller's mistake, and says so.
//!
//! The documents are drawn from the committed schema (`api/schema.graphql`, kept equal to the
//! code by a test) with a fixed seed, so a failure replays. `FUZZ_DOCUMENTS` sets how many per
//! backend (a short budget in the test command; a longer one by hand, e.g. 20000); `FUZZ_SEED`
//! another seed.

use std::collections::HashMap;

use async_graphql_parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use passerelle_tests::{Account, TestApp, ok, on_both_backends};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Value, json};

on_both_backends!(generated_documents_never_break_the_server);

const SCHEMA: &str = include_str!("../../api/schema.graphql");

/// Operations left out: they end the caller's session or test sign-in's own limits, which
/// would only make the rest of the run unauthenticated.
const SKIPPED: &[&str] = &["login", "logout", "setUserActive"];

struct Field {
    name: String,
    args: Vec<(String, Type)>,
    ty: Type,
}

#[derive(Default)]
struct Schema {
    objects: HashMap<String, Vec<Field>>,
    inputs: HashMap<String, Vec<(String, Type)>>,
    enums: HashMap<String, Vec<String>>,
}

impl Schema {
    fn parse() -> Self {
        let document = async_graphql_parser::parse_schema(SCHEMA).expect("the committed schema");
        let mut schema = Schema::default();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(t) = definition else {
                continue;
            };
            let t = t.node;
            let name = t.name.node.to_string();
            match t.kind {
                TypeKind::Object(o) => {
                    let fields = o
                        .fields
                        .into_iter()
                        .map(|f| Field {
                            name: f.node.name.node.to_string(),
                            args: f
                                .node
                                .arguments
                                .into_iter()
                                .map(|a| (a.node.name.node.to_string(), a.node.ty.node))
                                .collect(),
                            ty: f.node.ty.node,
                        })
                        .collect();
                    schema.objects.insert(name, fields);
                }
                TypeKind::InputObject(i) => {
                    let fields = i
                        .fields
                        .into_iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                        .collect();
                    schema.inputs.insert(name, fields);
                }
                TypeKind::Enum(e) => {
                    let values = e
                        .values
                        .into_iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect();
                    schema.enums.insert(name, values);
                }
                _ => {}
            }
        }
        schema
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// Draws documents and variables.
struct Generator<'a> {
    schema: &'a Schema,
    rng: StdRng,
    /// Ids of real rows of the tenant (and of another tenant), mixed with random ones so that
    /// some calls go past the lookups.
    ids: Vec<String>,
}

impl Generator<'_> {
    fn string(&mut self) -> String {
        let long = "é".repeat(self.rng.random_range(1..60_000));
        let pool = [
            String::new(),
            " ".into(),
            "a".into(),
            "\u{0}".into(),
            "avant\u{0}après".into(),
            "\u{7}\u{1b}[31m\r\n".into(),
            "\u{202e}\u{200b}\u{feff}".into(),
            "🦀👩🏽‍⚕️".into(),
            "<script>alert(1)</script>".into(),
            "' OR 1=1 --".into(),
            "%00%0d%0a".into(),
            "Minima sociaux".into(),
            "agent@exemple.fr".into(),
            "a@b, c@d".into(),
            "https://127.0.0.1:1/".into(),
            "2026-12-03".into(),
            "9999-12-31T23:59:59Z".into(),
            "0612345678".into(),
            long,
        ];
        pool.choose(&mut self.rng).cloned().unwrap_or_default()
    }

    fn scalar(&mut self, name: &str) -> Value {
        // One value in ten is of the wrong kind altogether.
        if self.rng.random_bool(0.1) {
            return [
                json!(null),
                json!(12),
                json!("x"),
                json!([1]),
                json!({"a": 1}),
                json!(true),
            ]
            .choose(&mut self.rng)
            .cloned()
            .unwrap_or(Value::Null);
        }
        match name {
            "ID" => {
                if self.rng.random_bool(0.7) && !self.ids.is_empty() {
                    json!(self.ids.choose(&mut self.rng))
                } else {
                    json!(
                        [
                            uuid::Uuid::new_v4().to_string(),
                            "00000000-0000-0000-0000-000000000000".into(),
                            "not-an-id".into(),
                            self.string(),
                        ]
                        .choose(&mut self.rng)
                    )
                }
            }
            "Int" => json!(
                [
                    0i64,
                    -1,
                    1,
                    5,
                    50,
                    1000,
                    i32::MAX as i64,
                    i32::MIN as i64,
                    i64::MAX
                ]
                .choose(&mut self.rng)
            ),
            "Float" => json!([0.0, -1.5, 1e308, 0.5].choose(&mut self.rng)),
            "Boolean" => json!(self.rng.random_bool(0.5)),
            "Date" => json!(
                [
                    "2026-12-03",
                    "1984-07-02",
                    "0000-01-01",
                    "9999-12-31",
                    "+10000-01-01",
                    "2026-02-30",
                    "03/12/2026",
                    "",
                ]
                .choose(&mut self.rng)
            ),
            "DateTime" => json!(
                [
                    "2026-12-03T10:00:00Z",
                    "9999-12-31T23:59:59Z",
                    "0001-01-01T00:00:00Z",
                    "2026-12-03T25:00:00Z",
                    "2026-12-03",
                    "+275760-09-13T00:00:00Z",
                ]
                .choose(&mut self.rng)
            ),
            _ => json!(self.string()),
        }
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Value {
        if ty.nullable && self.rng.random_bool(0.15) {
            return Value::Null;
        }
        match &ty.base {
            BaseType::List(inner) => {
                let n = if self.rng.random_bool(0.05) {
                    self.rng.random_range(150..400)
                } else {
                    self.rng.random_range(0..4)
                };
                Value::Array((0..n).map(|_| self.value(inner, depth + 1)).collect())
            }
            BaseType::Named(name) => {
                let name = name.as_str();
                if let Some(values) = self.schema.enums.get(name) {
                    if self.rng.random_bool(0.1) {
                        json!("NOT_A_VALUE")
                    } else {
                        json!(values.choose(&mut self.rng))
                    }
                } else if let Some(fields) = self.schema.inputs.get(name) {
                    let mut object = serde_json::Map::new();
                    for (field, ty) in fields {
                        if depth < 4 && (!ty.nullable || self.rng.random_bool(0.6)) {
                            object.insert(field.clone(), self.value(ty, depth + 1));
                        }
                    }
                    if self.rng.random_bool(0.05) {
                        object.insert("unknownField".into(), json!(1));
                    }
                    Value::Object(object)
                } else {
                    self.scalar(name)
                }
            }
        }
    }

    /// A selection set for `ty`: scalar fields, and objects a little deeper.
    fn selection(&mut self, ty: &Type, depth: usize) -> String {
        let name = named(ty);
        let Some(fields) = self.schema.objects.get(name) else {
            return String::new();
        };
        let mut picked = vec!["__typename".to_owned()];
        for field in fields {
            let required_args = field.args.iter().any(|(_, t)| !t.nullable);
            if required_args || !self.rng.random_bool(0.5) {
                continue;
            }
            let inner = named(&field.ty);
            if self.schema.objects.contains_key(inner) {
                if depth < 3 {
                    let sub = self.selection(&field.ty, depth + 1);
                    picked.push(format!("{}{sub}", field.name));
                }
            } else {
                picked.push(field.name.clone());
            }
        }
        format!(" {{ {} }}", picked.join(" "))
    }

    /// One operation on a root field, its arguments as variables (or, sometimes, inline).
    fn document(&mut self) -> (String, Value) {
        let (keyword, root) = if self.rng.random_bool(0.5) {
            ("query", "QueryRoot")
        } else {
            ("mutation", "MutationRoot")
        };
        let fields: Vec<&Field> = self.schema.objects[root]
            .iter()
            .filter(|f| !SKIPPED.contains(&f.name.as_str()))
            .collect();
        let field = *fields.choose(&mut self.rng).expect("root fields");
        let mut declared = Vec::new();
        let mut passed = Vec::new();
        let mut variables = serde_json::Map::new();
        for (i, (arg, ty)) in field.args.iter().enumerate() {
            if ty.nullable && self.rng.random_bool(0.4) {
                continue;
            }
            let value = self.value(ty, 0);
            if self.rng.random_bool(0.1) {
                // Inline: the value written into the document itself.
                let literal = serde_json::to_string(&value).unwrap_or_default();
                let literal = if self.schema.enums.contains_key(named(ty)) {
                    value.as_str().unwrap_or("X").to_owned()
                } else {
                    literal
                };
                passed.push(format!(
                    "{arg}: {}",
                    literal.chars().take(2000).collect::<String>()
                ));
            } else {
                declared.push(format!("$v{i}: {ty}"));
                passed.push(format!("{arg}: $v{i}"));
                variables.insert(format!("v{i}"), value);
            }
        }
        let declared = if declared.is_empty() {
            String::new()
        } else {
            format!("({})", declared.join(", "))
        };
        let passed = if passed.is_empty() {
            String::new()
        } else {
            format!("({})", passed.join(", "))
        };
        let selection = self.selection(&field.ty, 0);
        let document = format!(
            "{keyword}{declared} {{ {}{passed}{selection} }}",
            field.name
        );
        (document, Value::Object(variables))
    }

    /// A document spoiled on purpose: cut short, a byte changed, braces unbalanced.
    fn broken(&mut self, document: &str) -> String {
        let chars: Vec<char> = document.chars().collect();
        let at = self.rng.random_range(0..chars.len().max(1));
        match self.rng.random_range(0..4) {
            0 => chars[..at].iter().collect(),
            1 => {
                let mut spoiled = chars.clone();
                if let Some(c) = spoiled.get_mut(at) {
                    *c = *['{', '}', '"', '\\', '\u{0}', '$', '@', '#']
                        .choose(&mut self.rng)
                        .unwrap_or(&'{');
                }
                spoiled.into_iter().collect()
            }
            2 => format!("{document} }}}}}}"),
            _ => format!("{document} fragment F on QueryRoot {{ ...F }}"),
        }
    }
}

async fn generated_documents_never_break_the_server(app: TestApp) {
    let budget: usize = std::env::var("FUZZ_DOCUMENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20261203);
    let t = app.with_territory("Arras").await;
    let other = app.with_territory("Lens").await;
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(
            &t.agent,
            &person,
            &[&t.caf.organisation_id, &t.cpam.organisation_id],
            None,
        )
        .await;
    let sent = app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
        .await;
    let referral = ok(&sent)["createReferral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ids = vec![
        person,
        consent,
        referral,
        t.caf.organisation_id.clone(),
        t.cpam.organisation_id.clone(),
        t.caf_service.clone(),
        t.cpam_service.clone(),
        t.caf.user_id.clone(),
        other.caf.organisation_id.clone(),
        other.caf_service.clone(),
    ];
    let callers: Vec<Option<&Account>> = vec![
        None,
        Some(&t.tenant.admin),
        Some(&t.agent),
        Some(&t.caf),
        Some(&t.coordinator),
        Some(&other.agent),
    ];
    let schema = Schema::parse();
    let mut generator = Generator {
        schema: &schema,
        rng: StdRng::seed_from_u64(seed),
        ids,
    };

    let mut failures = Vec::new();
    let mut answered = HashMap::<String, usize>::new();
    for n in 0..budget {
        let (mut document, variables) = generator.document();
        if generator.rng.random_bool(0.15) {
            document = generator.broken(&document);
        }
        let caller = callers[n % callers.len()];
        let mut request = app
            .http
            .post(format!("{}/graphql", app.url))
            .json(&json!({ "query": document, "variables": variables }));
        if let Some(caller) = caller {
            request = request.bearer_auth(&caller.token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let codes: Vec<String> = body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        e["extensions"]["code"]
                            .as_str()
                            .unwrap_or("none")
                            .to_owned()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let outcome = codes.first().cloned().unwrap_or_else(|| "OK".into());
        *answered.entry(outcome).or_default() += 1;
        if status >= 500 || codes.iter().any(|c| c == "INTERNAL_SERVER_ERROR") {
            let shown: String = document.chars().take(400).collect();
            let vars: String = variables.to_string().chars().take(400).collect();
            let body: String = body.to_string().chars().take(300).collect();
            failures.push(format!("{status} {codes:?}\n  {shown}\n  {vars}\n  {body}"));
        }
    }
    // Still alive and still itself.
    let me = app
        .graphql(Some(&t.agent.token), "{ me { id } }", json!({}))
        .await;
    assert_eq!(ok(&me)["me"]["id"], json!(t.agent.user_id));
    println!("{budget} documents (seed {seed}): {answered:?}");
    assert!(
        failures.is_empty(),
        "{} of {budget} documents broke the server:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
