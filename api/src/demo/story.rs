//! A few referrals in the demo territory, made through the same commands as the API, so the
//! inboxes, the timelines and the local mailbox have something to show on first start.

use domain::Urgency;

use crate::{
    AppState,
    auth::{actor::actor_of, store as users},
    consents::commands::{ConsentForm, record_consent},
    directory::store as directory,
    error::{ApiError, ApiResult},
    graphql::pagination::PageRequest,
    people::commands::{PersonForm, create_person},
    referrals::commands::{Change, ReferralForm, create_referral, transition},
};

async fn actor(app: &AppState, email: &str) -> ApiResult<domain::Actor> {
    let user = users::user_for_sign_in(&app.db, email)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("demo user {email} missing")))?;
    actor_of(&user)
}

/// The id of the service of that name, and its organisation.
async fn service(app: &AppState, actor: &domain::Actor, name: &str) -> ApiResult<(String, String)> {
    let page = PageRequest {
        first: 5,
        after: None,
    };
    let found = directory::services_list(&app.db, actor, &page, None, Some(name)).await?;
    let s = found
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("demo service {name} missing")))?;
    Ok((s.id.to_string(), s.organisation_id.to_string()))
}

pub async fn play(app: &AppState) -> ApiResult<()> {
    let agent = actor(app, "agent@franceservices-arras.demo").await?;
    let caf = actor(app, "expert@caf62.demo").await?;
    let cpam = actor(app, "expert@cpam-artois.demo").await?;
    let (rsa, caf_org) = service(app, &agent, "Ouverture de droits RSA").await?;
    let (apl, _) = service(app, &agent, "Aides au logement (APL)").await?;
    let (css, cpam_org) = service(app, &agent, "Complémentaire santé solidaire").await?;

    let amina = create_person(
        app,
        &agent,
        PersonForm {
            first_name: "Amina".into(),
            last_name: "Benali".into(),
            birth_date: "1991-05-14".into(),
            phone: Some("06 12 34 56 78".into()),
            ..PersonForm::default()
        },
    )
    .await?;
    let consent = record_consent(
        app,
        &agent,
        ConsentForm {
            person_id: amina.id.to_string(),
            recipient_organisation_ids: vec![caf_org.clone(), cpam_org],
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
    let refer = |service: &str, motive: &str, urgency| ReferralForm {
        person_id: amina.id.to_string(),
        consent_id: consent.id.to_string(),
        service_id: service.to_owned(),
        motive: motive.to_owned(),
        urgency,
    };
    create_referral(
        app,
        &agent,
        refer(
            &rsa,
            "Séparation récente, plus de ressources depuis deux mois.",
            Urgency::Urgent,
        ),
    )
    .await?;
    let to_cpam = create_referral(
        app,
        &agent,
        refer(
            &css,
            "Renoncement aux soins faute de complémentaire.",
            Urgency::Standard,
        ),
    )
    .await?;
    transition(
        app,
        &cpam,
        &to_cpam.id.to_string(),
        None,
        Change::Acknowledge,
    )
    .await?;
    let apl_referral = create_referral(
        app,
        &agent,
        refer(
            &apl,
            "Nouveau logement, aide au loyer à demander.",
            Urgency::Standard,
        ),
    )
    .await?;
    let id = apl_referral.id.to_string();
    transition(app, &caf, &id, None, Change::Acknowledge).await?;
    transition(app, &caf, &id, None, Change::Accept).await?;
    transition(
        app,
        &caf,
        &id,
        None,
        Change::Complete {
            outcome: domain::Outcome::RightOpened,
            comment: Some("Droit APL ouvert.".into()),
        },
    )
    .await?;
    Ok(())
}
