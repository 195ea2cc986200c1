//! What a document may cost, counted before anything runs.
//!
//! async-graphql's own limits count a document as written: a fragment spread twice in each of
//! 23 nested fragments is under every limit, yet executes 2²³ fields (5 s of CPU and 922 MB for
//! a 968-byte request without a token). Here every field — `__typename` included — is counted
//! after fragment expansion, by arithmetic on the fragments (each counted once, memoised), so
//! the count itself is cheap whatever the expansion; a cycle of fragments is refused. The same
//! pass counts the `login` fields: one sign-in per request.

use std::collections::HashMap;

use async_graphql::parser::{
    parse_query,
    types::{ExecutableDocument, Selection, SelectionSet},
};

/// Longest document accepted, in bytes, before parsing.
pub const MAX_DOCUMENT_BYTES: usize = 32 * 1024;
/// Fields a document may execute once its fragments are expanded.
pub const MAX_EXPANDED_FIELDS: u64 = 5_000;
/// Nesting of selections once fragments are expanded.
pub const MAX_EXPANDED_DEPTH: u64 = 15;

/// Why a document is refused before it runs (the caller's doing: BAD_USER_INPUT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    TooLong,
    TooManyFields(u64),
    TooDeep(u64),
    FragmentCycle,
    SeveralSignIns,
}

impl Refused {
    pub fn message(&self) -> String {
        match self {
            Refused::TooLong => {
                format!("Requête trop longue ({MAX_DOCUMENT_BYTES} octets au plus).")
            }
            Refused::TooManyFields(n) => format!(
                "Requête trop coûteuse : {n} champs une fois les fragments développés ({MAX_EXPANDED_FIELDS} au plus)."
            ),
            Refused::TooDeep(n) => format!(
                "Requête trop profonde : {n} niveaux une fois les fragments développés ({MAX_EXPANDED_DEPTH} au plus)."
            ),
            Refused::FragmentCycle => {
                "Les fragments de la requête se référencent en boucle.".into()
            }
            Refused::SeveralSignIns => "Une seule connexion (login) par requête.".into(),
        }
    }
}

/// Cost of a selection set: fields executed, depth, `login` fields at its top level.
#[derive(Clone, Copy, Default)]
struct Cost {
    fields: u64,
    depth: u64,
    logins: u64,
}

struct Counter<'a> {
    doc: &'a ExecutableDocument,
    done: HashMap<&'a str, Cost>,
    visiting: Vec<&'a str>,
}

impl<'a> Counter<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Result<Cost, Refused> {
        let mut cost = Cost::default();
        for item in &set.items {
            let inner = match &item.node {
                Selection::Field(field) => {
                    let below = self.set(&field.node.selection_set.node)?;
                    let login = u64::from(field.node.name.node.as_str() == "login");
                    Cost {
                        fields: below.fields.saturating_add(1),
                        depth: below.depth.saturating_add(1),
                        logins: login,
                    }
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())?
                }
                Selection::InlineFragment(inline) => self.set(&inline.node.selection_set.node)?,
            };
            cost.fields = cost.fields.saturating_add(inner.fields);
            cost.depth = cost.depth.max(inner.depth);
            cost.logins = cost.logins.saturating_add(inner.logins);
            if cost.fields > MAX_EXPANDED_FIELDS {
                return Err(Refused::TooManyFields(cost.fields));
            }
        }
        Ok(cost)
    }

    fn fragment(&mut self, name: &'a str) -> Result<Cost, Refused> {
        if let Some(cost) = self.done.get(name) {
            return Ok(*cost);
        }
        if self.visiting.contains(&name) {
            return Err(Refused::FragmentCycle);
        }
        // An unknown fragment costs nothing here; validation reports it.
        let Some((key, definition)) = self.doc.fragments.get_key_value(name) else {
            return Ok(Cost::default());
        };
        self.visiting.push(key.as_str());
        let cost = self.set(&definition.node.selection_set.node);
        self.visiting.pop();
        let cost = cost?;
        self.done.insert(key.as_str(), cost);
        Ok(cost)
    }
}

/// Checks a document; a document that does not parse is left to the engine, which reports
/// the syntax error.
pub fn check(query: &str) -> Result<(), Refused> {
    if query.len() > MAX_DOCUMENT_BYTES {
        return Err(Refused::TooLong);
    }
    let Ok(doc) = parse_query(query) else {
        return Ok(());
    };
    let mut counter = Counter {
        doc: &doc,
        done: HashMap::new(),
        visiting: Vec::new(),
    };
    for (_, operation) in doc.operations.iter() {
        let cost = counter.set(&operation.node.selection_set.node)?;
        if cost.depth > MAX_EXPANDED_DEPTH {
            return Err(Refused::TooDeep(cost.depth));
        }
        if cost.logins > 1 {
            return Err(Refused::SeveralSignIns);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `query{...F0} fragment F0 on QueryRoot{...F1 ...F1} … fragment F22 on QueryRoot{__typename}`
    fn fan_out(levels: usize) -> String {
        let mut doc = String::from("query{...F0}");
        for i in 0..levels {
            doc.push_str(&format!(
                " fragment F{i} on QueryRoot{{...F{n} ...F{n}}}",
                n = i + 1
            ));
        }
        doc.push_str(&format!(" fragment F{levels} on QueryRoot{{__typename}}"));
        doc
    }

    #[test]
    fn the_fragment_fan_out_is_refused_before_running() {
        let doc = fan_out(22);
        assert!(doc.len() < 1_000);
        assert!(matches!(check(&doc), Err(Refused::TooManyFields(_))));
        assert_eq!(check(&fan_out(3)), Ok(()), "8 fields is fine");
    }

    #[test]
    fn cycles_depth_and_size_are_refused() {
        assert_eq!(
            check("query{...A} fragment A on QueryRoot{...B} fragment B on QueryRoot{...A}"),
            Err(Refused::FragmentCycle)
        );
        let deep = format!("{{{}id{}", "me{organisation{".repeat(10), "}".repeat(21));
        assert!(matches!(check(&deep), Err(Refused::TooDeep(_))));
        assert_eq!(
            check(&"#".repeat(MAX_DOCUMENT_BYTES + 1)),
            Err(Refused::TooLong)
        );
        assert_eq!(check("{ me { id } }"), Ok(()));
        assert_eq!(check("not graphql {"), Ok(()), "left to the engine");
    }

    #[test]
    fn one_sign_in_per_request() {
        let one = r#"mutation { login(email: "a@b.fr", password: "x") { accessToken } }"#;
        assert_eq!(check(one), Ok(()));
        let aliased = r#"mutation { a: login(email: "a@b.fr", password: "x") { accessToken }
                                   b: login(email: "a@b.fr", password: "y") { accessToken } }"#;
        assert_eq!(check(aliased), Err(Refused::SeveralSignIns));
        let through_fragments = r#"mutation { ...L ...L } fragment L on MutationRoot {
            login(email: "a@b.fr", password: "x") { accessToken } }"#;
        assert_eq!(check(through_fragments), Err(Refused::SeveralSignIns));
    }
}
