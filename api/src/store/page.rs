//! Keyset pagination for every list, independent of any front end: a cursor holds the sort key
//! and id of the last row seen, and the next page is one row-value comparison —
//! `(a, b, id) > (x, y, z)` — which both PostgreSQL and SQLite turn into an index range (the
//! equivalent OR form is a filter applied after scanning everything before the cursor:
//! measured 16 ms against 1 ms at row 9,860 of an inbox).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::{
    EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, SimpleExpr},
};
use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// Where a page starts: the sort keys (as text) and the id of the last row of the page before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "k")]
    pub keys: Vec<String>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

/// Longest cursor accepted, in characters: a few keys and an id.
const MAX_CURSOR_CHARS: usize = 2_000;

impl Cursor {
    pub fn new(keys: Vec<String>, id: Uuid) -> Self {
        Self { keys, id }
    }

    /// A cursor on one time key.
    pub fn at(at: OffsetDateTime, id: Uuid) -> Self {
        Self::new(vec![at.format(&Rfc3339).unwrap_or_default()], id)
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(raw: &str) -> ApiResult<Self> {
        let invalid = || ApiError::invalid("after", "curseur invalide");
        if raw.len() > MAX_CURSOR_CHARS {
            return Err(invalid());
        }
        URL_SAFE_NO_PAD
            .decode(raw.trim())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(invalid)
    }
}

/// A validated request for one page.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// `first` from 1 to 100 (default 20), `after` a cursor from an earlier page.
    pub fn parse(first: Option<i32>, after: Option<&str>) -> ApiResult<Self> {
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
        let after = after.map(Cursor::decode).transpose()?;
        Ok(Self { first, after })
    }

    /// The first page of `first` rows.
    pub fn first(first: u64) -> Self {
        Self {
            first: first.clamp(1, MAX_PAGE),
            after: None,
        }
    }

    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn limit(&self) -> u64 {
        self.first + 1
    }
}

/// One page of rows, each with its cursor.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_next: bool,
    pub has_previous: bool,
}

impl<T> Page<T> {
    /// Up to `limit()` rows fetched for `request`, the cursor of each made by `cursor_of`.
    pub fn of(request: &PageRequest, mut rows: Vec<T>, cursor_of: impl Fn(&T) -> Cursor) -> Self {
        let has_next = rows.len() as u64 > request.first;
        rows.truncate(request.first as usize);
        Self {
            items: rows.into_iter().map(|row| (cursor_of(&row), row)).collect(),
            has_next,
            has_previous: request.after.is_some(),
        }
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
        }
    }

    pub fn try_map<U, E>(self, mut f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        let mut items = Vec::with_capacity(self.items.len());
        for (cursor, item) in self.items {
            items.push((cursor, f(item)?));
        }
        Ok(Page {
            items,
            has_next: self.has_next,
            has_previous: self.has_previous,
        })
    }

    /// The cursor to ask for the next page with, if there is one.
    pub fn next_cursor(&self) -> Option<String> {
        self.has_next
            .then(|| self.items.last().map(|(c, _)| c.encode()))
            .flatten()
    }

    pub fn rows(&self) -> impl Iterator<Item = &T> {
        self.items.iter().map(|(_, t)| t)
    }

    pub fn into_rows(self) -> Vec<T> {
        self.items.into_iter().map(|(_, t)| t).collect()
    }
}

/// One column of a sort order and how its cursor value reads back.
#[derive(Debug, Clone, Copy)]
pub enum Key<C> {
    Time(C),
    Text(C),
}

/// Orders `query` by `keys` then `id` (all ascending, or all descending), starts after the
/// request's cursor with one row-value comparison, and limits it to one more row than the page.
pub fn keyset<E: EntityTrait>(
    query: Select<E>,
    keys: &[Key<E::Column>],
    id: E::Column,
    descending: bool,
    request: &PageRequest,
) -> ApiResult<Select<E>> {
    let mut query = query;
    if let Some(after) = &request.after {
        let invalid = || ApiError::invalid("after", "curseur invalide");
        if after.keys.len() != keys.len() {
            return Err(invalid());
        }
        let mut columns: Vec<SimpleExpr> = Vec::with_capacity(keys.len() + 1);
        let mut values: Vec<SimpleExpr> = Vec::with_capacity(keys.len() + 1);
        for (key, raw) in keys.iter().zip(&after.keys) {
            match key {
                Key::Time(column) => {
                    let at = OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| invalid())?;
                    columns.push(Expr::col(*column));
                    values.push(Expr::val(at));
                }
                Key::Text(column) => {
                    columns.push(Expr::col(*column));
                    values.push(Expr::val(raw.clone()));
                }
            }
        }
        columns.push(Expr::col(id));
        values.push(Expr::val(after.id));
        let (left, right) = (Expr::tuple(columns), Expr::tuple(values));
        query = query.filter(if descending {
            left.lt(right)
        } else {
            left.gt(right)
        });
    }
    let order = if descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    for key in keys {
        let (Key::Time(column) | Key::Text(column)) = key;
        query = query.order_by(*column, order.clone());
    }
    Ok(query.order_by(id, order).limit(request.limit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_bad_input() {
        let cursor = Cursor::new(vec!["CAF du Pas-de-Calais".into()], Uuid::now_v7());
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        for garbage in ["not a cursor", &"A".repeat(5_000)] {
            let err = Cursor::decode(garbage).unwrap_err();
            assert_eq!(err.field(), Some("after"));
        }
    }

    #[test]
    fn page_size_is_capped() {
        assert_eq!(PageRequest::parse(None, None).unwrap().first, DEFAULT_PAGE);
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(101), None).is_err());
        assert_eq!(PageRequest::parse(Some(100), None).unwrap().limit(), 101);
        assert!(PageRequest::parse(None, Some("")).is_err());
    }

    #[test]
    fn a_page_knows_whether_another_follows() {
        let request = PageRequest::first(2);
        let page = Page::of(&request, vec![1, 2, 3], |n| {
            Cursor::new(vec![n.to_string()], Uuid::nil())
        });
        assert!(page.has_next && !page.has_previous);
        assert_eq!(page.rows().copied().collect::<Vec<_>>(), [1, 2]);
        let next = Cursor::decode(&page.next_cursor().unwrap()).unwrap();
        assert_eq!(next.keys, ["2"]);
        let last = Page::of(&request, vec![1], |_| Cursor::new(vec![], Uuid::nil()));
        assert_eq!(last.next_cursor(), None);
    }
}
