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
            "absence_request_days",
            "absence_requests",
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
            "known_devices",
            "line_items",
            "link_codes",
            "login_failures",
            "no_school_days",
            "notification_preferences",
            "notification_settings",
            "notifications",
            "passkey_ceremonies",
            "passkeys",
            "password_resets",
            "people",
            "push_subscriptions",
            "recovery_codes",
            "relationships",
            "results",
            "school_messages",
            "schools",
            "server_keys",
            "sessions",
            "staff_reads",
            "student_snapshots",
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

/// Tables that belong to no district: on a database distributed by district (Citus), reference
/// tables kept whole on every node.
const GLOBAL: [&str; 3] = ["_sqlx_migrations", "districts", "server_keys"];

/// On PostgreSQL, every district table's primary key and every unique constraint or index lead
/// with `district_id`, as a table distributed by district requires; a new table cannot forget.
#[tokio::test]
async fn every_key_of_a_district_table_leads_with_its_district_on_postgresql() {
    let Some(base) = postgres_base_url() else {
        eprintln!("skipped: runs with the PostgreSQL tests");
        return;
    };
    let db = TestDb::postgres(&base).await;
    let store = Store::connect(&DatabaseUrl::parse(&db.url).unwrap(), 2)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store.close().await;
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    // Every unique index (primary keys and unique constraints have one) with its first column.
    let keys: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT t.relname::text, i.relname::text, a.attname::text, x.indisprimary \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] \
         WHERE t.relnamespace = current_schema()::regnamespace AND x.indisunique \
         ORDER BY 1, 2",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT relname::text FROM pg_class \
         WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    assert!(tables.len() > 30, "{tables:?}");

    let mut wrong = Vec::new();
    for (table,) in &tables {
        if GLOBAL.contains(&table.as_str()) {
            continue;
        }
        let primary = keys
            .iter()
            .find(|(t, _, _, primary)| t == table && *primary);
        match primary {
            Some((_, _, first, _)) if first == "district_id" => {}
            other => wrong.push(format!("{table}: primary key {other:?}")),
        }
    }
    for (table, index, first, _) in &keys {
        if GLOBAL.contains(&table.as_str()) {
            continue;
        }
        if first != "district_id" {
            wrong.push(format!("{table}: {index} leads with {first}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "keys that do not lead with the district: {wrong:#?}"
    );
}
