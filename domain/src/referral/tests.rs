use super::*;
use time::macros::date;

/// Expected outcome of one cell, written independently of `transition`'s code.
/// "F" forbidden, "C" conflict, "=" status unchanged, otherwise the code of the new status.
const ACTIONS: [ReferralAction; 10] = [
    ReferralAction::Acknowledge,
    ReferralAction::RequestInfo,
    ReferralAction::ProvideInfo,
    ReferralAction::Accept,
    ReferralAction::Decline,
    ReferralAction::Redirect,
    ReferralAction::Complete,
    ReferralAction::Cancel,
    ReferralAction::Assign,
    ReferralAction::Comment,
];

#[rustfmt::skip]
const TABLE: &[(&str, Party, [&str; 10])] = &[
    //                        ACK             REQUEST_INFO      PROVIDE_INFO    ACCEPT      DECLINE     REDIRECT      COMPLETE     CANCEL       ASSIGN COMMENT
    ("SENT",           Party::Sender,   ["F",            "F",              "C",            "F",        "F",        "F",          "F",         "CANCELLED", "F",   "="]),
    ("SENT",           Party::Receiver, ["ACKNOWLEDGED", "INFO_REQUESTED", "F",            "ACCEPTED", "DECLINED", "REDIRECTED", "C",         "F",         "=",   "="]),
    ("ACKNOWLEDGED",   Party::Sender,   ["F",            "F",              "C",            "F",        "F",        "F",          "F",         "CANCELLED", "F",   "="]),
    ("ACKNOWLEDGED",   Party::Receiver, ["C",            "INFO_REQUESTED", "F",            "ACCEPTED", "DECLINED", "REDIRECTED", "C",         "F",         "=",   "="]),
    ("INFO_REQUESTED", Party::Sender,   ["F",            "F",              "ACKNOWLEDGED", "F",        "F",        "F",          "F",         "CANCELLED", "F",   "="]),
    ("INFO_REQUESTED", Party::Receiver, ["C",            "C",              "F",            "C",        "DECLINED", "REDIRECTED", "C",         "F",         "=",   "="]),
    ("ACCEPTED",       Party::Sender,   ["F",            "F",              "C",            "F",        "F",        "F",          "F",         "CANCELLED", "F",   "="]),
    ("ACCEPTED",       Party::Receiver, ["C",            "C",              "F",            "C",        "C",        "C",          "COMPLETED", "F",         "=",   "="]),
    ("COMPLETED",      Party::Sender,   ["F",            "F",              "C",            "F",        "F",        "F",          "F",         "C",         "F",   "="]),
    ("COMPLETED",      Party::Receiver, ["C",            "C",              "F",            "C",        "C",        "C",          "C",         "F",         "C",   "="]),
    ("DECLINED",       Party::Sender,   ["F",            "F",              "C",            "F",        "F",        "F",          "F",         "C",         "F",   "="]),
    ("DECLINED",       Party::Receiver, ["C",            "C",              "F",            "C",        "C",        "C",          "C",         "F",         "C",   "="]),
    ("REDIRECTED",     Party::Sender,   ["F",            "F",              "C",            "F",        "F",        "F",          "F",         "C",         "F",   "="]),
    ("REDIRECTED",     Party::Receiver, ["C",            "C",              "F",            "C",        "C",        "C",          "C",         "F",         "C",   "="]),
    ("CANCELLED",      Party::Sender,   ["F",            "F",              "C",            "F",        "F",        "F",          "F",         "C",         "F",   "="]),
    ("CANCELLED",      Party::Receiver, ["C",            "C",              "F",            "C",        "C",        "C",          "C",         "F",         "C",   "="]),
];

#[test]
fn every_status_action_and_party_matches_the_table() {
    assert_eq!(ACTIONS.len(), ReferralAction::ALL.len());
    assert_eq!(TABLE.len(), ReferralStatus::ALL.len() * 2);
    for &(status, party, row) in TABLE {
        let from = ReferralStatus::parse(status).unwrap();
        for (action, expected) in ACTIONS.into_iter().zip(row) {
            let actual = transition(from, action, party);
            let cell = format!("{status} × {action} × {party:?}");
            match expected {
                "F" => assert_eq!(actual, Err(Error::Forbidden), "{cell}"),
                "C" => assert!(
                    matches!(actual, Err(Error::Conflict(_))),
                    "{cell}: {actual:?}"
                ),
                "=" => assert_eq!(actual, Ok(from), "{cell}"),
                to => assert_eq!(actual, Ok(ReferralStatus::parse(to).unwrap()), "{cell}"),
            }
        }
    }
}

#[test]
fn table_covers_every_status_for_both_parties() {
    for status in ReferralStatus::ALL {
        for party in [Party::Sender, Party::Receiver] {
            assert!(
                TABLE
                    .iter()
                    .any(|&(s, p, _)| s == status.as_str() && p == party),
                "{status} {party:?} missing"
            );
        }
    }
}

#[test]
fn a_third_party_never_learns_the_referral_exists() {
    for status in ReferralStatus::ALL {
        for action in ReferralAction::ALL {
            assert_eq!(
                transition(status, action, Party::Other),
                Err(Error::NotFound)
            );
        }
    }
}

#[test]
fn conflict_names_the_current_status_in_french() {
    let Err(Error::Conflict(message)) = transition(
        ReferralStatus::Completed,
        ReferralAction::Cancel,
        Party::Sender,
    ) else {
        panic!("expected a conflict");
    };
    assert!(message.contains("COMPLETED"), "{message}");
    assert!(message.contains("Terminée"), "{message}");
}

#[test]
fn clock_pauses_and_resumes_with_the_remaining_days() {
    // Due Friday 15 May 2026; paused on Monday 11 May: Tue 12, Wed 13, [Thu 14 Ascension], Fri 15.
    let due = date!(2026 - 05 - 15);
    assert_eq!(remaining_working_days(due, date!(2026 - 05 - 11)), 3);
    // Resumed on Tuesday 19 May: Wed 20, Thu 21, Fri 22.
    assert_eq!(
        resumed_due_date(due, date!(2026 - 05 - 11), date!(2026 - 05 - 19)),
        date!(2026 - 05 - 22)
    );
    // Paused after the due date: nothing left, resumption is due at once.
    assert_eq!(remaining_working_days(due, date!(2026 - 05 - 20)), 0);
    assert_eq!(
        resumed_due_date(due, date!(2026 - 05 - 20), date!(2026 - 05 - 26)),
        date!(2026 - 05 - 26)
    );
}
