//! Who sees a referral, and how much of it.

use domain::{Actor, Party, Role};

use crate::entities::referral;

/// How the caller sees one referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The sending organisation: everything.
    Sender,
    /// The receiving organisation: everything, but the person's identity only while the consent
    /// stands.
    Receiver,
    /// A coordinator, a tenant admin, or the organisation that redirected it: the referral's
    /// metadata, never the person nor free text that may name them.
    Observer,
}

impl View {
    pub fn party(self) -> Party {
        match self {
            View::Sender => Party::Sender,
            View::Receiver => Party::Receiver,
            View::Observer => Party::Other,
        }
    }
}

/// `None`: the caller must not learn the referral exists (NOT_FOUND). `redirected_by` is the
/// organisation that redirected this referral here, if any.
pub fn view_of(
    actor: &Actor,
    referral: &referral::Model,
    redirected_by: Option<uuid::Uuid>,
) -> Option<View> {
    if actor.tenant_id.as_uuid() != referral.tenant_id {
        return None;
    }
    let org = actor.organisation_id.as_uuid();
    if org == referral.from_organisation_id {
        Some(View::Sender)
    } else if org == referral.to_organisation_id {
        Some(View::Receiver)
    } else if redirected_by == Some(org)
        || actor
            .roles
            .contains_any(&[Role::Coordinator, Role::TenantAdmin])
    {
        Some(View::Observer)
    } else {
        None
    }
}
