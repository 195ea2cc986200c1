//! People helped by the organisations.

use time::Date;

/// A key under which the same person typed twice lands in the same place, whatever the accents,
/// case, hyphens or extra spaces: `"Élodie", "Dupont-Durand"` and `"elodie", "dupont  durand"`
/// give the same key. Used to warn an agent before creating a duplicate record.
///
/// Apostrophes vanish (`N'Diaye` = `Ndiaye`); other non-alphanumeric characters separate words.
/// Format: `first|last|YYYY-MM-DD`.
pub fn duplicate_key(first_name: &str, last_name: &str, birth_date: Date) -> String {
    format!(
        "{}|{}|{:04}-{:02}-{:02}",
        fold(first_name),
        fold(last_name),
        birth_date.year(),
        u8::from(birth_date.month()),
        birth_date.day()
    )
}

/// The words of a search for a person, folded as [`duplicate_key`] folds names: each must
/// appear in the key, so "lea durand", "Durand Léa" and "LÉA" all find Léa Durand.
pub fn search_words(search: &str) -> Vec<String> {
    fold(search)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Lower-cases, folds accents and ligatures, and collapses separators into single spaces.
fn fold(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            '\'' | '’' | 'ʼ' | '`' | '´' => {}
            c if c.is_alphanumeric() => match fold_letter(c) {
                Some(ascii) => folded.push_str(ascii),
                None => folded.push(c),
            },
            _ => folded.push(' '),
        }
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Latin-1 and French letters to their plain ASCII spelling.
fn fold_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
        'æ' => "ae",
        'ç' => "c",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
        'œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' => "u",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const BORN: Date = date!(1984 - 07 - 02);

    #[test]
    fn accents_case_hyphens_and_spaces_do_not_matter() {
        let typed = duplicate_key("Élodie ", "Dupont-Durand", BORN);
        assert_eq!(typed, "elodie|dupont durand|1984-07-02");
        assert_eq!(duplicate_key("elodie", "dupont  durand", BORN), typed);
        assert_eq!(duplicate_key("ELODIE", " DUPONT - DURAND ", BORN), typed);
    }

    #[test]
    fn french_letters_and_ligatures_fold() {
        assert_eq!(
            duplicate_key("Françoise", "Lœuillet", BORN),
            duplicate_key("francoise", "loeuillet", BORN)
        );
        assert_eq!(
            duplicate_key("Anaïs", "Bœuf-Lætitia", BORN),
            "anais|boeuf laetitia|1984-07-02"
        );
        assert_eq!(
            duplicate_key("Noël", "Hervé", BORN),
            "noel|herve|1984-07-02"
        );
        assert_eq!(
            duplicate_key("Aïssatou", "N'Diaye", BORN),
            duplicate_key("Aissatou", "Ndiaye", BORN)
        );
    }

    #[test]
    fn different_people_keep_different_keys() {
        let key = duplicate_key("Jean", "Martin", BORN);
        assert_ne!(duplicate_key("Jeanne", "Martin", BORN), key);
        assert_ne!(duplicate_key("Jean", "Martin", date!(1984 - 07 - 03)), key);
        // First and last names are not interchangeable.
        assert_ne!(duplicate_key("Martin", "Jean", BORN), key);
    }
}
