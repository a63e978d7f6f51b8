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

use crate::domain::{Account, AccountKind, District, DistrictId, Lang, ToolRules};
use crate::store::{AcademicSession, SessionRecord, StudentRecord};

/// Districts kept: every district with a logged-in family, in any deployment.
const DISTRICTS: usize = 1_024;
/// A district's rules are kept per day (windows open and close by date).
const RULES: usize = 1_024;
/// Families whose students are kept.
const FAMILIES: usize = 16_384;
/// Views kept per tool: a few kilobytes each.
const VIEWS: usize = 4_096;
/// Sessions whose reader is recalled: half a kilobyte each at most.
const SESSIONS: usize = 32_768;

pub struct Caches {
    districts: Cache<DistrictId, District>,
    pub(super) rules: Cache<RulesKey, Arc<ToolRules>>,
    pub(super) students: Cache<FamilyKey, Arc<Vec<StudentRecord>>>,
    pub(super) grades: Cache<ViewKey, Arc<super::records::GradesView>>,
    pub(super) today: Cache<ViewKey, Arc<super::records::TodayView>>,
    /// A district's school years, terms and grading periods, as of one revision.
    pub(super) sessions: Cache<(DistrictId, i64), Arc<Vec<AcademicSession>>>,
    /// Who was last found behind a session secret (by a hash of it, seeded per process).
    recalled: Cache<u64, Arc<Recalled>>,
    secrets: foldhash::fast::RandomState,
}

/// Who a session secret opened, as last found: its session, its account and its district's
/// revision.
#[derive(Debug)]
pub(super) struct Recalled {
    pub session: SessionRecord,
    pub account: Account,
    pub revision: i64,
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
            recalled: Cache::new(SESSIONS),
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

    /// Who a session secret was last seen to open: a guess, never proof. It chooses what a
    /// page's session statement counts, and who a page's read is begun for while that
    /// statement runs (`auth::beside_session`). A wrong one (two secrets of one hash, a session
    /// ended since) costs that work done again, never its answer.
    pub(super) fn recalled(&self, secret: &str) -> Option<Arc<Recalled>> {
        self.recalled.get(&self.secrets.hash_one(secret))
    }

    /// Keeps who `secret` opened, unless it is kept already.
    pub(super) fn recall(
        &self,
        secret: &str,
        session: &SessionRecord,
        account: &Account,
        revision: i64,
    ) {
        let key = self.secrets.hash_one(secret);
        let kept = self.recalled.get(&key);
        let same = kept.is_some_and(|kept| {
            kept.revision == revision && kept.session == *session && kept.account == *account
        });
        if !same {
            let who = Recalled {
                session: session.clone(),
                account: account.clone(),
                revision,
            };
            self.recalled.insert(key, Arc::new(who));
        }
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
