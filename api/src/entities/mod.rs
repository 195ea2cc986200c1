//! sea-orm entities, one per table. Tenant-owned tables have the primary key `(tenant_id, id)`,
//! so `find_by_id` itself needs the tenant: the unscoped lookup is hard to write.

pub mod account_event;
pub mod api_client;
pub mod consent;
pub mod consent_recipient;
pub mod escalation;
pub mod escalation_event;
pub mod invitation;
pub mod notification;
pub mod organisation;
pub mod person;
pub mod referral;
pub mod referral_event;
pub mod referral_figure;
pub mod service;
pub mod session;
pub mod sign_in_email;
pub mod tenant;
pub mod user;
pub mod user_role;
