//! How a score counts, the in-progress percentage of a class, and the district's letter scale.

use std::fmt;

use jiff::civil::Date;

use super::Invalid;

/// OneRoster's score statuses (`results.csv`'s `scoreStatus`): the only ones an import takes.
pub const SCORE_STATUSES: [&str; 5] = [
    "exempt",
    "fully graded",
    "not submitted",
    "partially graded",
    "submitted",
];

/// Flags families see beside an assignment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub missing: bool,
    pub late: bool,
    pub excused: bool,
}

/// A result as the school sent it, with its assignment's due date and points.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mark<'a> {
    pub status: Option<&'a str>,
    pub score: Option<f64>,
    pub max: Option<f64>,
    pub due: Option<Date>,
    /// The source's own flags (OneRoster 1.2 `late` and `missing`).
    pub late: bool,
    pub missing: bool,
}

impl Mark<'_> {
    /// The flags, on `today`: excused when exempt; missing when the source says so, or when
    /// nothing was turned in and the due date has passed.
    pub fn flags(&self, today: Date) -> Flags {
        let excused = self.status == Some("exempt");
        let overdue_unsubmitted = self.status == Some("not submitted")
            && self.score.is_none()
            && self.due.is_some_and(|due| due < today);
        Flags {
            excused,
            late: self.late && !excused,
            missing: !excused && self.score.is_none() && (self.missing || overdue_unsubmitted),
        }
    }

    /// Points earned and possible, when the mark counts toward the grade: a scored assignment
    /// counts its score; a missing one counts zero; an excused or ungraded one does not count.
    pub fn counted(&self, today: Date) -> Option<(f64, f64)> {
        let possible = self.max.filter(|m| *m > 0.0)?;
        let flags = self.flags(today);
        if flags.excused {
            return None;
        }
        match self.score {
            Some(score) => Some((score, possible)),
            None if flags.missing => Some((0.0, possible)),
            None => None,
        }
    }
}

/// One counted mark, with its category's weight where the district gives one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counted {
    pub category: Option<i64>,
    pub weight: Option<f64>,
    pub earned: f64,
    pub possible: f64,
}

/// The in-progress percentage: weighted by category when every counted mark has a category
/// with a positive weight (categories without marks yet leave the weighting), else by points.
/// `None` before anything counts.
pub fn percentage(marks: &[Counted]) -> Option<f64> {
    let possible: f64 = marks.iter().map(|m| m.possible).sum();
    if marks.is_empty() || possible <= 0.0 {
        return None;
    }
    let weighted = marks
        .iter()
        .all(|m| m.category.is_some() && m.weight.is_some_and(|w| w > 0.0));
    if !weighted {
        let earned: f64 = marks.iter().map(|m| m.earned).sum();
        return Some(100.0 * earned / possible);
    }
    let mut categories: Vec<(i64, f64, f64, f64)> = Vec::new();
    for m in marks {
        let (category, weight) = (m.category.unwrap_or_default(), m.weight.unwrap_or_default());
        match categories.iter_mut().find(|c| c.0 == category) {
            Some(c) => {
                c.2 += m.earned;
                c.3 += m.possible;
            }
            None => categories.push((category, weight, m.earned, m.possible)),
        }
    }
    let (mut total, mut weights) = (0.0, 0.0);
    for (_, weight, earned, possible) in categories {
        if possible > 0.0 {
            total += weight * earned / possible;
            weights += weight;
        }
    }
    (weights > 0.0).then(|| 100.0 * total / weights)
}

/// A percentage as families read it: one decimal. The letter is taken from this same figure,
/// so a grade shown as 90.0 % is never a B.
pub fn rounded(percent: f64) -> f64 {
    (percent * 10.0).round() / 10.0
}

/// The district's letter scale: letters with the lowest percentage that earns each (kept in
/// tenths of a percent), highest first, ending at 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradingScale(Vec<(String, u32)>);

impl Default for GradingScale {
    fn default() -> Self {
        Self::parse(DEFAULT_SCALE).expect("the default scale parses")
    }
}

/// The scale of most United States schools.
pub const DEFAULT_SCALE: &str = "A:90,B:80,C:70,D:60,F:0";

impl GradingScale {
    /// Parses `A:90,B:80,C:70,D:60,F:0`: each letter 1 to 3 characters, thresholds falling,
    /// the last one 0.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| {
            Invalid::new(format!(
                "grading_scale {why}; write it like {DEFAULT_SCALE}"
            ))
        };
        let mut steps: Vec<(String, u32)> = Vec::new();
        for part in raw.split(',') {
            let (letter, min) = part
                .split_once(':')
                .ok_or_else(|| bad("needs LETTER:PERCENT pairs"))?;
            let letter = letter.trim();
            if letter.is_empty()
                || letter.chars().count() > 3
                || letter.chars().any(|c| c.is_control() || c.is_whitespace())
            {
                return Err(bad("has letters of 1 to 3 characters"));
            }
            let min: u32 = min
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|m| (0.0..=100.0).contains(m))
                .map(|m| (m * 10.0).round() as u32)
                .ok_or_else(|| bad("has percentages from 0 to 100"))?;
            if steps.last().is_some_and(|(_, prev)| *prev <= min) {
                return Err(bad("lists percentages from highest to lowest"));
            }
            steps.push((letter.to_owned(), min));
        }
        if steps.len() > 20 {
            return Err(bad("has at most 20 letters"));
        }
        if steps.last().is_none_or(|(_, min)| *min != 0) {
            return Err(bad("ends with a letter for 0"));
        }
        Ok(Self(steps))
    }

    /// The letter for a percentage (rounded as families see it).
    pub fn letter(&self, percent: f64) -> &str {
        let tenths = (rounded(percent) * 10.0).round();
        self.0
            .iter()
            .find(|(_, min)| tenths >= f64::from(*min))
            .or(self.0.last())
            .map_or("", |(letter, _)| letter.as_str())
    }
}

impl fmt::Display for GradingScale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(letter, tenths)| match tenths % 10 {
                0 => format!("{letter}:{}", tenths / 10),
                d => format!("{letter}:{}.{d}", tenths / 10),
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    const TODAY: &str = "2026-03-10";

    fn mark<'a>(status: &'a str, score: Option<f64>, due: &str) -> Mark<'a> {
        Mark {
            status: Some(status),
            score,
            max: Some(10.0),
            due: Some(day(due)),
            ..Default::default()
        }
    }

    #[test]
    fn how_each_kind_of_mark_counts() {
        let today = day(TODAY);
        assert_eq!(
            mark("fully graded", Some(8.0), "2026-03-01").counted(today),
            Some((8.0, 10.0))
        );
        // Not turned in, past due: missing, counts zero.
        let missing = mark("not submitted", None, "2026-03-01");
        assert!(missing.flags(today).missing);
        assert_eq!(missing.counted(today), Some((0.0, 10.0)));
        // Not turned in, not yet due: neither missing nor counted.
        let pending = mark("not submitted", None, "2026-03-20");
        assert_eq!(pending.flags(today), Flags::default());
        assert_eq!(pending.counted(today), None);
        // Exempt: excused, never counted, never missing.
        let exempt = Mark {
            missing: true,
            ..mark("exempt", None, "2026-03-01")
        };
        assert_eq!(
            exempt.flags(today),
            Flags {
                excused: true,
                ..Flags::default()
            }
        );
        assert_eq!(exempt.counted(today), None);
        // The source's own flags.
        let late = Mark {
            late: true,
            ..mark("fully graded", Some(7.0), "2026-03-01")
        };
        assert!(late.flags(today).late && !late.flags(today).missing);
        // No points possible: nothing to count.
        let ungraded = Mark {
            max: Some(0.0),
            ..mark("fully graded", Some(3.0), "2026-03-01")
        };
        assert_eq!(ungraded.counted(today), None);
    }

    fn counted(category: i64, weight: Option<f64>, earned: f64, possible: f64) -> Counted {
        Counted {
            category: Some(category),
            weight,
            earned,
            possible,
        }
    }

    #[test]
    fn weighted_by_category_when_every_mark_has_a_weight() {
        // Homework 40 %: 18/20 = 90 %. Tests 60 %: 70/100 = 70 %. 0.4*90 + 0.6*70 = 78.
        let marks = [
            counted(1, Some(40.0), 9.0, 10.0),
            counted(1, Some(40.0), 9.0, 10.0),
            counted(2, Some(60.0), 70.0, 100.0),
        ];
        assert!((percentage(&marks).unwrap() - 78.0).abs() < 1e-9);
        // Only homework so far: its own percentage, not 40 % of it.
        assert!((percentage(&marks[..2]).unwrap() - 90.0).abs() < 1e-9);
    }

    #[test]
    fn by_points_when_a_weight_is_missing() {
        let marks = [
            counted(1, Some(40.0), 9.0, 10.0),
            counted(2, None, 70.0, 100.0),
        ];
        assert!((percentage(&marks).unwrap() - 79.0 / 110.0 * 100.0).abs() < 1e-9);
        assert_eq!(percentage(&[]), None);
    }

    #[test]
    fn the_scale_gives_letters_from_the_rounded_figure() {
        let scale = GradingScale::default();
        assert_eq!(scale.letter(95.0), "A");
        assert_eq!(scale.letter(89.96), "A");
        assert_eq!(scale.letter(89.94), "B");
        assert_eq!(scale.letter(0.0), "F");
        assert_eq!(scale.letter(120.0), "A");
        let plus = GradingScale::parse("A+:97, A:93,A-:89.5,B:80,F:0").unwrap();
        assert_eq!(plus.letter(98.0), "A+");
        assert_eq!(plus.letter(89.5), "A-");
        assert_eq!(plus.letter(89.4), "B");
        assert_eq!(plus.to_string(), "A+:97,A:93,A-:89.5,B:80,F:0");
    }

    #[test]
    fn bad_scales_are_refused() {
        for bad in [
            "",
            "A:90,B:80",
            "A:80,B:90,F:0",
            "A:90,B:90,F:0",
            "A:101,F:0",
            "A:x,F:0",
            "ABCD:90,F:0",
            "A 90,F:0",
            "A:90;F:0",
        ] {
            assert!(GradingScale::parse(bad).is_err(), "{bad:?}");
        }
    }
}
