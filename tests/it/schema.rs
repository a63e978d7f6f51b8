//! Both migration trees end at the same tables and columns.

use homeroom::store::{DatabaseUrl, Store};

use crate::harness::{TestDb, postgres_base_url};

async fn schema_of(db: &TestDb) -> Vec<(String, Vec<(String, bool)>)> {
    let store = Store::connect(&DatabaseUrl::parse(&db.url).unwrap(), 2)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let schema = store.schema().await.unwrap();
    store.close().await;
    schema
}

#[tokio::test]
async fn sqlite_and_postgresql_have_the_same_tables_and_columns() {
    let sqlite = schema_of(&TestDb::sqlite()).await;
    let tables: Vec<_> = sqlite.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        tables,
        [
            "academic_sessions",
            "account_links",
            "accounts",
            "activation_keys",
            "attendance",
            "audit_log",
            "captcha_challenges",
            "categories",
            "class_terms",
            "classes",
            "courses",
            "devices",
            "districts",
            "enrollments",
            "grade_alerts",
            "import_runs",
            "jobs",
            "line_items",
            "link_codes",
            "login_failures",
            "no_school_days",
            "notification_preferences",
            "notification_settings",
            "notifications",
            "password_resets",
            "people",
            "push_subscriptions",
            "relationships",
            "results",
            "school_messages",
            "schools",
            "server_keys",
            "sessions",
            "term_grades",
            "tool_settings",
            "tool_windows"
        ]
    );
    for (table, columns) in &sqlite {
        // The deployment's own keys belong to no district.
        if table != "districts" && table != "server_keys" {
            assert!(
                columns
                    .iter()
                    .any(|(c, not_null)| c == "district_id" && *not_null),
                "{table} is not keyed by district"
            );
        }
    }
    let Some(base) = postgres_base_url() else {
        eprintln!("skipped the comparison: set HOMEROOM_TEST_DATABASE_URL to run on PostgreSQL");
        return;
    };
    let postgres = schema_of(&TestDb::postgres(&base).await).await;
    assert_eq!(sqlite, postgres);
}
