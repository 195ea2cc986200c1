//! What happens to accounts, as the organisation's audit trail records it.

use crate::code_enum::code_enum;

code_enum! {
    /// A line of an organisation's account history.
    pub enum AccountEventKind (field = "kind") {
        Created = "ACCOUNT_CREATED" => "Compte créé",
        Deactivated = "ACCOUNT_DEACTIVATED" => "Compte désactivé",
        Reactivated = "ACCOUNT_REACTIVATED" => "Compte réactivé",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::assert_codes_round_trip;

    #[test]
    fn codes_round_trip() {
        assert_codes_round_trip!(AccountEventKind, "kind");
    }
}
