//! Pure rules of Passerelle: ids, statuses, the referral state machine, consent validity,
//! working-day calendar and due dates, roles and permissions.
//!
//! No I/O and no async here, so every rule is unit-tested without a database.

mod code_enum;

#[doc(inline)]
pub use crate::__code_enum as code_enum;
pub use code_enum::Code;

pub mod account;
pub mod calendar;
pub mod consent;
pub mod error;
pub mod escalation;
pub mod ids;
pub mod monitoring;
pub mod organisation;
pub mod permissions;
pub mod person;
pub mod referral;
pub mod roles;
pub mod validation;

pub use account::AccountEventKind;
pub use calendar::{add_working_days, due_at, is_working_day, working_days_between};
pub use consent::{ConsentMethod, ConsentStatus, check_consent_for_referral, consent_status};
pub use error::{Error, Result};
pub use escalation::{
    EscalationAccess, EscalationAction, EscalationEventKind, EscalationFacts, EscalationRelation,
    EscalationState, EscalationStatus,
};
pub use ids::{
    ApiClientId, ConsentId, EscalationId, OrganisationId, PersonId, ReferralId, ServiceId,
    TenantId, UserId,
};
pub use organisation::OrganisationKind;
pub use permissions::{
    Action, Actor, Target, authorize, may_grant, may_grant_client, works_referrals,
};
pub use person::duplicate_key;
pub use referral::{
    DeclineReason, Outcome, Party, ReferralAccess, ReferralAction, ReferralEventKind,
    ReferralFacts, ReferralStatus, Relation, Urgency, remaining_working_days, resumed_due_date,
    transition,
};
pub use roles::{Role, Roles};
pub use validation::{
    BirthDate, DeadlineDays, Email, Expiry, ItemList, Name, OptionalText, Password, Phone,
    ResponseDays, Search, Text,
};
