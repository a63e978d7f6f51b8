//! **Notifications** (the inbox) and the staff console's **Send a Message**.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard::{Ready, StaffPage};
use super::pages;
use crate::app::App;
use crate::domain::GradeThreshold;
use crate::server::error::{PageError, status_of};
use crate::services::Error;
use crate::services::notifications::{self, MessageRequest, PreferencesChange};

pub async fn inbox(State(app): State<App>, Ready(who): Ready) -> Response {
    let inbox = match notifications::inbox(&app, &who).await {
        Ok(inbox) => inbox,
        Err(err) => return PageError(err).into_response(),
    };
    let preferences = match notifications::preferences(&app, &who).await {
        Ok(preferences) => preferences,
        Err(err) => return PageError(err).into_response(),
    };
    let choices = crate::domain::Event::ALL
        .iter()
        .filter(|e| preferences.district_sends.iter().any(|s| s == e.as_str()))
        .map(|e| {
            (
                e.as_str(),
                crate::i18n::t(match e {
                    crate::domain::Event::Score => "inbox-event-score",
                    crate::domain::Event::Grade => "inbox-event-grade",
                    crate::domain::Event::Attendance => "inbox-event-attendance",
                    crate::domain::Event::Message => "inbox-event-message",
                }),
                preferences.email.iter().any(|m| m == e.as_str()),
                preferences.push.iter().any(|m| m == e.as_str()),
            )
        })
        .collect();
    let tz = jiff::tz::TimeZone::get(who.district.settings.timezone.as_str())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let lang = crate::i18n::current();
    Html(pages::render(&pages::NotificationsPage {
        choices,
        email_digest: preferences.email_digest,
        grade_alerts: preferences.district_sends.iter().any(|s| s == "grade"),
        grade_below: preferences.grade_below,
        menu: super::portal::account_menu(&app, &who).await,
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        unread: inbox.unread,
        notifications: inbox
            .notifications
            .into_iter()
            .map(|n| pages::NotificationLine {
                id: n.id,
                title: n.title,
                body: n.body,
                when: jiff::Timestamp::from_second(n.created_at)
                    .map(|t| crate::i18n::when::day_time(lang, &t.to_zoned_datetime(tz.clone())))
                    .unwrap_or_default(),
                read: n.read,
            })
            .collect(),
    }))
    .into_response()
}

pub async fn read(
    State(app): State<App>,
    Ready(who): Ready,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let Some(id) = crate::domain::record_id(&id) else {
        return PageError(Error::NotFound).into_response();
    };
    match notifications::mark_read(&app, &who, id).await {
        Ok(()) => Redirect::to(&format!("/d/{}/notifications", who.district.slug)).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

fn message_page(slug: &str, district: &str, done: Option<String>, error: Option<String>) -> String {
    pages::render(&pages::AdminMessages {
        menu: pages::AccountMenu::default(),
        slug,
        district_name: district,
        done,
        error,
    })
}

pub async fn message_form(StaffPage(staff): StaffPage) -> Response {
    let district = staff.district();
    Html(message_page(
        district.slug.as_str(),
        district.name.as_str(),
        None,
        None,
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct MessageForm {
    audience: String,
    reference: Option<String>,
    title: String,
    body: String,
}

pub async fn send(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    form: Result<Form<MessageForm>, FormRejection>,
) -> Response {
    let (slug, name) = (
        staff.district().slug.as_str(),
        staff.district().name.as_str(),
    );
    let outcome = match form {
        Ok(Form(form)) => {
            notifications::send_message(
                &app,
                &staff,
                &MessageRequest {
                    audience: &form.audience,
                    reference: form.reference.as_deref(),
                    title: &form.title,
                    body: &form.body,
                },
            )
            .await
        }
        Err(_) => Err(Error::Invalid(crate::domain::Invalid::new(crate::i18n::t(
            "messages-fill-in",
        )))),
    };
    match outcome {
        Ok(_) => Html(message_page(
            slug,
            name,
            Some(crate::i18n::t("messages-sent")),
            None,
        ))
        .into_response(),
        Err(err) if status_of(&err).is_server_error() => PageError(err).into_response(),
        Err(err) => (
            if matches!(err, Error::Invalid(_)) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                status_of(&err)
            },
            Html(message_page(slug, name, None, Some(err.public_message()))),
        )
            .into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct PreferencesForm {
    email_score: Option<String>,
    email_grade: Option<String>,
    email_attendance: Option<String>,
    email_message: Option<String>,
    push_score: Option<String>,
    push_grade: Option<String>,
    push_attendance: Option<String>,
    push_message: Option<String>,
    /// `immediate` or `daily`.
    email_delivery: Option<String>,
    grade_below: Option<String>,
}

pub async fn save_preferences(
    State(app): State<App>,
    Ready(who): Ready,
    form: Result<Form<PreferencesForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return PageError(Error::Invalid(crate::domain::Invalid::new(crate::i18n::t(
            "inbox-bad-form",
        ))))
        .into_response();
    };
    let chosen = |boxes: [(&str, Option<String>); 4]| -> Vec<String> {
        boxes
            .into_iter()
            .filter(|(_, on)| on.is_some())
            .map(|(event, _)| event.to_owned())
            .collect()
    };
    let email = chosen([
        ("score", form.email_score),
        ("grade", form.email_grade),
        ("attendance", form.email_attendance),
        ("message", form.email_message),
    ]);
    let push = chosen([
        ("score", form.push_score),
        ("grade", form.push_grade),
        ("attendance", form.push_attendance),
        ("message", form.push_message),
    ]);
    let grade_below = match form.grade_below.as_deref().map(GradeThreshold::parse) {
        Some(Ok(threshold)) => Some(threshold),
        Some(Err(invalid)) => return PageError(Error::Invalid(invalid)).into_response(),
        None => None,
    };
    let change = PreferencesChange {
        email: Some(&email),
        push: Some(&push),
        email_digest: form.email_delivery.as_deref().map(|d| d == "daily"),
        grade_below,
    };
    match notifications::set_preferences(&app, &who, change).await {
        Ok(_) => Redirect::to(&format!("/d/{}/notifications", who.district.slug)).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}
