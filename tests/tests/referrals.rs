//! Referrals end to end through GraphQL: the whole story, redirection, cancellation, consent
//! rules, visibility, optimistic concurrency and the inbox lists.

use passerelle_tests::{
    TestApp, error_code, error_field, ok, on_both_backends, territory::Territory,
};
use serde_json::{Value, json};

on_both_backends!(
    the_whole_story_to_right_opened,
    redirected_then_declined,
    cancelled_by_the_sender,
    referrals_need_a_valid_consent_naming_the_receiver,
    withdrawal_cancels_and_hides_the_identity,
    only_the_two_sides_see_a_referral,
    a_stale_version_is_a_conflict,
    concurrent_accepts_only_one_wins,
    inbox_lists_filter_and_page,
    duplicates_are_reported_not_merged
);

/// (kind, fromStatus, toStatus) of each timeline entry.
fn steps(referral: &Value) -> Vec<(String, Option<String>, Option<String>)> {
    referral["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["fromStatus"].as_str().map(str::to_owned),
                e["toStatus"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn step(kind: &str, from: Option<&str>, to: &str) -> (String, Option<String>, Option<String>) {
    (
        kind.to_owned(),
        from.map(str::to_owned),
        Some(to.to_owned()),
    )
}

async fn referral_for(
    app: &TestApp,
    t: &Territory,
    recipients: &[&str],
    service: &str,
) -> (String, String, Value) {
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, recipients, None)
        .await;
    let body = app
        .send_referral(&t.agent, &person, &consent, service, "STANDARD")
        .await;
    let referral = ok(&body)["createReferral"].clone();
    (person, consent, referral)
}

async fn the_whole_story_to_right_opened(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let (person, _, created) =
        referral_for(&app, &t, &[&t.caf.organisation_id], &t.caf_service).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["status"], "SENT");
    assert_eq!(created["version"], 1);
    assert_eq!(created["person"]["id"], person.as_str());
    assert_eq!(
        created["toOrganisation"]["id"],
        t.caf.organisation_id.as_str()
    );
    assert_eq!(created["overdue"], false);
    assert_eq!(
        app.count("notifications").await,
        1,
        "the CAF's mailbox is told, in the same transaction"
    );

    let seen = app.read_referral(&t.caf, id).await;
    assert_eq!(
        ok(&seen)["referral"]["person"]["lastName"],
        "Dupont",
        "the receiver sees who is referred"
    );

    let r = app
        .act(&t.caf, "acknowledgeReferral", id, "expectedVersion: 1")
        .await;
    assert_eq!(
        (
            ok(&r)["r"]["status"].as_str(),
            ok(&r)["r"]["version"].as_i64()
        ),
        (Some("ACKNOWLEDGED"), Some(2))
    );
    let r = app
        .act(
            &t.caf,
            "requestReferralInfo",
            id,
            r#"question: "Avis d'imposition ?", expectedVersion: 2"#,
        )
        .await;
    assert_eq!(ok(&r)["r"]["status"], "INFO_REQUESTED");
    let due_before = ok(&r)["r"]["dueAt"].as_str().unwrap().to_owned();
    let r = app
        .act(
            &t.agent,
            "provideReferralInfo",
            id,
            r#"answer: "Transmis par courrier", expectedVersion: 3"#,
        )
        .await;
    assert_eq!(
        (
            ok(&r)["r"]["status"].as_str(),
            ok(&r)["r"]["version"].as_i64()
        ),
        (Some("ACKNOWLEDGED"), Some(4))
    );
    assert!(
        ok(&r)["r"]["dueAt"].as_str().unwrap() >= due_before.as_str(),
        "the clock never goes back"
    );
    let r = app
        .act(&t.caf, "acceptReferral", id, "expectedVersion: 4")
        .await;
    assert_eq!(ok(&r)["r"]["status"], "ACCEPTED");
    let r = app
        .act(
            &t.caf,
            "completeReferral",
            id,
            r#"outcome: RIGHT_OPENED, comment: "RSA ouvert", expectedVersion: 5"#,
        )
        .await;
    let done = &ok(&r)["r"];
    assert_eq!(
        (done["status"].as_str(), done["version"].as_i64()),
        (Some("COMPLETED"), Some(6))
    );
    assert_eq!(done["outcome"], "RIGHT_OPENED");
    assert_eq!(
        steps(done),
        vec![
            step("CREATE", None, "SENT"),
            step("ACKNOWLEDGE", Some("SENT"), "ACKNOWLEDGED"),
            step("REQUEST_INFO", Some("ACKNOWLEDGED"), "INFO_REQUESTED"),
            step("PROVIDE_INFO", Some("INFO_REQUESTED"), "ACKNOWLEDGED"),
            step("ACCEPT", Some("ACKNOWLEDGED"), "ACCEPTED"),
            step("COMPLETE", Some("ACCEPTED"), "COMPLETED"),
        ]
    );
    let timeline = done["timeline"].as_array().unwrap();
    assert_eq!(timeline[2]["comment"], "Avis d'imposition ?");
    assert_eq!(timeline[2]["actor"]["id"], t.caf.user_id.as_str());
    assert_eq!(timeline[3]["actor"]["id"], t.agent.user_id.as_str());

    // A finished referral moves no more.
    let again = app.act(&t.caf, "acceptReferral", id, "").await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
}

async fn redirected_then_declined(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let recipients = [
        t.caf.organisation_id.as_str(),
        t.cpam.organisation_id.as_str(),
    ];
    let (_, _, created) = referral_for(&app, &t, &recipients, &t.caf_service).await;
    let parent = created["id"].as_str().unwrap();

    let r = app
        .act(
            &t.caf,
            "redirectReferral",
            parent,
            &format!(
                r#"serviceId: "{}", comment: "Relève de la CPAM""#,
                t.cpam_service
            ),
        )
        .await;
    let redirected = &ok(&r)["r"];
    assert_eq!(redirected["status"], "REDIRECTED");
    let children = redirected["children"].as_array().unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0]["status"], "SENT");
    assert_eq!(
        children[0]["toOrganisation"]["id"],
        t.cpam.organisation_id.as_str()
    );
    let child = children[0]["id"].as_str().unwrap();

    // The new receiver knows where the referral comes from: the parent's metadata and the
    // redirect comment, not the parent's motive or comments.
    let seen = app
        .graphql(
            Some(&t.cpam.token),
            "query($id: ID!) { referral(id: $id) { motive
               timeline { kind comment }
               parent { id status motive person { id } fromOrganisation { id } toOrganisation { id }
                        timeline { kind comment } } } }",
            json!({ "id": child }),
        )
        .await;
    let parent_seen = &ok(&seen)["referral"]["parent"];
    assert_eq!(parent_seen["id"], parent, "{seen}");
    assert_eq!(parent_seen["status"], "REDIRECTED");
    assert_eq!(
        parent_seen["fromOrganisation"]["id"],
        t.agent.organisation_id.as_str()
    );
    assert_eq!(
        parent_seen["toOrganisation"]["id"],
        t.caf.organisation_id.as_str()
    );
    assert!(
        parent_seen["motive"].is_null() && parent_seen["person"].is_null(),
        "{seen}"
    );
    let redirect_comments: Vec<&Value> = parent_seen["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "REDIRECT")
        .map(|e| &e["comment"])
        .collect();
    assert_eq!(redirect_comments, [&json!("Relève de la CPAM")], "{seen}");
    // ... and its own copy of the redirect comment, on its referral's first line.
    assert_eq!(
        ok(&seen)["referral"]["timeline"][0]["comment"],
        "Relève de la CPAM"
    );
    // A third organisation of the territory learns nothing of the chain.
    for id in [parent, child] {
        let outsider = app.read_referral(&t.outsider, id).await;
        assert_eq!(error_code(&outsider), Some("NOT_FOUND"), "{outsider}");
    }
    let seen = app.read_referral(&t.cpam, child).await;
    let seen = &ok(&seen)["referral"];
    assert_eq!(
        seen["fromOrganisation"]["id"], created["fromOrganisation"]["id"],
        "the chain stays the sender's"
    );
    let r = app
        .act(
            &t.cpam,
            "declineReferral",
            child,
            r#"reason: NOT_OUR_SERVICE, comment: "Hors critères", expectedVersion: 1"#,
        )
        .await;
    assert_eq!(ok(&r)["r"]["status"], "DECLINED");
    assert_eq!(ok(&r)["r"]["declineReason"], "NOT_OUR_SERVICE");

    // The sender follows the whole chain.
    let chain = app.read_referral(&t.agent, child).await;
    assert_eq!(ok(&chain)["referral"]["parent"]["id"], parent);
    assert_eq!(
        steps(&ok(&chain)["referral"]),
        vec![
            step("CREATE", None, "SENT"),
            step("DECLINE", Some("SENT"), "DECLINED")
        ]
    );
    // The redirecting CAF still sees where it went, as an observer.
    let from_caf = app.read_referral(&t.caf, child).await;
    assert_eq!(ok(&from_caf)["referral"]["status"], "DECLINED");
    assert!(ok(&from_caf)["referral"]["person"].is_null());

    // Redirecting to an organisation the consent does not name is refused.
    let (_, _, other) = referral_for(&app, &t, &[&t.caf.organisation_id], &t.caf_service).await;
    let r = app
        .act(
            &t.caf,
            "redirectReferral",
            other["id"].as_str().unwrap(),
            &format!(r#"serviceId: "{}""#, t.cpam_service),
        )
        .await;
    assert_eq!(
        (error_code(&r), error_field(&r)),
        (Some("BAD_USER_INPUT"), Some("serviceId")),
        "{r}"
    );
}

async fn cancelled_by_the_sender(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let (_, _, created) = referral_for(&app, &t, &[&t.caf.organisation_id], &t.caf_service).await;
    let id = created["id"].as_str().unwrap();
    let r = app
        .act(&t.caf, "cancelReferral", id, r#"reason: "x""#)
        .await;
    assert_eq!(
        error_code(&r),
        Some("FORBIDDEN"),
        "only the sender cancels: {r}"
    );
    let r = app.act(&t.agent, "acceptReferral", id, "").await;
    assert_eq!(
        error_code(&r),
        Some("FORBIDDEN"),
        "only the receiver accepts: {r}"
    );
    let r = app
        .act(&t.agent, "cancelReferral", id, r#"reason: "  ""#)
        .await;
    assert_eq!(
        (error_code(&r), error_field(&r)),
        (Some("BAD_USER_INPUT"), Some("reason"))
    );
    let r = app
        .act(
            &t.agent,
            "cancelReferral",
            id,
            r#"reason: "La personne a trouvé une solution", expectedVersion: 1"#,
        )
        .await;
    let cancelled = &ok(&r)["r"];
    assert_eq!(
        (cancelled["status"].as_str(), cancelled["version"].as_i64()),
        (Some("CANCELLED"), Some(2))
    );
    assert_eq!(
        steps(cancelled).last().unwrap(),
        &step("CANCEL", Some("SENT"), "CANCELLED")
    );
    let r = app.act(&t.caf, "acknowledgeReferral", id, "").await;
    assert_eq!(error_code(&r), Some("CONFLICT"));
}

async fn referrals_need_a_valid_consent_naming_the_receiver(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Jean", "Martin", "1970-01-15")
        .await;
    let only_cpam = app
        .record_consent(&t.agent, &person, &[&t.cpam.organisation_id], None)
        .await;
    let in_five_years = (app.state.clock.now() + time::Duration::days(5 * 365)).date();
    let expiring = app
        .record_consent(
            &t.agent,
            &person,
            &[&t.caf.organisation_id],
            Some(&in_five_years.to_string()),
        )
        .await;
    let withdrawn = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let body = app
        .graphql(Some(&t.agent.token), "mutation($id: ID!) { withdrawConsent(id: $id, reason: \"Ne souhaite plus\") { status withdrawnAt } }", json!({ "id": withdrawn }))
        .await;
    assert_eq!(ok(&body)["withdrawConsent"]["status"], "WITHDRAWN");

    let garbage = uuid::Uuid::new_v4().to_string();
    for (what, consent) in [
        ("no consent", garbage.as_str()),
        ("not naming the CAF", only_cpam.as_str()),
        ("withdrawn", withdrawn.as_str()),
    ] {
        let body = app
            .send_referral(&t.agent, &person, consent, &t.caf_service, "URGENT")
            .await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some("consentId")),
            "{what}: {body}"
        );
    }
    // Expired: move the clock past the expiry.
    app.state.clock.advance(time::Duration::days(365 * 80));
    let body = app
        .send_referral(&t.agent, &person, &expiring, &t.caf_service, "URGENT")
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("BAD_USER_INPUT"), Some("consentId")),
        "expired: {body}"
    );
    assert_eq!(app.count("referrals").await, 0, "nothing was written");
    assert_eq!(app.count("referral_events").await, 0);
    assert_eq!(
        app.count("notifications").await,
        0,
        "a refused referral leaves no mail in the outbox"
    );
}

async fn withdrawal_cancels_and_hides_the_identity(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let (_, consent, created) =
        referral_for(&app, &t, &[&t.caf.organisation_id], &t.caf_service).await;
    let id = created["id"].as_str().unwrap();
    app.act(&t.caf, "acknowledgeReferral", id, "").await;
    let before = app.read_referral(&t.caf, id).await;
    assert_eq!(ok(&before)["referral"]["identityVisible"], true);

    let body = app
        .graphql(
            Some(&t.agent.token),
            "mutation($id: ID!) { withdrawConsent(id: $id) { status } }",
            json!({ "id": consent }),
        )
        .await;
    assert_eq!(ok(&body)["withdrawConsent"]["status"], "WITHDRAWN");
    let after = app.read_referral(&t.caf, id).await;
    let after = &ok(&after)["referral"];
    assert_eq!(after["status"], "CANCELLED");
    assert!(
        after["person"].is_null(),
        "the receiver no longer sees who: {after}"
    );
    assert_eq!(after["identityVisible"], false);
    assert_eq!(
        steps(after).last().unwrap(),
        &step("CONSENT_WITHDRAWN", Some("ACKNOWLEDGED"), "CANCELLED")
    );
    // The sender still holds the person's record.
    let sender = app.read_referral(&t.agent, id).await;
    assert_eq!(ok(&sender)["referral"]["person"]["firstName"], "Élodie");
}

async fn only_the_two_sides_see_a_referral(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let other = app.with_territory("Lens").await;
    let (_, _, created) = referral_for(&app, &t, &[&t.caf.organisation_id], &t.caf_service).await;
    let id = created["id"].as_str().unwrap();
    app.act(
        &t.caf,
        "requestReferralInfo",
        id,
        r#"question: "Nom de l'employeur de Mme Dupont ?""#,
    )
    .await;

    for (who, account) in [
        ("outsider", &t.outsider),
        ("other tenant's agent", &other.agent),
        ("other tenant's CAF", &other.caf),
        ("other tenant's coordinator", &other.coordinator),
    ] {
        let body = app.read_referral(account, id).await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{who}: {body}");
        let acted = app.act(account, "acknowledgeReferral", id, "").await;
        assert_eq!(
            error_code(&acted),
            Some("NOT_FOUND"),
            "{who} acting: {acted}"
        );
    }
    for account in [&t.outsider, &other.caf] {
        let body = app
            .graphql(
                Some(&account.token),
                "{ referralsReceived { edges { node { id } } } }",
                json!({}),
            )
            .await;
        assert_eq!(ok(&body)["referralsReceived"]["edges"], json!([]));
    }
    let body = app
        .graphql(
            Some(&other.agent.token),
            "{ referralsSent { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["referralsSent"]["edges"], json!([]));

    // The coordinator lists the whole territory's referrals, the other territory's sees none.
    let list = "{ referralsInTerritory(overdue: false) { edges { node { id status person { id } motive } } } }";
    let body = app
        .graphql(Some(&t.coordinator.token), list, json!({}))
        .await;
    assert_eq!(
        ok(&body)["referralsInTerritory"]["edges"],
        json!([{ "node": { "id": id, "status": "INFO_REQUESTED", "person": null, "motive": null } }])
    );
    let body = app
        .graphql(Some(&other.coordinator.token), list, json!({}))
        .await;
    assert_eq!(ok(&body)["referralsInTerritory"]["edges"], json!([]));
    let body = app.graphql(Some(&t.caf.token), list, json!({})).await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "an expert is not a coordinator"
    );

    // The coordinator sees the metadata, never the person nor free text.
    let seen = app.read_referral(&t.coordinator, id).await;
    let seen = &ok(&seen)["referral"];
    assert_eq!(seen["status"], "INFO_REQUESTED");
    assert!(
        seen["person"].is_null() && seen["motive"].is_null(),
        "{seen}"
    );
    assert!(
        seen["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["comment"].is_null()),
        "{seen}"
    );
    let raw = seen.to_string();
    for secret in [
        "Dupont",
        "Élodie",
        "1984",
        "06 12",
        "personne@exemple.fr",
        "employeur",
    ] {
        assert!(
            !raw.contains(secret),
            "the coordinator's view leaks {secret}: {raw}"
        );
    }
}

async fn a_stale_version_is_a_conflict(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let (_, _, created) = referral_for(&app, &t, &[&t.caf.organisation_id], &t.caf_service).await;
    let id = created["id"].as_str().unwrap();
    let r = app
        .act(&t.caf, "acknowledgeReferral", id, "expectedVersion: 1")
        .await;
    assert_eq!(ok(&r)["r"]["version"], 2);
    let r = app
        .act(&t.caf, "acceptReferral", id, "expectedVersion: 1")
        .await;
    assert_eq!(error_code(&r), Some("CONFLICT"), "{r}");
    let now = app.read_referral(&t.caf, id).await;
    assert_eq!(
        ok(&now)["referral"]["status"],
        "ACKNOWLEDGED",
        "the stale request changed nothing"
    );
}

async fn concurrent_accepts_only_one_wins(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let (_, _, created) = referral_for(&app, &t, &[&t.caf.organisation_id], &t.caf_service).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let app = std::sync::Arc::new(app);
    let caf = std::sync::Arc::new(t.caf.clone());
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (app, caf, id) = (app.clone(), caf.clone(), id.clone());
            tokio::spawn(async move {
                app.act(&caf, "acceptReferral", &id, "expectedVersion: 1")
                    .await
            })
        })
        .collect();
    let mut won = 0;
    let mut conflicts = 0;
    for task in tasks {
        let body = task.await.unwrap();
        match error_code(&body) {
            None => won += 1,
            Some("CONFLICT") => conflicts += 1,
            other => panic!("unexpected {other:?}: {body}"),
        }
    }
    assert_eq!((won, conflicts), (1, 19));
    let seen = app.read_referral(&t.caf, &id).await;
    let accepts = steps(&ok(&seen)["referral"])
        .iter()
        .filter(|s| s.0 == "ACCEPT")
        .count();
    assert_eq!(accepts, 1, "one acceptance on the timeline");
    assert_eq!(ok(&seen)["referral"]["version"], 2);
}

async fn inbox_lists_filter_and_page(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Paul", "Durand", "1990-03-03")
        .await;
    let consent = app
        .record_consent(
            &t.agent,
            &person,
            &[&t.caf.organisation_id, &t.cpam.organisation_id],
            None,
        )
        .await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let (service, urgency) = if i % 4 == 0 {
            (&t.cpam_service, "URGENT")
        } else {
            (&t.caf_service, "STANDARD")
        };
        let body = app
            .send_referral(&t.agent, &person, &consent, service, urgency)
            .await;
        ids.push(
            ok(&body)["createReferral"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // The agent's sent list, newest first, page by page.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app
            .graphql(
                Some(&t.agent.token),
                "query($after: String) { referralsSent(first: 5, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after }),
            )
            .await;
        let conn = &ok(&body)["referralsSent"];
        seen.extend(
            conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned()),
        );
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);

    // The CAF's inbox holds its 9, never the CPAM's 3; status filters narrow it.
    let caf_ids: Vec<&String> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 != 0)
        .map(|(_, id)| id)
        .collect();
    app.act(&t.caf, "acknowledgeReferral", caf_ids[0], "").await;
    let query = "query($s: [ReferralStatus!], $o: Boolean) { referralsReceived(first: 50, status: $s, overdue: $o) { edges { node { id status overdue } } } }";
    let body = app.graphql(Some(&t.caf.token), query, json!({})).await;
    assert_eq!(
        ok(&body)["referralsReceived"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    let body = app
        .graphql(Some(&t.caf.token), query, json!({ "s": ["ACKNOWLEDGED"] }))
        .await;
    let edges = ok(&body)["referralsReceived"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["id"], caf_ids[0].as_str());

    // Nothing is overdue today; three weeks later, every open one is.
    let body = app
        .graphql(Some(&t.caf.token), query, json!({ "o": true }))
        .await;
    assert_eq!(ok(&body)["referralsReceived"]["edges"], json!([]));
    app.state.clock.advance(time::Duration::days(21));
    let body = app
        .graphql(Some(&t.caf.token), query, json!({ "o": true }))
        .await;
    let edges = ok(&body)["referralsReceived"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 9);
    assert!(edges.iter().all(|e| e["node"]["overdue"] == true));

    // Most urgent first: the CPAM's urgent referrals come before nothing else in its inbox,
    // and across the agent's list DUE_SOONEST puts urgent (short) deadlines first.
    let body = app
        .graphql(Some(&t.agent.token), "{ referralsSent(first: 12, orderBy: DUE_SOONEST) { edges { node { urgency dueAt } } } }", json!({}))
        .await;
    let edges = ok(&body)["referralsSent"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    let dues: Vec<&str> = edges
        .iter()
        .map(|e| e["node"]["dueAt"].as_str().unwrap())
        .collect();
    let mut sorted = dues.clone();
    sorted.sort();
    assert_eq!(dues, sorted);
    assert_eq!(edges[0]["node"]["urgency"], "URGENT");
}

async fn duplicates_are_reported_not_merged(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let first = app
        .create_person(&t.agent, "Élodie", "Dupont-Durand", "1984-07-02")
        .await;
    let body = app
        .graphql(
            Some(&t.agent.token),
            "mutation { createPerson(input: { firstName: \"elodie\", lastName: \"DUPONT DURAND\", birthDate: \"1984-07-02\" }) { id possibleDuplicates { id } } }",
            json!({}),
        )
        .await;
    let created = &ok(&body)["createPerson"];
    assert_ne!(created["id"], first.as_str(), "a new record is made");
    assert_eq!(created["possibleDuplicates"], json!([{ "id": first }]));
    assert_eq!(app.count("people").await, 2);

    // Bad input names its field and writes nothing.
    for (input, field) in [
        (
            json!({ "firstName": "A", "lastName": "B", "birthDate": "1984/07/02" }),
            "birthDate",
        ),
        (
            json!({ "firstName": "", "lastName": "B", "birthDate": "1984-07-02" }),
            "firstName",
        ),
        (
            json!({ "firstName": "A", "lastName": "B", "birthDate": "1984-07-02", "email": "pas-un-mail" }),
            "email",
        ),
        (
            json!({ "firstName": "A", "lastName": "B", "birthDate": "1984-07-02", "phone": "appelez-moi" }),
            "phone",
        ),
    ] {
        let body = app
            .graphql(
                Some(&t.agent.token),
                "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{body}"
        );
    }
    assert_eq!(app.count("people").await, 2);
    // Another organisation cannot read the record.
    let body = app
        .graphql(
            Some(&t.caf.token),
            "query($id: ID!) { person(id: $id) { id } }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
}
