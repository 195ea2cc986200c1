//! The automated accessibility check: axe-core (pinned in `tests/a11y/package-lock.json`,
//! installed by `npm ci` in `tests/run-all.sh`) injected over WebDriver into every page of every
//! role, signed out, on failed forms, at 1280 and at 320 pixels wide, in one headless Chromium.
//! Any violation fails the test unless `passerelle::web::accessibility::KNOWN_ISSUES` lists it
//! — the same list the accessibility statement publishes.

use passerelle::web::accessibility::{KNOWN_ISSUES, STATUS, TOOL_VERSION};
use passerelle_tests::{Account, Backend, PASSWORD, TestApp, browser::Browser, ok};
use serde_json::{Value, json};

/// axe's own source, read from `node_modules` (never from a CDN).
fn axe_source() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/a11y/node_modules/axe-core/axe.min.js"
    );
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{path}: {e} — run `npm ci --prefix tests/a11y` (run-all.sh does)")
    })
}

/// One violation: rule, element, page, width.
#[derive(Debug)]
struct Found {
    rule: String,
    target: String,
    page: String,
}

/// Runs axe on the current page; returns its violations.
async fn check(browser: &Browser, axe: &str, label: &str) -> Vec<Found> {
    let script = format!(
        "{axe}\n;const done = arguments[arguments.length - 1];
         axe.run(document, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }} }})
           .then(r => done(r.violations.map(v => ({{ id: v.id, targets: v.nodes.map(n => n.target.join(' ')) }}))))
           .catch(e => done({{ error: String(e) }}));"
    );
    let result = browser
        .client
        .execute_async(&script, vec![])
        .await
        .unwrap_or_else(|e| panic!("axe on {label}: {e}"));
    let list = result
        .as_array()
        .unwrap_or_else(|| panic!("axe failed on {label}: {result}"));
    let path = browser.path().await;
    let path = path.split('?').next().unwrap_or_default().to_owned();
    let mut found = Vec::new();
    for v in list {
        let rule = v["id"].as_str().unwrap_or_default().to_owned();
        if KNOWN_ISSUES
            .iter()
            .any(|k| k.rule == rule && path.starts_with(k.path))
        {
            continue;
        }
        for target in v["targets"].as_array().into_iter().flatten() {
            found.push(Found {
                rule: rule.clone(),
                target: target.as_str().unwrap_or_default().to_owned(),
                page: label.to_owned(),
            });
        }
    }
    found
}

/// Submits a form as it is, without the browser's own checks (`required`…), to reach the
/// server's error state.
async fn submit_as_is(browser: &Browser, form: &str) {
    let element = browser.find(form).await;
    browser
        .client
        .execute(
            "arguments[0].noValidate = true; arguments[0].requestSubmit();",
            vec![serde_json::to_value(&element).expect("element")],
        )
        .await
        .unwrap_or_else(|e| panic!("submit {form}: {e}"));
}

/// The version pinned by the lock file is the one the statement names.
#[test]
fn the_statement_names_the_pinned_axe_version() {
    let lock = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/a11y/package-lock.json"
    ))
    .expect("tests/a11y/package-lock.json");
    let lock: Value = serde_json::from_str(&lock).expect("lock file");
    assert_eq!(
        lock["packages"]["node_modules/axe-core"]["version"].as_str(),
        Some(TOOL_VERSION)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_violation_on_any_page_of_any_role() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.with_territory("Arras").await;
    let org_admin = app
        .create_user(
            &t.tenant.admin,
            &t.caf.organisation_id,
            "admin@caf-arras.test",
            &["ORG_ADMIN"],
        )
        .await;
    let person = app
        .create_person(&t.agent, "Léa", "Durand", "1990-04-12")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let referral = app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
        .await;
    let referral = ok(&referral)["createReferral"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let escalation = app
        .open_escalation(&t.agent, &t.caf.organisation_id, json!({}))
        .await;
    let escalation = ok(&escalation)["createEscalation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let axe = axe_source();
    let browser = Browser::start(&app.url).await;
    let signed_out = [
        "/connexion",
        "/accessibilite",
        "/mentions-legales",
        "/donnees-personnelles",
        "/plan-du-site",
        "/cette-page-n-existe-pas",
    ];
    let roles: Vec<(&str, &Account, Vec<String>)> = vec![
        (
            "agent",
            &t.agent,
            vec![
                "/".into(),
                "/personnes".into(),
                format!("/personnes/{person}"),
                "/orientations/envoyees".into(),
                format!("/orientations/{referral}"),
                format!("/orientations/nouvelle?personne={person}"),
                format!(
                    "/personnes/{person}/consentements/nouveau?service={}",
                    t.cpam_service
                ),
                "/orientations/envoyees?statut=toutes".into(),
                "/sollicitations/envoyees".into(),
                "/sollicitations/nouvelle".into(),
                format!("/sollicitations/{escalation}"),
                "/plan-du-site".into(),
            ],
        ),
        (
            "expert",
            &t.caf,
            vec![
                "/".into(),
                "/orientations/recues".into(),
                format!("/orientations/{referral}"),
                "/sollicitations/recues".into(),
                format!("/sollicitations/{escalation}"),
            ],
        ),
        (
            "administrateur d'organisation",
            &org_admin,
            vec![
                "/".into(),
                "/admin".into(),
                "/admin/courriels".into(),
                "/admin/clients".into(),
            ],
        ),
        (
            "coordinateur",
            &t.coordinator,
            vec![
                "/".into(),
                "/suivi".into(),
                "/suivi/tableau-de-bord".into(),
                "/suivi/retards".into(),
            ],
        ),
        (
            "administrateur du territoire",
            &t.tenant.admin,
            vec!["/".into(), "/admin".into(), "/admin/courriels".into()],
        ),
    ];
    // Forms sent empty, to check their error state: (role, page, form).
    let failed_forms = [
        (
            "agent",
            "/personnes",
            "form[method='post'][action='/personnes']",
        ),
        (
            "administrateur du territoire",
            "/admin",
            "form[action='/admin/organisations']",
        ),
        (
            "administrateur du territoire",
            "/admin",
            "form[action='/admin/utilisateurs']",
        ),
    ];

    let mut found = Vec::new();
    let mut visited = 0;
    for width in [1280, 320] {
        browser
            .client
            .set_window_size(width, 900)
            .await
            .expect("window size");
        for path in signed_out {
            browser.open(path).await;
            found.extend(check(&browser, &axe, &format!("{path} (déconnecté, {width} px)")).await);
            visited += 1;
        }
        browser.open("/connexion").await;
        submit_as_is(&browser, "form[action='/connexion']").await;
        browser.find("#erreur-connexion").await;
        found.extend(
            check(
                &browser,
                &axe,
                &format!("/connexion en erreur ({width} px)"),
            )
            .await,
        );
        for (role, who, pages) in &roles {
            browser.client.delete_all_cookies().await.expect("sign out");
            browser.open("/connexion").await;
            browser.sign_in(&who.email, PASSWORD).await;
            browser.wait_for_path("/").await;
            for path in pages {
                browser.open(path).await;
                found.extend(check(&browser, &axe, &format!("{path} ({role}, {width} px)")).await);
                visited += 1;
            }
            for (form_role, path, form) in failed_forms {
                if form_role == *role {
                    browser.open(path).await;
                    submit_as_is(&browser, form).await;
                    browser
                        .find(".fr-error-text, .fr-alert--error, [aria-invalid='true']")
                        .await;
                    found.extend(
                        check(
                            &browser,
                            &axe,
                            &format!("{path} {form} en erreur ({role}, {width} px)"),
                        )
                        .await,
                    );
                    visited += 1;
                }
            }
        }
        browser.client.delete_all_cookies().await.expect("sign out");
    }
    // The statement publishes the status and every violation the check tolerates.
    browser.open("/accessibilite").await;
    let statement = browser.text("main").await;
    assert!(
        statement.contains(&format!("Passerelle est {STATUS}")),
        "{statement}"
    );
    for known in KNOWN_ISSUES {
        assert!(statement.contains(known.description), "{statement}");
    }
    browser.close().await;
    let report: Vec<String> = found
        .iter()
        .map(|f| format!("{} — {} — {}", f.rule, f.target, f.page))
        .collect();
    assert!(
        report.is_empty(),
        "axe found {} violation(s) over {visited} pages:\n{}",
        report.len(),
        report.join("\n")
    );
}
