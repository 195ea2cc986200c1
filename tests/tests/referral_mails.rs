//! The mails a referral causes, read back from a real SMTP server: who gets them, a French
//! subject, a link to the referral — and nothing about the person.

use std::time::Duration;

use passerelle_tests::{
    TestApp, ok, on_both_backends,
    smtp::{SmtpOptions, SmtpServer},
};

on_both_backends!(referral_mails_reach_each_side_without_personal_data);

async fn referral_mails_reach_each_side_without_personal_data(app: TestApp) {
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
    let t = app.with_territory("Arras").await;

    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let body = app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "URGENT")
        .await;
    let id = ok(&body)["createReferral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.act(
        &t.caf,
        "requestReferralInfo",
        &id,
        r#"question: "Avis d'imposition de Mme Dupont ?""#,
    )
    .await;
    app.act(&t.agent, "provideReferralInfo", &id, r#"answer: "Envoyé""#)
        .await;
    app.act(&t.caf, "acceptReferral", &id, "").await;

    let mails = smtp.wait_for(4, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 4, "{mails:#?}");
    let link = format!("/orientations/{id}");
    let mailbox = passerelle_tests::fixtures::mailbox_of("CAF Arras");
    let expected: [(&str, &str); 4] = [
        (mailbox.as_str(), "Nouvelle orientation"),
        (t.agent.email.as_str(), "complément"),
        (mailbox.as_str(), ""),
        (t.agent.email.as_str(), ""),
    ];
    let mut by_recipient: Vec<(String, String)> = mails
        .iter()
        .map(|m| (m.rcpt_tos.join(","), m.subject.clone()))
        .collect();
    by_recipient.sort();
    for (to, subject_part) in expected {
        assert!(
            by_recipient
                .iter()
                .any(|(r, s)| r == to && s.contains(subject_part)),
            "a mail to {to} with «{subject_part}» in {by_recipient:?}"
        );
    }
    for mail in &mails {
        let text = mail.text.clone().unwrap_or_default();
        let html = mail.html.clone().unwrap_or_default();
        assert!(
            text.contains(&link) && html.contains(&link),
            "a link to the referral: {mail:#?}"
        );
        assert!(
            mail.subject.contains("Ouverture de droits RSA"),
            "the service is named: {}",
            mail.subject
        );
        for personal in [
            "Élodie",
            "Elodie",
            "Dupont",
            "1984",
            "02/07",
            "06 12 34 56 78",
            "personne@exemple.fr",
            "Paix",
            "imposition",
        ] {
            assert!(
                !text.contains(personal)
                    && !html.contains(personal)
                    && !mail.subject.contains(personal),
                "personal data «{personal}» in a mail: {mail:#?}"
            );
        }
    }
}
