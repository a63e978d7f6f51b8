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
            "conversation_messages",
            "conversation_reads",
            "conversations",
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
            "office_hours",
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
            "sis_connections",
            "sso_app_codes",
            "sso_attempts",
            "sso_providers",
            "staff_reads",
            "student_snapshots",
            "sync_runs",
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

/// SQLite rebuilds `accounts` to let teachers in (0030): a database holding accounts, their
/// sessions, passkeys and everything else that refers to them keeps every row and every
/// reference, and takes a teacher afterwards.
#[tokio::test]
async fn sqlite_keeps_every_account_and_reference_when_teachers_arrive() {
    sqlx::any::install_default_drivers();
    let db = TestDb::sqlite();
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let mut before = sqlx::migrate::Migrator::new(std::path::Path::new("migrations/sqlite"))
        .await
        .unwrap();
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < 30)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&pool).await.unwrap();
    for sql in [
        "INSERT INTO districts (id, slug, name, name_folded, state, timezone, created_at, updated_at) \
         VALUES (1, 'river', 'River', 'river', 'CA', 'America/Los_Angeles', 0, 0)",
        "INSERT INTO people (id, district_id, sourced_id, role, given_name, family_name, created_at, updated_at) \
         VALUES (7, 1, 'g1', 'guardian', 'Maria', 'Alvarez', 0, 0), (8, 1, 't1', 'teacher', 'Terry', 'Teach', 0, 0)",
        "INSERT INTO accounts (id, district_id, person_id, kind, username, username_folded, password_hash, \
           password_changed_at, created_at, updated_at, language, passkey_handle) \
         VALUES (42, 1, 7, 'parent', 'maria', 'maria', 'hash', 0, 0, 0, 'es', 'handle')",
        "INSERT INTO sessions (district_id, account_id, token_hash, kind, created_at, last_seen_at, expires_at) \
         VALUES (1, 42, 'token', 'web', 0, 0, 99)",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    let store = Store::connect(&DatabaseUrl::parse(&db.url).unwrap(), 2)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store.close().await;

    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let kept: (i64, String, String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT a.id, a.username, a.kind, a.language, a.passkey_handle FROM accounts a \
         JOIN sessions s ON s.account_id = a.id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        kept,
        (
            42,
            "maria".into(),
            "parent".into(),
            Some("es".into()),
            Some("handle".into())
        )
    );
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    let on: (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(on.0, 1);
    sqlx::query(
        "INSERT INTO accounts (district_id, person_id, kind, username, username_folded, \
           password_hash, password_changed_at, created_at, updated_at) \
         VALUES (1, 8, 'teacher', 'terry', 'terry', 'hash', 0, 0, 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    // The rebuilt table still refuses what it always refused.
    let refused = sqlx::query(
        "INSERT INTO accounts (district_id, person_id, kind, username, username_folded, \
           password_hash, password_changed_at, created_at, updated_at) \
         VALUES (1, 99, 'principal', 'pat', 'pat', 'hash', 0, 0, 0)",
    )
    .execute(&pool)
    .await;
    assert!(refused.is_err());
    pool.close().await;
}
