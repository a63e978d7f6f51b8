//! What a server process keeps between requests: each district (read with every session), its
//! tool switches and windows, its school calendar, the students each family may see, and the
//! Grades and Today views of the students read lately.
//!
//! Every entry is keyed by the district's revision, which each change to what it holds
//! (settings, switches and windows, an import) bumps in the change's own transaction, and which
//! every logged-in request reads with its session. An entry can therefore be old but never
//! stale, in this process or in any other sharing the database. That includes who may see
//! whom: staff switching a family's portal access, or an import ending a relationship, bump
//! the revision too, and every request still checks its student against the list for its own
//! account and day before anything else is read.

use std::future::Future;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use jiff::civil::Date;
use quick_cache::sync::Cache;

use crate::domain::{AccountKind, District, DistrictId, Lang, ToolRules};
use crate::store::{AcademicSession, StudentRecord};

/// Districts kept: every district with a logged-in family, in any deployment.
const DISTRICTS: usize = 1_024;
/// A district's rules are kept per day (windows open and close by date).
const RULES: usize = 1_024;
/// Families whose students are kept.
const FAMILIES: usize = 16_384;
/// Views kept per tool: a few kilobytes each.
const VIEWS: usize = 4_096;
/// Sessions whose account's kind is kept: a few bytes each.
const SESSIONS: usize = 65_536;

pub struct Caches {
    districts: Cache<DistrictId, District>,
    pub(super) rules: Cache<RulesKey, Arc<ToolRules>>,
    pub(super) students: Cache<FamilyKey, Arc<Vec<StudentRecord>>>,
    pub(super) grades: Cache<ViewKey, Arc<super::records::GradesView>>,
    pub(super) today: Cache<ViewKey, Arc<super::records::TodayView>>,
    /// A district's school years, terms and grading periods, as of one revision.
    pub(super) sessions: Cache<(DistrictId, i64), Arc<Vec<AcademicSession>>>,
    /// The kind of account behind a session secret (by a hash of it, seeded per process).
    kinds: Cache<u64, AccountKind>,
    secrets: foldhash::fast::RandomState,
}

/// A district's tool rules, as of one revision and one day (windows open and close by date).
pub(super) type RulesKey = (DistrictId, i64, Date);

/// The students one account may see, as of one revision of its district and one day in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct FamilyKey {
    pub district: DistrictId,
    pub revision: i64,
    pub kind: AccountKind,
    pub person: i64,
    pub date: Date,
}

/// One student's view of one tool, as of one revision of the district and one day in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ViewKey {
    pub district: DistrictId,
    pub revision: i64,
    pub student: i64,
    pub date: Date,
    pub lang: Lang,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            districts: Cache::new(DISTRICTS),
            rules: Cache::new(RULES),
            students: Cache::new(FAMILIES),
            grades: Cache::new(VIEWS),
            today: Cache::new(VIEWS),
            sessions: Cache::new(DISTRICTS),
            kinds: Cache::new(SESSIONS),
            secrets: foldhash::fast::RandomState::default(),
        }
    }
}

impl Caches {
    /// The district as of `revision`, if it is kept.
    pub(super) fn district(&self, id: DistrictId, revision: i64) -> Option<District> {
        self.districts
            .get(&id)
            .filter(|district| district.revision == revision)
    }

    /// The district as last kept, of whatever revision: a guess, to be checked against the
    /// revision read later.
    pub(super) fn last_district(&self, id: DistrictId) -> Option<District> {
        self.districts.get(&id)
    }

    /// The kind of account a session secret was last seen to open: a guess, which chooses
    /// what a page's session statement counts. A wrong one (two secrets of one hash) costs
    /// that count a statement of its own, never its answer.
    pub(super) fn kind_behind(&self, secret: &str) -> Option<AccountKind> {
        self.kinds.get(&self.secrets.hash_one(secret))
    }

    pub(super) fn keep_kind_behind(&self, secret: &str, kind: AccountKind) {
        self.kinds.insert(self.secrets.hash_one(secret), kind);
    }

    pub(super) fn keep_district(&self, district: &District) {
        self.districts.insert(district.id, district.clone());
    }
}

/// What `cache` keeps under `key`, or what `make` makes, then kept.
pub(super) async fn kept<K, V, E>(
    cache: &Cache<K, Arc<V>>,
    key: K,
    make: impl Future<Output = Result<V, E>>,
) -> Result<Arc<V>, E>
where
    K: Eq + Hash + Clone,
{
    cache
        .get_or_insert_async(&key, async { make.await.map(Arc::new) })
        .await
}
