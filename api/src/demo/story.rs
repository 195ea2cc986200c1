//! A few referrals and an escalation in the demo territory, made through the same services as
//! the API, so the inboxes, the timelines and the local mailbox have something to show on first
//! start.

use domain::{Actor, OrganisationId, ServiceId, Urgency};

use crate::{
    AppState,
    auth::store as users,
    consents::service::{self as consents, ConsentForm},
    directory::service as directory,
    error::{ApiError, ApiResult},
    escalations::service::{self as escalations, Change as EscalationChange, NewEscalation},
    people::service::{self as people, PersonForm},
    referrals::service::{self as referrals, Change, NewReferral},
    service::Ctx,
    store::PageRequest,
};

pub(super) async fn actor(app: &AppState, email: &str) -> ApiResult<Actor> {
    let user = users::user_for_sign_in(&app.db, email)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("demo user {email} missing")))?;
    users::actor_of(&app.db, &user).await
}

fn ctx<'a>(app: &'a AppState, actor: &'a Actor) -> Ctx<'a> {
    Ctx {
        actor,
        db: &app.db,
        now: app.clock.now(),
        hooks: &app.hooks,
    }
}

/// The id of the service of that name, and its organisation.
async fn service(ctx: &Ctx<'_>, name: &str) -> ApiResult<(ServiceId, OrganisationId)> {
    let found = directory::services(ctx, &PageRequest::first(5), None, Some(name)).await?;
    let s = found
        .into_rows()
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("demo service {name} missing")))?;
    Ok((
        ServiceId::from_uuid(s.id),
        OrganisationId::from_uuid(s.organisation_id),
    ))
}

pub async fn play(app: &AppState) -> ApiResult<()> {
    let agent = actor(app, "agent@franceservices-arras.demo").await?;
    let caf = actor(app, "expert@caf62.demo").await?;
    let cpam = actor(app, "expert@cpam-artois.demo").await?;
    let as_agent = ctx(app, &agent);
    let (rsa, caf_org) = service(&as_agent, "Ouverture de droits RSA").await?;
    let (apl, _) = service(&as_agent, "Aides au logement (APL)").await?;
    let (css, cpam_org) = service(&as_agent, "Complémentaire santé solidaire").await?;

    let amina = people::create(
        &as_agent,
        PersonForm {
            first_name: "Amina".into(),
            last_name: "Benali".into(),
            birth_date: "1991-05-14".into(),
            phone: Some("06 12 34 56 78".into()),
            ..PersonForm::default()
        },
    )
    .await?;
    let person = domain::PersonId::from_uuid(amina.id);
    let consent = consents::record(
        &as_agent,
        ConsentForm {
            person,
            recipients: vec![caf_org, cpam_org],
            purposes: vec!["Ouverture de droits".into(), "Accès aux soins".into()],
            data_categories: vec![
                "Identité".into(),
                "Coordonnées".into(),
                "Situation familiale".into(),
            ],
            method: domain::ConsentMethod::Oral,
            expires_at: None,
            evidence: Some("Recueilli à l'accueil, texte lu à la personne".into()),
            text_version: Some("v1".into()),
        },
    )
    .await?;
    let refer = |service: ServiceId, motive: &str, urgency| NewReferral {
        person,
        consent: domain::ConsentId::from_uuid(consent.id),
        service,
        motive: motive.to_owned(),
        urgency,
    };
    let to_caf = referrals::create(
        &as_agent,
        refer(
            rsa,
            "Séparation récente, plus de ressources depuis deux mois.",
            Urgency::Urgent,
        ),
    )
    .await?;
    // The agent asks the CAF's back office about it, and an expert answers.
    let category = directory::service(&as_agent, rsa).await?.category;
    let asked = escalations::create(
        &as_agent,
        NewEscalation {
            organisation: caf_org,
            subject: "Pièces à fournir pour le RSA".into(),
            body: "Quelles pièces la personne doit-elle apporter pour sa demande de RSA ?".into(),
            category,
            referral: Some(to_caf.id),
            person: Some(person),
            urgency: Urgency::Standard,
        },
    )
    .await?;
    let as_caf = ctx(app, &caf);
    escalations::change(&as_caf, asked.id, EscalationChange::Take).await?;
    escalations::change(
        &as_caf,
        asked.id,
        EscalationChange::Answer {
            body: "Une pièce d'identité, un RIB et le jugement de séparation s'il existe.".into(),
        },
    )
    .await?;
    let to_cpam = referrals::create(
        &as_agent,
        refer(
            css,
            "Renoncement aux soins faute de complémentaire.",
            Urgency::Standard,
        ),
    )
    .await?;
    referrals::change(&ctx(app, &cpam), to_cpam.id, None, Change::Acknowledge).await?;
    let apl_referral = referrals::create(
        &as_agent,
        refer(
            apl,
            "Nouveau logement, aide au loyer à demander.",
            Urgency::Standard,
        ),
    )
    .await?;
    let id = apl_referral.id;
    referrals::change(&as_caf, id, None, Change::Acknowledge).await?;
    referrals::change(&as_caf, id, None, Change::Accept).await?;
    referrals::change(
        &as_caf,
        id,
        None,
        Change::Complete {
            outcome: domain::Outcome::RightOpened,
            comment: Some("Droit APL ouvert.".into()),
        },
    )
    .await?;
    Ok(())
}
