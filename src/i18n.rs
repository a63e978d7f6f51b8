//! The languages the portal speaks, English and Spanish: its words live in Fluent files
//! (`locales/{en,es}/*.ftl`, one file per part of the portal, built into the binary), and
//! each request or mail is rendered in one language, chosen once (`server::language` for a
//! request, the account's for a mail) and held for the rendering in a task-local, so that
//! templates ask for words by id: `{{ "log-in"|t }}`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use crate::domain::Lang;

pub mod when;

/// A language's files, one per part of the portal. A message id is unique across them.
fn sources(lang: Lang) -> [(&'static str, &'static str); 5] {
    macro_rules! files {
        ($lang:literal) => {
            [
                (
                    "common",
                    include_str!(concat!("../locales/", $lang, "/common.ftl")),
                ),
                (
                    "access",
                    include_str!(concat!("../locales/", $lang, "/access.ftl")),
                ),
                (
                    "portal",
                    include_str!(concat!("../locales/", $lang, "/portal.ftl")),
                ),
                (
                    "console",
                    include_str!(concat!("../locales/", $lang, "/console.ftl")),
                ),
                (
                    "mail",
                    include_str!(concat!("../locales/", $lang, "/mail.ftl")),
                ),
            ]
        };
    }
    match lang {
        Lang::En => files!("en"),
        Lang::Es => files!("es"),
    }
}

struct Words {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

static WORDS: LazyLock<Words> = LazyLock::new(|| Words {
    bundles: Lang::ALL.into_iter().map(|l| (l, bundle(l))).collect(),
});

/// A language's bundle. The files are part of the binary and checked by the tests, so a
/// message that does not parse is a build defect: it is left out and its id shows instead.
fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the pages and mails are in one direction.
    bundle.set_use_isolating(false);
    for (_, text) in sources(lang) {
        let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(r, _)| r);
        let _ = bundle.add_resource(resource);
    }
    bundle
}

/// A language's messages that are text alone, by id.
type Plain = HashMap<&'static str, &'static str, foldhash::fast::RandomState>;

/// The messages that are text alone, without a value to put in, by id, for each language:
/// slices of the files built into the binary, exactly what their bundle formats them to. A
/// page shows dozens of them; through the bundle each cost a lookup by SipHash and two copies.
static PLAIN: LazyLock<Vec<(Lang, Plain)>> = LazyLock::new(|| {
    Lang::ALL
        .into_iter()
        .map(|lang| {
            let mut plain = HashMap::default();
            for (_, text) in sources(lang) {
                let resource = fluent_syntax::parser::parse(text).unwrap_or_else(|(r, _)| r);
                for entry in resource.body {
                    let fluent_syntax::ast::Entry::Message(message) = entry else {
                        continue;
                    };
                    if let Some(value) = message.value.as_ref().and_then(text_alone) {
                        // The first of two alike wins, as in the bundle.
                        plain.entry(message.id.name).or_insert(value);
                    }
                }
            }
            (lang, plain)
        })
        .collect()
});

/// A pattern's text, when it is one piece of text alone.
fn text_alone(pattern: &fluent_syntax::ast::Pattern<&'static str>) -> Option<&'static str> {
    match pattern.elements.as_slice() {
        [fluent_syntax::ast::PatternElement::TextElement { value }] => Some(value),
        _ => None,
    }
}

/// The message `id` in `lang`, without values: borrowed where it is text alone.
fn text(lang: Lang, id: &str) -> Cow<'static, str> {
    let plain = PLAIN
        .iter()
        .find(|(l, _)| *l == lang)
        .and_then(|(_, plain)| plain.get(id));
    match plain {
        Some(text) => Cow::Borrowed(text),
        None => Cow::Owned(message(lang, id, None)),
    }
}

/// The message `id` in `lang`, with `args`; the English one where Spanish lacks it, and the
/// id itself where both do.
pub fn message(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
    for try_lang in [lang, Lang::En] {
        let Some((_, bundle)) = WORDS.bundles.iter().find(|(l, _)| *l == try_lang) else {
            continue;
        };
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return bundle
                .format_pattern(pattern, args, &mut errors)
                .into_owned();
        }
    }
    id.to_owned()
}

/// Every message id of a language, with its file, for the tests that keep the languages in
/// step.
pub fn ids(lang: Lang) -> Vec<(&'static str, String)> {
    let mut ids = Vec::new();
    for (file, text) in sources(lang) {
        let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(r, _)| r);
        for entry in resource.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                ids.push((file, m.id.name.to_owned()));
            }
        }
    }
    ids
}

/// Whether every file parses without an error.
pub fn files_parse() -> Result<(), String> {
    for lang in Lang::ALL {
        for (file, text) in sources(lang) {
            if let Err((_, errors)) = FluentResource::try_new(text.to_owned()) {
                return Err(format!("locales/{}/{file}.ftl: {errors:?}", lang.code()));
            }
        }
    }
    Ok(())
}

/// The language of what is being rendered, and whether the visitor chose it with the switch
/// (rather than it coming from the browser's or an account's setting).
#[derive(Debug, Clone, Copy)]
struct Speaking {
    lang: Lang,
    chosen: bool,
}

tokio::task_local! {
    static CURRENT: Speaking;
}

/// The language of what is being rendered now: the request's or the mail's.
pub fn current() -> Lang {
    CURRENT.try_with(|s| s.lang).unwrap_or_default()
}

/// Whether the request's visitor chose its language with the switch.
pub fn chosen() -> bool {
    CURRENT.try_with(|s| s.chosen).unwrap_or_default()
}

/// Runs a request in `lang`, `chosen` with the switch or not.
pub async fn scope<F: std::future::Future>(lang: Lang, chosen: bool, work: F) -> F::Output {
    CURRENT.scope(Speaking { lang, chosen }, work).await
}

/// Runs synchronous `work` (a mail's or a notification's words) in `lang`.
pub fn sync_scope<R>(lang: Lang, work: impl FnOnce() -> R) -> R {
    CURRENT.sync_scope(
        Speaking {
            lang,
            chosen: false,
        },
        work,
    )
}

/// The message `id` in `lang` with named values.
pub fn words(lang: Lang, id: &str, args: &[(&str, FluentValue<'static>)]) -> String {
    let mut fluent = FluentArgs::new();
    for (name, value) in args {
        fluent.set(*name, value.clone());
    }
    message(lang, id, Some(&fluent))
}

/// The message `id` in the current language.
pub fn t(id: &str) -> String {
    text(current(), id).into_owned()
}

/// The message `id` in the current language with one argument.
pub fn t1(id: &str, name: &str, value: impl Into<FluentValue<'static>>) -> String {
    let mut args = FluentArgs::new();
    args.set(name.to_owned(), value.into());
    message(current(), id, Some(&args))
}

/// The message `id` in the current language with named arguments (numbers given as text
/// count as numbers).
pub fn ta(id: &str, args: &[(&str, String)]) -> String {
    let mut fluent = FluentArgs::new();
    for (name, value) in args {
        fluent.set(*name, value_of(value.clone()));
    }
    message(current(), id, Some(&fluent))
}

/// A filter's argument as Fluent takes it: a plain decimal number (`3`, `-2`, `72.5`) stays a
/// number, so that plurals can be chosen by it; anything else (a name such as "Nan", an id
/// such as "007", "1e3") stays text.
fn value_of(value: String) -> FluentValue<'static> {
    let digits = value.strip_prefix('-').unwrap_or(&value);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let decimal = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let plain = decimal(whole) && decimal(fraction) && (whole == "0" || !whole.starts_with('0'));
    match value.parse::<f64>() {
        Ok(number) if plain => FluentValue::from(number),
        _ => FluentValue::from(value),
    }
}

/// The template filters: `{{ "id"|t }}`, `{{ "id"|t1("name", value) }}`,
/// `{{ "id"|t2("a", a, "b", b) }}`.
pub mod filters {
    use std::fmt::Display;

    #[askama::filter_fn]
    pub fn t(
        id: impl AsRef<str>,
        _: &dyn askama::Values,
    ) -> askama::Result<std::borrow::Cow<'static, str>> {
        Ok(super::text(super::current(), id.as_ref()))
    }

    #[askama::filter_fn]
    pub fn t1<V: Display>(
        id: impl AsRef<str>,
        _: &dyn askama::Values,
        name: &'static str,
        value: V,
    ) -> askama::Result<String> {
        let mut args = super::FluentArgs::new();
        args.set(name, super::value_of(value.to_string()));
        Ok(super::message(super::current(), id.as_ref(), Some(&args)))
    }

    #[askama::filter_fn]
    pub fn t2<A: Display, B: Display, C: Display, D: Display>(
        id: impl Display,
        _: &dyn askama::Values,
        name_a: A,
        value_a: B,
        name_b: C,
        value_b: D,
    ) -> askama::Result<String> {
        let mut args = super::FluentArgs::new();
        args.set(name_a.to_string(), super::value_of(value_a.to_string()));
        args.set(name_b.to_string(), super::value_of(value_b.to_string()));
        Ok(super::message(
            super::current(),
            &id.to_string(),
            Some(&args),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_of_text_alone_reads_as_its_bundle_formats_it() {
        let mut borrowed = 0;
        for lang in Lang::ALL {
            for (_, id) in ids(lang) {
                let text = text(lang, &id);
                assert_eq!(text, message(lang, &id, None), "{id}");
                borrowed += usize::from(matches!(text, Cow::Borrowed(_)));
            }
        }
        assert!(borrowed > 100, "only {borrowed} messages were text alone");
        assert_eq!(text(Lang::Es, "no-such-message"), "no-such-message");
    }

    #[test]
    fn the_files_parse_and_both_languages_have_the_same_messages() {
        files_parse().unwrap();
        let en = ids(Lang::En);
        let es = ids(Lang::Es);
        for (lang, list) in [("en", &en), ("es", &es)] {
            let mut seen = std::collections::HashSet::new();
            for (file, id) in list {
                assert!(seen.insert(id), "{lang}/{file}.ftl: {id} is defined twice");
            }
        }
        let missing: Vec<_> = en.iter().filter(|m| !es.contains(m)).collect();
        let extra: Vec<_> = es.iter().filter(|m| !en.contains(m)).collect();
        assert!(missing.is_empty(), "missing in Spanish: {missing:?}");
        assert!(extra.is_empty(), "only in Spanish: {extra:?}");
    }

    /// The ids a file asks for: `"id"|t` and `"id"|t1(…)` in templates, `i18n::t("id")`,
    /// `i18n::t1("id", …)` and `i18n::ta("id", …)` in code.
    fn asked_for(text: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for (at, _) in text.match_indices("\"|t") {
            if let Some(open) = text[..at].rfind('"') {
                ids.push(text[open + 1..at].to_owned());
            }
        }
        for call in ["i18n::t(\"", "i18n::t1(\"", "i18n::ta(\""] {
            for piece in text.split(call).skip(1) {
                if let Some(end) = piece.find('"') {
                    ids.push(piece[..end].to_owned());
                }
            }
        }
        ids
    }

    #[test]
    fn every_message_asked_for_exists() {
        let known: Vec<String> = ids(Lang::En).into_iter().map(|(_, id)| id).collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut unknown = Vec::new();
        let mut dirs = vec![root.join("templates"), root.join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.file_name().is_some_and(|n| n != "i18n.rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for id in asked_for(&text) {
                        if !known.contains(&id) {
                            unknown.push(format!("{}: {id}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(unknown.is_empty(), "not in locales/en: {unknown:?}");
        assert_eq!(
            asked_for("{{ \"log-in\"|t }} {{ \"hi\"|t1(\"name\", n) }}"),
            ["log-in", "hi"]
        );
    }

    #[test]
    fn only_plain_numbers_count_as_numbers() {
        for number in ["3", "-2", "72.5", "0", "0.5"] {
            assert!(
                matches!(value_of(number.into()), FluentValue::Number(_)),
                "{number}"
            );
        }
        for text in ["Nan", "inf", "1e3", "007", "", "-", "1.", ".5", "3 apples"] {
            assert!(
                matches!(value_of(text.into()), FluentValue::String(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn messages_render_in_the_current_language() {
        assert_eq!(sync_scope(Lang::Es, || t("log-in")), "Iniciar sesión");
        assert_eq!(sync_scope(Lang::En, || t("log-in")), "Log In");
        assert_eq!(t("no-such-message"), "no-such-message");
    }
}
