//! Kinds of member organisations, as named in the API contract.

use crate::code_enum::code_enum;

code_enum! {
    /// The institutional family of an organisation; used for the directory and for monitoring.
    pub enum OrganisationKind (field = "kind") {
        Caf = "CAF" => "Caisse d'allocations familiales",
        Cpam = "CPAM" => "Caisse primaire d'assurance maladie",
        Msa = "MSA" => "Mutualité sociale agricole",
        FranceTravail = "FRANCE_TRAVAIL" => "France Travail",
        Carsat = "CARSAT" => "Carsat",
        Ccas = "CCAS" => "Centre communal d'action sociale",
        Commune = "COMMUNE" => "Commune",
        Departement = "DEPARTEMENT" => "Conseil départemental",
        FranceServices = "FRANCE_SERVICES" => "France Services",
        MissionLocale = "MISSION_LOCALE" => "Mission locale",
        Association = "ASSOCIATION" => "Association",
        SocialLandlord = "SOCIAL_LANDLORD" => "Bailleur social",
        Other = "OTHER" => "Autre",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::assert_codes_round_trip;

    #[test]
    fn kinds_match_the_contract() {
        assert_codes_round_trip!(OrganisationKind, "kind");
        let codes: Vec<_> = OrganisationKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            codes.join(" "),
            "CAF CPAM MSA FRANCE_TRAVAIL CARSAT CCAS COMMUNE DEPARTEMENT FRANCE_SERVICES \
             MISSION_LOCALE ASSOCIATION SOCIAL_LANDLORD OTHER"
        );
    }
}
