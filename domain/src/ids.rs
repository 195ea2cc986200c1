//! Typed identifiers.
//!
//! One newtype per kind of row, so a `PersonId` can never be passed where a `ConsentId` is expected.
//! New ids are UUID v7: time-ordered, which keeps B-tree indexes compact and cursors stable.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::{Error, Result};

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(
            Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered (v7) identifier.
            #[expect(clippy::new_without_default, reason = "a random default id would be surprising")]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an identifier read from storage.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The raw identifier, for storage.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = Error;

            fn from_str(value: &str) -> Result<Self> {
                Uuid::parse_str(value.trim())
                    .map(Self)
                    .map_err(|_| Error::invalid("id", "identifiant invalide"))
            }
        }
    )+};
}

id_type!(
    /// A territory network; every row carries one.
    TenantId,
    /// A member organisation of a tenant.
    OrganisationId,
    /// A person who signs in (agent, expert, admin, coordinator).
    UserId,
    /// Something an organisation can be referred to.
    ServiceId,
    /// A person being helped (never a user).
    PersonId,
    /// A consent record of a person.
    ConsentId,
    /// A referral from one organisation to another's service.
    ReferralId,
    /// A partner system's client identity.
    ApiClientId,
    /// An agent's question to a partner's back office.
    EscalationId,
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize as _;
    use serde::de::IntoDeserializer as _;

    #[test]
    fn display_and_parse_round_trip() {
        let id = ReferralId::new();
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text.parse::<ReferralId>(), Ok(id));
        assert_eq!(ReferralId::from_uuid(id.as_uuid()), id);
    }

    #[test]
    fn new_ids_are_v7_and_distinct() {
        let a = PersonId::new();
        let b = PersonId::new();
        assert_ne!(a, b);
        assert_eq!(a.as_uuid().get_version_num(), 7);
    }

    #[test]
    fn garbage_is_rejected_with_a_french_message() {
        assert_eq!(
            "not-a-uuid".parse::<TenantId>(),
            Err(Error::invalid("id", "identifiant invalide"))
        );
        assert!("".parse::<UserId>().is_err());
    }

    #[test]
    fn deserializes_from_a_plain_string() {
        let uuid = Uuid::now_v7();
        let text = uuid.to_string();
        let deserializer: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            text.as_str().into_deserializer();
        assert_eq!(
            OrganisationId::deserialize(deserializer),
            Ok(OrganisationId::from_uuid(uuid))
        );
    }
}
