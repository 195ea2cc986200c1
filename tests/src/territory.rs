//! A small territory for referral tests: a France Services desk that sends, a CAF and a CPAM
//! that receive, an organisation that is neither, and a coordinator — all signed in.

use serde_json::{Value, json};

use crate::{Account, Tenant, TestApp, ok};

pub struct Territory {
    pub tenant: Tenant,
    /// Agent of the sending France Services desk.
    pub agent: Account,
    /// Back-office expert of the CAF.
    pub caf: Account,
    pub caf_service: String,
    /// Back-office expert of the CPAM.
    pub cpam: Account,
    pub cpam_service: String,
    /// An agent and back-office user of an organisation that takes no part.
    pub outsider: Account,
    pub coordinator: Account,
}

pub const REFERRAL_FIELDS: &str =
    "id status version urgency motive dueAt overdue createdAt identityVisible
    person { id firstName lastName birthDate }
    fromOrganisation { id } toOrganisation { id } service { id }
    parent { id } children { id status toOrganisation { id } } assignee { id } outcome declineReason
    timeline { at kind actor { id } comment fromStatus toStatus }";

impl TestApp {
    pub async fn with_territory(&self, name: &str) -> Territory {
        let tenant = self.with_tenant(name).await;
        let admin = &tenant.admin;
        let slug: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        let desk = self
            .create_organisation(admin, &format!("France Services {name}"), "FRANCE_SERVICES")
            .await;
        let caf = self
            .create_organisation(admin, &format!("CAF {name}"), "CAF")
            .await;
        let cpam = self
            .create_organisation(admin, &format!("CPAM {name}"), "CPAM")
            .await;
        let other = self
            .create_organisation(admin, &format!("Association {name}"), "ASSOCIATION")
            .await;
        let caf_service = self
            .create_service(admin, &caf, "Ouverture de droits RSA", "Minima sociaux")
            .await;
        let cpam_service = self
            .create_service(admin, &cpam, "Complémentaire santé solidaire", "Santé")
            .await;
        Territory {
            agent: self
                .create_user(admin, &desk, &format!("agent@{slug}.test"), &["AGENT"])
                .await,
            caf: self
                .create_user(
                    admin,
                    &caf,
                    &format!("expert@caf-{slug}.test"),
                    &["BACK_OFFICE"],
                )
                .await,
            cpam: self
                .create_user(
                    admin,
                    &cpam,
                    &format!("expert@cpam-{slug}.test"),
                    &["BACK_OFFICE"],
                )
                .await,
            outsider: self
                .create_user(
                    admin,
                    &other,
                    &format!("asso@{slug}.test"),
                    &["AGENT", "BACK_OFFICE"],
                )
                .await,
            coordinator: self
                .create_user(
                    admin,
                    &admin.organisation_id,
                    &format!("coordination@{slug}.test"),
                    &["COORDINATOR"],
                )
                .await,
            caf_service,
            cpam_service,
            tenant,
        }
    }

    /// A person held by `agent`'s organisation; returns its id.
    pub async fn create_person(
        &self,
        agent: &Account,
        first: &str,
        last: &str,
        birth: &str,
    ) -> String {
        let body = self
            .graphql(
                Some(&agent.token),
                "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }",
                json!({ "i": { "firstName": first, "lastName": last, "birthDate": birth, "phone": "06 12 34 56 78",
                               "email": "personne@exemple.fr", "address": "1 rue de la Paix, Arras" } }),
            )
            .await;
        ok(&body)["createPerson"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// A consent of the person naming these recipients; returns its id.
    pub async fn record_consent(
        &self,
        agent: &Account,
        person: &str,
        recipients: &[&str],
        expires_at: Option<&str>,
    ) -> String {
        let body = self
            .graphql(
                Some(&agent.token),
                "mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id status } }",
                json!({ "i": { "personId": person, "recipientOrganisationIds": recipients,
                               "purposes": ["Ouverture de droits"], "dataCategories": ["Identité", "Situation familiale"],
                               "method": "ORAL", "expiresAt": expires_at, "evidence": "Recueilli à l'accueil",
                               "textVersion": "v1" } }),
            )
            .await;
        ok(&body)["recordConsent"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Sends a referral; returns the whole response body.
    pub async fn send_referral(
        &self,
        agent: &Account,
        person: &str,
        consent: &str,
        service: &str,
        urgency: &str,
    ) -> Value {
        self.graphql(
            Some(&agent.token),
            &format!("mutation($i: CreateReferralInput!) {{ createReferral(input: $i) {{ {REFERRAL_FIELDS} }} }}"),
            json!({ "i": { "personId": person, "consentId": consent, "serviceId": service,
                           "motive": "Droits RSA à ouvrir après une séparation", "urgency": urgency } }),
        )
        .await
    }

    /// Reads a referral as `who`; returns the whole response body.
    pub async fn read_referral(&self, who: &Account, id: &str) -> Value {
        self.graphql(
            Some(&who.token),
            &format!("query($id: ID!) {{ referral(id: $id) {{ {REFERRAL_FIELDS} }} }}"),
            json!({ "id": id }),
        )
        .await
    }

    /// Runs one lifecycle mutation with its other arguments written inline, e.g.
    /// `act(&caf, "declineReferral", &id, r#"reason: NOT_ELIGIBLE, expectedVersion: 2"#)`.
    pub async fn act(&self, who: &Account, mutation: &str, id: &str, args: &str) -> Value {
        let args = if args.is_empty() {
            String::new()
        } else {
            format!(", {args}")
        };
        self.graphql(
            Some(&who.token),
            &format!(
                "mutation($id: ID!) {{ r: {mutation}(id: $id{args}) {{ {REFERRAL_FIELDS} }} }}"
            ),
            json!({ "id": id }),
        )
        .await
    }
}

pub const ESCALATION_FIELDS: &str =
    "id status subject category urgency dueAt overdue createdAt answeredAt closedAt reopenableUntil
    identityVisible availableActions
    fromOrganisation { id } toOrganisation { id } assignee { id } referral { id }
    person { id firstName lastName birthDate }
    messages { at kind author { id } body }
    history { at kind label actor { id } comment fromStatus toStatus toOrganisation { id } assignee { id } }";

impl TestApp {
    /// Opens an escalation from `agent` to `organisation` in the category of the fixture's CAF
    /// service; `extra` adds to (or overrides) the input. Returns the whole response body.
    pub async fn open_escalation(
        &self,
        agent: &Account,
        organisation: &str,
        extra: Value,
    ) -> Value {
        let mut input = json!({
            "organisationId": organisation,
            "subject": "Dossier RSA bloqué",
            "body": "Le dossier est incomplet depuis deux mois : que manque-t-il ?",
            "category": "Minima sociaux",
        });
        if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            for (key, value) in extra {
                input.insert(key.clone(), value.clone());
            }
        }
        self.graphql(
            Some(&agent.token),
            &format!("mutation($i: CreateEscalationInput!) {{ createEscalation(input: $i) {{ {ESCALATION_FIELDS} }} }}"),
            json!({ "i": input }),
        )
        .await
    }

    /// Reads an escalation as `who`; returns the whole response body.
    pub async fn read_escalation(&self, who: &Account, id: &str) -> Value {
        self.graphql(
            Some(&who.token),
            &format!("query($id: ID!) {{ escalation(id: $id) {{ {ESCALATION_FIELDS} }} }}"),
            json!({ "id": id }),
        )
        .await
    }

    /// Runs one escalation mutation with its other arguments written inline, e.g.
    /// `act_escalation(&caf, "answerEscalation", &id, r#"body: "Voici""#)`; the escalation is
    /// at `["data"]["e"]`.
    pub async fn act_escalation(
        &self,
        who: &Account,
        mutation: &str,
        id: &str,
        args: &str,
    ) -> Value {
        let args = if args.is_empty() {
            String::new()
        } else {
            format!(", {args}")
        };
        self.graphql(
            Some(&who.token),
            &format!(
                "mutation($id: ID!) {{ e: {mutation}(id: $id{args}) {{ {ESCALATION_FIELDS} }} }}"
            ),
            json!({ "id": id }),
        )
        .await
    }
}
