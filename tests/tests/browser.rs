//! The pages in a real headless Chromium: signing in and out, the agent who records a person,
//! their consent and refers them, and the back office that works its inbox to the end. Each test
//! starts its own chromedriver and Chromium (see `passerelle_tests::browser`); assertions are on
//! what a user sees — the page's text and its address.

use passerelle_tests::{Backend, PASSWORD, TestApp, browser::Browser, ok};
use serde_json::Value;

/// The texts of the timeline's entries, in page order.
async fn timeline(browser: &Browser) -> Vec<String> {
    let mut entries = Vec::new();
    for item in browser.find_all("#historique > li").await {
        entries.push(item.text().await.expect("timeline entry text"));
    }
    entries
}

/// The referral id of a page `/orientations/<id>`.
fn referral_id(path: &str) -> Option<&str> {
    path.strip_prefix("/orientations/")
        .filter(|rest| rest.len() == 36 && !rest.contains('/'))
}

/// The person id of a page `/personnes/<id>`.
fn person_id(path: &str) -> Option<&str> {
    path.strip_prefix("/personnes/")
        .filter(|rest| rest.len() == 36 && !rest.contains('/'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_shows_the_home_page_and_a_wrong_password_is_refused_in_french() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.with_territory("Arras").await;
    let browser = Browser::start(&app.url).await;

    // The sign-in page is a plain form: no script, a POST to /connexion.
    browser.open("/connexion").await;
    assert_eq!(browser.text("h1").await, "Connexion à Passerelle");
    assert!(
        browser.find_all("script").await.is_empty(),
        "the pages need no JavaScript"
    );
    let form = browser.find("form[action='/connexion']").await;
    assert_eq!(
        form.attr("method").await.expect("method").as_deref(),
        Some("post")
    );

    browser.sign_in(&t.agent.email, PASSWORD).await;
    browser.wait_for_path("/").await;
    assert_eq!(
        browser.text("h1").await,
        format!("Bonjour {}", t.agent.email)
    );
    assert!(
        browser
            .text("header")
            .await
            .contains("France Services Arras"),
        "the header names the user's organisation"
    );
    assert!(browser.find_all("script").await.is_empty());

    // Signing out leads back to the sign-in page, and the session is gone.
    browser.click_button("header", "Se déconnecter").await;
    browser.wait_for_path("/connexion").await;
    browser.open("/").await;
    browser.wait_for_path("/connexion").await;
    assert_eq!(browser.path().await, "/connexion?suite=%2F");

    // A wrong password: refused in French, on the same address, the e-mail kept.
    browser.open("/connexion").await;
    browser
        .sign_in(&t.agent.email, "pas le bon mot de passe")
        .await;
    let alert = browser.text("#erreur-connexion").await;
    assert!(
        alert.contains("Adresse e-mail ou mot de passe incorrect."),
        "the alert says: {alert}"
    );
    assert_eq!(
        browser
            .find("#erreur-connexion")
            .await
            .attr("role")
            .await
            .expect("role")
            .as_deref(),
        Some("alert")
    );
    assert_eq!(browser.path().await, "/connexion");
    assert_eq!(
        browser
            .find("#email")
            .await
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some(t.agent.email.as_str())
    );
    assert!(!browser.body_text().await.contains("Bonjour"));

    // A page that needs a session sends to the sign-in page, and back to it after signing in.
    browser.open("/orientations/recues").await;
    browser.wait_for_path("/connexion").await;
    assert_eq!(
        browser.path().await,
        "/connexion?suite=%2Forientations%2Frecues"
    );
    browser.sign_in(&t.caf.email, PASSWORD).await;
    browser.wait_for_path("/orientations/recues").await;
    assert_eq!(browser.text("h1").await, "Orientations reçues");
    assert!(browser.body_text().await.contains("Aucune orientation."));

    let shot = browser.screenshot("browser-sign-in").await;
    println!("screenshot: {}", shot.display());
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_refers_a_person() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.with_territory("Arras").await;
    let browser = Browser::start(&app.url).await;

    browser
        .sign_in_at("/personnes", &t.agent.email, PASSWORD)
        .await;
    assert_eq!(browser.text("h1").await, "Personnes accompagnées");
    assert!(
        browser
            .body_text()
            .await
            .contains("Aucune personne trouvée.")
    );

    // A new person.
    let form = "#form-person";
    assert!(
        browser
            .text(form)
            .await
            .contains("Enregistrer une nouvelle personne")
    );
    browser.fill("#person-lastName", "Dupont").await;
    browser.fill("#person-firstName", "Élodie").await;
    browser.set_value("#person-birthDate", "1984-07-02").await;
    browser.click_button(form, "Enregistrer la personne").await;
    let person_path = browser
        .wait_for_path_matching("the new person's page", |p| person_id(p).is_some())
        .await;
    assert_eq!(browser.text("h1").await, "Élodie Dupont");
    let page = browser.body_text().await;
    assert!(page.contains("La personne a été enregistrée."), "{page}");
    assert!(page.contains("02/07/1984"), "{page}");
    assert!(browser.find_all("#doublons").await.is_empty());
    assert!(page.contains("Aucun consentement enregistré"), "{page}");

    // Her consent, naming the CAF only.
    let caf_box = format!("#recipient-{}", t.caf.organisation_id);
    browser
        .click(&format!("label[for='recipient-{}']", t.caf.organisation_id))
        .await;
    assert!(
        browser
            .find(&caf_box)
            .await
            .is_selected()
            .await
            .expect("checked")
    );
    browser
        .fill("#consent-purposes", "Ouverture de droits")
        .await;
    browser
        .fill("#consent-dataCategories", "Identité\nRessources")
        .await;
    browser
        .click_button("#form-consent", "Enregistrer le consentement")
        .await;
    browser
        .wait_for_path(&format!("{person_path}?fait=consentement"))
        .await;
    browser
        .wait_for_text("Le consentement a été enregistré.")
        .await;
    let consent_row = browser.content("#contenu .fr-table tbody tr").await;
    assert!(
        consent_row.contains("Valide")
            && consent_row.contains("CAF Arras")
            && !consent_row.contains("CPAM")
            && consent_row.contains("Ouverture de droits")
            && consent_row.contains("Identité, Ressources"),
        "the consent row says: {consent_row}"
    );

    // The referral, urgent, to the CAF's service.
    browser
        .click_button("main", "Orienter cette personne")
        .await;
    browser.wait_for_path("/orientations/nouvelle").await;
    assert_eq!(browser.text("h1").await, "Orienter Élodie Dupont");
    let caf_radio = browser.find(&format!("#service-{}", t.caf_service)).await;
    let value = caf_radio.attr("value").await.expect("value").unwrap();
    let (service, consent) = value.split_once('|').expect("service|consent");
    assert_eq!(service, t.caf_service);
    assert_eq!(consent.len(), 36, "the radio carries the consent: {value}");
    let cpam_radio = browser.find(&format!("#service-{}", t.cpam_service)).await;
    assert!(
        !cpam_radio.is_enabled().await.expect("enabled"),
        "the consent does not name the CPAM"
    );
    browser
        .click(&format!("label[for='service-{}']", t.caf_service))
        .await;
    assert!(caf_radio.is_selected().await.expect("selected"));
    browser
        .fill(
            "#referral-motive",
            "Séparation récente : ouvrir les droits au RSA",
        )
        .await;
    browser.click("label[for='urgency-urgent']").await;
    browser
        .click_button("#form-referral", "Envoyer l'orientation")
        .await;
    let referral_path = browser
        .wait_for_path_matching("the referral's page", |p| referral_id(p).is_some())
        .await;
    assert_eq!(browser.text("h1").await, "Ouverture de droits RSA");
    assert_eq!(browser.content("#statut").await, "Envoyée");
    let lead = browser.content(".fr-text--lead").await;
    assert!(lead.contains("Urgent"), "the badges say: {lead}");
    let page = browser.body_text().await;
    assert!(page.contains("L'orientation a été envoyée."), "{page}");
    assert!(page.contains("CAF Arras"), "{page}");
    assert!(
        page.contains("Séparation récente : ouvrir les droits au RSA"),
        "{page}"
    );
    let entries = timeline(&browser).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].starts_with("Orientation envoyée") && entries[0].contains(&t.agent.email),
        "{entries:?}"
    );
    assert!(
        browser.find_all("#action-annuler").await.len() == 1,
        "the sender may cancel"
    );
    assert!(browser.find_all("#action-accepter").await.is_empty());

    // It is in the agent's sent referrals.
    browser
        .click_button("nav.fr-nav", "Orientations envoyées")
        .await;
    browser.wait_for_path("/orientations/envoyees").await;
    let link = browser.find(&format!("a[href='{referral_path}']")).await;
    assert_eq!(link.text().await.expect("link"), "Ouverture de droits RSA");
    let row = browser.content("tbody tr").await;
    assert!(
        row.contains("Urgent") && row.contains("CAF Arras") && row.contains("Envoyée"),
        "the row says: {row}"
    );

    // The same person again, written differently: shown first; recorded if the agent insists,
    // with a warning.
    browser.click_button("nav.fr-nav", "Personnes").await;
    browser.wait_for_path("/personnes").await;
    browser.fill("#person-lastName", "DUPONT").await;
    browser.fill("#person-firstName", "elodie").await;
    browser.set_value("#person-birthDate", "1984-07-02").await;
    browser.click_button(form, "Enregistrer la personne").await;
    browser
        .wait_for_text("Votre organisation connaît peut-être déjà cette personne")
        .await;
    browser
        .click_button(form, "Enregistrer quand même une nouvelle personne")
        .await;
    let second_path = browser
        .wait_for_path_matching("the second person's page", |p| {
            person_id(p).is_some() && p != person_path
        })
        .await;
    assert_ne!(second_path, person_path);
    let warning = browser.text("#doublons").await;
    assert!(
        warning.contains("Doublon possible") && warning.contains("Élodie Dupont (02/07/1984)"),
        "the warning says: {warning}"
    );
    let first = browser.find("#doublons a").await;
    assert_eq!(
        first.attr("href").await.expect("href").as_deref(),
        Some(person_path.as_str())
    );

    let shot = browser.screenshot("browser-agent").await;
    println!("screenshot: {}", shot.display());
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_back_office_works_the_inbox() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let sent = |body: Value| {
        ok(&body)["createReferral"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let id = sent(
        app.send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
            .await,
    );
    let stale = sent(
        app.send_referral(&t.agent, &person, &consent, &t.caf_service, "URGENT")
            .await,
    );

    let browser = Browser::start(&app.url).await;
    browser
        .open("/connexion?suite=%2Forientations%2Frecues")
        .await;
    browser.sign_in(&t.caf.email, PASSWORD).await;
    browser.wait_for_path("/orientations/recues").await;
    assert_eq!(browser.text("h1").await, "Orientations reçues");
    let rows = browser.find_all("tbody tr").await;
    assert_eq!(rows.len(), 2, "both referrals are in the inbox");
    let inbox = browser.content("tbody").await;
    assert!(
        inbox.contains("France Services Arras") && inbox.contains("Envoyée"),
        "{inbox}"
    );

    // Open it: the CAF sees who is referred and why.
    browser
        .click(&format!("a[href='/orientations/{id}']"))
        .await;
    browser.wait_for_path(&format!("/orientations/{id}")).await;
    assert_eq!(browser.content("#statut").await, "Envoyée");
    let who = browser.text("#personne").await;
    assert!(
        who.contains("Élodie Dupont") && who.contains("02/07/1984"),
        "{who}"
    );
    assert_eq!(
        browser.text("#motif").await,
        "Droits RSA à ouvrir après une séparation"
    );

    browser
        .click_button("#action-accuser-reception", "Accuser réception")
        .await;
    browser
        .wait_for_path(&format!("/orientations/{id}?fait=accuser-reception"))
        .await;
    assert!(browser.body_text().await.contains("Réception accusée"));
    assert_eq!(browser.content("#statut").await, "Prise en compte");

    browser.click_button("#action-accepter", "Accepter").await;
    browser
        .wait_for_path(&format!("/orientations/{id}?fait=accepter"))
        .await;
    assert_eq!(browser.content("#statut").await, "Acceptée");
    assert!(browser.find_all("#action-accepter").await.is_empty());

    browser
        .find("#outcome")
        .await
        .select_by_label("Droit ouvert")
        .await
        .expect("choose the outcome");
    browser
        .fill("#complete-comment", "RSA ouvert au 1er du mois")
        .await;
    browser.click_button("#action-cloturer", "Clôturer").await;
    browser
        .wait_for_path(&format!("/orientations/{id}?fait=cloturer"))
        .await;
    assert_eq!(browser.content("#statut").await, "Terminée");
    let page = browser.body_text().await;
    assert!(page.contains("Suite donnée\nDroit ouvert"), "{page}");
    assert!(
        browser.find_all("form[id^='action-']").await.len() == 1,
        "only a comment remains possible on a closed referral"
    );
    let entries = timeline(&browser).await;
    assert_eq!(entries.len(), 4, "{entries:?}");
    let expected = [
        "Orientation envoyée",
        "Prise en compte — Prise en compte",
        "Acceptation — Acceptée",
        "Clôture — Terminée",
    ];
    for (entry, start) in entries.iter().zip(expected) {
        assert!(
            entry.starts_with(start),
            "timeline {entries:?}, expected {expected:?}"
        );
    }
    assert!(entries[3].contains("RSA ouvert au 1er du mois"));
    assert!(entries[1..].iter().all(|e| e.contains(&t.caf.email)));

    // A stale form: the page is at version 1, someone acknowledges meanwhile, then « Accepter »
    // is refused in French and nothing changes.
    browser.open(&format!("/orientations/{stale}")).await;
    assert_eq!(browser.content("#statut").await, "Envoyée");
    let acknowledged = app
        .act(&t.caf, "acknowledgeReferral", &stale, "expectedVersion: 1")
        .await;
    assert_eq!(ok(&acknowledged)["r"]["version"], 2);
    browser.click_button("#action-accepter", "Accepter").await;
    browser
        .wait_for_path(&format!("/orientations/{stale}/accepter"))
        .await;
    // The error summary at the top says it.
    let alert = browser.text("#resume-erreurs li").await;
    assert_eq!(
        alert,
        "L'orientation a changé entre-temps : rechargez-la avant d'agir."
    );
    assert_eq!(browser.content("#statut").await, "Prise en compte");
    assert_eq!(timeline(&browser).await.len(), 2);
    let now = app.read_referral(&t.caf, &stale).await;
    assert_eq!(
        (
            &ok(&now)["referral"]["status"],
            &ok(&now)["referral"]["version"]
        ),
        (&Value::from("ACKNOWLEDGED"), &Value::from(2)),
        "the stale form changed nothing"
    );

    // Back to the finished one for the screenshot.
    browser.open(&format!("/orientations/{id}")).await;
    let shot = browser.screenshot("browser-back-office").await;
    println!("screenshot: {}", shot.display());
    browser.close().await;
}

/// The escalation id of a page `/sollicitations/<id>`.
fn escalation_id(path: &str) -> Option<&str> {
    path.strip_prefix("/sollicitations/")
        .filter(|rest| rest.len() == 36 && !rest.contains('/'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_asks_an_expert_who_answers_and_the_agent_closes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Monday 1 March 2027, 09:00 UTC (10:00 in Paris): an urgent escalation is due on Tuesday.
    app.state
        .clock
        .travel_to(time::macros::datetime!(2027-03-01 09:00 UTC));
    let t = app.with_territory("Arras").await;
    let browser = Browser::start(&app.url).await;

    browser
        .sign_in_at("/sollicitations/envoyees", &t.agent.email, PASSWORD)
        .await;
    assert_eq!(browser.text("h1").await, "Sollicitations envoyées");
    assert!(browser.body_text().await.contains("Aucune sollicitation."));
    browser
        .click_button("main", "Solliciter l'expert d'un partenaire")
        .await;
    browser.wait_for_path("/sollicitations/nouvelle").await;
    assert!(browser.find_all("script").await.is_empty());
    browser
        .find("#escalation-organisationId")
        .await
        .select_by_value(&t.caf.organisation_id)
        .await
        .expect("choose the CAF");
    browser
        .find("#escalation-category")
        .await
        .select_by_value("Minima sociaux")
        .await
        .expect("choose the category");
    browser
        .fill("#escalation-subject", "Dossier RSA bloqué depuis janvier")
        .await;
    let question = "Le dossier est marqué incomplet : quelle pièce manque-t-il ?";
    browser.fill("#escalation-body", question).await;
    browser
        .click("label[for='escalation-urgency-urgent']")
        .await;
    browser
        .click_button("#form-escalation", "Envoyer la sollicitation")
        .await;
    let path = browser
        .wait_for_path_matching("the escalation's page", |p| escalation_id(p).is_some())
        .await;
    assert_eq!(
        browser.text("h1").await,
        "Dossier RSA bloqué depuis janvier"
    );
    assert_eq!(browser.content("#statut").await, "En attente de réponse");
    let page = browser.body_text().await;
    assert!(page.contains("La sollicitation a été envoyée."), "{page}");
    assert_eq!(
        browser.text("#echeance").await,
        "02/03/2027 à 10h00",
        "the agent sees when the answer is due"
    );
    assert!(browser.text("#messages").await.contains(question));
    assert!(browser.find_all("#action-repondre").await.is_empty());

    // The CAF's expert finds it in the queue, takes it and answers.
    browser.click_button("header", "Se déconnecter").await;
    browser.wait_for_path("/connexion").await;
    browser
        .sign_in_at("/sollicitations/recues", &t.caf.email, PASSWORD)
        .await;
    assert!(browser.text("#compteurs").await.contains("À traiter : 1"));
    let row = browser.content("tbody tr").await;
    assert!(
        row.contains("France Services Arras") && row.contains("Urgent"),
        "the queue says: {row}"
    );
    browser.click(&format!("a[href='{path}']")).await;
    browser.wait_for_path(&path).await;
    assert!(browser.text("#messages").await.contains(question));
    browser
        .click_button("#action-prendre-en-charge", "Prendre en charge")
        .await;
    browser
        .wait_for_path(&format!("{path}?fait=prendre-en-charge"))
        .await;
    assert_eq!(browser.text("#suivie-par").await, t.caf.email);
    let answer = "Il manque l'avis d'imposition 2026 : déposez-le dans l'espace CAF.";
    browser.fill("#answer-body", answer).await;
    browser
        .click_button("#action-repondre", "Envoyer la réponse")
        .await;
    browser
        .wait_for_path(&format!("{path}?fait=repondre"))
        .await;
    assert_eq!(browser.content("#statut").await, "Répondue");

    // The agent reads the answer and closes.
    browser.click_button("header", "Se déconnecter").await;
    browser.wait_for_path("/connexion").await;
    browser.open(&path).await;
    browser.wait_for_path("/connexion").await;
    browser.sign_in(&t.agent.email, PASSWORD).await;
    browser.wait_for_path(&path).await;
    let messages = browser.find_all("#messages > li").await;
    assert_eq!(messages.len(), 2);
    let last = messages[1].text().await.expect("the answer");
    assert!(
        last.contains(answer) && last.contains(&t.caf.email) && last.contains("CAF Arras"),
        "{last}"
    );
    browser
        .click_button("#action-cloturer", "Clôturer la sollicitation")
        .await;
    browser
        .wait_for_path(&format!("{path}?fait=cloturer"))
        .await;
    assert_eq!(browser.content("#statut").await, "Clôturée");
    assert_eq!(browser.find_all("#action-rouvrir").await.len(), 1);
    let entries = timeline(&browser).await;
    let expected = [
        "Sollicitation envoyée",
        "Prise en charge",
        "Réponse de l'expert",
        "Sollicitation clôturée",
    ];
    assert_eq!(entries.len(), expected.len(), "{entries:?}");
    for (entry, start) in entries.iter().zip(expected) {
        assert!(entry.starts_with(start), "{entries:?}");
    }

    let shot = browser.screenshot("browser-escalation").await;
    println!("screenshot: {}", shot.display());
    browser.close().await;
}

/// The coordinator's dashboard in a real browser: the charts are there with their text
/// alternatives and tables, a filter narrows them, and the CSV downloads with its period in
/// its name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coordinator_reads_the_dashboard_filters_it_and_downloads_the_csv() {
    use time::macros::datetime;
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.state.clock.travel_to(datetime!(2026-03-02 09:00 UTC));
    let t = app.with_territory("Arras").await;
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
    for service in [&t.caf_service, &t.caf_service, &t.cpam_service] {
        let body = app
            .send_referral(&t.agent, &person, &consent, service, "STANDARD")
            .await;
        let id = ok(&body)["createReferral"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        if service == &t.caf_service {
            // Acknowledged on Wednesday: 2 working days.
            app.state.clock.travel_to(datetime!(2026-03-04 10:00 UTC));
            ok(&app.act(&t.caf, "acknowledgeReferral", &id, "").await);
            app.state.clock.travel_to(datetime!(2026-03-02 09:00 UTC));
        }
    }
    app.state.clock.travel_to(datetime!(2026-03-16 09:00 UTC));

    let browser = Browser::start(&app.url).await;
    browser
        .sign_in_at("/suivi/tableau-de-bord", &t.coordinator.email, PASSWORD)
        .await;
    assert_eq!(browser.text("h1").await, "Tableau de bord du suivi");
    assert!(browser.find_all("script").await.is_empty(), "no JavaScript");

    // Three charts, each an image with a title and a text alternative, a table after it.
    for (chart, title) in [
        (
            "#graphique-delais",
            "Délai médian de première réponse par partenaire",
        ),
        (
            "#graphique-retards",
            "Part des réponses en retard par partenaire",
        ),
        ("#graphique-tendance", "Évolution par semaine"),
    ] {
        let svg = browser.find(chart).await;
        assert_eq!(svg.attr("role").await.unwrap().as_deref(), Some("img"));
        let labelled = svg
            .attr("aria-labelledby")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(labelled.contains("-titre") && labelled.contains("-desc"));
        assert!(
            browser
                .content(&format!("{chart} > title"))
                .await
                .starts_with(title)
        );
        assert!(!browser.content(&format!("{chart} > desc")).await.is_empty());
    }
    let desc = browser.content("#graphique-delais > desc").await;
    assert!(
        desc.contains("CAF Arras (2 jours ouvrés)"),
        "the text alternative says the figures: {desc}"
    );
    let partners = browser.text("#partenaires").await;
    assert!(partners.contains("CAF Arras") && partners.contains("CPAM Arras"));
    assert!(
        browser
            .text("#definitions")
            .await
            .contains("Délai médian de première réponse")
    );

    // Filter on the CPAM: the CAF leaves the table and the chart.
    browser
        .set_value("#filtre-organisation", &t.cpam.organisation_id)
        .await;
    browser
        .click_button("#filtres", "Appliquer les filtres")
        .await;
    // The form sends the period it showed (the last 52 weeks) with the choice.
    let to = time::macros::date!(2026 - 03 - 16);
    let from = to - time::Duration::days(7 * 52 - 1);
    browser
        .wait_for_path(&format!(
            "/suivi/tableau-de-bord?du={from}&au={to}&organisation={}&service=",
            t.cpam.organisation_id
        ))
        .await;
    let partners = browser.text("#partenaires").await;
    assert!(
        partners.contains("CPAM Arras") && !partners.contains("CAF Arras"),
        "{partners}"
    );
    assert!(
        !browser
            .content("#graphique-delais")
            .await
            .contains("CAF Arras")
    );

    // The CSV of what is shown: the CPAM only, the period in the file name.
    browser.click("#export-csv").await;
    let csv = browser
        .downloaded(&format!("suivi-orientations-{from}-au-{to}.csv"))
        .await;
    assert_eq!(&csv[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("Du;Au;Niveau;Organisation;Service;Orientations envoyées"));
    assert!(
        text.contains("CPAM Arras") && !text.contains("CAF Arras"),
        "{text}"
    );
    let shot = browser.screenshot("browser-dashboard").await;
    println!("screenshot: {}", shot.display());
    browser.close().await;
}

/// A failed form, as the GOV.UK and DSFR patterns ask: the title starts with "Erreur", a
/// summary at the top has the focus and links to the field, the field says what is wrong, and
/// everything typed is still there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_form_says_what_to_fix_and_keeps_what_was_typed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.with_territory("Arras").await;
    let browser = Browser::start(&app.url).await;
    browser
        .sign_in_at("/personnes", &t.agent.email, PASSWORD)
        .await;
    let title = browser.client.title().await.expect("title");
    assert!(!title.starts_with("Erreur"), "{title}");

    browser.fill("#person-lastName", "Dupont").await;
    browser.fill("#person-firstName", "Élodie").await;
    browser.fill("#person-phone", "06 12 34 56 78").await;
    // Born in the future: the server refuses it.
    browser.set_value("#person-birthDate", "2999-01-01").await;
    browser
        .click_button("#form-person", "Enregistrer la personne")
        .await;
    browser
        .wait_for_text("Le formulaire n'a pas été enregistré")
        .await;

    let title = browser.client.title().await.expect("title");
    assert!(title.starts_with("Erreur : "), "{title}");
    let summary = browser.find("#resume-erreurs").await;
    let focused = browser
        .client
        .execute("return document.activeElement.id;", vec![])
        .await
        .expect("the focused element");
    assert_eq!(
        focused,
        serde_json::json!("resume-erreurs"),
        "the summary has the focus"
    );
    let link = browser.find("#resume-erreurs a").await;
    assert_eq!(
        link.attr("href").await.unwrap().as_deref(),
        Some("#person-birthDate")
    );
    assert_eq!(
        summary.text().await.unwrap(),
        "Le formulaire n'a pas été enregistré\nDate de naissance : date de naissance invraisemblable."
    );
    let field = browser.find("#person-birthDate").await;
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        field.attr("aria-describedby").await.unwrap().as_deref(),
        Some("person-birthDate-error")
    );
    assert_eq!(
        browser.text("#person-birthDate-error").await,
        "date de naissance invraisemblable"
    );
    for (css, typed) in [
        ("#person-lastName", "Dupont"),
        ("#person-firstName", "Élodie"),
        ("#person-phone", "06 12 34 56 78"),
        ("#person-birthDate", "2999-01-01"),
    ] {
        let value = browser.find(css).await.prop("value").await.unwrap();
        assert_eq!(value.as_deref(), Some(typed), "{css} kept");
    }
    browser.close().await;
}

/// Refusing ends the referral: no reason is chosen for the user, a box must be ticked, and a
/// form posted without it (the browser's own check bypassed) changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusing_asks_for_a_reason_and_a_confirmation() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let sent = app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
        .await;
    let id = ok(&sent)["createReferral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let browser = Browser::start(&app.url).await;
    browser
        .open(&format!("/connexion?suite=%2Forientations%2F{id}"))
        .await;
    browser.sign_in(&t.caf.email, PASSWORD).await;
    browser.wait_for_path(&format!("/orientations/{id}")).await;

    let reason = browser.find("#decline-reason").await;
    assert_eq!(reason.prop("value").await.unwrap().as_deref(), Some(""));
    assert!(reason.attr("required").await.unwrap().is_some());
    let tick = browser.find("#refuser-confirmed").await;
    assert!(tick.attr("required").await.unwrap().is_some());

    // A reason, but the box left unticked and the browser's check removed: refused, in words.
    browser
        .set_value("#decline-reason", "NOT_OUR_SERVICE")
        .await;
    browser
        .client
        .execute(
            "document.getElementById('refuser-confirmed').removeAttribute('required');",
            vec![],
        )
        .await
        .expect("script");
    browser.click_button("#action-refuser", "Refuser").await;
    browser
        .wait_for_text("Le formulaire n'a pas été enregistré")
        .await;
    assert!(
        browser
            .text("#resume-erreurs li")
            .await
            .starts_with("Confirmation : cochez la case")
    );
    assert_eq!(browser.content("#statut").await, "Envoyée");
    let reason = browser.find("#decline-reason").await;
    assert_eq!(
        reason.prop("value").await.unwrap().as_deref(),
        Some("NOT_OUR_SERVICE"),
        "the reason chosen is kept"
    );

    // Ticked: refused, and the page says so.
    browser.click("label[for='refuser-confirmed']").await;
    browser.click_button("#action-refuser", "Refuser").await;
    browser
        .wait_for_path(&format!("/orientations/{id}?fait=refuser"))
        .await;
    assert!(browser.body_text().await.contains("Orientation refusée."));
    assert_eq!(browser.content("#statut").await, "Refusée");
    browser.close().await;
}

/// A person the organisation already knows is shown before a second record is made, in a
/// neutral callout; the agent may still make a new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_possible_duplicate_is_shown_before_the_record_is_made() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.with_territory("Arras").await;
    let known = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let browser = Browser::start(&app.url).await;
    browser
        .sign_in_at("/personnes", &t.agent.email, PASSWORD)
        .await;
    browser.fill("#person-lastName", "DUPONT").await;
    browser.fill("#person-firstName", "elodie").await;
    browser.set_value("#person-birthDate", "1984-07-02").await;
    browser
        .click_button("#form-person", "Enregistrer la personne")
        .await;
    browser
        .wait_for_text("Votre organisation connaît peut-être déjà cette personne")
        .await;
    assert_eq!(app.count("people").await, 1, "nothing recorded yet");
    let callout = browser.find("#doublons-possibles").await;
    assert_eq!(
        callout.attr("role").await.unwrap(),
        None,
        "neutral, not an alert"
    );
    let link = browser.find("#doublons-possibles a").await;
    assert_eq!(
        link.attr("href").await.unwrap(),
        Some(format!("/personnes/{known}"))
    );
    let title = browser.client.title().await.unwrap();
    assert!(!title.starts_with("Erreur"), "{title}");
    let kept = browser.find("#person-firstName").await.prop("value").await;
    assert_eq!(kept.unwrap().as_deref(), Some("elodie"));

    browser
        .click_button(
            "#form-person",
            "Enregistrer quand même une nouvelle personne",
        )
        .await;
    browser
        .wait_for_path_matching("the new person's page", |p| {
            person_id(p).is_some_and(|id| id != known)
        })
        .await;
    assert_eq!(app.count("people").await, 2);
    browser.close().await;
}

/// An agent picks a service whose organisation the person's consent does not name: the form
/// offers to record that consent on the way, then comes back with the service chosen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_records_the_missing_consent_on_the_way_to_the_referral() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    app.record_consent(&t.agent, &person, &[&t.cpam.organisation_id], None)
        .await;
    let browser = Browser::start(&app.url).await;
    let new = format!("/orientations/nouvelle?personne={person}");
    browser
        .open(&format!(
            "/connexion?suite={}",
            new.replace('/', "%2F")
                .replace('?', "%3F")
                .replace('=', "%3D")
        ))
        .await;
    browser.sign_in(&t.agent.email, PASSWORD).await;
    browser.wait_for_path(&new).await;

    let caf = format!("#service-{}", t.caf_service);
    let radio = browser.find(&caf).await;
    assert!(
        radio.attr("disabled").await.unwrap().is_some(),
        "looks disabled"
    );
    let why = browser
        .text(&format!("#sans-consentement-{}", t.caf_service))
        .await;
    assert!(why.contains("ne nomme pas CAF Arras"), "{why}");
    browser
        .click(&format!("#sans-consentement-{} a", t.caf_service))
        .await;
    browser
        .wait_for_path(&format!(
            "/personnes/{person}/consentements/nouveau?service={}",
            t.caf_service
        ))
        .await;
    let ticked = browser
        .find(&format!("#recipient-{}", t.caf.organisation_id))
        .await;
    assert!(
        ticked.is_selected().await.unwrap(),
        "the CAF already ticked"
    );
    browser
        .fill("#consent-purposes", "Ouverture de droits")
        .await;
    browser.fill("#consent-dataCategories", "Identité").await;
    browser
        .click_button("#form-consent", "Enregistrer le consentement")
        .await;
    browser
        .wait_for_path(&format!(
            "/orientations/nouvelle?personne={person}&service={}&fait=consentement",
            t.caf_service
        ))
        .await;
    assert!(
        browser
            .body_text()
            .await
            .contains("Le consentement est enregistré")
    );
    let radio = browser.find(&caf).await;
    assert!(radio.is_selected().await.unwrap(), "the service is chosen");
    browser
        .fill("#referral-motive", "Droits RSA à ouvrir")
        .await;
    browser
        .click_button("#form-referral", "Envoyer l'orientation")
        .await;
    browser.wait_for_text("L'orientation a été envoyée.").await;
    assert!(browser.body_text().await.contains("CAF Arras"));
    browser.close().await;
}

/// A form posted after the session ended: the user is told, signs in again, and comes back to
/// the page of the form — not to its action, which answers POST only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_posted_after_the_session_ended_comes_back_to_its_page() {
    use sea_orm::EntityTrait;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.with_territory("Arras").await;
    let browser = Browser::start(&app.url).await;
    browser
        .sign_in_at("/personnes", &t.agent.email, PASSWORD)
        .await;
    browser.fill("#person-lastName", "Dupont").await;
    browser.fill("#person-firstName", "Élodie").await;
    browser.set_value("#person-birthDate", "1984-07-02").await;
    // Every session ends meanwhile (as at their expiry or a sign-out elsewhere).
    passerelle::entities::session::Entity::delete_many()
        .exec(app.db())
        .await
        .unwrap();
    browser
        .click_button("#form-person", "Enregistrer la personne")
        .await;
    browser
        .wait_for_path("/connexion?suite=%2Fpersonnes&fait=session-formulaire")
        .await;
    assert!(
        browser
            .text("#connexion-info")
            .await
            .contains("Votre session a expiré avant l'envoi du formulaire")
    );
    assert_eq!(app.count("people").await, 0, "nothing was recorded");
    browser.sign_in(&t.agent.email, PASSWORD).await;
    browser.wait_for_path("/personnes").await;
    browser.close().await;
}
