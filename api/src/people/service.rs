//! The people application service: the records an organisation holds of the people it helps.
//! Only that organisation's agents see them; anyone else gets NOT_FOUND.

use domain::{Action, BirthDate, Email, Name, OptionalText, PersonId, Phone, Search};

use crate::{
    entities::person,
    error::ApiResult,
    people::store,
    service::Ctx,
    store::{Page, PageRequest, not_found},
};

/// Reading a record is managing it: another organisation's person, or a caller without the
/// role, is NOT_FOUND (never FORBIDDEN: nobody learns a person exists).
pub async fn get(ctx: &Ctx<'_>, id: PersonId) -> ApiResult<person::Model> {
    ctx.authorize_own(Action::ManagePeople)
        .map_err(|_| not_found())?;
    store::held_by(ctx.db, ctx.actor, id).await
}

/// The people the caller's organisation holds, by name; `search` matches either name.
pub async fn list(
    ctx: &Ctx<'_>,
    page: &PageRequest,
    search: Option<&str>,
) -> ApiResult<Page<person::Model>> {
    ctx.authorize_own(Action::ManagePeople)?;
    let search = Search::parse_optional("search", search)?;
    store::list(ctx.db, ctx.actor, page, search.as_ref().map(Search::as_str)).await
}

/// Other records of the same organisation with the same names and birth date.
pub async fn possible_duplicates(
    ctx: &Ctx<'_>,
    person: &person::Model,
) -> ApiResult<Vec<person::Model>> {
    if ctx.actor.organisation_id.as_uuid() != person.organisation_id
        || !ctx.may_own(Action::ManagePeople)
    {
        return Ok(Vec::new());
    }
    store::possible_duplicates(ctx.db, person).await
}

/// The records the caller's organisation already holds with the names and birth date of
/// `form`, before it is saved (none while the form itself is invalid: its errors come first).
pub async fn duplicates_of(ctx: &Ctx<'_>, form: &PersonForm) -> ApiResult<Vec<person::Model>> {
    ctx.authorize_own(Action::ManagePeople)?;
    let (Ok(first), Ok(last), Ok(birth)) = (
        Name::parse("firstName", &form.first_name),
        Name::parse("lastName", &form.last_name),
        BirthDate::parse("birthDate", &form.birth_date, ctx.now.date()),
    ) else {
        return Ok(Vec::new());
    };
    let key = domain::duplicate_key(first.as_str(), last.as_str(), birth.get());
    store::with_duplicate_key(
        ctx.db,
        ctx.actor.tenant_id.as_uuid(),
        ctx.actor.organisation_id.as_uuid(),
        &key,
    )
    .await
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonForm {
    pub first_name: String,
    pub last_name: String,
    /// `AAAA-MM-JJ` or `JJ/MM/AAAA`.
    pub birth_date: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// Records a person held by the caller's organisation (agents). A possible duplicate is
/// reported, not merged.
pub async fn create(ctx: &Ctx<'_>, form: PersonForm) -> ApiResult<person::Model> {
    ctx.authorize_own(Action::ManagePeople)?;
    let first_name = Name::parse("firstName", &form.first_name)?;
    let last_name = Name::parse("lastName", &form.last_name)?;
    let birth_date = BirthDate::parse("birthDate", &form.birth_date, ctx.now.date())?.get();
    let phone = Phone::parse_optional("phone", form.phone.as_deref())?;
    let email = form
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| Email::parse("email", e))
        .transpose()?;
    let address = OptionalText::parse("address", form.address.as_deref(), 500)?;
    let model = person::Model {
        tenant_id: ctx.actor.tenant_id.as_uuid(),
        id: PersonId::new().as_uuid(),
        organisation_id: ctx.actor.organisation_id.as_uuid(),
        duplicate_key: domain::duplicate_key(first_name.as_str(), last_name.as_str(), birth_date),
        first_name: first_name.into_string(),
        last_name: last_name.into_string(),
        birth_date,
        phone: phone.map(Phone::into_string),
        email: email.map(Email::into_string),
        address: address.into_option(),
        created_by: ctx.actor.user_id.map(|u| u.as_uuid()).unwrap_or_default(),
        created_at: ctx.now,
    };
    store::insert(ctx.db, model).await
}
