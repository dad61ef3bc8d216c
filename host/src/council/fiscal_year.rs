//! The Japanese fiscal year: April 1 to March 31, in Japan Standard Time. FY2023
//! (令和5年度) runs from 2023-04-01 00:00 JST to 2024-03-31 24:00 JST.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Japan Standard Time, UTC+9 (no daylight saving).
pub const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Fiscal years the host accepts: wide enough for any record, narrow enough
/// that the year's bounds always exist as dates.
const YEARS: std::ops::RangeInclusive<i32> = 1990..=2200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct FiscalYear(i32);

impl FiscalYear {
    /// The fiscal year starting in April of `year`; the error says the accepted range.
    pub fn new(year: i32) -> Result<FiscalYear, String> {
        if YEARS.contains(&year) {
            Ok(FiscalYear(year))
        } else {
            Err(format!(
                "must be between {} and {}, got {year}",
                YEARS.start(),
                YEARS.end()
            ))
        }
    }

    /// The fiscal year a moment (Unix seconds) falls in.
    pub fn containing(at: i64) -> FiscalYear {
        let local = OffsetDateTime::from_unix_timestamp(at)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(JST);
        let year = if local.month() >= Month::April {
            local.year()
        } else {
            local.year() - 1
        };
        FiscalYear(year.clamp(*YEARS.start(), *YEARS.end()))
    }

    pub fn year(self) -> i32 {
        self.0
    }

    /// The first second of the year (April 1, 00:00 JST), Unix seconds.
    pub fn start(self) -> i64 {
        april_first(self.0)
    }

    /// The first second after the year, Unix seconds.
    pub fn end(self) -> i64 {
        april_first(self.0 + 1)
    }

    pub fn previous(self) -> FiscalYear {
        FiscalYear(self.0 - 1)
    }
}

fn april_first(year: i32) -> i64 {
    let date = Date::from_calendar_date(year, Month::April, 1).unwrap_or(Date::MIN);
    PrimitiveDateTime::new(date, Time::MIDNIGHT)
        .assume_offset(JST)
        .unix_timestamp()
}

/// A calendar date (YYYY-MM-DD) as the end of that day in JST, Unix seconds: the
/// moment a "members as of" count is taken.
pub fn end_of_day(text: &str) -> Result<i64, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date =
        Date::parse(text, format).map_err(|e| format!("{text}: {e} (expected YYYY-MM-DD)"))?;
    let next = date.next_day().unwrap_or(date);
    Ok(PrimitiveDateTime::new(next, Time::MIDNIGHT)
        .assume_offset(JST)
        .unix_timestamp()
        - 1)
}

/// A calendar date (YYYY-MM-DD) as the first second of that day in JST.
pub fn start_of_day(text: &str) -> Result<i64, String> {
    Ok(end_of_day(text)? + 1 - 24 * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_year_2023_runs_april_to_march_in_jst() {
        let fy = FiscalYear::new(2023).unwrap();
        // 2023-04-01T00:00+09:00 = 2023-03-31T15:00Z
        assert_eq!(fy.start(), 1_680_274_800);
        assert_eq!(fy.end(), 1_711_897_200);
        assert_eq!(FiscalYear::containing(fy.start()), fy);
        assert_eq!(FiscalYear::containing(fy.start() - 1).year(), 2022);
        assert_eq!(FiscalYear::containing(fy.end() - 1), fy);
        assert_eq!(FiscalYear::containing(fy.end()).year(), 2024);
    }

    #[test]
    fn bad_years_and_dates_are_refused() {
        assert!(FiscalYear::new(1989).is_err());
        assert!(FiscalYear::new(2201).is_err());
        assert_eq!(end_of_day("2024-03-31").unwrap(), 1_711_897_199);
        assert_eq!(start_of_day("2023-04-01").unwrap(), 1_680_274_800);
        assert!(end_of_day("2024-02-30").is_err());
        assert!(end_of_day("31/03/2024").is_err());
    }
}
