//! A declarative macro for the closed lists of codes (roles, statuses, reasons…).
//!
//! Each code appears once, next to its variant and its French label, so the string stored in the
//! database, the GraphQL enum value and the serde name cannot drift apart.

/// What every closed list of codes offers, so that storage and front ends can handle any of
/// them in one generic piece of code (the API stores them through one sea-orm value type).
pub trait Code: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    /// The input field named by a parse error.
    const FIELD: &'static str;
    /// Every value, in declaration order.
    fn all() -> &'static [Self];
    /// The code stored in the database and exposed in the API.
    fn code(self) -> &'static str;
    /// Reads a code exactly as [`Code::code`] writes it.
    fn from_code(value: &str) -> crate::Result<Self>;
    /// The French wording shown to users.
    fn label(self) -> &'static str;
}

/// Declares a fieldless enum whose variants map one-to-one to SCREAMING_SNAKE_CASE codes.
///
/// Generates the enum (Copy, Eq, Hash, serde with the same codes), `ALL`, `as_str`, `parse`
/// (errors name `field`), `label_fr`, `Display`, `FromStr` and [`Code`]. Exported as
/// `domain::code_enum!` for the few code lists that belong to the API (mail statuses).
#[doc(hidden)]
#[macro_export]
macro_rules! __code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (field = $field:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal => $label:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize,
            serde::Deserialize,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [Self; [$($code),+].len()] = [$(Self::$variant),+];

            /// The code stored in the database and exposed in the API.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            /// Reads a code exactly as [`Self::as_str`] writes it.
            pub fn parse(value: &str) -> $crate::Result<Self> {
                match value {
                    $($code => Ok(Self::$variant),)+
                    other => Err($crate::Error::invalid(
                        $field,
                        format!("valeur inconnue : {other}"),
                    )),
                }
            }

            /// The French wording shown to users.
            pub const fn label_fr(self) -> &'static str {
                match self {
                    $(Self::$variant => $label,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::Error;

            fn from_str(value: &str) -> $crate::Result<Self> {
                Self::parse(value)
            }
        }

        impl $crate::Code for $name {
            const FIELD: &'static str = $field;
            fn all() -> &'static [Self] {
                &Self::ALL
            }
            fn code(self) -> &'static str {
                self.as_str()
            }
            fn from_code(value: &str) -> $crate::Result<Self> {
                Self::parse(value)
            }
            fn label(self) -> &'static str {
                self.label_fr()
            }
        }
    };
}

pub(crate) use crate::__code_enum as code_enum;

/// Checks, for any `code_enum!` type, that codes round-trip through `parse`, serde and `Display`,
/// and that an unknown code is rejected with the given field name.
#[cfg(test)]
macro_rules! assert_codes_round_trip {
    ($name:ty, $field:literal) => {{
        use serde::Deserialize as _;
        use serde::de::IntoDeserializer as _;
        let mut seen = std::collections::HashSet::new();
        for value in <$name>::ALL {
            assert!(
                seen.insert(value.as_str()),
                "duplicate code {}",
                value.as_str()
            );
            assert_eq!(<$name>::parse(value.as_str()), Ok(value));
            assert_eq!(value.to_string(), value.as_str());
            assert!(!value.label_fr().is_empty());
            let code = value.as_str();
            assert!(
                code.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                "{code} is not SCREAMING_SNAKE_CASE"
            );
            let deserializer: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
                code.into_deserializer();
            assert_eq!(<$name>::deserialize(deserializer), Ok(value));
        }
        match <$name>::parse("not-a-code") {
            Err($crate::Error::Invalid { field, message }) => {
                assert_eq!(field, $field);
                assert!(message.contains("not-a-code"), "{message}");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert!(<$name>::parse(&<$name>::ALL[0].as_str().to_lowercase()).is_err());
    }};
}

#[cfg(test)]
pub(crate) use assert_codes_round_trip;
