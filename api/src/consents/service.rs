//! The consents application service: recording what a person agreed to share with whom, and
//! withdrawing it — which stops sharing at once: in the same transaction, the open referrals
//! made under it are cancelled.

use domain::{
    Action, ConsentId, ConsentMethod, Expiry, ItemList, OptionalText, OrganisationId, PersonId,
    Target,
};

use crate::{
    consents::store,
    directory,
    entities::consent,
    error::{ApiError, ApiResult},
    events::By,
    people, referrals,
    service::Ctx,
    store::{Coded, not_found},
};

/// The consents of a person held by the caller's organisation, newest first (agents of it).
pub async fn of_person(ctx: &Ctx<'_>, person: PersonId) -> ApiResult<Vec<consent::Model>> {
    let person = people::service::get(ctx, person).await?;
    store::of_person(ctx.db, ctx.actor.tenant_id, person.id).await
}

/// The organisations a consent names, for those who may read the consent.
pub async fn recipients(ctx: &Ctx<'_>, consent: &consent::Model) -> ApiResult<Vec<OrganisationId>> {
    ctx.authorize(
        Action::RecordConsent,
        &Target::organisation(
            ctx.actor.tenant_id,
            OrganisationId::from_uuid(consent.organisation_id),
        ),
    )?;
    store::recipients(ctx.db, ctx.actor.tenant_id, consent.id).await
}

#[derive(Debug, Clone)]
pub struct ConsentForm {
    pub person: PersonId,
    pub recipients: Vec<OrganisationId>,
    pub purposes: Vec<String>,
    pub data_categories: Vec<String>,
    pub method: ConsentMethod,
    /// RFC 3339, or a date meaning the end of that day.
    pub expires_at: Option<String>,
    pub evidence: Option<String>,
    pub text_version: Option<String>,
}

/// Records a person's consent to share their data with the named organisations (agents of the
/// organisation holding the person).
pub async fn record(ctx: &Ctx<'_>, form: ConsentForm) -> ApiResult<consent::Model> {
    let person = people::service::get(ctx, form.person).await?;
    ctx.authorize_own(Action::RecordConsent)?;
    let recipients = checked_recipients(ctx, form.recipients).await?;
    let purposes = ItemList::parse("purposes", &form.purposes)?;
    let data_categories = ItemList::parse("dataCategories", &form.data_categories)?;
    let expires_at = Expiry::parse_optional("expiresAt", form.expires_at.as_deref(), ctx.now)?;
    let model = consent::Model {
        tenant_id: ctx.actor.tenant_id.as_uuid(),
        id: ConsentId::new().as_uuid(),
        person_id: person.id,
        organisation_id: ctx.actor.organisation_id.as_uuid(),
        purposes: purposes.into_vec().join("\n"),
        data_categories: data_categories.into_vec().join("\n"),
        method: Coded(form.method),
        collected_by: ctx.actor.user_id.map(|u| u.as_uuid()).unwrap_or_default(),
        collected_at: ctx.now,
        expires_at: expires_at.map(Expiry::get),
        evidence: OptionalText::parse("evidence", form.evidence.as_deref(), 2000)?.into_option(),
        text_version: OptionalText::parse("textVersion", form.text_version.as_deref(), 100)?
            .into_option(),
        withdrawn_at: None,
        withdrawn_by: None,
        withdrawal_reason: None,
    };
    let tx = ctx.begin_write().await?;
    let model = store::insert(tx.conn(), model, &recipients).await?;
    tx.commit().await?;
    Ok(model)
}

/// At least one organisation, every one of the caller's territory.
async fn checked_recipients(
    ctx: &Ctx<'_>,
    mut ids: Vec<OrganisationId>,
) -> ApiResult<Vec<OrganisationId>> {
    const FIELD: &str = "recipientOrganisationIds";
    ids.sort();
    ids.dedup();
    if ids.len() > 200 {
        return Err(ApiError::invalid(FIELD, "200 organisations au plus"));
    }
    if ids.is_empty() {
        return Err(ApiError::invalid(
            FIELD,
            "au moins une organisation destinataire",
        ));
    }
    let uuids: Vec<_> = ids.iter().map(|i| i.as_uuid()).collect();
    let found = directory::store::organisations_by_ids(ctx.db, ctx.actor.tenant_id, &uuids).await?;
    if found.len() != ids.len() {
        return Err(ApiError::invalid(
            FIELD,
            "organisation inconnue sur ce territoire",
        ));
    }
    Ok(ids)
}

/// Withdraws the consent (an agent of the organisation that recorded it) and, in the same
/// transaction, cancels every open referral made under it.
pub async fn withdraw(
    ctx: &Ctx<'_>,
    id: ConsentId,
    reason: Option<String>,
) -> ApiResult<consent::Model> {
    let found = store::get(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    ctx.authorize(
        Action::RecordConsent,
        &Target::organisation(
            ctx.actor.tenant_id,
            OrganisationId::from_uuid(found.organisation_id),
        ),
    )?;
    let reason = OptionalText::parse("reason", reason.as_deref(), 1000)?.into_option();
    let mut tx = ctx.begin_write().await?;
    let by: By = ctx.actor.into();
    if store::withdraw(
        tx.conn(),
        &found,
        by.user.map(|u| u.as_uuid()),
        reason,
        ctx.now,
    )
    .await?
    {
        referrals::service::cancel_under_withdrawn_consent(
            &mut tx,
            by,
            ctx.actor.tenant_id,
            id,
            ctx.now,
        )
        .await?;
    }
    tx.commit().await?;
    store::get(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)
}
