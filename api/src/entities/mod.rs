//! sea-orm entities, one per table. Tenant-owned tables have the primary key `(tenant_id, id)`,
//! so `find_by_id` itself needs the tenant: the unscoped lookup is hard to write.

pub mod organisation;
pub mod service;
pub mod sign_in_email;
pub mod tenant;
pub mod user;
