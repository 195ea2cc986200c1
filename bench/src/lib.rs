//! What the data generator and the load generator agree on: how many of each the data holds at
//! a scale, and the fixed ids `generate.sql` gives them (its header describes the shape).

/// Every generated user's password.
pub const PASSWORD: &str = "bench-password";

/// How many of each, from the number of referrals: the mix at 1,000,000 (40 tenants,
/// 2,000 organisations, 6,000 services, 50,000 users, 1,000,000 people), scaled down below.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub tenants: u64,
    pub orgs_per_tenant: u64,
    pub users_per_org: u64,
    pub people: u64,
    pub referrals: u64,
}

impl Shape {
    pub fn of(scale: u64) -> Self {
        let tenants = (scale / 25_000).clamp(2, 40);
        Self {
            tenants,
            orgs_per_tenant: (scale / 500 / tenants).clamp(5, 50),
            users_per_org: 25,
            people: scale,
            referrals: scale,
        }
    }

    pub fn organisations(&self) -> u64 {
        self.tenants * self.orgs_per_tenant
    }

    /// Organisation `o < tenants` is tenant `o`'s big CAF.
    pub fn big_caf(&self, tenant: u64) -> u64 {
        tenant
    }

    /// A back-office user (odd rank) of organisation `o`.
    pub fn back_office_email(&self, o: u64) -> String {
        format!("u{}@bench.example", o * self.users_per_org + 1)
    }

    /// The agent (rank 0, also ORG_ADMIN) of organisation `o`.
    pub fn agent_email(&self, o: u64) -> String {
        format!("u{}@bench.example", o * self.users_per_org)
    }

    /// The `k`-th person of organisation `o` (whose consent has the same number).
    pub fn person_of(&self, o: u64, k: u64) -> u64 {
        o + k * self.organisations()
    }

    pub fn people_per_org(&self) -> u64 {
        self.people / self.organisations()
    }
}

/// The id `pg_temp.id(prefix, n)` computes: 16 ASCII bytes, the prefix then `n` on 15 digits.
pub fn fixed_id(prefix: char, n: u64) -> String {
    let hex: String = format!("{prefix}{n:015}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
