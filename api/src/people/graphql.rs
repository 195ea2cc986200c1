//! `createPerson`, `person`, `people` and the `Person` type.
//!
//! A `Person` value is only ever built for a caller allowed to see that identity: the holding
//! organisation, or a referral's receiver while the consent stands.

use async_graphql::{Context, ID, InputObject, Object, connection::Connection};
use domain::PersonId;

use crate::{
    consents::{self, graphql::Consent},
    entities::person,
    error::ApiResult,
    graphql::context::{CtxExt, connection},
    people::service::{self, PersonForm},
    referrals::{
        self,
        graphql::Referral,
        service::Listing,
        store::{Filters, Order},
    },
    service::lookup_id,
    store::PageRequest,
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
        Ok(service::possible_duplicates(&ctx.service()?, &self.0)
            .await?
            .into_iter()
            .map(Person)
            .collect())
    }
    /// The consents on record (for the holding organisation only).
    async fn consents(&self, ctx: &Context<'_>) -> ApiResult<Vec<Consent>> {
        let id = PersonId::from_uuid(self.0.id);
        Ok(consents::service::of_person(&ctx.service()?, id)
            .await?
            .into_iter()
            .map(Consent)
            .collect())
    }
    /// This person's referrals that the caller's organisation sent or received, newest first.
    async fn referrals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Referral>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let listing = Listing::OfPerson(PersonId::from_uuid(self.0.id));
        let found = referrals::service::list(
            &ctx.service()?,
            listing,
            &Filters::default(),
            Order::Newest,
            &page,
        )
        .await?;
        Ok(connection(found, Referral))
    }
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
        Ok(Person(
            service::get(&ctx.service()?, lookup_id(&id.0)?).await?,
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
        let page = PageRequest::parse(first, after.as_deref())?;
        let found = service::list(&ctx.service()?, &page, search.as_deref()).await?;
        Ok(connection(found, Person))
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
        let form = PersonForm {
            first_name: input.first_name,
            last_name: input.last_name,
            birth_date: input.birth_date,
            phone: input.phone,
            email: input.email,
            address: input.address,
        };
        Ok(Person(service::create(&ctx.service()?, form).await?))
    }
}
