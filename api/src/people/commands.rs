//! Creating a person record: validation, permission, write — for GraphQL and the pages.

use domain::{Action, Actor, Email, Name, OptionalText, PersonId, Target};
use time::{Date, macros::format_description};

use crate::{
    AppState,
    entities::person,
    error::{ApiError, ApiResult},
    people::store,
};

#[derive(Default)]
pub struct PersonForm {
    pub first_name: String,
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

pub async fn create_person(
    app: &AppState,
    actor: &Actor,
    form: PersonForm,
) -> ApiResult<person::Model> {
    domain::authorize(
        actor,
        Action::ManagePeople,
        &Target::organisation(actor.tenant_id, actor.organisation_id),
    )?;
    let now = app.clock.now();
    let first_name = Name::parse("firstName", &form.first_name)?;
    let last_name = Name::parse("lastName", &form.last_name)?;
    let birth_date = parse_birth_date(&form.birth_date, now.date())?;
    let phone = parse_phone(form.phone.as_deref())?;
    let email = form
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| Email::parse("email", e))
        .transpose()?;
    let address = OptionalText::parse("address", form.address.as_deref(), 500)?;
    let model = person::Model {
        tenant_id: actor.tenant_id.as_uuid(),
        id: PersonId::new().as_uuid(),
        organisation_id: actor.organisation_id.as_uuid(),
        duplicate_key: domain::duplicate_key(first_name.as_str(), last_name.as_str(), birth_date),
        first_name: first_name.into_string(),
        last_name: last_name.into_string(),
        birth_date,
        phone,
        email: email.map(Email::into_string),
        address: address.into_option(),
        created_by: actor.user_id.map(|u| u.as_uuid()).unwrap_or_default(),
        created_at: now,
    };
    store::person_insert(&app.db, model).await
}

/// A birth date is a real past date, after 1900.
pub fn parse_birth_date(raw: &str, today: Date) -> ApiResult<Date> {
    let date = Date::parse(raw.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|_| ApiError::invalid("birthDate", "date attendue au format AAAA-MM-JJ"))?;
    if date > today || date.year() < 1900 {
        return Err(ApiError::invalid(
            "birthDate",
            "date de naissance invraisemblable",
        ));
    }
    Ok(date)
}

/// A phone number: digits with the usual separators, 6 to 20 characters.
fn parse_phone(raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(phone) = raw.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +.-()".contains(c));
    if !allowed || !(6..=20).contains(&digits) {
        return Err(ApiError::invalid("phone", "numéro de téléphone invalide"));
    }
    Ok(Some(phone.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn birth_dates_must_be_plausible() {
        let today = date!(2026 - 11 - 23);
        assert_eq!(
            parse_birth_date("1984-07-02", today).unwrap(),
            date!(1984 - 07 - 02)
        );
        for bad in ["02/07/1984", "2030-01-01", "1850-01-01", ""] {
            assert_eq!(
                parse_birth_date(bad, today).unwrap_err().field(),
                Some("birthDate"),
                "{bad}"
            );
        }
    }

    #[test]
    fn phones_are_checked_loosely() {
        assert_eq!(
            parse_phone(Some("06 12 34 56 78")).unwrap().as_deref(),
            Some("06 12 34 56 78")
        );
        assert_eq!(parse_phone(Some("  ")).unwrap(), None);
        assert!(parse_phone(Some("appelez-moi")).is_err());
    }
}
