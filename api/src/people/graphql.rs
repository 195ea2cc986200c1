//! `createPerson`, `person`, `people` and the `Person` type.
//!
//! A `Person` value is only ever built for a caller allowed to see that identity: the holding
//! organisation, or a referral's receiver while the consent stands.

use async_graphql::{Context, ID, InputObject, Object, connection::Connection};
use domain::{Action, PersonId, Target};

use crate::{
    consents::graphql::Consent,
    directory::commands::parse_id,
    entities::person,
    error::{ApiError, ApiResult},
    graphql::{
        CtxExt,
        pagination::{Cursor, PageRequest, connection},
    },
    people::{commands, store},
    referrals::graphql::Referral,
};

pub struct Person(pub person::Model);

#[Object]
impl Person {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    async fn birth_date(&self) -> time::Date {
        self.0.birth_date
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// Other records of the same organisation with the same names and birth date (accents and
    /// case ignored): reported, never merged silently.
    async fn possible_duplicates(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        if !holds(ctx, &self.0)? {
            return Ok(Vec::new());
        }
        Ok(store::possible_duplicates(&ctx.app().db, &self.0)
            .await?
            .into_iter()
            .map(Person)
            .collect())
    }
    /// The consents on record (for the holding organisation only).
    async fn consents(&self, ctx: &Context<'_>) -> ApiResult<Vec<Consent>> {
        if !holds(ctx, &self.0)? {
            return Ok(Vec::new());
        }
        let actor = ctx.actor()?;
        let rows =
            crate::consents::store::consents_of_person(&ctx.app().db, actor, self.0.id).await?;
        Ok(rows.into_iter().map(Consent).collect())
    }
    /// This person's referrals that the caller's organisation sent or received, newest first.
    async fn referrals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Referral>> {
        let actor = ctx.actor()?;
        let page = PageRequest::parse(first, after)?;
        let rows =
            crate::referrals::store::referrals_of_person(&ctx.app().db, actor, self.0.id, &page)
                .await?;
        Ok(connection(
            &page,
            rows,
            crate::referrals::graphql::newest_cursor,
            Referral,
        ))
    }
}

fn holds(ctx: &Context<'_>, person: &person::Model) -> ApiResult<bool> {
    Ok(ctx.actor()?.organisation_id.as_uuid() == person.organisation_id)
}

#[derive(InputObject)]
pub struct CreatePersonInput {
    first_name: String,
    last_name: String,
    /// `YYYY-MM-DD`.
    birth_date: String,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
}

#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// A person held by the caller's organisation; NOT_FOUND for any other.
    async fn person(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Person> {
        let actor = ctx.actor()?;
        let id: PersonId =
            parse_id("id", &id.0).map_err(|_| ApiError::Domain(domain::Error::NotFound))?;
        domain::authorize(
            actor,
            Action::ManagePeople,
            &Target::organisation(actor.tenant_id, actor.organisation_id),
        )
        .map_err(|_| ApiError::Domain(domain::Error::NotFound))?;
        Ok(Person(
            store::person_of_actor(&ctx.app().db, actor, id).await?,
        ))
    }

    /// The people the caller's organisation holds, by name; `search` matches either name.
    async fn people(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
    ) -> ApiResult<Connection<String, Person>> {
        let actor = ctx.actor()?;
        domain::authorize(
            actor,
            Action::ManagePeople,
            &Target::organisation(actor.tenant_id, actor.organisation_id),
        )?;
        let page = PageRequest::parse(first, after)?;
        let rows = store::people_list(&ctx.app().db, actor, &page, search.as_deref()).await?;
        Ok(connection(&page, rows, name_cursor, Person))
    }
}

pub fn name_cursor(row: &person::Model) -> Cursor {
    Cursor {
        key: format!("{}\u{1f}{}", row.last_name, row.first_name),
        id: row.id,
    }
}

#[derive(Default)]
pub struct PeopleMutation;

#[Object]
impl PeopleMutation {
    /// Records a person held by the caller's organisation (agents). A possible duplicate is
    /// reported in `possibleDuplicates`, not merged.
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        input: CreatePersonInput,
    ) -> ApiResult<Person> {
        let form = commands::PersonForm {
            first_name: input.first_name,
            last_name: input.last_name,
            birth_date: input.birth_date,
            phone: input.phone,
            email: input.email,
            address: input.address,
        };
        Ok(Person(
            commands::create_person(ctx.app(), ctx.actor()?, form).await?,
        ))
    }
}
