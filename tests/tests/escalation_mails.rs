//! The mails an escalation causes, read back from a real SMTP server: who gets each, the
//! category, the organisations and a link — and never a name, a birth date, a phone, an e-mail
//! address, a postal address, the subject or a message, which an agent may have filled with
//! all of those.

use std::time::Duration;

use passerelle_tests::{
    TestApp, ok, on_both_backends,
    smtp::{SmtpOptions, SmtpServer},
};
use serde_json::json;
use time::macros::datetime;

on_both_backends!(escalation_mails_reach_each_side_without_personal_data_or_messages);

/// What the agent and the experts write, each with a marker the test looks for.
const SUBJECT: &str = "Mme Élodie Dupont, née le 02/07/1984 : Objet-secret-4242";
const QUESTION: &str =
    "Élodie Dupont (06 12 34 56 78, personne@exemple.fr, 1 rue de la Paix) : Question-secrete-5521";
const ANSWER: &str = "Pour Mme Dupont, il manque l'avis : Reponse-secrete-8812";
const REPLY: &str = "Voici l'avis de Mme Dupont : Relance-secrete-3307";
const COMMENT: &str = "Dossier Dupont pour la CPAM : Commentaire-secret-9090";
const SECOND: &str = "CSS ouverte pour Mme Dupont : Reponse-secrete-6161";

async fn escalation_mails_reach_each_side_without_personal_data_or_messages(app: TestApp) {
    // The fixture's app has no SMTP URL; this test runs its own app against a real server.
    let backend = app.backend;
    drop(app);
    let smtp = SmtpServer::start(SmtpOptions::default()).await;
    let url = smtp.url();
    let app = TestApp::spawn_with(backend, |config| {
        config.smtp_url = Some(passerelle::config::Secret::new(url));
        config.mail_poll_ms = 50;
    })
    .await;
    let _worker = app.start_worker();
    app.state.clock.travel_to(datetime!(2027-03-01 08:00 UTC));
    let t = app.with_territory("Arras").await;
    let admin = &t.tenant.admin;
    let caf_admin = app
        .create_user(
            admin,
            &t.caf.organisation_id,
            "direction@caf-arras.test",
            &["ORG_ADMIN"],
        )
        .await;
    let colleague = app
        .create_user(
            admin,
            &t.caf.organisation_id,
            "collegue@caf-arras.test",
            &["BACK_OFFICE"],
        )
        .await;
    let cpam_admin = app
        .create_user(
            admin,
            &t.cpam.organisation_id,
            "direction@cpam-arras.test",
            &["ORG_ADMIN"],
        )
        .await;
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    app.record_consent(
        &t.agent,
        &person,
        &[&t.caf.organisation_id, &t.cpam.organisation_id],
        None,
    )
    .await;

    // Monday 1 March 2027, 09:00.
    app.state.clock.travel_to(datetime!(2027-03-01 09:00 UTC));
    let body = app
        .open_escalation(
            &t.agent,
            &t.caf.organisation_id,
            json!({ "personId": person, "subject": SUBJECT, "body": QUESTION }),
        )
        .await;
    let id = ok(&body)["createEscalation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let step = |who, mutation: &'static str, args: String| {
        let id = id.clone();
        let app = &app;
        async move { ok(&app.act_escalation(who, mutation, &id, &args).await).clone() }
    };
    step(&t.caf, "takeEscalation", String::new()).await;
    step(&t.caf, "answerEscalation", format!(r#"body: "{ANSWER}""#)).await;
    step(&t.agent, "replyEscalation", format!(r#"body: "{REPLY}""#)).await;
    step(
        &caf_admin,
        "assignEscalation",
        format!(r#"userId: "{}""#, colleague.user_id),
    )
    .await;
    step(
        &colleague,
        "transferEscalation",
        format!(
            r#"organisationId: "{}", comment: "{COMMENT}""#,
            t.cpam.organisation_id
        ),
    )
    .await;
    // Nobody answers at the CPAM: reminded on Wednesday, its admins told on Thursday.
    for at in [
        datetime!(2027-03-03 09:01 UTC),
        datetime!(2027-03-04 09:01 UTC),
    ] {
        app.state.clock.travel_to(at);
        passerelle::escalations::deadlines::run_once(&app.state)
            .await
            .unwrap();
    }
    step(&t.cpam, "answerEscalation", format!(r#"body: "{SECOND}""#)).await;
    step(&t.agent, "closeEscalation", String::new()).await;
    step(&t.agent, "reopenEscalation", String::new()).await;

    let cpam_mailbox = passerelle_tests::fixtures::mailbox_of("CPAM Arras");
    let expected = [
        // The territory's admin made accounts in the CAF: its admin is told of the second.
        (
            caf_admin.email.clone(),
            "Un compte a été créé dans votre organisation",
        ),
        (
            passerelle_tests::fixtures::mailbox_of("CAF Arras"),
            "Nouvelle sollicitation de France Services Arras",
        ),
        (t.agent.email.clone(), "Réponse de CAF Arras"),
        (
            t.caf.email.clone(),
            "Nouveau message de France Services Arras",
        ),
        (
            colleague.email.clone(),
            "Sollicitation qui vous est attribuée",
        ),
        (
            cpam_mailbox.clone(),
            "Sollicitation transférée à CPAM Arras",
        ),
        (cpam_mailbox.clone(), "Rappel : sollicitation en attente"),
        (
            cpam_admin.email.clone(),
            "Sollicitation sans réponse à CPAM Arras",
        ),
        (t.agent.email.clone(), "Réponse de CPAM Arras"),
        (
            cpam_mailbox.clone(),
            "Sollicitation rouverte par France Services Arras",
        ),
    ];
    let mails = smtp.wait_for(expected.len(), Duration::from_secs(30)).await;
    let got: Vec<(String, String)> = mails
        .iter()
        .map(|m| (m.rcpt_tos.join(","), m.subject.clone()))
        .collect();
    assert_eq!(mails.len(), expected.len(), "{got:#?}");
    for (to, subject) in &expected {
        assert!(
            got.iter().any(|(r, s)| r == to && s.starts_with(subject)),
            "a mail to {to} «{subject}…» in {got:#?}"
        );
    }
    let link = format!("/sollicitations/{id}");
    let about_the_escalation = mails
        .iter()
        .filter(|m| !m.subject.starts_with("Un compte a été créé"));
    for mail in about_the_escalation {
        let text = mail.text.clone().unwrap_or_default();
        let html = mail.html.clone().unwrap_or_default();
        assert!(
            text.contains(&link) && html.contains(&link),
            "a link to the escalation: {mail:#?}"
        );
        assert!(
            mail.subject.contains("(Minima sociaux)"),
            "{}",
            mail.subject
        );
        assert!(text.contains("Catégorie : Minima sociaux."), "{text}");
        assert!(text.contains("De : France Services Arras."), "{text}");
        for secret in [
            "Élodie",
            "Elodie",
            "Dupont",
            "1984",
            "02/07",
            "06 12 34 56 78",
            "personne@exemple.fr",
            "Paix",
            "Objet-secret",
            "Question-secrete",
            "Reponse-secrete",
            "Relance-secrete",
            "Commentaire-secret",
        ] {
            assert!(
                !text.contains(secret) && !html.contains(secret) && !mail.subject.contains(secret),
                "«{secret}» in a mail: {mail:#?}"
            );
        }
    }
}
