//! The page templates and their one renderer.

use askama::Template;

/// Renders a page. A template that fails to render (it cannot, short of a bug in a filter) is
/// logged and replaced by a plain sentence rather than a half page.
pub fn render(page: &impl Template) -> String {
    page.render().unwrap_or_else(|err| {
        tracing::error!(%err, "template failed to render");
        "<!doctype html><title>Error</title><p>Something went wrong on our side.</p>".to_owned()
    })
}

#[derive(Template)]
#[template(path = "finder.html")]
pub struct Finder<'a> {
    pub q: &'a str,
    pub q_error: Option<String>,
    pub state_error: Option<String>,
    pub states: Vec<StateOption>,
    pub searched: bool,
    pub results: Vec<FinderResult>,
}

pub struct StateOption {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

pub struct FinderResult {
    pub slug: String,
    pub name: String,
    pub state_name: &'static str,
    pub maintenance: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login<'a> {
    pub slug: &'a str,
    pub district_name: &'a str,
    pub state_name: &'a str,
    pub portal: &'a str,
    pub portal_title: &'a str,
    pub other_portal: &'a str,
    pub other_portal_title: &'a str,
}

#[derive(Template)]
#[template(path = "unavailable.html")]
pub struct Unavailable<'a> {
    pub district: &'a str,
    pub message: &'a str,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub message: &'a str,
}
