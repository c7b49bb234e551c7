//! A halt policy as written: `now,fail=1`, `soon,fail=10%`, `never`, as
//! GNU parallel's `--halt` spells them.

use std::fmt;
use std::str::FromStr;

use crate::engine::OutcomeKind;

/// When to end a batch early, and how: GNU parallel's `--halt`. Written
/// `WHEN,WHY=N` (`now,fail=1`, `soon,success=3`, `now,done=10%`), or `never`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HaltPolicy {
    /// What happens to jobs still running when the policy trips.
    pub when: HaltWhen,
    /// What counts towards the threshold.
    pub why: HaltWhy,
    /// How many must count before it trips.
    pub threshold: Threshold,
}

/// What a tripped policy does with running jobs (queued ones are cancelled
/// either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HaltWhen {
    /// Stop them (a command's whole process group, as Stop does).
    Now,
    /// Let them finish.
    Soon,
}

/// The jobs a policy counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HaltWhy {
    /// Jobs that failed or timed out (after their retries).
    Fail,
    /// Jobs that succeeded.
    Success,
    /// Jobs that ran to an end of their own: succeeded, failed or timed
    /// out.
    Done,
}

/// How many counted jobs trip a policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// This many jobs (1 or more).
    Count(u32),
    /// This percentage (above 0, at most 100) of the jobs the policy
    /// watches; like GNU parallel, it trips at the first counted job that
    /// reaches it, so `fail=10%` of 20 jobs trips at the 2nd failure and
    /// `fail=1%` at the first.
    Percent(f64),
}

impl HaltPolicy {
    /// Whether a job that ended as `outcome` counts towards the policy.
    #[must_use]
    pub fn counts(&self, outcome: OutcomeKind) -> bool {
        let failed = matches!(outcome, OutcomeKind::Failed | OutcomeKind::TimedOut);
        let succeeded = outcome == OutcomeKind::Succeeded;
        match self.why {
            HaltWhy::Fail => failed,
            HaltWhy::Success => succeeded,
            HaltWhy::Done => failed || succeeded,
        }
    }

    /// Whether `counted` jobs of `jobs` trip the policy.
    #[must_use]
    pub fn is_tripped(&self, counted: usize, jobs: usize) -> bool {
        if counted == 0 {
            return false;
        }
        match self.threshold {
            Threshold::Count(count) => counted >= count as usize,
            Threshold::Percent(percent) => counted as f64 >= jobs as f64 * percent / 100.0,
        }
    }
}

/// Why a halt policy could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{written}` is not a halt policy: {reason}; expected WHEN,WHY=N such as now,fail=1 or soon,fail=10% (WHEN: now or soon; WHY: fail, success or done; N: a count from 1, or a percentage above 0 up to 100%), or never"
)]
pub struct HaltPolicyError {
    written: String,
    reason: &'static str,
}

/// `Some(policy)`, or `None` for `never`.
impl FromStr for HaltPolicyOrNever {
    type Err = HaltPolicyError;

    fn from_str(text: &str) -> Result<Self, HaltPolicyError> {
        let refuse = |reason| HaltPolicyError {
            written: text.to_owned(),
            reason,
        };
        let text_trimmed = text.trim();
        if text_trimmed == "never" {
            return Ok(Self(None));
        }
        let Some((when, rest)) = text_trimmed.split_once(',') else {
            return Err(refuse("it has no `,` between WHEN and WHY"));
        };
        let when = match when.trim() {
            "now" => HaltWhen::Now,
            "soon" => HaltWhen::Soon,
            _ => return Err(refuse("WHEN must be now or soon")),
        };
        let Some((why, number)) = rest.split_once('=') else {
            return Err(refuse("it has no `=` between WHY and N"));
        };
        let why = match why.trim() {
            "fail" => HaltWhy::Fail,
            "success" => HaltWhy::Success,
            "done" => HaltWhy::Done,
            _ => return Err(refuse("WHY must be fail, success or done")),
        };
        let number = number.trim();
        let threshold = if let Some(percent) = number.strip_suffix('%') {
            match percent.trim().parse::<f64>() {
                Ok(percent) if percent > 0.0 && percent <= 100.0 => Threshold::Percent(percent),
                _ => return Err(refuse("a percentage must be above 0% and at most 100%")),
            }
        } else {
            match number.parse::<u32>() {
                Ok(count) if count >= 1 => Threshold::Count(count),
                _ => return Err(refuse("N must be a whole number from 1, or a percentage")),
            }
        };
        Ok(Self(Some(HaltPolicy {
            when,
            why,
            threshold,
        })))
    }
}

/// A halt policy as an option may give it: a policy, or `never` (which
/// turns off a job file's policy).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HaltPolicyOrNever(pub Option<HaltPolicy>);

impl FromStr for HaltPolicy {
    type Err = HaltPolicyError;

    /// Reads `WHEN,WHY=N`; `never` is refused here (see
    /// [`HaltPolicyOrNever`]).
    fn from_str(text: &str) -> Result<Self, HaltPolicyError> {
        match text.parse::<HaltPolicyOrNever>()? {
            HaltPolicyOrNever(Some(policy)) => Ok(policy),
            HaltPolicyOrNever(None) => Err(HaltPolicyError {
                written: text.to_owned(),
                reason: "never is not a policy here",
            }),
        }
    }
}

impl fmt::Display for HaltPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let when = match self.when {
            HaltWhen::Now => "now",
            HaltWhen::Soon => "soon",
        };
        let why = match self.why {
            HaltWhy::Fail => "fail",
            HaltWhy::Success => "success",
            HaltWhy::Done => "done",
        };
        match self.threshold {
            Threshold::Count(count) => write!(f, "{when},{why}={count}"),
            Threshold::Percent(percent) => write!(f, "{when},{why}={percent}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> HaltPolicy {
        text.parse().unwrap_or_else(|error| panic!("{error}"))
    }

    fn refusal(text: &str) -> String {
        match text.parse::<HaltPolicyOrNever>() {
            Ok(policy) => panic!("{text:?} was read as {policy:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn the_forms_gnu_parallel_takes_read_and_print_back() {
        for text in [
            "now,fail=1",
            "soon,fail=3",
            "soon,fail=10%",
            "now,success=1",
            "soon,success=3",
            "now,done=2.5%",
        ] {
            assert_eq!(policy(text).to_string(), text);
        }
        assert_eq!(
            policy("now,fail=1"),
            HaltPolicy {
                when: HaltWhen::Now,
                why: HaltWhy::Fail,
                threshold: Threshold::Count(1),
            }
        );
        assert_eq!(
            "never".parse::<HaltPolicyOrNever>().unwrap(),
            HaltPolicyOrNever(None)
        );
    }

    #[test]
    fn bad_policies_say_what_is_wrong_and_what_is_expected() {
        let message = refusal("now,fial=1");
        assert!(
            message.starts_with("`now,fial=1` is not a halt policy: WHY must be fail, success or done; expected WHEN,WHY=N"),
            "{message}"
        );
        assert!(refusal("later,fail=1").contains("WHEN must be now or soon"));
        assert!(refusal("now").contains("no `,`"));
        assert!(refusal("now,fail").contains("no `=`"));
        assert!(refusal("now,fail=0").contains("N must be a whole number from 1"));
        assert!(refusal("now,fail=-1").contains("N must be a whole number from 1"));
        assert!(refusal("now,fail=0%").contains("above 0%"));
        assert!(refusal("now,fail=101%").contains("at most 100%"));
        assert!(refusal("").contains("no `,`"));
        assert!("never".parse::<HaltPolicy>().is_err());
    }

    #[test]
    fn counts_and_percentages_trip_as_in_gnu_parallel() {
        let two = policy("now,fail=2");
        assert!(!two.is_tripped(1, 20));
        assert!(two.is_tripped(2, 20));
        let ten_percent = policy("soon,fail=10%");
        assert!(!ten_percent.is_tripped(1, 20));
        assert!(ten_percent.is_tripped(2, 20));
        // 1% of 20 jobs is 0.2 of a job: the first failure trips it.
        assert!(policy("now,fail=1%").is_tripped(1, 20));
        assert!(!policy("now,fail=1%").is_tripped(0, 20));
    }

    #[test]
    fn what_each_policy_counts() {
        let fail = policy("now,fail=1");
        assert!(fail.counts(OutcomeKind::Failed));
        assert!(fail.counts(OutcomeKind::TimedOut));
        assert!(!fail.counts(OutcomeKind::Succeeded));
        assert!(!fail.counts(OutcomeKind::Stopped));
        assert!(!fail.counts(OutcomeKind::Skipped));
        assert!(!fail.counts(OutcomeKind::Cancelled));
        let success = policy("now,success=1");
        assert!(success.counts(OutcomeKind::Succeeded));
        assert!(!success.counts(OutcomeKind::Failed));
        let done = policy("now,done=1");
        assert!(done.counts(OutcomeKind::Succeeded));
        assert!(done.counts(OutcomeKind::TimedOut));
        assert!(!done.counts(OutcomeKind::Cancelled));
    }
}
