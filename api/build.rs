//! Embeds `web/templates` (pages and mails) in the binary, so it runs from anywhere.
fn main() {
    minijinja_embed::embed_templates!("../web/templates");
}
