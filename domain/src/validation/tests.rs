use super::*;

fn field_of(result: Result<impl fmt::Debug>) -> String {
    match result {
        Err(Error::Invalid { field, .. }) => field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn usual_addresses_are_accepted() {
    for good in [
        "marie.curie@arras.fr",
        "bo+caf62@franceservices.gouv.fr",
        "a@mairie-arras.fr",
        "elu@mairie-évry.fr",
    ] {
        assert!(Email::parse("email", good).is_ok(), "{good}");
    }
}

#[test]
fn email_is_trimmed_and_lower_cased() {
    let email = Email::parse("email", "  Marie.Curie@Arras.FR ").unwrap();
    assert_eq!(email.as_str(), "marie.curie@arras.fr");
}

#[test]
fn malformed_emails_name_their_field() {
    for bad in [
        "",
        "   ",
        "marie",
        "marie@",
        "@arras.fr",
        "marie@arras",
        "marie@@arras.fr",
        "ma rie@arras.fr",
        "marie@arras..fr",
        "marie@.arras.fr",
        "marie@arras.fr.",
        "a@b@c.fr",
        "a@b.fr,c@d.fr",
        "bo@caf.fr, attaquant@evil.example",
        "\"quoted\"@arras.fr",
        "<bo@caf.fr>",
        "bo;x@caf.fr",
        ".bo@caf.fr",
        "bo.@caf.fr",
        "bo@-caf.fr",
        "bo@caf_62.fr",
    ] {
        assert_eq!(
            field_of(Email::parse("backOfficeEmail", bad)),
            "backOfficeEmail",
            "{bad:?}"
        );
    }
    let long = format!("{}@arras.fr", "a".repeat(250));
    assert!(Email::parse("email", &long).is_err());
    let just_fits = format!("{}@arras.fr", "a".repeat(254 - 9));
    assert!(Email::parse("email", &just_fits).is_ok());
}

#[test]
fn password_length_counts_characters_not_bytes() {
    // 11 accented characters are 22 bytes but still too short.
    assert!(Password::parse("password", "éèàùçéèàùçé").is_err());
    assert!(Password::parse("password", "éèàùçéèàùçéô").is_ok());
    assert_eq!(
        Password::parse("password", "short"),
        Err(Error::invalid(
            "password",
            "doit contenir au moins 12 caractères"
        ))
    );
    assert!(Password::parse("password", &"ab".repeat(128)).is_ok());
    assert!(Password::parse("password", &"ab".repeat(129)).is_err());
}

#[test]
fn common_and_repeated_passwords_are_refused() {
    for bad in [
        "motdepasse123",
        "MotDePasse123",
        "AZERTYUIOP123",
        "123456789012",
        "passwordpassword",
        "qwertyuiop123",
        "administrateur",
        "Passerelle2026",
        "zzzzzzzzzzzzzzzz",
    ] {
        assert!(Password::parse("password", bad).is_err(), "{bad} accepted");
    }
    assert!(Password::parse("password", "cheval-agrafe-batterie").is_ok());
}

#[test]
fn the_common_list_is_long_lowercase_and_worth_listing() {
    assert!(COMMON_PASSWORDS.len() >= 200, "{}", COMMON_PASSWORDS.len());
    for password in COMMON_PASSWORDS {
        assert!(
            password.chars().count() >= Password::MIN_CHARS,
            "{password} is refused anyway"
        );
        assert_eq!(password.to_lowercase(), *password);
    }
}

#[test]
fn password_debug_hides_the_secret() {
    let password = Password::parse("password", "un secret bien gardé").unwrap();
    assert_eq!(password.expose(), "un secret bien gardé");
    assert!(!format!("{password:?}").contains("secret"));
}

#[test]
fn names_are_trimmed_bounded_and_printable() {
    assert_eq!(
        Name::parse("name", "  CCAS d'Arras ").unwrap().as_str(),
        "CCAS d'Arras"
    );
    assert_eq!(field_of(Name::parse("lastName", "   ")), "lastName");
    assert!(Name::parse("name", &"é".repeat(200)).is_ok());
    assert!(Name::parse("name", &"é".repeat(201)).is_err());
    assert!(Name::parse("name", "Jean\u{0}Dupont").is_err());
    assert!(Name::parse("name", "Jean\nDupont").is_err());
}

#[test]
fn response_days_are_between_one_and_one_hundred_twenty() {
    assert_eq!(ResponseDays::parse("responseDays", 1).unwrap().get(), 1);
    assert_eq!(ResponseDays::parse("responseDays", 120).unwrap().get(), 120);
    for bad in [0, -1, 121, i32::MIN, i32::MAX] {
        assert_eq!(
            field_of(ResponseDays::parse("urgentResponseDays", bad)),
            "urgentResponseDays"
        );
    }
}

#[test]
fn texts_allow_line_breaks_but_not_other_controls() {
    assert_eq!(
        Text::parse("motive", " Besoin\nd'aide ", 100)
            .unwrap()
            .as_str(),
        "Besoin\nd'aide"
    );
    assert!(Text::parse("motive", "  ", 100).is_err());
    assert!(Text::parse("motive", "abc", 2).is_err());
    assert!(Text::parse("motive", "a\u{7}b", 100).is_err());
    assert_eq!(
        OptionalText::parse("comment", None, 10).unwrap().as_deref(),
        None
    );
    assert_eq!(
        OptionalText::parse("comment", Some("  "), 10)
            .unwrap()
            .as_deref(),
        None
    );
    assert_eq!(
        OptionalText::parse("comment", Some(" ok "), 10)
            .unwrap()
            .as_deref(),
        Some("ok")
    );
    assert_eq!(
        field_of(OptionalText::parse("comment", Some("trop long"), 3)),
        "comment"
    );
}

#[test]
fn birth_dates_must_be_plausible() {
    use time::macros::date;
    let today = date!(2026 - 11 - 23);
    assert_eq!(
        BirthDate::parse("birthDate", "1984-07-02", today)
            .unwrap()
            .get(),
        date!(1984 - 07 - 02)
    );
    // As a person types it, and as the pages' hint says.
    assert_eq!(
        BirthDate::parse("birthDate", " 02/07/1984 ", today)
            .unwrap()
            .get(),
        date!(1984 - 07 - 02)
    );
    for bad in [
        "2030-01-01",
        "1850-01-01",
        "",
        "31/02/1984",
        "2/7/1984",
        "02/07/84",
        "02/07/+984",
        "01/01/2030",
        "1984-02-31",
        "84-07-02",
        "+1984-07-02",
        "1984-7-2",
        "12345é7890",
        "é123456789",
    ] {
        assert_eq!(
            field_of(BirthDate::parse("birthDate", bad, today)),
            "birthDate",
            "{bad}"
        );
    }
}

#[test]
fn phones_are_checked_loosely() {
    assert_eq!(
        Phone::parse_optional("phone", Some("06 12 34 56 78"))
            .unwrap()
            .map(Phone::into_string),
        Some("06 12 34 56 78".to_owned())
    );
    assert_eq!(Phone::parse_optional("phone", Some("  ")).unwrap(), None);
    assert_eq!(
        field_of(Phone::parse_optional("phone", Some("appelez-moi"))),
        "phone"
    );
}

#[test]
fn item_lists_are_bounded() {
    let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        ItemList::parse("purposes", &list(&[" Droits ", "", "Droits", "Logement"]))
            .unwrap()
            .items(),
        ["Droits", "Logement"]
    );
    assert_eq!(
        field_of(ItemList::parse("purposes", &list(&["", " "]))),
        "purposes"
    );
    let many: Vec<String> = (0..31).map(|i| format!("v{i}")).collect();
    assert_eq!(
        field_of(ItemList::parse("dataCategories", &many)),
        "dataCategories"
    );
    let huge: Vec<String> = (0..10_000).map(|i| format!("v{i}")).collect();
    assert_eq!(
        field_of(ItemList::parse("dataCategories", &huge)),
        "dataCategories"
    );
    assert_eq!(
        field_of(ItemList::parse("purposes", &list(&["a\u{0}b"]))),
        "purposes"
    );
    assert_eq!(
        field_of(ItemList::parse("purposes", &["x".repeat(201)])),
        "purposes"
    );
}

#[test]
fn expiries_are_in_the_future_and_within_ten_years() {
    use time::macros::datetime;
    let now = datetime!(2026-12-02 10:00 UTC);
    let parse = |raw: &str| Expiry::parse_optional("expiresAt", Some(raw), now);
    assert_eq!(
        parse("2027-06-30").unwrap().unwrap().get(),
        datetime!(2027-06-30 23:59:59 UTC)
    );
    assert_eq!(
        parse("2027-06-30T12:00:00+02:00").unwrap().unwrap().get(),
        datetime!(2027-06-30 10:00 UTC)
    );
    assert_eq!(
        Expiry::parse_optional("expiresAt", Some(" "), now).unwrap(),
        None
    );
    for bad in ["9999-12-31", "2026-12-01", "demain", "2040-01-01"] {
        assert_eq!(field_of(parse(bad)), "expiresAt", "{bad}");
    }
}

#[test]
fn deadline_days_are_zero_to_thirty() {
    assert_eq!(DeadlineDays::parse("r", 0).unwrap().get(), 0);
    assert_eq!(DeadlineDays::parse("r", 30).unwrap().get(), 30);
    assert_eq!(
        field_of(DeadlineDays::parse("escalationDaysAfter", 31)),
        "escalationDaysAfter"
    );
    assert_eq!(field_of(DeadlineDays::parse("r", -1)), "r");
}
