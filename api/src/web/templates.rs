//! The templates of `web/templates` (pages and mails), embedded at build time by `build.rs`.

use minijinja::{Environment, Value};

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> anyhow::Result<Self> {
        let mut env = Environment::new();
        minijinja_embed::load_templates!(&mut env);
        // HTML-escape everything in .html templates; plain-text mails stay as written.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.add_filter("date_fr", date_fr);
        env.add_filter("datetime_fr", datetime_fr);
        // The footer of every page names the accessibility status (RGAA 4.1 asks for it).
        env.add_global("accessibility_status", super::accessibility::STATUS);
        Ok(Self { env })
    }

    pub fn render(&self, name: &str, ctx: Value) -> anyhow::Result<String> {
        Ok(self.env.get_template(name)?.render(ctx)?)
    }
}

/// Times are stored in UTC; pages and mails show them in French time.
fn paris(raw: &str) -> Option<time::OffsetDateTime> {
    let at =
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).ok()?;
    in_paris(at)
}

/// `at` in French time (`None` at the edge of what `time` represents).
pub fn in_paris(at: time::OffsetDateTime) -> Option<time::OffsetDateTime> {
    // Central European Time with summer time: last Sunday of March to last Sunday of October.
    let year = at.year();
    let last_sunday = |month: time::Month| {
        let mut day = time::Date::from_calendar_date(year, month, 31).ok()?;
        while day.weekday() != time::Weekday::Sunday {
            day = day.previous_day()?;
        }
        Some(day.with_hms(1, 0, 0).ok()?.assume_utc())
    };
    let summer = at >= last_sunday(time::Month::March)? && at < last_sunday(time::Month::October)?;
    let offset = time::UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).ok()?;
    // Checked: a date at the edge of what `time` represents must not panic a page.
    at.checked_to_offset(offset)
}

fn date_fr(raw: String) -> String {
    match paris(&raw) {
        Some(at) => format!("{:02}/{:02}/{}", at.day(), u8::from(at.month()), at.year()),
        None => raw,
    }
}

fn datetime_fr(raw: String) -> String {
    match paris(&raw) {
        Some(at) => format!(
            "{:02}/{:02}/{} à {:02}h{:02}",
            at.day(),
            u8::from(at.month()),
            at.year(),
            at.hour(),
            at.minute()
        ),
        None => raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_show_in_french_time() {
        assert_eq!(
            datetime_fr("2026-01-15T09:30:00Z".into()),
            "15/01/2026 à 10h30"
        );
        assert_eq!(
            datetime_fr("2026-07-15T09:30:00Z".into()),
            "15/07/2026 à 11h30"
        );
        assert_eq!(date_fr("2026-12-31T23:30:00Z".into()), "01/01/2027");
        assert_eq!(date_fr("pas une date".into()), "pas une date");
        assert_eq!(
            date_fr("9999-12-31T23:59:59Z".into()),
            "9999-12-31T23:59:59Z"
        );
    }

    #[test]
    fn every_template_parses() {
        let templates = Templates::new().unwrap();
        for (name, _) in templates.env.templates() {
            templates.env.get_template(name).unwrap();
        }
    }
}
