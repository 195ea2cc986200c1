//! Consent validity: a referral may only be created under a consent that is valid now and names
//! the receiving organisation (design brief, "Consent").

use time::OffsetDateTime;

use crate::code_enum::code_enum;
use crate::{Error, OrganisationId, Result};

code_enum! {
    /// How the person gave their consent.
    pub enum ConsentMethod (field = "method") {
        Oral = "ORAL" => "Oral",
        Written = "WRITTEN" => "Écrit",
        Digital = "DIGITAL" => "Numérique",
    }
}

code_enum! {
    /// Whether a consent can be relied on now; computed, never stored, so it cannot go stale.
    pub enum ConsentStatus (field = "status") {
        Active = "ACTIVE" => "Valide",
        Expired = "EXPIRED" => "Expiré",
        Withdrawn = "WITHDRAWN" => "Retiré",
    }
}

/// The status of a consent at `now`. Withdrawal wins over expiry (it is the person's act); a
/// consent expiring exactly at `now` is already expired.
pub fn consent_status(
    withdrawn_at: Option<OffsetDateTime>,
    expires_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> ConsentStatus {
    if withdrawn_at.is_some() {
        ConsentStatus::Withdrawn
    } else if expires_at.is_some_and(|expiry| expiry <= now) {
        ConsentStatus::Expired
    } else {
        ConsentStatus::Active
    }
}

/// Whether a referral to `receiver` may be created under a consent in `status` naming
/// `recipients`; errors are on the `consentId` input field.
pub fn check_consent_for_referral(
    status: ConsentStatus,
    recipients: &[OrganisationId],
    receiver: OrganisationId,
) -> Result<()> {
    match status {
        ConsentStatus::Active => {}
        ConsentStatus::Expired => {
            return Err(Error::invalid("consentId", "le consentement a expiré"));
        }
        ConsentStatus::Withdrawn => {
            return Err(Error::invalid("consentId", "le consentement a été retiré"));
        }
    }
    if !recipients.contains(&receiver) {
        return Err(Error::invalid(
            "consentId",
            "le consentement ne couvre pas l'organisation destinataire",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::assert_codes_round_trip;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-10 10:00 UTC);

    #[test]
    fn codes_match_the_contract() {
        assert_codes_round_trip!(ConsentMethod, "method");
        assert_codes_round_trip!(ConsentStatus, "status");
        assert_eq!(
            ConsentMethod::ALL.map(ConsentMethod::as_str),
            ["ORAL", "WRITTEN", "DIGITAL"]
        );
        assert_eq!(
            ConsentStatus::ALL.map(ConsentStatus::as_str),
            ["ACTIVE", "EXPIRED", "WITHDRAWN"]
        );
    }

    #[test]
    fn status_follows_withdrawal_then_expiry() {
        let before = Some(datetime!(2026-03-10 09:59 UTC));
        let after = Some(datetime!(2026-03-10 10:01 UTC));
        assert_eq!(consent_status(None, None, NOW), ConsentStatus::Active);
        assert_eq!(consent_status(None, after, NOW), ConsentStatus::Active);
        assert_eq!(consent_status(None, Some(NOW), NOW), ConsentStatus::Expired);
        assert_eq!(consent_status(None, before, NOW), ConsentStatus::Expired);
        assert_eq!(consent_status(before, after, NOW), ConsentStatus::Withdrawn);
        assert_eq!(
            consent_status(before, before, NOW),
            ConsentStatus::Withdrawn
        );
    }

    #[test]
    fn expiry_compares_instants_not_wall_clocks() {
        // 11:30 in Paris in winter is 10:30 UTC: still valid at 10:00 UTC.
        let expiry = Some(datetime!(2026-03-10 11:30 +01:00));
        assert_eq!(consent_status(None, expiry, NOW), ConsentStatus::Active);
    }

    #[test]
    fn referral_needs_an_active_consent_naming_the_receiver() {
        let caf = OrganisationId::new();
        let cpam = OrganisationId::new();
        assert_eq!(
            check_consent_for_referral(ConsentStatus::Active, &[cpam, caf], caf),
            Ok(())
        );
        for (status, recipients) in [
            (ConsentStatus::Active, vec![cpam]),
            (ConsentStatus::Active, vec![]),
            (ConsentStatus::Expired, vec![caf]),
            (ConsentStatus::Withdrawn, vec![caf]),
        ] {
            match check_consent_for_referral(status, &recipients, caf) {
                Err(Error::Invalid { field, message }) => {
                    assert_eq!(field, "consentId");
                    assert!(message.starts_with("le consentement"), "{message}");
                }
                other => panic!("{status} {recipients:?}: {other:?}"),
            }
        }
    }
}
