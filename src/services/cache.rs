//! What a server process keeps between requests: each district (read with every session), its
//! tool switches and windows, and the Grades and Today views of the students read lately.
//!
//! Every entry is keyed by the district's revision, which each change to what it holds
//! (settings, switches and windows, an import) bumps in the change's own transaction, and which
//! every logged-in request reads with its session. An entry can therefore be old but never
//! stale, in this process or in any other sharing the database. Who may read what is never
//! cached: it is checked on every request before anything here is used.

use std::future::Future;
use std::sync::Arc;

use jiff::civil::Date;
use quick_cache::sync::Cache;

use crate::domain::{District, DistrictId, Lang, ToolRules};

/// Districts kept: every district with a logged-in family, in any deployment.
const DISTRICTS: usize = 1_024;
/// A district's rules are kept per day (windows open and close by date).
const RULES: usize = 1_024;
/// Views kept per tool: a few kilobytes each.
const VIEWS: usize = 4_096;

pub struct Caches {
    districts: Cache<DistrictId, District>,
    rules: Cache<(DistrictId, i64, Date), Arc<ToolRules>>,
    pub(super) grades: Cache<ViewKey, Arc<super::records::GradesView>>,
    pub(super) today: Cache<ViewKey, Arc<super::records::TodayView>>,
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
            grades: Cache::new(VIEWS),
            today: Cache::new(VIEWS),
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

    pub(super) fn keep_district(&self, district: &District) {
        self.districts.insert(district.id, district.clone());
    }

    /// The district's rules as of its revision and `today`, read by `read` when not kept.
    pub(super) async fn rules<E>(
        &self,
        district: &District,
        today: Date,
        read: impl Future<Output = Result<ToolRules, E>>,
    ) -> Result<Arc<ToolRules>, E> {
        let key = (district.id, district.revision, today);
        self.rules
            .get_or_insert_async(&key, async { read.await.map(Arc::new) })
            .await
    }
}

/// A view kept in `cache` under `key`, or made by `make` and kept.
pub(super) async fn view<V, E>(
    cache: &Cache<ViewKey, Arc<V>>,
    key: ViewKey,
    make: impl Future<Output = Result<V, E>>,
) -> Result<Arc<V>, E> {
    cache
        .get_or_insert_async(&key, async { make.await.map(Arc::new) })
        .await
}
