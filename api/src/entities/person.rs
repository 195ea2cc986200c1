use sea_orm::entity::prelude::*;

/// A person as one organisation holds them: identity and contact, nothing more.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "people")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organisation that holds this record.
    pub organisation_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: TimeDate,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// `domain::duplicate_key`: names and birth date, accents and case folded.
    pub duplicate_key: String,
    pub created_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
