//! The demo territory: two tenants, their partners, services and accounts, and a few
//! referrals played through the same services as the API.

mod history;
mod story;

use domain::{Email, Name, OrganisationId, OrganisationKind, Password, ResponseDays, Role, Roles};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use time::OffsetDateTime;

use crate::{
    auth::{bootstrap::create_tenant, password, store as users},
    directory::store as directory,
    entities::tenant,
    error::{ApiError, ApiResult},
};

/// The password of every demo account (shown on start; demo data only).
pub const DEMO_PASSWORD: &str = "Passerelle-Demo-2026";
pub const DEMO_TENANT: &str = "Communauté urbaine d'Arras";
pub const OTHER_TENANT: &str = "Communauté d'agglomération de Lens-Liévin";

/// A demo account, printed at start.
pub struct DemoAccount {
    pub email: &'static str,
    pub who: &'static str,
}

struct DemoOrg {
    name: &'static str,
    kind: OrganisationKind,
    mailbox: &'static str,
    /// (service, category, standard days, urgent days)
    services: &'static [(&'static str, &'static str, u32, u32)],
}

const ARRAS: &[DemoOrg] = &[
    DemoOrg {
        name: "Communauté urbaine d'Arras — coordination",
        kind: OrganisationKind::Other,
        mailbox: "coordination@arras.demo",
        services: &[],
    },
    DemoOrg {
        name: "CAF du Pas-de-Calais",
        kind: OrganisationKind::Caf,
        mailbox: "backoffice@caf62.demo",
        services: &[
            ("Ouverture de droits RSA", "Minima sociaux", 10, 5),
            ("Aides au logement (APL)", "Logement", 10, 5),
            ("Prime d'activité", "Minima sociaux", 10, 5),
        ],
    },
    DemoOrg {
        name: "CPAM de l'Artois",
        kind: OrganisationKind::Cpam,
        mailbox: "backoffice@cpam-artois.demo",
        services: &[
            ("Complémentaire santé solidaire", "Santé", 10, 5),
            ("Rendez-vous accès aux droits santé", "Santé", 7, 3),
        ],
    },
    DemoOrg {
        name: "MSA Nord-Pas de Calais",
        kind: OrganisationKind::Msa,
        mailbox: "backoffice@msa-npdc.demo",
        services: &[(
            "Accompagnement social agricole",
            "Accompagnement social",
            10,
            5,
        )],
    },
    DemoOrg {
        name: "France Travail Arras",
        kind: OrganisationKind::FranceTravail,
        mailbox: "backoffice@francetravail-arras.demo",
        services: &[
            ("Inscription et premier entretien", "Emploi", 10, 5),
            ("Accompagnement global", "Emploi", 15, 7),
        ],
    },
    DemoOrg {
        name: "Département du Pas-de-Calais — Maison du Département Solidarité de l'Arrageois",
        kind: OrganisationKind::Departement,
        mailbox: "mds-arras@pasdecalais.demo",
        services: &[
            (
                "Accompagnement social global",
                "Accompagnement social",
                10,
                3,
            ),
            ("Fonds de solidarité logement", "Logement", 15, 5),
        ],
    },
    DemoOrg {
        name: "CCAS d'Arras",
        kind: OrganisationKind::Ccas,
        mailbox: "ccas@arras.demo",
        services: &[
            ("Aide alimentaire d'urgence", "Alimentation", 3, 1),
            ("Domiciliation", "Accès aux droits", 10, 5),
        ],
    },
    DemoOrg {
        name: "France Services Arras Ouest",
        kind: OrganisationKind::FranceServices,
        mailbox: "franceservices@arras.demo",
        services: &[("Aide aux démarches en ligne", "Numérique", 5, 2)],
    },
    DemoOrg {
        name: "Maison de l'Emploi et des Métiers de l'Arrageois",
        kind: OrganisationKind::MissionLocale,
        mailbox: "mdem@arras.demo",
        services: &[("Accompagnement des jeunes (CEJ)", "Emploi", 10, 5)],
    },
    DemoOrg {
        name: "Pas-de-Calais Habitat",
        kind: OrganisationKind::SocialLandlord,
        mailbox: "gestion-locative@pdc-habitat.demo",
        services: &[("Prévention des expulsions", "Logement", 10, 3)],
    },
    DemoOrg {
        name: "Secours populaire — fédération du Pas-de-Calais",
        kind: OrganisationKind::Association,
        mailbox: "arras@secourspopulaire62.demo",
        services: &[("Aide alimentaire et vestimentaire", "Alimentation", 5, 2)],
    },
];

/// (email, display name, organisation index in ARRAS, roles, description)
const ARRAS_USERS: &[(&str, &str, usize, &[Role], &str)] = &[
    (
        "admin@arras.demo",
        "Claire Admin",
        0,
        &[Role::TenantAdmin, Role::OrgAdmin],
        "administratrice du territoire",
    ),
    (
        "coordination@arras.demo",
        "Karim Coordination",
        0,
        &[Role::Coordinator],
        "coordinateur de territoire",
    ),
    (
        "agent@franceservices-arras.demo",
        "Julie Accueil",
        7,
        &[Role::Agent],
        "agente d'accueil France Services",
    ),
    (
        "agent@ccas-arras.demo",
        "Marc Accueil",
        6,
        &[Role::Agent, Role::BackOffice],
        "agent et expert du CCAS",
    ),
    (
        "expert@caf62.demo",
        "Nadia Expert",
        1,
        &[Role::BackOffice],
        "experte back-office CAF",
    ),
    (
        "admin@caf62.demo",
        "Paul Admin CAF",
        1,
        &[Role::OrgAdmin, Role::BackOffice],
        "administrateur de la CAF",
    ),
    (
        "expert@cpam-artois.demo",
        "Sophie Expert",
        2,
        &[Role::BackOffice],
        "experte back-office CPAM",
    ),
    // Who works the other partners' inboxes in the year of history.
    (
        "expert@msa-npdc.demo",
        "Hélène Expert",
        3,
        &[Role::BackOffice],
        "experte MSA",
    ),
    (
        "expert@francetravail-arras.demo",
        "Yanis Conseiller",
        4,
        &[Role::BackOffice],
        "conseiller France Travail",
    ),
    (
        "expert@mds-arras.demo",
        "Amandine Travailleuse sociale",
        5,
        &[Role::BackOffice],
        "travailleuse sociale du Département",
    ),
    (
        "expert@franceservices-arras.demo",
        "Louis Conseiller numérique",
        7,
        &[Role::BackOffice],
        "conseiller numérique France Services",
    ),
    (
        "expert@mdem-arras.demo",
        "Inès Conseillère",
        8,
        &[Role::BackOffice],
        "conseillère de la Maison de l'Emploi",
    ),
    (
        "gestion@pdc-habitat.demo",
        "Thierry Gestionnaire",
        9,
        &[Role::BackOffice],
        "gestionnaire Pas-de-Calais Habitat",
    ),
    (
        "benevole@secourspopulaire62.demo",
        "Odile Bénévole",
        10,
        &[Role::BackOffice],
        "bénévole du Secours populaire",
    ),
];

/// Who works each receiving partner's inbox in the demo's history: (account, organisation).
const BACK_OFFICES: &[(&str, &str)] = &[
    ("expert@caf62.demo", "CAF du Pas-de-Calais"),
    ("expert@cpam-artois.demo", "CPAM de l'Artois"),
    ("expert@msa-npdc.demo", "MSA Nord-Pas de Calais"),
    ("expert@francetravail-arras.demo", "France Travail Arras"),
    (
        "expert@mds-arras.demo",
        "Département du Pas-de-Calais — Maison du Département Solidarité de l'Arrageois",
    ),
    ("agent@ccas-arras.demo", "CCAS d'Arras"),
    (
        "expert@franceservices-arras.demo",
        "France Services Arras Ouest",
    ),
    (
        "expert@mdem-arras.demo",
        "Maison de l'Emploi et des Métiers de l'Arrageois",
    ),
    ("gestion@pdc-habitat.demo", "Pas-de-Calais Habitat"),
    (
        "benevole@secourspopulaire62.demo",
        "Secours populaire — fédération du Pas-de-Calais",
    ),
];

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "admin@arras.demo",
        who: "administratrice du territoire (Arras)",
    },
    DemoAccount {
        email: "coordination@arras.demo",
        who: "coordinateur de territoire (Arras)",
    },
    DemoAccount {
        email: "agent@franceservices-arras.demo",
        who: "agente d'accueil, France Services (Arras)",
    },
    DemoAccount {
        email: "agent@ccas-arras.demo",
        who: "agent et expert, CCAS d'Arras",
    },
    DemoAccount {
        email: "expert@caf62.demo",
        who: "experte back-office, CAF (Arras)",
    },
    DemoAccount {
        email: "admin@caf62.demo",
        who: "administrateur d'organisation, CAF (Arras)",
    },
    DemoAccount {
        email: "expert@cpam-artois.demo",
        who: "experte back-office, CPAM (Arras)",
    },
    DemoAccount {
        email: "admin@lens.demo",
        who: "administrateur d'un second territoire (Lens-Liévin), pour voir l'isolement",
    },
];

/// Seeds the demo territories, a year of history (`PASSERELLE_DEMO_REFERRALS` referrals) and a
/// few referrals of today, unless they are already there. Returns the accounts to print.
pub async fn seed(app: &crate::AppState) -> anyhow::Result<&'static [DemoAccount]> {
    let exists = tenant::Entity::find()
        .filter(tenant::Column::Name.eq(DEMO_TENANT))
        .one(&app.db)
        .await?;
    if exists.is_none() {
        seed_all(&app.db, app.clock.now())
            .await
            .map_err(ApiError::into_anyhow)?;
        let seeding = crate::db::connect_for_seeding(&app.config.database_url).await?;
        history::play(app, &seeding, app.config.demo_referrals)
            .await
            .map_err(ApiError::into_anyhow)?;
        seeding.close().await?;
        tracing::info!(referrals = app.config.demo_referrals, "demo history seeded");
        story::play(app).await.map_err(ApiError::into_anyhow)?;
    }
    Ok(DEMO_ACCOUNTS)
}

async fn seed_all(db: &DatabaseConnection, now: OffsetDateTime) -> ApiResult<()> {
    let hash = password::hash(Password::parse("password", DEMO_PASSWORD)?).await?;
    let txn = crate::db::begin_write(db).await?;
    let tenant_id = create_tenant(&txn, &Name::parse("tenant", DEMO_TENANT)?, now).await?;
    let mut org_ids = Vec::new();
    for org in ARRAS {
        let created = directory::organisation_insert(
            &txn,
            tenant_id,
            directory::NewOrganisation {
                name: Name::parse("name", org.name)?,
                kind: org.kind,
                back_office_email: Some(Email::parse("backOfficeEmail", org.mailbox)?),
            },
            now,
        )
        .await?;
        let org_id = OrganisationId::from_uuid(created.id);
        for (name, category, days, urgent) in org.services {
            directory::service_insert(
                &txn,
                tenant_id,
                directory::NewService {
                    organisation_id: org_id,
                    name: Name::parse("name", name)?,
                    category: Name::parse("category", category)?,
                    response_days: ResponseDays::parse("responseDays", *days as i32)?,
                    urgent_response_days: ResponseDays::parse(
                        "urgentResponseDays",
                        *urgent as i32,
                    )?,
                },
                now,
            )
            .await?;
        }
        org_ids.push(org_id);
    }
    for (email, name, org, roles, _) in ARRAS_USERS {
        let new = users::NewUser {
            organisation_id: org_ids[*org],
            email: Email::parse("email", email)?,
            name: Name::parse("name", name)?,
            roles: Roles::from_iter(roles.iter().copied()),
            password_hash: Some(hash.clone()),
        };
        users::user_insert_in(&txn, tenant_id, new, now).await?;
    }

    // A second, small territory: its people and referrals are never visible from Arras.
    let lens = create_tenant(&txn, &Name::parse("tenant", OTHER_TENANT)?, now).await?;
    let ccas = directory::organisation_insert(
        &txn,
        lens,
        directory::NewOrganisation {
            name: Name::parse("name", "CCAS de Lens")?,
            kind: OrganisationKind::Ccas,
            back_office_email: Some(Email::parse("backOfficeEmail", "ccas@lens.demo")?),
        },
        now,
    )
    .await?;
    directory::service_insert(
        &txn,
        lens,
        directory::NewService {
            organisation_id: OrganisationId::from_uuid(ccas.id),
            name: Name::parse("name", "Aide alimentaire d'urgence")?,
            category: Name::parse("category", "Alimentation")?,
            response_days: ResponseDays::parse("responseDays", 3)?,
            urgent_response_days: ResponseDays::parse("urgentResponseDays", 1)?,
        },
        now,
    )
    .await?;
    users::user_insert_in(
        &txn,
        lens,
        users::NewUser {
            organisation_id: OrganisationId::from_uuid(ccas.id),
            email: Email::parse("email", "admin@lens.demo")?,
            name: Name::parse("name", "Léa Admin Lens")?,
            roles: Roles::from_iter([Role::TenantAdmin, Role::OrgAdmin]),
            password_hash: Some(hash),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub fn banner(public_url: &str, accounts: &[DemoAccount]) -> String {
    let mut out = format!(
        "\nPasserelle — démonstration\n  Ouvrez {public_url}/ et connectez-vous avec l'un de ces comptes.\n  Mot de passe de tous les comptes : {DEMO_PASSWORD}\n\n"
    );
    for account in accounts {
        out.push_str(&format!("  {:<36} {}\n", account.email, account.who));
    }
    out.push('\n');
    out
}
