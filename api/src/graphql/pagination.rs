//! Keyset pagination behind the Relay connections: a cursor is the sort key and id of the last
//! row seen, so the next page is an index range scan, never an OFFSET.

use async_graphql::connection::{Connection, Edge};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "k")]
    pub key: String,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(raw: &str) -> ApiResult<Self> {
        URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| ApiError::invalid("after", "curseur invalide"))
    }
}

/// A validated request for one page.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<Cursor>,
}

impl PageRequest {
    pub fn parse(first: Option<i32>, after: Option<String>) -> ApiResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if n >= 1 && (n as u64) <= MAX_PAGE => n as u64,
            Some(_) => {
                return Err(ApiError::invalid(
                    "first",
                    &format!("doit être entre 1 et {MAX_PAGE}"),
                ));
            }
        };
        let after = after.as_deref().map(Cursor::decode).transpose()?;
        Ok(Self { first, after })
    }

    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn limit(&self) -> u64 {
        self.first + 1
    }
}

/// Builds the connection from up to `limit()` rows, the cursor of each made by `cursor_of`.
pub fn connection<Row, Node>(
    page: &PageRequest,
    mut rows: Vec<Row>,
    cursor_of: impl Fn(&Row) -> Cursor,
    to_node: impl Fn(Row) -> Node,
) -> Connection<String, Node>
where
    Node: async_graphql::OutputType,
{
    let has_next = rows.len() as u64 > page.first;
    rows.truncate(page.first as usize);
    let mut connection = Connection::new(page.after.is_some(), has_next);
    connection.edges.extend(rows.into_iter().map(|row| {
        let cursor = cursor_of(&row).encode();
        Edge::new(cursor, to_node(row))
    }));
    connection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_bad_input() {
        let cursor = Cursor {
            key: "CAF du Pas-de-Calais".into(),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        let err = Cursor::decode("not a cursor").unwrap_err();
        assert_eq!(err.field(), Some("after"));
    }

    #[test]
    fn page_size_is_capped() {
        assert_eq!(PageRequest::parse(None, None).unwrap().first, DEFAULT_PAGE);
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(101), None).is_err());
        assert_eq!(PageRequest::parse(Some(100), None).unwrap().limit(), 101);
    }
}
