//! Web sessions and app tokens. The secret is never stored, only its hash.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::accounts::{account_columns, account_with_hash};
use super::pooler::Db;
use super::{Result, Store, StoreError, Tx};
use crate::domain::{Account, AccountId, AccountKind, DistrictId, SessionSecret};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A browser's cookie: idle and absolute timeouts.
    Web,
    /// A mobile app's bearer token: lives longer, listed and revocable.
    App,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::App => "app",
        }
    }
}

pub struct NewSession<'a> {
    pub district: DistrictId,
    pub account: AccountId,
    pub token_hash: &'a str,
    pub kind: SessionKind,
    pub expires_at: i64,
    pub device_id: Option<&'a str>,
    pub device_name: Option<&'a str>,
    pub platform: Option<&'a str>,
    pub address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: i64,
    pub district: DistrictId,
    pub account: AccountId,
    pub kind: SessionKind,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// The app's own id for the device it runs on (API logins).
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    pub platform: Option<String>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

/// A session's columns but its district, named apart from an account's beside them: a session
/// is read alone (`FROM sessions s`, with `s.district_id`) or joined to its account, whose
/// `district_id` is the same.
macro_rules! session_columns {
    () => {
        "s.id AS session_id, s.account_id, s.kind AS session_kind, s.created_at, \
         s.last_seen_at, s.expires_at, s.device_id, s.device_name, s.platform, s.address, \
         s.user_agent"
    };
}

/// What follows the columns of a session and its account: the joins to its district, and the
/// session found by its district and the hash of its secret.
macro_rules! session_joins {
    () => {
        " JOIN sessions s ON s.district_id = a.district_id AND s.account_id = a.id \
          JOIN districts d ON d.id = a.district_id \
          WHERE s.district_id = $1 AND s.token_hash = $2"
    };
}

/// What a page's menu counts, read with its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unread {
    pub notifications: i64,
    /// Conversations with a message the account has not read, when the statement was asked
    /// for the account's kind.
    pub conversations: Option<i64>,
}

/// [`Store::session_with_unread`]'s statements on SQLite, one for each kind of account whose
/// conversations they count (in [`AccountKind::ALL`]'s order), then one that counts none: `$1`
/// district, `$2` the secret's hash, `$3` the oldest notification counted, and for a parent's
/// conversations `$4` today. One kind's count each: a statement that holds a branch for every
/// kind costs more to run, for branches it never takes.
static SESSION_WITH_UNREAD: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    let with = |conversations: String| {
        format!(
            "SELECT {}, d.revision, {} AS unread, \
               {conversations} AS conversations_unread, {}{}",
            session_columns!(),
            unread_notifications("$3"),
            account_columns!(),
            session_joins!()
        )
    };
    AccountKind::ALL
        .iter()
        .map(|&kind| with(conversations_unread(kind, "$4")))
        .chain([with("CAST(NULL AS BIGINT)".to_owned())])
        .collect()
});

/// The account's unread notifications created since `since`.
fn unread_notifications(since: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM notifications n \
           WHERE n.district_id = s.district_id AND n.account_id = s.account_id \
           AND n.read_at IS NULL AND n.created_at >= {since})"
    )
}

/// The conversations with something unread of an account of `kind`, as of `day`.
fn conversations_unread(kind: AccountKind, day: &str) -> String {
    super::conversations::unread_of_account(
        kind,
        ["s.district_id", "a.id", "a.kind", "a.person_id"],
        day,
        super::conversations::LIST_LIMIT,
    )
}

/// What a logged-in request finds behind its secret: the session, its account, the district's
/// revision, and the menu's counts when they were asked for.
pub(super) type Found = (SessionRecord, Account, i64, Option<Unread>);

/// A session read waiting for its batch: district, the secret's hash, and, for a page, the
/// oldest notification counted, the district's day, and the kind of account guessed to be
/// behind the secret (`None`: not known).
pub(super) struct Asked {
    district: i64,
    hash: String,
    counts: Option<(i64, String)>,
    kind: Option<AccountKind>,
}

impl Asked {
    fn of(secret: &SessionSecret, counts: Option<(i64, &str)>, kind: Option<AccountKind>) -> Self {
        Self {
            district: secret.district().0,
            hash: crate::secrets::hash_token(secret.as_str()),
            counts: counts.map(|(since, day)| (since, day.to_owned())),
            kind,
        }
    }
}

/// What a batch's statement counts: nothing (no request in it is a page's), or the
/// notifications and the conversations of the kinds of account in `kinds`, a mask over
/// [`AccountKind::ALL`]. PostgreSQL sets up the plan of every count a statement holds at each
/// run, whether a row takes it or not; counting only what the batch asks for keeps that set-up
/// from every statement that does not need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Counted {
    kinds: Option<u8>,
}

impl Counted {
    /// Every statement there is, in [`Self::index`]'s order.
    fn all() -> impl Iterator<Item = Self> {
        std::iter::once(Self { kinds: None })
            .chain((0..1u8 << AccountKind::ALL.len()).map(|mask| Self { kinds: Some(mask) }))
    }

    fn index(self) -> usize {
        self.kinds.map_or(0, |mask| 1 + usize::from(mask))
    }

    /// What the requests of a batch need counted: a page whose kind of account is not known
    /// has every kind's count.
    pub(super) fn of(asked: &[Asked]) -> Self {
        let every = (1u8 << AccountKind::ALL.len()) - 1;
        let kinds = asked
            .iter()
            .filter(|a| a.counts.is_some())
            .map(|a| {
                a.kind
                    .and_then(|kind| AccountKind::ALL.iter().position(|k| *k == kind))
                    .map_or(every, |place| 1 << place)
            })
            .reduce(|a, b| a | b);
        Self { kinds }
    }
}

/// The session reads of a batch as one statement, the requests in `placeholder`, a JSON array
/// (`[district, hash, counted, since, day]` each) that the statement answers row by row, each
/// with its place in it. Each request is looked up as one session is (by the index on its
/// secret's hash), in a `LATERAL` subquery that its `LIMIT` keeps the planner from flattening:
/// flattened, a join of the planner's guess of a hundred requests with every session of the
/// deployment went by a scan of the whole table, in each batch. The array is `jsonb`, parsed
/// once, where each `->>` of a `json` value parses its text again.
pub(super) fn gathered(placeholder: &str, counted: Counted) -> String {
    let (unread, conversations) = match counted.kinds {
        None => (
            "CAST(NULL AS BIGINT)".to_owned(),
            "CAST(NULL AS BIGINT)".to_owned(),
        ),
        Some(mask) => {
            let kinds = AccountKind::ALL
                .iter()
                .enumerate()
                .filter(|(place, _)| mask & (1 << place) != 0)
                .map(|(_, &kind)| conversations_unread(kind, "(asked.e ->> 4)"))
                .chain(["CAST(NULL AS BIGINT)".to_owned()])
                .collect::<Vec<_>>()
                .join(", ");
            (
                format!(
                    "CASE WHEN (asked.e ->> 2)::BOOLEAN THEN {} END",
                    unread_notifications("(asked.e ->> 3)::BIGINT")
                ),
                format!("CASE WHEN (asked.e ->> 2)::BOOLEAN THEN COALESCE({kinds}) END"),
            )
        }
    };
    format!(
        "SELECT asked.i, found.* \
         FROM jsonb_array_elements({placeholder}::jsonb) WITH ORDINALITY AS asked (e, i) \
         CROSS JOIN LATERAL (SELECT {}, d.revision, {unread} AS unread, \
           {conversations} AS conversations_unread, \
           {} \
           JOIN sessions s ON s.district_id = a.district_id AND s.account_id = a.id \
           JOIN districts d ON d.id = a.district_id \
           WHERE s.district_id = (asked.e ->> 0)::BIGINT AND s.token_hash = asked.e ->> 1 \
           LIMIT 1) found",
        session_columns!(),
        account_columns!(),
    )
}

/// Each of [`gathered`]'s statements, by [`Counted::index`], with `placeholder` for the
/// requests.
pub(super) fn every_gathered(placeholder: &str) -> Vec<String> {
    Counted::all()
        .map(|counted| gathered(placeholder, counted))
        .collect()
}

/// The statement of [`every_gathered`] for `counted`.
pub(super) fn one_of(statements: &[String], counted: Counted) -> &str {
    &statements[counted.index()]
}

static GATHERED: std::sync::LazyLock<Vec<String>> =
    std::sync::LazyLock::new(|| every_gathered("$1"));

/// The requests of a batch as [`gathered`] takes them.
pub(super) fn asked_json(asked: &[Asked]) -> Result<String> {
    let rows: Vec<_> = asked
        .iter()
        .map(|a| {
            let (since, day) = a.counts.as_ref().map_or((0, ""), |(s, d)| (*s, d.as_str()));
            (a.district, a.hash.as_str(), a.counts.is_some(), since, day)
        })
        .collect();
    serde_json::to_string(&rows).map_err(|e| StoreError::Corrupt(format!("session reads: {e}")))
}

/// Each of `n` requests' answer among the rows [`gathered`] found.
pub(super) fn answers_from(found: &[AnyRow], n: usize) -> Vec<Result<Option<Found>>> {
    let mut answers: Vec<Result<Option<Found>>> = (0..n).map(|_| Ok(None)).collect();
    for row in found {
        let place = row
            .try_get::<i64, _>("i")
            .ok()
            .and_then(|i| usize::try_from(i - 1).ok());
        if let Some(answer) = place.and_then(|place| answers.get_mut(place)) {
            *answer = found_in(row).map(Some);
        }
    }
    answers
}

/// The session reads of a batch alone.
pub(super) async fn read_gathered(pool: &Db, asked: &[Asked]) -> Vec<Result<Option<Found>>> {
    let found = match asked_json(asked) {
        Ok(json) => sqlx::query(one_of(&GATHERED, Counted::of(asked)))
            .bind(json)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from),
        Err(err) => Err(err),
    };
    match found {
        Ok(found) => answers_from(&found, asked.len()),
        Err(err) => super::batch::failed_each(&err, asked.len()),
    }
}

/// A session read's row: the session, its account, the revision, and the counts if asked.
fn found_in(row: &AnyRow) -> Result<Found> {
    let (account, _) = account_with_hash(row)?;
    let unread = row
        .try_get::<Option<i64>, _>("unread")?
        .map(|notifications| -> Result<Unread> {
            Ok(Unread {
                notifications,
                conversations: row.try_get("conversations_unread")?,
            })
        })
        .transpose()?;
    Ok((
        session_from_row(row)?,
        account,
        row.try_get("revision")?,
        unread,
    ))
}

impl Store {
    /// The session behind a secret (its district's, found by its hash).
    pub async fn session_by_secret(&self, secret: &SessionSecret) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            ", s.district_id FROM sessions s WHERE s.district_id = $1 AND s.token_hash = $2"
        ))
        .bind(secret.district().0)
        .bind(crate::secrets::hash_token(secret.as_str()))
        .fetch_optional(self.pool()?)
        .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// The session behind a secret with its account and its district's revision, in one
    /// statement: every logged-in request begins here.
    pub async fn session_with_account(
        &self,
        secret: &SessionSecret,
    ) -> Result<Option<(SessionRecord, Account, i64)>> {
        if let Some(gathered) = self.shared.gathered() {
            self.pool()?;
            let found = gathered.session(Asked::of(secret, None, None)).await?;
            return Ok(found.map(|(session, account, revision, _)| (session, account, revision)));
        }
        let row = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            ", d.revision, ",
            account_columns!(),
            session_joins!()
        ))
        .bind(secret.district().0)
        .bind(crate::secrets::hash_token(secret.as_str()))
        .fetch_optional(self.pool()?)
        .await?;
        row.map(|row| {
            let (account, _) = account_with_hash(&row)?;
            Ok((session_from_row(&row)?, account, row.try_get("revision")?))
        })
        .transpose()
    }

    /// [`Self::session_with_account`] with what the menu of every page counts, still one
    /// statement: the account's unread notifications created since `unread_since`, and, when
    /// the account is of `kind`, its conversations with something unread as of `today` (the
    /// district's day).
    pub async fn session_with_unread(
        &self,
        secret: &SessionSecret,
        unread_since: i64,
        today: &str,
        kind: Option<AccountKind>,
    ) -> Result<Option<(SessionRecord, Account, i64, Unread)>> {
        if let Some(gathered) = self.shared.gathered() {
            self.pool()?;
            let found = gathered
                .session(Asked::of(secret, Some((unread_since, today)), kind))
                .await?;
            return found
                .map(|(session, account, revision, unread)| {
                    let unread = unread.ok_or_else(|| {
                        StoreError::Corrupt("a session read without its counts".to_owned())
                    })?;
                    Ok((session, account, revision, unread))
                })
                .transpose();
        }
        let which = kind.map_or(AccountKind::ALL.len(), |kind| {
            AccountKind::ALL
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(0)
        });
        let query = sqlx::query(SESSION_WITH_UNREAD[which].as_str())
            .bind(secret.district().0)
            .bind(crate::secrets::hash_token(secret.as_str()))
            .bind(unread_since);
        let query = match kind {
            Some(AccountKind::Parent) => query.bind(today.to_owned()),
            _ => query,
        };
        let row = query.fetch_optional(self.pool()?).await?;
        row.map(|row| {
            let (session, account, revision, unread) = found_in(&row)?;
            let unread = unread.ok_or_else(|| {
                StoreError::Corrupt("a session read without its counts".to_owned())
            })?;
            Ok((session, account, revision, unread))
        })
        .transpose()
    }

    pub async fn sessions_of(
        &self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Vec<SessionRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            ", s.district_id FROM sessions s WHERE s.district_id = $1 AND s.account_id = $2 \
             ORDER BY s.last_seen_at DESC, s.id DESC"
        ))
        .bind(district.0)
        .bind(account.0)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(session_from_row).collect()
    }

    /// Records activity, at most once a minute per session so that reads stay reads.
    pub async fn touch_session(&self, id: i64, now: i64) -> Result<()> {
        let _turn = self.write_turn().await?;
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $3")
            .bind(now)
            .bind(id)
            .bind(now - 60)
            .execute(self.pool()?)
            .await?;
        Ok(())
    }

    /// Ends a session; answers whether it existed.
    pub async fn delete_session(&self, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(self.pool()?)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl Tx {
    pub async fn insert_session(&mut self, new: &NewSession<'_>, now: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO sessions (district_id, account_id, token_hash, kind, created_at, \
               last_seen_at, expires_at, device_id, device_name, platform, address, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(new.district.0)
        .bind(new.account.0)
        .bind(new.token_hash.to_owned())
        .bind(new.kind.as_str())
        .bind(now)
        .bind(new.expires_at)
        .bind(new.device_id.map(str::to_owned))
        .bind(new.device_name.map(str::to_owned))
        .bind(new.platform.map(str::to_owned))
        .bind(new.address.map(str::to_owned))
        .bind(new.user_agent.map(str::to_owned))
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Ends one of the account's sessions; answers whether it was theirs.
    pub async fn delete_session_of(
        &mut self,
        district: DistrictId,
        account: AccountId,
        id: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM sessions WHERE district_id = $1 AND account_id = $2 AND id = $3",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Forgets the account's sessions that ended by time: past their end, or browser sessions
    /// idle longer than `idle_seconds`.
    pub async fn delete_expired_sessions(
        &mut self,
        district: DistrictId,
        account: AccountId,
        now: i64,
        idle_seconds: i64,
    ) -> Result<()> {
        sqlx::query(
            "DELETE FROM sessions WHERE district_id = $1 AND account_id = $2 \
             AND (expires_at <= $3 OR (kind = 'web' AND last_seen_at <= $4))",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(now)
        .bind(now - idle_seconds)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Ends every session of the account but `keep`.
    pub async fn delete_other_sessions(
        &mut self,
        district: DistrictId,
        account: AccountId,
        keep: Option<i64>,
    ) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM sessions WHERE district_id = $1 AND account_id = $2 AND id <> $3",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(keep.unwrap_or(-1))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
    }
}

fn session_from_row(row: &AnyRow) -> Result<SessionRecord> {
    let kind = match row.try_get::<String, _>("session_kind")?.as_str() {
        "web" => SessionKind::Web,
        "app" => SessionKind::App,
        other => return Err(StoreError::Corrupt(format!("session kind {other:?}"))),
    };
    Ok(SessionRecord {
        id: row.try_get("session_id")?,
        district: DistrictId(row.try_get("district_id")?),
        account: AccountId(row.try_get("account_id")?),
        kind,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
        device_id: row.try_get("device_id")?,
        device_name: row.try_get("device_name")?,
        platform: row.try_get("platform")?,
        address: row.try_get("address")?,
        user_agent: row.try_get("user_agent")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(page: bool, kind: Option<AccountKind>) -> Asked {
        Asked {
            district: 1,
            hash: String::new(),
            counts: page.then(|| (0, "2026-12-07".to_owned())),
            kind,
        }
    }

    #[test]
    fn a_batch_counts_only_what_its_pages_ask_for() {
        use AccountKind::{Parent, Student, Teacher};
        let kinds = |asked: &[Asked]| Counted::of(asked).kinds;
        assert_eq!(kinds(&[]), None);
        assert_eq!(kinds(&[asked(false, Some(Parent))]), None, "no page");
        assert_eq!(
            kinds(&[asked(true, Some(Parent)), asked(false, Some(Teacher))]),
            Some(0b0001),
            "a parent's page and a teacher's read of the API"
        );
        assert_eq!(
            kinds(&[asked(true, Some(Teacher)), asked(true, Some(Student))]),
            Some(0b1010)
        );
        assert_eq!(
            kinds(&[asked(true, Some(Parent)), asked(true, None)]),
            Some(0b1111),
            "a page of a kind not known yet counts every kind"
        );

        let statements = every_gathered("$1");
        assert_eq!(statements.len(), 17);
        let distinct: std::collections::HashSet<&String> = statements.iter().collect();
        assert_eq!(distinct.len(), statements.len());
        let parents = one_of(&statements, Counted::of(&[asked(true, Some(Parent))]));
        assert!(parents.contains("a.kind = 'parent'") && parents.contains("FROM notifications"));
        assert!(!parents.contains("a.kind = 'teacher'") && !parents.contains("a.kind = 'student'"));
        let api = one_of(&statements, Counted::of(&[asked(false, None)]));
        assert!(!api.contains("FROM notifications") && !api.contains("FROM conversations"));
    }
}
