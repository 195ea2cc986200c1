//! Finding a person as a front-desk agent types their name: accents, case and word order do not
//! matter, on both databases, through GraphQL and the people page.

use passerelle_tests::{TestApp, ok, on_both_backends};
use serde_json::json;

on_both_backends!(search_ignores_accents_case_and_word_order);

async fn search_ignores_accents_case_and_word_order(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let lea = app
        .create_person(&t.agent, "Léa", "Durand", "1990-04-12")
        .await;
    let noel = app
        .create_person(&t.agent, "Noël", "Lefèvre-Œuvrard", "1975-12-25")
        .await;
    app.create_person(&t.agent, "Leo", "Martin", "2001-01-01")
        .await;
    let found = |search: &'static str| {
        let app = &app;
        let token = t.agent.token.clone();
        async move {
            let body = app
                .graphql(
                    Some(&token),
                    "query($s: String) { people(search: $s) { edges { node { id } } } }",
                    json!({ "s": search }),
                )
                .await;
            let mut ids: Vec<String> = ok(&body)["people"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    for search in ["Léa Durand", "lea durand", "DURAND Léa", "  léa   ", "dur"] {
        assert_eq!(found(search).await, vec![lea.clone()], "{search:?}");
    }
    for search in [
        "noel lefevre",
        "oeuvrard",
        "Lefèvre Œuvrard",
        "lefevre-oeuvrard",
    ] {
        assert_eq!(found(search).await, vec![noel.clone()], "{search:?}");
    }
    // Every word must match: "lea martin" is nobody.
    assert!(found("lea martin").await.is_empty());
    assert_eq!(found("le").await.len(), 3, "a prefix of three names");

    // The page the agent uses, the same.
    let (status, page) = app.page(&t.agent, "/personnes?q=lea%20DURAND").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/personnes/{lea}")), "{page}");
    assert!(!page.contains(&format!("/personnes/{noel}")));
}
