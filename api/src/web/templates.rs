//! The templates of `web/templates`, embedded in the binary at build time.

use minijinja::Environment;

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> anyhow::Result<Self> {
        let env = Environment::new();
        Ok(Self { env })
    }

    pub fn render(&self, name: &str, ctx: minijinja::Value) -> anyhow::Result<String> {
        Ok(self.env.get_template(name)?.render(ctx)?)
    }
}
