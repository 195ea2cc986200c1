//! Rules of the code's shape that a reviewer would otherwise have to remember, checked on the
//! source itself.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(file, line number, line)` of every line of `api/src` (tests modules included) matching.
fn lines_matching(needles: &[&str], allowed: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut hits = Vec::new();
    for file in files {
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        if allowed.contains(&name.as_str()) || name == "architecture_tests.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle)) {
                hits.push(format!("{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    hits
}

/// Who may do what is decided by `domain::authorize` (and `domain::ReferralAccess`), nowhere
/// else: a role check in the API is a second copy of a rule.
#[test]
fn no_role_check_outside_the_domain() {
    let hits = lines_matching(
        &["roles.contains", "contains_any(", ".contains(Role::"],
        &[],
    );
    assert!(
        hits.is_empty(),
        "role checks belong in domain::authorize:\n  {}",
        hits.join("\n  ")
    );
}

/// Time comes from the application clock, so that tests can move it; the system clock is read
/// by the clock alone.
#[test]
fn the_system_clock_is_read_by_the_clock_only() {
    let hits = lines_matching(
        &["now_utc()", "SystemTime::now", "Instant::now"],
        &["clock.rs", "auth/jwt.rs"],
    );
    assert!(
        hits.is_empty(),
        "read the time from the application clock:\n  {}",
        hits.join("\n  ")
    );
}

/// Writes go through `events::Tx` (`BEGIN IMMEDIATE` on SQLite, events recorded in the same
/// transaction), never a plain `begin()`.
#[test]
fn transactions_are_write_transactions() {
    let hits = lines_matching(&[".begin()", "begin_with_options("], &["db.rs"]);
    assert!(
        hits.is_empty(),
        "open write transactions with events::Tx::begin or db::begin_write:\n  {}",
        hits.join("\n  ")
    );
}
