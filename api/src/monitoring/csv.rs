//! The report as CSV for the steering committee: UTF-8 with a byte-order mark (so spreadsheet
//! software reads the accents right), semicolons and decimal commas (as French spreadsheets
//! expect), one header row of the figures' French labels, then the territory, each organisation
//! and each of its services. Rates are in percent.

use domain::{
    DeclineReason, Outcome,
    monitoring::{Figures, REPORT},
};
use time::Date;

use crate::monitoring::{charts::number_fr, service::DelayReport};

/// The file's name, with the period: `suivi-orientations-2026-05-01-au-2026-05-31.csv`.
pub fn file_name(from: Date, to: Date) -> String {
    format!("suivi-orientations-{from}-au-{to}.csv")
}

/// One cell: quoted when it holds a separator, a quote or a line break; a leading `=`, `+`,
/// `-` or `@` is neutralised so a spreadsheet never runs a name as a formula.
fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The figures that are one column each, in the order of the definitions; the lists (decline
/// reasons, outcomes, chains) get one column per value after them.
const LISTS: [&str; 3] = ["declineReasons", "outcomes", "redirectChains"];

/// The longest chain length with its own column; longer ones are added to it.
const CHAIN_COLUMNS: u32 = 3;

fn header() -> Vec<String> {
    let mut columns: Vec<String> = ["Du", "Au", "Niveau", "Organisation", "Service"]
        .map(str::to_owned)
        .to_vec();
    for d in REPORT.iter().filter(|d| !LISTS.contains(&d.key)) {
        let percent = d.key.ends_with("Rate");
        columns.push(if percent {
            format!("{} (%)", d.label)
        } else {
            d.label.to_owned()
        });
    }
    columns.extend(
        DeclineReason::ALL
            .iter()
            .map(|r| format!("Refus : {}", r.label_fr())),
    );
    columns.extend(
        Outcome::ALL
            .iter()
            .map(|o| format!("Résultat : {}", o.label_fr())),
    );
    columns.extend((1..=CHAIN_COLUMNS).map(|n| {
        if n == CHAIN_COLUMNS {
            format!("Chaîne de {n} orientations ou plus")
        } else {
            format!("Chaîne de {n} orientation{}", if n > 1 { "s" } else { "" })
        }
    }));
    columns
}

fn value(figures: &Figures, key: &str) -> String {
    let count = |n: u64| n.to_string();
    let percent = |r: Option<f64>| r.map(|r| number_fr(r * 100.0)).unwrap_or_default();
    let days = |d: Option<f64>| d.map(number_fr).unwrap_or_default();
    match key {
        "sent" => count(figures.sent),
        "open" => count(figures.open),
        "overdue" => count(figures.overdue),
        "acknowledged" => count(figures.acknowledged()),
        "accepted" => count(figures.accepted),
        "declined" => count(figures.declined),
        "redirected" => count(figures.redirected),
        "cancelled" => count(figures.cancelled),
        "completed" => count(figures.completed),
        "rightOpened" => count(figures.right_opened),
        "acceptanceRate" => percent(figures.acceptance_rate()),
        "loopClosedRate" => percent(figures.loop_closed_rate()),
        "answeredInTimeRate" => percent(figures.answered_in_time_rate()),
        "medianDaysToAcknowledge" => days(figures.first_answers.days.median()),
        "p90DaysToAcknowledge" => days(figures.first_answers.days.p90()),
        "medianDaysToDecision" => days(figures.days_to_decision.median()),
        "p90DaysToDecision" => days(figures.days_to_decision.p90()),
        "medianDaysToCompletion" => days(figures.days_to_completion.median()),
        "p90DaysToCompletion" => days(figures.days_to_completion.p90()),
        _ => String::new(),
    }
}

fn row(
    report: &DelayReport,
    level: &str,
    organisation: &str,
    service: &str,
    f: &Figures,
) -> Vec<String> {
    let mut cells = vec![
        report.from.to_string(),
        report.to.to_string(),
        level.to_owned(),
        organisation.to_owned(),
        service.to_owned(),
    ];
    cells.extend(
        REPORT
            .iter()
            .filter(|d| !LISTS.contains(&d.key))
            .map(|d| value(f, d.key)),
    );
    cells.extend(
        DeclineReason::ALL
            .iter()
            .map(|r| f.decline_reasons.get(r).copied().unwrap_or(0).to_string()),
    );
    cells.extend(
        Outcome::ALL
            .iter()
            .map(|o| f.outcomes.get(o).copied().unwrap_or(0).to_string()),
    );
    let mut chains = [0_u64; CHAIN_COLUMNS as usize];
    for (length, n) in f.chain_lengths.iter() {
        let column = length.clamp(1, CHAIN_COLUMNS) as usize - 1;
        chains[column] += n;
    }
    cells.extend(chains.iter().map(u64::to_string));
    cells
}

/// The whole file, byte-order mark first.
pub fn render(report: &DelayReport) -> String {
    let mut lines = vec![header()];
    lines.push(row(report, "Territoire", "", "", &report.totals));
    for o in &report.organisations {
        lines.push(row(
            report,
            "Organisation",
            &o.organisation.name,
            "",
            &o.figures,
        ));
        for s in &o.services {
            lines.push(row(
                report,
                "Service",
                &o.organisation.name,
                &s.service.name,
                &s.figures,
            ));
        }
    }
    let mut out = String::from('\u{feff}');
    for line in lines {
        let cells: Vec<String> = line.iter().map(|c| cell(c)).collect();
        out.push_str(&cells.join(";"));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(cell("CAF"), "CAF");
        assert_eq!(cell("A; B"), "\"A; B\"");
        assert_eq!(cell("dit \"non\""), "\"dit \"\"non\"\"\"");
        assert_eq!(cell("=SOMME(A1)"), "'=SOMME(A1)");
    }

    #[test]
    fn the_header_names_every_single_figure_in_french() {
        let header = header();
        assert!(header.contains(&"Taux d'acceptation (%)".to_owned()));
        assert!(header.contains(&"Droits ouverts".to_owned()));
        assert!(header.contains(&"Refus : Personne non éligible".to_owned()));
        assert_eq!(
            file_name(
                time::macros::date!(2026 - 05 - 01),
                time::macros::date!(2026 - 05 - 31)
            ),
            "suivi-orientations-2026-05-01-au-2026-05-31.csv"
        );
    }
}
