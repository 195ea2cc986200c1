//! `recordConsent`, `withdrawConsent` and the `Consent` type.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use domain::OrganisationId;
use time::OffsetDateTime;

use crate::{
    consents::service::{self, ConsentForm},
    directory::graphql::{self as directory_graphql, Organisation},
    entities::consent,
    error::ApiResult,
    graphql::context::CtxExt,
    service::{input_id, lookup_id},
};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ConsentMethod", remote = "domain::ConsentMethod")]
pub enum ConsentMethod {
    Oral,
    Written,
    Digital,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ConsentStatus", remote = "domain::ConsentStatus")]
pub enum ConsentStatus {
    Active,
    Expired,
    Withdrawn,
}

pub struct Consent(pub consent::Model);

fn lines(raw: &str) -> Vec<&str> {
    raw.lines().filter(|l| !l.is_empty()).collect()
}

#[Object]
impl Consent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// ACTIVE, EXPIRED (from `validUntil`) or WITHDRAWN, as of now.
    async fn status(&self, ctx: &Context<'_>) -> ConsentStatus {
        domain::consent_status(self.0.withdrawn_at, self.0.expires_at, ctx.request().now).into()
    }
    async fn valid_until(&self) -> Option<OffsetDateTime> {
        self.0.expires_at
    }
    async fn recipients(&self, ctx: &Context<'_>) -> ApiResult<Vec<Organisation>> {
        let ids = service::recipients(&ctx.service()?, &self.0).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(directory_graphql::organisation(ctx, id).await?);
        }
        Ok(out)
    }
    async fn purposes(&self) -> Vec<&str> {
        lines(&self.0.purposes)
    }
    async fn data_categories(&self) -> Vec<&str> {
        lines(&self.0.data_categories)
    }
    async fn method(&self) -> ConsentMethod {
        self.0.method.0.into()
    }
    async fn collected_at(&self) -> OffsetDateTime {
        self.0.collected_at
    }
    async fn collected_by(&self) -> ID {
        ID(self.0.collected_by.to_string())
    }
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        directory_graphql::organisation(ctx, OrganisationId::from_uuid(self.0.organisation_id))
            .await
    }
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }
    async fn text_version(&self) -> Option<&str> {
        self.0.text_version.as_deref()
    }
    async fn withdrawn_at(&self) -> Option<OffsetDateTime> {
        self.0.withdrawn_at
    }
    async fn withdrawal_reason(&self) -> Option<&str> {
        self.0.withdrawal_reason.as_deref()
    }
}

#[derive(InputObject)]
pub struct RecordConsentInput {
    person_id: ID,
    recipient_organisation_ids: Vec<ID>,
    purposes: Vec<String>,
    data_categories: Vec<String>,
    method: ConsentMethod,
    /// RFC 3339 date-time, or `YYYY-MM-DD` for the end of that day.
    expires_at: Option<String>,
    evidence: Option<String>,
    text_version: Option<String>,
}

#[derive(Default)]
pub struct ConsentsMutation;

#[Object]
impl ConsentsMutation {
    /// Records a person's consent to share their data with the named organisations (agents of
    /// the organisation holding the person).
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        input: RecordConsentInput,
    ) -> ApiResult<Consent> {
        let recipients = input
            .recipient_organisation_ids
            .iter()
            .map(|i| input_id("recipientOrganisationIds", &i.0))
            .collect::<ApiResult<Vec<_>>>()?;
        let form = ConsentForm {
            person: lookup_id(&input.person_id.0)?,
            recipients,
            purposes: input.purposes,
            data_categories: input.data_categories,
            method: input.method.into(),
            expires_at: input.expires_at,
            evidence: input.evidence,
            text_version: input.text_version,
        };
        Ok(Consent(service::record(&ctx.service()?, form).await?))
    }

    /// Withdraws a consent: open referrals made under it are cancelled, and their receivers no
    /// longer see the person's identity.
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: Option<String>,
    ) -> ApiResult<Consent> {
        let id = lookup_id(&id.0)?;
        Ok(Consent(
            service::withdraw(&ctx.service()?, id, reason).await?,
        ))
    }
}
