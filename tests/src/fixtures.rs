//! Builders for the people and places a test needs: a tenant with its administrator, more
//! organisations, services and users, each signed in.

use serde_json::{Value, json};

use crate::TestApp;

pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub user_id: String,
    pub organisation_id: String,
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub admin: Account,
}

impl TestApp {
    /// A tenant bootstrapped as the CLI does, its administrator signed in.
    pub async fn with_tenant(&self, name: &str) -> Tenant {
        let slug: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        let email = format!("admin@{slug}.test");
        let created = passerelle::auth::bootstrap::bootstrap(
            self.db(),
            name,
            &email,
            "Admin",
            PASSWORD,
            self.state.clock.now(),
        )
        .await
        .expect("bootstrap");
        let token = self.login(&email, PASSWORD).await;
        Tenant {
            id: created.tenant_id.to_string(),
            admin: Account {
                email,
                user_id: created.user_id.to_string(),
                organisation_id: created.organisation_id.to_string(),
                token,
            },
        }
    }

    /// An organisation of the admin's tenant; returns its id.
    pub async fn create_organisation(&self, admin: &Account, name: &str, kind: &str) -> String {
        let body = self
            .graphql(
                Some(&admin.token),
                "mutation($i: CreateOrganisationInput!) { createOrganisation(input: $i) { id } }",
                json!({ "i": { "name": name, "kind": kind, "backOfficeEmail": mailbox_of(name) } }),
            )
            .await;
        ok(&body)["createOrganisation"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    pub async fn create_service(
        &self,
        admin: &Account,
        organisation_id: &str,
        name: &str,
        category: &str,
    ) -> String {
        let body = self
            .graphql(
                Some(&admin.token),
                "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
                json!({ "i": { "organisationId": organisation_id, "name": name, "category": category,
                               "responseDays": 10, "urgentResponseDays": 3 } }),
            )
            .await;
        ok(&body)["createService"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// A user of `organisation_id` with these roles, signed in.
    pub async fn create_user(
        &self,
        admin: &Account,
        organisation_id: &str,
        email: &str,
        roles: &[&str],
    ) -> Account {
        let body = self
            .graphql(
                Some(&admin.token),
                "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
                json!({ "i": { "organisationId": organisation_id, "email": email, "name": email,
                               "roles": roles, "password": PASSWORD } }),
            )
            .await;
        let user_id = ok(&body)["createUser"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        Account {
            email: email.to_owned(),
            user_id,
            organisation_id: organisation_id.to_owned(),
            token: self.login(email, PASSWORD).await,
        }
    }
}

/// The back-office mailbox the fixtures give an organisation: `bo@<name in lower-case letters
/// and digits>.test`.
pub fn mailbox_of(name: &str) -> String {
    let slug: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    format!("bo@{slug}.test")
}

/// The `data` of a response that must have no errors.
pub fn ok(body: &Value) -> &Value {
    assert!(
        body.get("errors").is_none_or(Value::is_null),
        "unexpected errors: {body}"
    );
    &body["data"]
}
