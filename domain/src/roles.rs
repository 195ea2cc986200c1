//! Roles a user or API client holds within their organisation.

use crate::code_enum::code_enum;
use crate::{Error, Result};

code_enum! {
    /// What someone may do; see [`crate::permissions::authorize`] for the table.
    pub enum Role (field = "role") {
        /// Front-desk agent: people, consent, sending referrals.
        Agent = "AGENT" => "Agent d'accueil",
        /// Back-office expert: works the organisation's inbox of received referrals.
        BackOffice = "BACK_OFFICE" => "Expert",
        /// Manages the members, services and API clients of one organisation.
        OrgAdmin = "ORG_ADMIN" => "Administrateur d'organisation",
        /// Watches delays and outcomes across the territory, without identities.
        Coordinator = "COORDINATOR" => "Coordinateur de territoire",
        /// Manages every organisation of the territory.
        TenantAdmin = "TENANT_ADMIN" => "Administrateur du territoire",
    }
}

impl Role {
    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A small set of roles, stored as a comma-separated list of codes in the database.
#[derive(Copy, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "Vec<Role>", from = "Vec<Role>")]
pub struct Roles(u8);

impl Roles {
    /// No role at all.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// Adds a role (idempotent).
    pub fn insert(&mut self, role: Role) {
        self.0 |= role.bit();
    }

    /// Whether the set holds `role`.
    pub const fn contains(&self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// Whether the set holds at least one of `roles`.
    pub fn contains_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|role| self.contains(*role))
    }

    /// Whether the set holds no role.
    pub const fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The roles held, in the order of [`Role::ALL`].
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        Role::ALL.into_iter().filter(|role| self.contains(*role))
    }

    /// The database form: codes joined by commas, e.g. `AGENT,ORG_ADMIN`.
    pub fn to_csv(&self) -> String {
        self.iter().map(Role::as_str).collect::<Vec<_>>().join(",")
    }

    /// Reads the database form; an empty string is the empty set.
    pub fn parse_csv(value: &str) -> Result<Self> {
        value
            .split(',')
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(Role::parse)
            .collect()
    }

    /// Reads roles given as input (GraphQL list); someone without any role could do nothing,
    /// so an empty list is a mistake to report.
    pub fn parse_list(values: &[String]) -> Result<Self> {
        let roles: Self = values
            .iter()
            .map(|v| Role::parse(v.trim()))
            .collect::<Result<_>>()?;
        if roles.is_empty() {
            return Err(Error::invalid("roles", "au moins un rôle est requis"));
        }
        Ok(roles)
    }
}

impl FromIterator<Role> for Roles {
    fn from_iter<I: IntoIterator<Item = Role>>(iter: I) -> Self {
        let mut roles = Self::empty();
        for role in iter {
            roles.insert(role);
        }
        roles
    }
}

impl From<Role> for Roles {
    fn from(role: Role) -> Self {
        Self(role.bit())
    }
}

impl From<Vec<Role>> for Roles {
    fn from(roles: Vec<Role>) -> Self {
        roles.into_iter().collect()
    }
}

impl From<Roles> for Vec<Role> {
    fn from(roles: Roles) -> Self {
        roles.iter().collect()
    }
}

impl std::fmt::Debug for Roles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::assert_codes_round_trip;

    #[test]
    fn role_codes_match_the_contract() {
        assert_codes_round_trip!(Role, "role");
        let codes: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            codes,
            [
                "AGENT",
                "BACK_OFFICE",
                "ORG_ADMIN",
                "COORDINATOR",
                "TENANT_ADMIN"
            ]
        );
        assert_eq!(Role::Coordinator.label_fr(), "Coordinateur de territoire");
    }

    #[test]
    fn set_holds_what_was_inserted_only() {
        let roles: Roles = [Role::OrgAdmin, Role::Agent, Role::Agent]
            .into_iter()
            .collect();
        assert!(roles.contains(Role::Agent));
        assert!(roles.contains(Role::OrgAdmin));
        assert!(!roles.contains(Role::TenantAdmin));
        assert_eq!(roles.iter().count(), 2);
        assert!(Roles::empty().is_empty());
        assert!(!roles.is_empty());
    }

    #[test]
    fn csv_round_trips_in_a_stable_order() {
        let roles: Roles = [Role::TenantAdmin, Role::Agent].into_iter().collect();
        assert_eq!(roles.to_csv(), "AGENT,TENANT_ADMIN");
        assert_eq!(Roles::parse_csv("AGENT,TENANT_ADMIN"), Ok(roles));
        assert_eq!(Roles::parse_csv(" TENANT_ADMIN , AGENT "), Ok(roles));
        assert_eq!(Roles::parse_csv(""), Ok(Roles::empty()));
        assert!(Roles::parse_csv("AGENT,ROOT").is_err());
    }

    #[test]
    fn an_empty_list_of_roles_is_refused() {
        assert!(matches!(
            Roles::parse_list(&[]),
            Err(Error::Invalid { field, .. }) if field == "roles"
        ));
        assert_eq!(
            Roles::parse_list(&["BACK_OFFICE".to_string()]),
            Ok(Roles::from(Role::BackOffice))
        );
        assert!(Roles::parse_list(&["boss".to_string()]).is_err());
    }

    #[test]
    fn debug_lists_codes() {
        let roles: Roles = [Role::Agent].into_iter().collect();
        assert_eq!(format!("{roles:?}"), "{Agent}");
    }
}
