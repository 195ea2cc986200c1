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

    /// One mailbox, no more: an unquoted local part of RFC 5322 "atext" characters and dots,
    /// and a domain of dotted labels (letters — accented ones too —, digits, hyphens). A comma,
    /// a quote, angle brackets or a space would let one field hold several recipients (and
    /// break every mail sent to it), so they are refused. The real test of an address is
    /// whether mail reaches it, which invitation mails do.
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
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
        let local_ok = !local.is_empty()
            && local
                .split('.')
                .all(|part| !part.is_empty() && part.chars().all(atext));
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let domain_ok = domain.contains('.') && domain.split('.').all(label_ok);
        if !local_ok || !domain_ok {
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

/// A date of birth: a real date, in the past, after 1900, written `AAAA-MM-JJ` (what the API
/// contract and a date field send) or `JJ/MM/AAAA` (what a person types, and what the pages'
/// hint and error say).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct BirthDate(time::Date);

impl BirthDate {
    pub fn parse(field: &str, raw: &str, today: time::Date) -> Result<Self> {
        let raw = raw.trim();
        let date = parse_date(raw)
            .or_else(|| parse_french_date(raw))
            .ok_or_else(|| Error::invalid(field, "date attendue au format JJ/MM/AAAA"))?;
        if date > today || date.year() < 1900 {
            return Err(Error::invalid(field, "date de naissance invraisemblable"));
        }
        Ok(Self(date))
    }

    pub const fn get(self) -> time::Date {
        self.0
    }
}

/// `JJ/MM/AAAA`, the year in four digits.
fn parse_french_date(raw: &str) -> Option<time::Date> {
    use time::macros::format_description;
    let french = format_description!("[day]/[month]/[year repr:full]");
    (raw.len() == 10
        && raw
            .get(6..)
            .is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit())))
    .then(|| time::Date::parse(raw, french).ok())
    .flatten()
}

/// `AAAA-MM-JJ`, the year in four digits.
pub fn parse_date(raw: &str) -> Option<time::Date> {
    use time::macros::format_description;
    let iso = format_description!("[year repr:full]-[month]-[day]");
    // `get`, not indexing: a multi-byte character may straddle the cut.
    let four_digit_year =
        |y: Option<&str>| y.is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()));
    (raw.len() == 10 && four_digit_year(raw.get(..4)))
        .then(|| time::Date::parse(raw, iso).ok())
        .flatten()
}

/// A phone number: digits with the usual separators, 6 to 20 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Blank input is no phone at all.
    pub fn parse_optional(field: &str, raw: Option<&str>) -> Result<Option<Self>> {
        let Some(phone) = raw.map(str::trim).filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone.len() <= 40
            && phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +.-()".contains(c));
        if !allowed || !(6..=20).contains(&digits) {
            return Err(Error::invalid(field, "numéro de téléphone invalide"));
        }
        Ok(Some(Self(phone.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A list of short values (consent purposes, data categories): at least one, at most
/// [`ItemList::MAX_ITEMS`], each on one line of at most [`ItemList::MAX_CHARS`] characters;
/// blanks are dropped and repeats kept once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ItemList(Vec<String>);

impl ItemList {
    pub const MAX_ITEMS: usize = 30;
    pub const MAX_CHARS: usize = 200;

    pub fn parse(field: &str, raw: &[String]) -> Result<Self> {
        if raw.len() > Self::MAX_ITEMS * 4 {
            return Err(Error::invalid(field, "30 valeurs au plus"));
        }
        let mut items: Vec<String> = Vec::new();
        for item in raw.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if item.chars().count() > Self::MAX_CHARS || item.chars().any(char::is_control) {
                return Err(Error::invalid(
                    field,
                    "chaque valeur tient sur une ligne de 200 caractères au plus",
                ));
            }
            if !items.iter().any(|known| known == item) {
                items.push(item.to_owned());
            }
        }
        if items.is_empty() {
            return Err(Error::invalid(field, "au moins une valeur"));
        }
        if items.len() > Self::MAX_ITEMS {
            return Err(Error::invalid(field, "30 valeurs au plus"));
        }
        Ok(Self(items))
    }

    pub fn items(&self) -> &[String] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

/// When a consent ends: in the future, and at most [`Expiry::MAX_YEARS`] ahead (a date
/// thousands of years away is a typing mistake, and no calendar arithmetic may overflow on it).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Expiry(time::OffsetDateTime);

impl Expiry {
    pub const MAX_YEARS: i64 = 10;

    /// An RFC 3339 date-time, or a date `AAAA-MM-JJ` meaning the end of that day (UTC). Blank
    /// is no expiry.
    pub fn parse_optional(
        field: &str,
        raw: Option<&str>,
        now: time::OffsetDateTime,
    ) -> Result<Option<Self>> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        let at = time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(|at| at.to_offset(time::UtcOffset::UTC))
            .or_else(|| {
                parse_date(raw)
                    .and_then(|d| d.with_hms(23, 59, 59).ok())
                    .map(|at| at.assume_utc())
            })
            .ok_or_else(|| Error::invalid(field, "date attendue (AAAA-MM-JJ ou RFC 3339)"))?;
        if at <= now {
            return Err(Error::invalid(field, "doit être dans le futur"));
        }
        if at > now + time::Duration::days(366 * Self::MAX_YEARS) {
            return Err(Error::invalid(
                field,
                "dix ans au plus à partir d'aujourd'hui",
            ));
        }
        Ok(Some(Self(at)))
    }

    pub const fn get(self) -> time::OffsetDateTime {
        self.0
    }
}

/// What someone types in a search box: trimmed, at most [`Search::MAX_CHARS`] characters, no
/// control character (a NUL byte is refused by PostgreSQL, a huge pattern overwhelms SQLite's
/// LIKE: both would be internal errors, so they are the caller's bad input here). Blank is no
/// search.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Search(String);

impl Search {
    pub const MAX_CHARS: usize = 100;

    pub fn parse_optional(field: &str, raw: Option<&str>) -> Result<Option<Self>> {
        let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if text.chars().count() > Self::MAX_CHARS {
            return Err(Error::invalid(field, "100 caractères au plus"));
        }
        if text.chars().any(char::is_control) {
            return Err(Error::invalid(
                field,
                "ne doit pas contenir de caractère de contrôle",
            ));
        }
        Ok(Some(Self(text.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A deadline threshold of the territory, in working days: 0 to 30.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct DeadlineDays(u32);

impl DeadlineDays {
    pub const MAX: u32 = 30;

    pub fn parse(field: &str, value: i32) -> Result<Self> {
        match u32::try_from(value) {
            Ok(days @ 0..=Self::MAX) => Ok(Self(days)),
            _ => Err(Error::invalid(
                field,
                "doit être entre 0 et 30 jours ouvrés",
            )),
        }
    }

    pub const fn get(self) -> u32 {
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
