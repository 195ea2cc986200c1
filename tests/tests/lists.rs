//! The referral lists as their users read them: who it is about (as the viewer may see it),
//! what the viewer is expected to do, open referrals first, no column that never changes.

use passerelle_tests::{TestApp, ok, on_both_backends};

on_both_backends!(lists_say_who_and_what_next);

async fn lists_say_who_and_what_next(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let id = |body: serde_json::Value| {
        ok(&body)["createReferral"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let waiting = id(app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
        .await);
    let asked = id(app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
        .await);
    ok(&app
        .act(
            &t.caf,
            "requestReferralInfo",
            &asked,
            r#"question: "L'avis d'imposition ?""#,
        )
        .await);
    let closed = id(app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
        .await);
    ok(&app
        .act(&t.agent, "cancelReferral", &closed, r#"reason: "Doublon""#)
        .await);

    // The CAF's inbox: the person, what to do, no "Vers" column (always the CAF).
    let (status, inbox) = app.page(&t.caf, "/orientations/recues").await;
    assert_eq!(status, 200);
    let row = |html: &str, id: &str| {
        let at = html
            .find(&format!("/orientations/{id}\""))
            .unwrap_or_else(|| panic!("{id} listed in {html}"));
        let end = html[at..].find("</tr>").map_or(html.len(), |e| at + e);
        html[at..end].to_owned()
    };
    let first = row(&inbox, &waiting);
    assert!(first.contains("Élodie Dupont"), "{first}");
    assert!(first.contains("À accuser réception"), "{first}");
    let second = row(&inbox, &asked);
    assert!(second.contains("En attente du complément"), "{second}");
    assert!(second.contains("Délai suspendu"), "{second}");
    assert!(
        !inbox.contains(">Vers<"),
        "no column that is always the CAF"
    );
    assert!(
        !inbox.contains(&format!("/orientations/{closed}\"")),
        "closed ones hidden"
    );

    // The desk's sent list: what it waits for, what it must answer; no "De" column.
    let (_, sent) = app.page(&t.agent, "/orientations/envoyees").await;
    assert!(row(&sent, &waiting).contains("En attente du partenaire"));
    assert!(row(&sent, &asked).contains("Répondre à la question"));
    assert!(!sent.contains(">De<"));
    assert!(!sent.contains(&format!("/orientations/{closed}\"")));
    // Everything, closed ones included, when asked.
    let (_, all) = app
        .page(&t.agent, "/orientations/envoyees?statut=toutes")
        .await;
    assert!(row(&all, &closed).contains("Terminée"));

    // The referral waiting for the desk's answer: the question on top, the clock stopped, the
    // person's name a link to her page, a breadcrumb back to the list.
    let (_, page) = app.page(&t.agent, &format!("/orientations/{asked}")).await;
    let top = &page[page.find("<h1>").unwrap()..page.find("L'orientation</h2>").unwrap()];
    assert!(top.contains("Complément demandé — délai suspendu"), "{top}");
    assert!(
        top.contains("Question du partenaire : L&#x27;avis d&#x27;imposition ?"),
        "{top}"
    );
    assert!(page.contains(&format!("href=\"/personnes/{person}\"")));
    assert!(
        page.contains(r#"class="fr-breadcrumb""#)
            && page.contains(r#"href="/orientations/envoyees""#)
    );
    // The CAF sees the question too, and that it waits; its person's name is not a link.
    let (_, page) = app.page(&t.caf, &format!("/orientations/{asked}")).await;
    assert!(page.contains("Le délai de réponse reprend"), "{page}");
    assert!(!page.contains(&format!("/personnes/{person}")));
    // A closed referral: when it closed, no due date nor urgency.
    let (_, page) = app.page(&t.agent, &format!("/orientations/{closed}")).await;
    assert!(
        page.contains("Close le") && !page.contains("Réponse attendue le"),
        "{page}"
    );

    // The coordinator's territory list: never a "Personne" column, never the name.
    let (_, territory) = app.page(&t.coordinator, "/suivi").await;
    assert!(territory.contains(&format!("/orientations/{waiting}\"")));
    assert!(!territory.contains(">Personne<") && !territory.contains("Dupont"));
}
