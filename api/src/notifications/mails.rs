//! The mails, rendered from `web/templates/mails/<name>.txt` and `.html` (French). A mail never
//! carries the referred person's name, birth date or contact: only the service, the urgency, the
//! due date and a link to the page where a signed-in user may see more.

use minijinja::{Value, context};

use crate::{
    error::{ApiError, ApiResult},
    notifications::{MailKind, RenderedMail},
    web::templates::Templates,
};

impl AsRef<Templates> for Templates {
    fn as_ref(&self) -> &Templates {
        self
    }
}

fn render(
    app: &impl AsRef<Templates>,
    name: &str,
    subject: String,
    ctx: Value,
) -> ApiResult<RenderedMail> {
    let templates = app.as_ref();
    let text = templates
        .render(&format!("mails/{name}.txt"), ctx.clone())
        .map_err(ApiError::internal)?;
    let html = templates
        .render(&format!("mails/{name}.html"), ctx)
        .map_err(ApiError::internal)?;
    Ok(RenderedMail {
        subject,
        text,
        html,
    })
}

/// A link as the HTML part shows it: minijinja escapes `/` (as `&#x2f;`), harmless but
/// unreadable in a mail's source and in clients that show raw hrefs; a link with nothing to
/// escape is passed as is.
fn link_value(link: &str) -> Value {
    if link.contains(['<', '>', '"', '\'', '&']) {
        Value::from(link)
    } else {
        Value::from_safe_string(link.to_owned())
    }
}

/// To a new user: the link to choose a password.
pub fn invitation(
    app: &impl AsRef<Templates>,
    user_name: &str,
    link: &str,
) -> ApiResult<RenderedMail> {
    render(
        app,
        "invitation",
        "Votre compte Passerelle : choisissez votre mot de passe".into(),
        context! { user_name, link => link_value(link) },
    )
}

/// To an organisation's admins: someone of another organisation made an account in theirs.
pub fn account_created(
    app: &impl AsRef<Templates>,
    account_email: &str,
    roles: &str,
    link: &str,
) -> ApiResult<RenderedMail> {
    render(
        app,
        "account_created",
        "Un compte a été créé dans votre organisation".into(),
        context! { account_email, roles, link => link_value(link) },
    )
}

/// To the receiving organisation's mailbox (and the assignee).
pub fn referral_created(
    app: &impl AsRef<Templates>,
    service_name: &str,
    urgency_label: &str,
    due_date_fr: &str,
    link: &str,
) -> ApiResult<RenderedMail> {
    render(
        app,
        "referral_created",
        format!("Nouvelle orientation pour « {service_name} »"),
        context! { service_name, urgency_label, due_date_fr, link => link_value(link) },
    )
}

/// To the sending agent.
pub fn referral_status_changed(
    app: &impl AsRef<Templates>,
    service_name: &str,
    status_label: &str,
    link: &str,
) -> ApiResult<RenderedMail> {
    render(
        app,
        "referral_status_changed",
        format!("Orientation vers « {service_name} » : {status_label}"),
        context! { service_name, status_label, link => link_value(link) },
    )
}

/// To the sending agent: the receiving service asks a question.
pub fn referral_info_requested(
    app: &impl AsRef<Templates>,
    service_name: &str,
    link: &str,
) -> ApiResult<RenderedMail> {
    render(
        app,
        "referral_info_requested",
        format!("Orientation vers « {service_name} » : complément demandé"),
        context! { service_name, link => link_value(link) },
    )
}

/// To the receiving mailbox, before the due date.
pub fn referral_reminder(
    app: &impl AsRef<Templates>,
    service_name: &str,
    due_date_fr: &str,
    link: &str,
) -> ApiResult<RenderedMail> {
    render(
        app,
        "referral_reminder",
        format!("Rappel : orientation en attente pour « {service_name} »"),
        context! { service_name, due_date_fr, link => link_value(link) },
    )
}

/// To the receiving mailbox, on the due day.
pub fn referral_overdue(
    app: &impl AsRef<Templates>,
    service_name: &str,
    due_date_fr: &str,
    link: &str,
) -> ApiResult<RenderedMail> {
    render(
        app,
        "referral_overdue",
        format!("Échéance atteinte : orientation pour « {service_name} »"),
        context! { service_name, due_date_fr, link => link_value(link) },
    )
}

/// To the receiving organisation's admins and the tenant's coordinators.
pub fn referral_escalation(
    app: &impl AsRef<Templates>,
    service_name: &str,
    organisation_name: &str,
    due_date_fr: &str,
    working_days_late: i64,
    link: &str,
) -> ApiResult<RenderedMail> {
    render(
        app,
        "referral_escalation",
        format!("Orientation en retard pour « {service_name} » ({organisation_name})"),
        context! { service_name, organisation_name, due_date_fr, working_days_late, link => link_value(link) },
    )
}

/// Everything an escalation mail may say. The subject and the messages are not here on
/// purpose: an agent may have filled them with personal details, so no mail can carry them.
#[derive(Debug, Clone, Copy)]
pub struct EscalationMail<'a> {
    /// The services' category it is about.
    pub category: &'a str,
    /// The sending organisation.
    pub from_name: &'a str,
    /// The receiving organisation (after a transfer, the new one).
    pub to_name: &'a str,
    /// When the answer is due, for mails about waiting for one.
    pub due_date_fr: Option<&'a str>,
    pub link: &'a str,
}

/// An escalation mail of `kind`: one template, the wording chosen here.
pub fn escalation(
    app: &impl AsRef<Templates>,
    kind: MailKind,
    mail: &EscalationMail<'_>,
) -> ApiResult<RenderedMail> {
    let EscalationMail {
        category,
        from_name: from,
        to_name: to,
        due_date_fr,
        link,
    } = *mail;
    let (subject, intro) = match kind {
        MailKind::EscalationCreated => (
            format!("Nouvelle sollicitation de {from} ({category})"),
            format!("{from} sollicite les experts de {to}."),
        ),
        MailKind::EscalationAnswered => (
            format!("Réponse de {to} à votre sollicitation ({category})"),
            format!("{to} a répondu à votre sollicitation."),
        ),
        MailKind::EscalationReplied => (
            format!("Nouveau message de {from} sur une sollicitation ({category})"),
            format!(
                "{from} a écrit sur une sollicitation adressée à {to} : elle attend de nouveau votre réponse."
            ),
        ),
        MailKind::EscalationAssigned => (
            format!("Sollicitation qui vous est attribuée ({category})"),
            format!("Une sollicitation de {from} adressée à {to} vous a été attribuée."),
        ),
        MailKind::EscalationTransferred => (
            format!("Sollicitation transférée à {to} ({category})"),
            format!("Une sollicitation de {from} a été transférée à {to}, qui doit y répondre."),
        ),
        MailKind::EscalationClosed => (
            format!("Sollicitation clôturée ({category})"),
            format!("Une sollicitation de {from} adressée à {to} a été clôturée."),
        ),
        MailKind::EscalationReopened => (
            format!("Sollicitation rouverte par {from} ({category})"),
            format!(
                "{from} a rouvert une sollicitation adressée à {to} : elle attend de nouveau votre réponse."
            ),
        ),
        MailKind::EscalationReminder => (
            format!("Rappel : sollicitation en attente de réponse ({category})"),
            format!(
                "Une sollicitation de {from} attend la réponse de {to} : son échéance est atteinte."
            ),
        ),
        MailKind::EscalationOverdue => (
            format!("Sollicitation sans réponse à {to} ({category})"),
            format!(
                "Une sollicitation de {from} adressée à {to} n'a pas reçu de réponse un jour ouvré après son échéance."
            ),
        ),
        other => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "{} is not an escalation mail",
                other.as_str()
            )));
        }
    };
    render(
        app,
        "escalation",
        subject,
        context! { intro, category, from_name => from, to_name => to, due_date_fr, link => link_value(link) },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mail_renders_with_its_link_and_service() {
        let t = Templates::new().unwrap();
        let link = "https://passerelle.example/orientations/0192";
        let service = "Accès aux droits & <santé>";
        let mails = [
            invitation(&t, "Camille Agent", link).unwrap(),
            referral_created(&t, service, "Urgente", "15/01/2027", link).unwrap(),
            referral_status_changed(&t, service, "Acceptée", link).unwrap(),
            referral_info_requested(&t, service, link).unwrap(),
            referral_reminder(&t, service, "15/01/2027", link).unwrap(),
            referral_overdue(&t, service, "15/01/2027", link).unwrap(),
            referral_escalation(&t, service, "CAF d'Arras", "15/01/2027", 3, link).unwrap(),
            account_created(&t, "nouvel.agent@caf62.fr", "Agent d'accueil", link).unwrap(),
        ];
        for (i, mail) in mails.iter().enumerate() {
            for part in [&mail.subject, &mail.text, &mail.html] {
                assert!(!part.contains("{{"), "mail {i}: {part}");
                assert!(!part.contains("{%"), "mail {i}: {part}");
            }
            assert!(mail.text.contains(link), "mail {i}: {}", mail.text);
            assert!(mail.html.contains(link), "mail {i}: {}", mail.html);
            assert!(mail.text.starts_with("Bonjour"), "mail {i}: {}", mail.text);
            if i > 0 && i < 7 {
                assert!(mail.subject.contains(service), "mail {i}");
                assert!(mail.text.contains(service), "mail {i}: {}", mail.text);
                // HTML escaping applies to the HTML part only.
                assert!(
                    mail.html.contains("Accès aux droits &amp; &lt;santé&gt;"),
                    "mail {i}: {}",
                    mail.html
                );
            }
        }
        // The whole text of each mail, as a reviewer reads it: a change shows in the diff.
        let names = [
            "invitation",
            "referral_created",
            "referral_status_changed",
            "referral_info_requested",
            "referral_reminder",
            "referral_overdue",
            "referral_escalation",
            "account_created",
        ];
        for (name, mail) in names.iter().zip(&mails) {
            insta::assert_snapshot!(*name, format!("Subject: {}\n\n{}", mail.subject, mail.text));
        }
        assert!(mails[0].text.contains("Camille Agent"));
        assert!(mails[6].text.contains("3 jour(s) ouvré(s)"));
        assert!(mails[1].text.contains("15/01/2027") && mails[1].text.contains("Urgente"));
    }

    #[test]
    fn every_escalation_mail_names_the_category_and_organisations_only() {
        let t = Templates::new().unwrap();
        let link = "https://passerelle.example/sollicitations/0193";
        let mail = EscalationMail {
            category: "Minima sociaux",
            from_name: "France Services d'Arras",
            to_name: "CAF <Pas-de-Calais>",
            due_date_fr: Some("27/05/2026"),
            link,
        };
        let kinds = [
            MailKind::EscalationCreated,
            MailKind::EscalationAnswered,
            MailKind::EscalationReplied,
            MailKind::EscalationAssigned,
            MailKind::EscalationTransferred,
            MailKind::EscalationClosed,
            MailKind::EscalationReopened,
            MailKind::EscalationReminder,
            MailKind::EscalationOverdue,
        ];
        for kind in kinds {
            let rendered = escalation(&t, kind, &mail).unwrap();
            for part in [&rendered.subject, &rendered.text, &rendered.html] {
                assert!(
                    !part.contains("{{") && !part.contains("{%"),
                    "{kind}: {part}"
                );
            }
            assert!(rendered.subject.contains("Minima sociaux"), "{kind}");
            assert!(rendered.text.contains(link) && rendered.html.contains(link));
            assert!(rendered.text.contains("27/05/2026"), "{kind}");
            assert!(
                rendered.html.contains("CAF &lt;Pas-de-Calais&gt;"),
                "{kind}"
            );
            insta::assert_snapshot!(
                kind.as_str().to_lowercase(),
                format!("Subject: {}\n\n{}", rendered.subject, rendered.text)
            );
        }
        let without_due = EscalationMail {
            due_date_fr: None,
            ..mail
        };
        let closed = escalation(&t, MailKind::EscalationClosed, &without_due).unwrap();
        assert!(!closed.text.contains("Réponse attendue"), "{}", closed.text);
        assert!(escalation(&t, MailKind::Invitation, &mail).is_err());
    }
}
