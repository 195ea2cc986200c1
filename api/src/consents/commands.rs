//! Recording and withdrawing consent. Withdrawal stops sharing at once: in the same
//! transaction, the open referrals made under the consent are cancelled.

use domain::{
    Action, Actor, ConsentId, ConsentMethod, OptionalText, OrganisationId, PersonId, Target,
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};

use crate::{
    AppState,
    consents::store,
    db,
    directory::{self, commands::parse_id},
    entities::consent,
    error::{ApiError, ApiResult},
    people, referrals,
};

pub struct ConsentForm {
    pub person_id: String,
    pub recipient_organisation_ids: Vec<String>,
    pub purposes: Vec<String>,
    pub data_categories: Vec<String>,
    pub method: ConsentMethod,
    /// RFC 3339, or a date `YYYY-MM-DD` meaning the end of that day.
    pub expires_at: Option<String>,
    pub evidence: Option<String>,
    pub text_version: Option<String>,
}

pub async fn record_consent(
    app: &AppState,
    actor: &Actor,
    form: ConsentForm,
) -> ApiResult<consent::Model> {
    let person_id: PersonId = parse_id("personId", &form.person_id)?;
    let person = people::store::person_of_actor(&app.db, actor, person_id).await?;
    domain::authorize(
        actor,
        Action::RecordConsent,
        &Target::organisation(actor.tenant_id, actor.organisation_id),
    )?;
    let now = app.clock.now();
    let recipients = parse_recipients(app, actor, &form.recipient_organisation_ids).await?;
    let purposes = parse_list("purposes", &form.purposes)?;
    let data_categories = parse_list("dataCategories", &form.data_categories)?;
    let expires_at = form
        .expires_at
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_expiry)
        .transpose()?;
    if expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::invalid("expiresAt", "doit être dans le futur"));
    }
    let model = consent::Model {
        tenant_id: actor.tenant_id.as_uuid(),
        id: ConsentId::new().as_uuid(),
        person_id: person.id,
        organisation_id: actor.organisation_id.as_uuid(),
        purposes: purposes.join("\n"),
        data_categories: data_categories.join("\n"),
        method: form.method.as_str().to_owned(),
        collected_by: actor.user_id.map(|u| u.as_uuid()).unwrap_or_default(),
        collected_at: now,
        expires_at,
        evidence: OptionalText::parse("evidence", form.evidence.as_deref(), 2000)?.into_option(),
        text_version: OptionalText::parse("textVersion", form.text_version.as_deref(), 100)?
            .into_option(),
        withdrawn_at: None,
        withdrawn_by: None,
        withdrawal_reason: None,
    };
    let txn = db::begin_write(&app.db).await?;
    let model = store::consent_insert(&txn, model, &recipients).await?;
    txn.commit().await?;
    Ok(model)
}

async fn parse_recipients(
    app: &AppState,
    actor: &Actor,
    raw: &[String],
) -> ApiResult<Vec<OrganisationId>> {
    const FIELD: &str = "recipientOrganisationIds";
    let mut ids: Vec<OrganisationId> = raw
        .iter()
        .map(|r| parse_id(FIELD, r))
        .collect::<ApiResult<_>>()?;
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Err(ApiError::invalid(
            FIELD,
            "au moins une organisation destinataire",
        ));
    }
    let uuids: Vec<_> = ids.iter().map(|i| i.as_uuid()).collect();
    let found = directory::store::organisations_by_ids(&app.db, actor.tenant_id, &uuids).await?;
    if found.len() != ids.len() {
        return Err(ApiError::invalid(
            FIELD,
            "organisation inconnue sur ce territoire",
        ));
    }
    Ok(ids)
}

fn parse_list(field: &str, raw: &[String]) -> ApiResult<Vec<String>> {
    let items: Vec<String> = raw
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if items.is_empty() {
        return Err(ApiError::invalid(field, "au moins une valeur"));
    }
    if items
        .iter()
        .any(|s| s.chars().count() > 200 || s.contains('\n'))
    {
        return Err(ApiError::invalid(
            field,
            "chaque valeur tient sur une ligne de 200 caractères au plus",
        ));
    }
    Ok(items)
}

fn parse_expiry(raw: &str) -> ApiResult<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Ok(at.to_offset(time::UtcOffset::UTC));
    }
    time::Date::parse(raw, format_description!("[year]-[month]-[day]"))
        .ok()
        .and_then(|d| d.with_hms(23, 59, 59).ok())
        .map(|at| at.assume_utc())
        .ok_or_else(|| ApiError::invalid("expiresAt", "date attendue (AAAA-MM-JJ ou RFC 3339)"))
}

/// Withdraws the consent (by an agent of the organisation that recorded it) and, in the same
/// transaction, cancels every open referral made under it.
pub async fn withdraw_consent(
    app: &AppState,
    actor: &Actor,
    id: &str,
    reason: Option<String>,
) -> ApiResult<consent::Model> {
    let id: ConsentId =
        parse_id("id", id).map_err(|_| ApiError::Domain(domain::Error::NotFound))?;
    let found = store::consent_get(&app.db, actor, id).await?;
    let holder = OrganisationId::from_uuid(found.organisation_id);
    domain::authorize(
        actor,
        Action::RecordConsent,
        &Target::organisation(actor.tenant_id, holder),
    )?;
    let reason = OptionalText::parse("reason", reason.as_deref(), 1000)?.into_option();
    let now = app.clock.now();
    let txn = db::begin_write(&app.db).await?;
    if store::consent_withdraw(
        &txn,
        &found,
        actor.user_id.map(|u| u.as_uuid()),
        reason,
        now,
    )
    .await?
    {
        referrals::commands::cancel_under_withdrawn_consent(app, &txn, actor, found.id, now)
            .await?;
    }
    txn.commit().await?;
    app.mail_wake.notify_one();
    store::consent_get(&app.db, actor, id).await
}
