//! Input values as newtypes with a `parse()` constructor.
//!
//! Once a value of one of these types exists it is known to be valid, so the API layer parses at the
//! edge and the rest of the code never re-checks. Errors name the input field and speak French.

mod common_passwords;

use std::fmt;

use crate::{Error, Result};

use common_passwords::COMMON_PASSWORDS;

/// An e-mail address, trimmed and lower-cased so that it can serve as a login.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Longest address SMTP can carry (RFC 5321 path limit).
    pub const MAX_LEN: usize = 254;

    /// Checks a sane shape only (one `@`, a dotted domain, no spaces): the real test of an address
    /// is whether mail reaches it, which invitation mails do.
    pub fn parse(field: &str, value: &str) -> Result<Self> {
        let email = value.trim().to_lowercase();
        let invalid = || Error::invalid(field, "adresse électronique invalide");
        if email.is_empty() {
            return Err(Error::invalid(field, "adresse électronique requise"));
        }
        if email.chars().count() > Self::MAX_LEN {
            return Err(Error::invalid(
                field,
                "adresse électronique trop longue (254 caractères au plus)",
            ));
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalised address, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password chosen by a user, checked against the rules before it is hashed.
///
/// Length matters more than composition rules (NIST SP 800-63B, ANSSI): at least 12 characters,
/// not a well-known password, not one repeated character. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Shortest password accepted, in characters.
    pub const MIN_CHARS: usize = 12;
    /// Longest password accepted, in characters; bounds the cost of hashing.
    pub const MAX_CHARS: usize = 256;

    /// Checks the rules; the value is kept exactly as typed (no trimming), since it is a secret.
    pub fn parse(field: &str, value: &str) -> Result<Self> {
        let chars = value.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(Error::invalid(
                field,
                "doit contenir au moins 12 caractères",
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(Error::invalid(
                field,
                "doit contenir au plus 256 caractères",
            ));
        }
        let mut distinct = value.chars();
        let first = distinct.next();
        if distinct.all(|c| Some(c) == first) {
            return Err(Error::invalid(
                field,
                "ne doit pas répéter un seul caractère",
            ));
        }
        let lowered = value.to_lowercase();
        if COMMON_PASSWORDS.contains(&lowered.as_str()) {
            return Err(Error::invalid(
                field,
                "ce mot de passe est trop courant, choisissez-en un autre",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The secret itself, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(********)")
    }
}

/// A human-readable name (of a person, organisation, service, client…), trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    /// Longest name accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Trims, then requires 1 to 200 characters and no control character (which would break
    /// e-mail subjects and CSV exports).
    pub fn parse(field: &str, value: &str) -> Result<Self> {
        let name = value.trim();
        if name.is_empty() {
            return Err(Error::invalid(field, "ne doit pas être vide"));
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(Error::invalid(
                field,
                "doit contenir au plus 200 caractères",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::invalid(
                field,
                "ne doit pas contenir de caractère de contrôle",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The trimmed name, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A service's response time, in working days.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ResponseDays(u32);

impl ResponseDays {
    /// Longest response time accepted: about six months of working days.
    pub const MAX: u32 = 120;

    /// Requires 1 to 120 working days; a zero delay could never be met.
    pub fn parse(field: &str, value: i32) -> Result<Self> {
        match u32::try_from(value) {
            Ok(days @ 1..=Self::MAX) => Ok(Self(days)),
            _ => Err(Error::invalid(
                field,
                "doit être compris entre 1 et 120 jours ouvrés",
            )),
        }
    }

    /// The number of working days.
    pub const fn get(self) -> u32 {
        self.0
    }
}

/// A free text (motive, question, answer, comment): trimmed, non-empty, bounded.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    /// Trims, then requires 1 to `max_chars` characters; line breaks and tabs are allowed, other
    /// control characters are not.
    pub fn parse(field: &str, value: &str, max_chars: usize) -> Result<Self> {
        let text = value.trim();
        if text.is_empty() {
            return Err(Error::invalid(field, "ne doit pas être vide"));
        }
        check_text(field, text, max_chars)?;
        Ok(Self(text.to_owned()))
    }

    /// The trimmed text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The trimmed text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// An optional free text: absent or blank both mean "nothing said".
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct OptionalText(Option<String>);

impl OptionalText {
    /// Like [`Text::parse`], but `None` and blank input give an empty value.
    pub fn parse(field: &str, value: Option<&str>, max_chars: usize) -> Result<Self> {
        match value.map(str::trim) {
            None | Some("") => Ok(Self(None)),
            Some(text) => {
                check_text(field, text, max_chars)?;
                Ok(Self(Some(text.to_owned())))
            }
        }
    }

    /// The trimmed text, if any.
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The trimmed text, if any, owned.
    pub fn into_option(self) -> Option<String> {
        self.0
    }
}

fn check_text(field: &str, text: &str, max_chars: usize) -> Result<()> {
    if text.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("doit contenir au plus {max_chars} caractères"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::invalid(
            field,
            "ne doit pas contenir de caractère de contrôle",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
