//! What each caller may see of a referral and do with it, decided once by the service layer and
//! rendered the same by every front end.
//!
//! One hand-written table — caller × referral of a redirect chain — says whether the caller sees
//! the referral, its content (motive, comments), the person, and which actions it may take. The
//! test asks the service layer itself (`referrals::service::get`), then GraphQL, then the
//! referral's page, and fails when any of them disagrees with the table: a page offering an
//! action the table refuses, or showing a motive, a name or a comment the view hides. Mails are
//! searched for the planted values too.

use std::collections::BTreeSet;

use domain::{ReferralAction, ReferralEventKind};
use passerelle::{events::Hooks, referrals::service, service::Ctx};
use passerelle_tests::{Account, TestApp, error_code, ok, on_both_backends};
use serde_json::json;

on_both_backends!(
    each_caller_sees_what_the_table_says_everywhere,
    every_timeline_kind_has_its_french_label
);

const MOTIVE: &str = "Motif-confidentiel-Zephyrine";
const FIRST: &str = "Zéphyrine";
const LAST: &str = "Quelquechose";
const COMMENT: &str = "Commentaire-interne-7731";
const REDIRECT_COMMENT: &str = "Redirection-motivee-4410";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sees {
    /// NOT_FOUND.
    Nothing,
    /// The metadata only.
    Metadata,
    /// The motive and comments, but not the person.
    Content,
    /// Everything.
    All,
}

use Sees::*;

/// The desk referred to the CAF, which redirected to the CPAM: `parent` is desk → CAF
/// (REDIRECTED), `child` desk → CPAM (SENT, with a comment from the CPAM).
struct Case {
    who: &'static str,
    parent: (Sees, &'static [ReferralAction]),
    child: (Sees, &'static [ReferralAction]),
    /// Sees the redirect comment on the chain's timelines.
    redirect_comment: bool,
}

use ReferralAction as A;
const RECEIVER: &[ReferralAction] = &[
    A::Acknowledge,
    A::RequestInfo,
    A::Accept,
    A::Decline,
    A::Redirect,
    A::Assign,
    A::Comment,
];

#[rustfmt::skip]
const TABLE: &[Case] = &[
    Case { who: "desk agent",            parent: (All, &[A::Comment]),      child: (All, &[A::Cancel, A::Comment]), redirect_comment: true },
    Case { who: "desk org admin",        parent: (All, &[]),                child: (All, &[]),                      redirect_comment: true },
    Case { who: "desk back office",      parent: (Metadata, &[]),           child: (Metadata, &[]),                 redirect_comment: true },
    Case { who: "desk coordinator only", parent: (Metadata, &[]),           child: (Metadata, &[]),                 redirect_comment: true },
    Case { who: "CAF back office",       parent: (All, &[A::Comment]),      child: (Metadata, &[]),                 redirect_comment: true },
    Case { who: "CAF agent",             parent: (Metadata, &[]),           child: (Metadata, &[]),                 redirect_comment: true },
    Case { who: "CPAM back office",      parent: (Metadata, &[]),           child: (All, RECEIVER),                 redirect_comment: true },
    Case { who: "CPAM org admin",        parent: (Metadata, &[]),           child: (All, RECEIVER),                 redirect_comment: true },
    Case { who: "uninvolved org",        parent: (Nothing, &[]),            child: (Nothing, &[]),                  redirect_comment: false },
    Case { who: "coordinator",           parent: (Metadata, &[]),           child: (Metadata, &[]),                 redirect_comment: false },
    Case { who: "tenant admin only",     parent: (Metadata, &[]),           child: (Metadata, &[]),                 redirect_comment: false },
    Case { who: "other tenant admin",    parent: (Nothing, &[]),            child: (Nothing, &[]),                  redirect_comment: false },
];

struct World {
    callers: Vec<(&'static str, Account)>,
    parent: String,
    child: String,
}

async fn world(app: &TestApp) -> World {
    let t = app.with_territory("Arras").await;
    let other = app.with_territory("Lens").await;
    let admin = &t.tenant.admin;
    let user = |org: &str, email: &str, roles: &'static [&'static str]| {
        let (org, email) = (org.to_owned(), email.to_owned());
        async move { app.create_user(admin, &org, &email, roles).await }
    };
    let desk = t.agent.organisation_id.clone();
    let callers = vec![
        ("desk agent", t.agent.clone()),
        (
            "desk org admin",
            user(&desk, "direction@desk.test", &["ORG_ADMIN"]).await,
        ),
        (
            "desk back office",
            user(&desk, "bo@desk.test", &["BACK_OFFICE"]).await,
        ),
        (
            "desk coordinator only",
            user(&desk, "coord@desk.test", &["COORDINATOR"]).await,
        ),
        ("CAF back office", t.caf.clone()),
        (
            "CAF agent",
            user(&t.caf.organisation_id, "accueil@caf.test", &["AGENT"]).await,
        ),
        ("CPAM back office", t.cpam.clone()),
        (
            "CPAM org admin",
            user(
                &t.cpam.organisation_id,
                "direction@cpam.test",
                &["ORG_ADMIN"],
            )
            .await,
        ),
        ("uninvolved org", t.outsider.clone()),
        ("coordinator", t.coordinator.clone()),
        (
            "tenant admin only",
            user(
                &admin.organisation_id,
                "territoire@arras.test",
                &["TENANT_ADMIN"],
            )
            .await,
        ),
        ("other tenant admin", other.tenant.admin.clone()),
    ];
    let person = app.create_person(&t.agent, FIRST, LAST, "1979-03-08").await;
    let consent = app
        .record_consent(
            &t.agent,
            &person,
            &[&t.caf.organisation_id, &t.cpam.organisation_id],
            None,
        )
        .await;
    let body = app
        .graphql(
            Some(&t.agent.token),
            "mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }",
            json!({ "i": { "personId": person, "consentId": consent, "serviceId": t.caf_service,
                           "motive": MOTIVE } }),
        )
        .await;
    let parent = ok(&body)["createReferral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&app
        .act(
            &t.caf,
            "commentReferral",
            &parent,
            &format!(r#"body: "{COMMENT}""#),
        )
        .await);
    let redirected = app
        .act(
            &t.caf,
            "redirectReferral",
            &parent,
            &format!(
                r#"serviceId: "{}", comment: "{REDIRECT_COMMENT}""#,
                t.cpam_service
            ),
        )
        .await;
    let child = ok(&redirected)["r"]["children"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&app
        .act(
            &t.cpam,
            "commentReferral",
            &child,
            &format!(r#"body: "{COMMENT}""#),
        )
        .await);
    World {
        callers,
        parent,
        child,
    }
}

/// What the service layer answers for this caller.
async fn from_service(
    app: &TestApp,
    who: &Account,
    id: &str,
) -> Result<(Sees, BTreeSet<ReferralAction>, bool), String> {
    let db = app.db();
    let user = passerelle::auth::store::user_for_sign_in(db, &who.email)
        .await
        .unwrap()
        .unwrap();
    let actor = passerelle::auth::store::actor_of(db, &user).await.unwrap();
    let hooks: &Hooks = &app.state.hooks;
    let ctx = Ctx {
        actor: &actor,
        db,
        now: app.state.clock.now(),
        hooks,
    };
    let view = match service::get(&ctx, id.parse().unwrap()).await {
        Ok(view) => view,
        Err(err) => return Err(err.code().to_owned()),
    };
    let sees = match (view.motive.is_some(), view.person.is_some()) {
        (true, true) => All,
        (true, false) => Content,
        (false, false) => Metadata,
        (false, true) => return Err("a person without the content".into()),
    };
    let timeline = service::timeline(&ctx, &view).await.unwrap();
    let redirect_comment = timeline
        .iter()
        .any(|e| e.comment.as_deref() == Some(REDIRECT_COMMENT));
    let comment = timeline
        .iter()
        .any(|e| e.comment.as_deref() == Some(COMMENT));
    if comment != view.access.content {
        return Err(format!(
            "comment shown: {comment}, content: {}",
            view.access.content
        ));
    }
    Ok((
        sees,
        view.actions.iter().copied().collect(),
        redirect_comment,
    ))
}

/// What a text (a GraphQL answer, a page) reveals of the planted values.
fn revealed(text: &str) -> (Sees, bool, bool) {
    let motive = text.contains(MOTIVE);
    let person = text.contains(LAST);
    let sees = match (motive, person) {
        (true, true) => All,
        (true, false) => Content,
        (false, false) => Metadata,
        (false, true) => Nothing,
    };
    (
        sees,
        text.contains(COMMENT),
        text.contains(REDIRECT_COMMENT),
    )
}

fn paths(actions: &[ReferralAction]) -> BTreeSet<&'static str> {
    actions
        .iter()
        .map(|a| passerelle::referrals::pages::action_path(*a))
        .collect()
}

/// The action forms a page offers.
fn offered(html: &str) -> BTreeSet<&'static str> {
    ReferralAction::ALL
        .into_iter()
        .map(passerelle::referrals::pages::action_path)
        .filter(|path| html.contains(&format!("id=\"action-{path}\"")))
        .collect()
}

async fn each_caller_sees_what_the_table_says_everywhere(app: TestApp) {
    let w = world(&app).await;
    let mut problems = Vec::new();
    for case in TABLE {
        let who = &w.callers.iter().find(|(n, _)| *n == case.who).unwrap().1;
        for (which, id, (sees, actions)) in [
            ("parent", &w.parent, case.parent),
            ("child", &w.child, case.child),
        ] {
            let mut problem = |front: &str, got: String| {
                problems.push(format!("{} · {which} · {front}: {got}", case.who))
            };
            let wanted_actions: BTreeSet<ReferralAction> = actions.iter().copied().collect();
            // The service layer.
            match (sees, from_service(&app, who, id).await) {
                (Nothing, Err(code)) if code == "NOT_FOUND" => {}
                (Nothing, other) => problem("service", format!("{other:?}, wanted NOT_FOUND")),
                (_, Err(code)) => problem("service", code),
                (_, Ok((got, got_actions, redirect))) => {
                    if got != sees
                        || got_actions != wanted_actions
                        || redirect != case.redirect_comment
                    {
                        problem(
                            "service",
                            format!("{got:?} {got_actions:?} redirect comment {redirect}"),
                        );
                    }
                }
            }
            // GraphQL.
            let body = app
                .graphql(
                    Some(&who.token),
                    "query($id: ID!) { referral(id: $id) { motive availableActions
                       person { firstName lastName } timeline { comment } } }",
                    json!({ "id": id }),
                )
                .await;
            if sees == Nothing {
                if error_code(&body) != Some("NOT_FOUND") || body.to_string().contains(MOTIVE) {
                    problem("graphql", body.to_string());
                }
            } else {
                let (got, comment, redirect) = revealed(&body.to_string());
                let got_actions: BTreeSet<String> = body["data"]["referral"]["availableActions"]
                    .as_array()
                    .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
                    .unwrap_or_default();
                let wanted: BTreeSet<String> =
                    actions.iter().map(|a| a.as_str().to_owned()).collect();
                let content = matches!(sees, All | Content);
                if got != sees
                    || comment != content
                    || redirect != case.redirect_comment
                    || got_actions != wanted
                {
                    problem("graphql", body.to_string());
                }
            }
            // The page.
            let (status, html) = app.page(who, &format!("/orientations/{id}")).await;
            if sees == Nothing {
                if status != 404 || html.contains(MOTIVE) {
                    problem("page", format!("status {status}"));
                }
            } else {
                let (got, comment, redirect) = revealed(&html);
                let content = matches!(sees, All | Content);
                if status != 200
                    || got != sees
                    || comment != content
                    || redirect != case.redirect_comment
                {
                    problem(
                        "page",
                        format!(
                            "status {status}, reveals {got:?}, comment {comment}, redirect comment {redirect}"
                        ),
                    );
                }
                if offered(&html) != paths(actions) {
                    problem(
                        "page",
                        format!("offers {:?}, wanted {:?}", offered(&html), paths(actions)),
                    );
                }
            }
        }
        // The lists the caller can open never show more than the caller's views.
        for list in ["/orientations/envoyees", "/orientations/recues", "/suivi"] {
            let (status, html) = app.page(who, list).await;
            if status == 200 && (html.contains(MOTIVE) || html.contains(COMMENT)) {
                problems.push(format!("{} · {list}: shows free text", case.who));
            }
            if status == 200 && html.contains(LAST) && !matches!(case.child.0, All) {
                problems.push(format!("{} · {list}: shows the person", case.who));
            }
        }
    }
    // No mail carries the person, the motive or a comment, whoever it is for.
    let mails = app
        .graphql(
            Some(
                &w.callers
                    .iter()
                    .find(|(n, _)| *n == "tenant admin only")
                    .unwrap()
                    .1
                    .token,
            ),
            "{ notifications(first: 100) { edges { node { subject recipients } } } }",
            json!({}),
        )
        .await;
    assert!(
        ok(&mails)["notifications"]["edges"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
    let bodies: Vec<(String, String)> = passerelle::entities::notification::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.body_text + &n.body_html + &n.subject, n.recipients))
        .collect();
    for (body, to) in bodies {
        for secret in [MOTIVE, FIRST, LAST, COMMENT, REDIRECT_COMMENT] {
            if body.contains(secret) {
                problems.push(format!("a mail to {to} carries {secret}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} disagreements with the table:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

use sea_orm::EntityTrait;

/// Plays every kind of timeline line onto referrals, then reads each referral's page and its
/// GraphQL timeline: every kind has its own French label, shown on the page (never a generic
/// "Événement").
async fn every_timeline_kind_has_its_french_label(app: TestApp) {
    // Monday 1 March 2027, 09:00: an urgent referral (3 working days) is due on Thursday.
    let monday = time::macros::datetime!(2027-03-01 09:00 UTC);
    app.state.clock.travel_to(monday);
    let t = app.with_territory("Arras").await;
    let admin = &t.tenant.admin;
    let expert = app
        .create_user(
            admin,
            &t.caf.organisation_id,
            "second@caf.test",
            &["BACK_OFFICE"],
        )
        .await;
    let person = app
        .create_person(&t.agent, "Jean", "Martin", "1970-01-15")
        .await;
    let both = [
        t.caf.organisation_id.as_str(),
        t.cpam.organisation_id.as_str(),
    ];
    let consent = app.record_consent(&t.agent, &person, &both, None).await;
    let send = || async {
        let body = app
            .send_referral(&t.agent, &person, &consent, &t.caf_service, "URGENT")
            .await;
        ok(&body)["createReferral"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let app = &app;
    let step = |who: &Account, mutation: &'static str, id: String, args: String| {
        let who = who.clone();
        async move { ok(&app.act(&who, mutation, &id, &args).await).clone() }
    };
    // CREATE, ESCALATION_OPENED, ACKNOWLEDGE, ASSIGN, COMMENT, REQUEST_INFO, PROVIDE_INFO, the
    // three deadline stages, UNASSIGNED (the assignee leaves), ACCEPT, COMPLETE.
    let a = send().await;
    ok(&app
        .open_escalation(&t.agent, &t.caf.organisation_id, json!({ "referralId": a }))
        .await);
    step(&t.caf, "acknowledgeReferral", a.clone(), String::new()).await;
    step(
        &t.caf,
        "assignReferral",
        a.clone(),
        format!(r#"userId: "{}""#, expert.user_id),
    )
    .await;
    step(&t.caf, "commentReferral", a.clone(), r#"body: "Vu""#.into()).await;
    step(
        &t.caf,
        "requestReferralInfo",
        a.clone(),
        r#"question: "Pièce ?""#.into(),
    )
    .await;
    step(
        &t.agent,
        "provideReferralInfo",
        a.clone(),
        r#"answer: "Envoyée""#.into(),
    )
    .await;
    // Reminded on Tuesday, overdue on Thursday, escalated three working days later.
    for days in [1, 3, 8] {
        app.state
            .clock
            .travel_to(monday + time::Duration::days(days));
        passerelle::referrals::deadlines::run_once(&app.state)
            .await
            .unwrap();
    }
    let off = app
        .graphql(
            Some(&admin.token),
            "mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }",
            json!({ "id": expert.user_id }),
        )
        .await;
    ok(&off);
    step(&t.caf, "acceptReferral", a.clone(), String::new()).await;
    step(
        &t.caf,
        "completeReferral",
        a.clone(),
        "outcome: RIGHT_OPENED".into(),
    )
    .await;
    // DECLINE; REDIRECT; CANCEL; CONSENT_WITHDRAWN.
    let b = send().await;
    step(
        &t.caf,
        "declineReferral",
        b.clone(),
        "reason: DUPLICATE".into(),
    )
    .await;
    let c = send().await;
    step(
        &t.caf,
        "redirectReferral",
        c.clone(),
        format!(r#"serviceId: "{}""#, t.cpam_service),
    )
    .await;
    let d = send().await;
    step(
        &t.agent,
        "cancelReferral",
        d.clone(),
        r#"reason: "Erreur""#.into(),
    )
    .await;
    let e = send().await;
    let withdrawn = app
        .graphql(
            Some(&t.agent.token),
            "mutation($id: ID!) { withdrawConsent(id: $id) { status } }",
            json!({ "id": consent }),
        )
        .await;
    ok(&withdrawn);

    let mut seen = BTreeSet::new();
    for id in [&a, &b, &c, &d, &e] {
        let body = app.read_referral(&t.agent, id).await;
        let labels = app
            .graphql(
                Some(&t.agent.token),
                "query($id: ID!) { referral(id: $id) { timeline { kind label } } }",
                json!({ "id": id }),
            )
            .await;
        ok(&body);
        let (_, html) = app.page(&t.agent, &format!("/orientations/{id}")).await;
        assert!(!html.contains("Événement"), "a generic label on {id}");
        for line in ok(&labels)["referral"]["timeline"].as_array().unwrap() {
            let kind = ReferralEventKind::parse(line["kind"].as_str().unwrap()).unwrap();
            assert_eq!(line["label"], kind.label_fr(), "{line}");
            let escaped = kind.label_fr().replace('\'', "&#x27;");
            assert!(
                html.contains(kind.label_fr()) || html.contains(&escaped),
                "the page of {id} does not say «{}»",
                kind.label_fr()
            );
            seen.insert(kind);
        }
    }
    let missing: Vec<_> = ReferralEventKind::ALL
        .into_iter()
        .filter(|k| !seen.contains(k))
        .collect();
    assert!(missing.is_empty(), "kinds never played: {missing:?}");
}
