use domain::{ReferralEventKind, ReferralStatus};
use sea_orm::entity::prelude::*;

use crate::store::Coded;

/// One line of a referral's timeline. Append-only: never updated, never deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub referral_id: Uuid,
    pub at: TimeDateTimeWithTimeZone,
    pub kind: Coded<ReferralEventKind>,
    pub actor_id: Option<Uuid>,
    pub actor_organisation_id: Option<Uuid>,
    pub comment: Option<String>,
    pub from_status: Option<Coded<ReferralStatus>>,
    pub to_status: Option<Coded<ReferralStatus>>,
    /// The API client that acted (a partner system), when no user did.
    pub actor_client_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
