//! Domain codes (statuses, urgency, outcomes, reasons, kinds…) as stored values: an entity
//! field of type `Coded<ReferralStatus>` is read and written as its code, so no store, resolver
//! or page ever parses a bare string again.
//!
//! One policy for a stored value that does not parse (a code removed from the enum, a row
//! written by hand): reading the row fails with a database type error, which the API turns
//! into an internal error that is logged with an id — never a default silently put in its place.

use std::ops::Deref;

use domain::Code;
use sea_orm::{
    ActiveValue, ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value,
    sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr},
};

/// A domain code in a column of text.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Coded<T>(pub T);

impl<T> Deref for Coded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Coded<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T: Code> PartialEq<T> for Coded<T> {
    fn eq(&self, other: &T) -> bool {
        self.0 == *other
    }
}

impl<T: Code> From<Coded<T>> for Value {
    fn from(value: Coded<T>) -> Self {
        Value::String(Some(value.0.code().to_owned()))
    }
}

fn unreadable<T: Code>(raw: &str) -> DbErr {
    DbErr::Type(format!(
        "unreadable stored {} code {raw:?}",
        std::any::type_name::<T>()
    ))
}

impl<T: Code> TryGetable for Coded<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let raw = String::try_get_by(res, index)?;
        T::from_code(&raw)
            .map(Coded)
            .map_err(|_| TryGetError::DbErr(unreadable::<T>(&raw)))
    }
}

impl<T: Code> ValueType for Coded<T> {
    fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
        let raw = <String as ValueType>::try_from(value)?;
        T::from_code(&raw).map(Coded).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        format!("Coded<{}>", std::any::type_name::<T>())
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::None)
    }
}

impl<T: Code> Nullable for Coded<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T: Code> IntoActiveValue<Coded<T>> for Coded<T> {
    fn into_active_value(self) -> ActiveValue<Coded<T>> {
        ActiveValue::Set(self)
    }
}

/// Codes may sit in a primary key (a user's roles); they are never generated numbers.
impl<T: Code> sea_orm::TryFromU64 for Coded<T> {
    fn try_from_u64(_: u64) -> Result<Self, DbErr> {
        Err(DbErr::Type(format!(
            "{} is not a number",
            std::any::type_name::<T>()
        )))
    }
}

/// The codes of a list of values, for `IN (…)` filters.
pub fn codes<T: Code>(values: impl IntoIterator<Item = T>) -> Vec<&'static str> {
    values.into_iter().map(Code::code).collect()
}
