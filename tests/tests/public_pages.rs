//! The pages every French public service must publish — accessibility statement, legal notice,
//! personal data, site map — open to anyone and linked from the footer of every page; and the
//! French 404 page, in the layout, while GraphQL keeps its JSON errors.

use passerelle_tests::{TestApp, on_both_backends};
use serde_json::json;

const PUBLIC: [(&str, &str); 4] = [
    ("/accessibilite", "Déclaration d'accessibilité"),
    ("/mentions-legales", "Mentions légales"),
    ("/donnees-personnelles", "Données personnelles"),
    ("/plan-du-site", "Plan du site"),
];

/// The footer of a page links to the four public pages.
fn assert_footer_links(path: &str, body: &str) {
    let footer = body
        .split("<footer")
        .nth(1)
        .unwrap_or_else(|| panic!("{path} has no footer"));
    for (href, _) in PUBLIC {
        assert!(
            footer.contains(&format!("href=\"{href}\"")),
            "the footer of {path} does not link to {href}"
        );
    }
    assert!(footer.contains("Accessibilité : partiellement conforme"));
}

async fn signed_out(app: &TestApp, path: &str) -> (u16, String) {
    let response = app
        .http
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .expect("GET");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn the_public_pages_answer_signed_out_and_every_page_links_to_them(app: TestApp) {
    for (path, title) in PUBLIC {
        let (status, body) = signed_out(&app, path).await;
        assert_eq!(status, 200, "{path} signed out: {body}");
        assert!(
            body.contains(&format!("<h1>{title}</h1>")),
            "{path}: {body}"
        );
        assert_footer_links(path, &body);
    }
    let (_, statement) = signed_out(&app, "/accessibilite").await;
    assert!(statement.contains("<strong>partiellement conforme</strong>"));
    assert!(statement.contains("RGAA 4.1"));
    assert!(statement.contains("Défenseur des droits"));
    let (_, sign_in) = signed_out(&app, "/connexion").await;
    assert_footer_links("/connexion", &sign_in);

    // Signed in, every role's pages carry the footer, and the public pages keep the user's menu.
    let t = app.with_territory("Lens").await;
    let pages = [
        (&t.agent, "/"),
        (&t.agent, "/personnes"),
        (&t.agent, "/orientations/envoyees"),
        (&t.caf, "/orientations/recues"),
        (&t.caf, "/sollicitations/recues"),
        (&t.coordinator, "/suivi"),
        (&t.tenant.admin, "/admin"),
        (&t.tenant.admin, "/admin/courriels"),
    ];
    for (who, path) in pages {
        let (status, body) = app.page(who, path).await;
        assert_eq!(status, 200, "{path} as {}", who.email);
        assert_footer_links(path, &body);
    }
    let (status, legal) = app.page(&t.agent, "/mentions-legales").await;
    assert_eq!(status, 200);
    assert!(
        legal.contains("Se déconnecter"),
        "signed in, the layout is the user's"
    );
    assert!(
        legal.contains("Passerelle est édité par Lens"),
        "the publisher is the user's territory: {legal}"
    );
}

async fn an_unknown_path_answers_a_french_404_in_the_layout(app: TestApp) {
    let (status, body) = signed_out(&app, "/cette-page-n-existe-pas").await;
    assert_eq!(status, 404);
    assert!(body.contains("<html lang=\"fr\">"));
    assert!(body.contains("<title>Page introuvable — Passerelle</title>"));
    assert!(body.contains("<h1>Page introuvable</h1>"));
    assert!(body.contains("href=\"/\""), "a link home");
    assert_footer_links("404", &body);

    let t = app.with_tenant("Béthune").await;
    let (status, body) = app
        .page(&t.admin, "/orientations/envoyees/rien/du/tout")
        .await;
    assert_eq!(status, 404);
    assert!(
        body.contains("Se déconnecter"),
        "signed in, the user's layout"
    );

    // GraphQL keeps its JSON errors.
    let errors = app.graphql(None, "{ nothing }", json!({})).await;
    assert!(
        errors["errors"][0]["extensions"]["code"].is_string(),
        "{errors}"
    );
}

on_both_backends!(
    the_public_pages_answer_signed_out_and_every_page_links_to_them,
    an_unknown_path_answers_a_french_404_in_the_layout,
);
