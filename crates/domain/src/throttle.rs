//! How often one may try to sign in, or ask for a password reset link.
//!
//! Signing in is limited three ways, so that guessing is slow but nobody
//! can lock the real owner out of their account:
//!
//! - **per account and address** (the pair): the first few mistakes cost
//!   nothing; after that each further try waits twice as long as the last
//!   (one minute, two, four, … at most an hour). Only the guesser waits.
//! - **per address**: at most [`IP_LIMIT`] failed sign-ins in
//!   [`IP_WINDOW`] from one address, whatever the accounts.
//! - **per account, gently**: when an account has had [`ACCOUNT_LIMIT`]
//!   failures in [`ACCOUNT_WINDOW`] from all addresses together (a guesser
//!   spread over many), addresses that have not signed in to it before
//!   wait; an address it was used from recently does not.
//!
//! Asking for a reset link is counted apart: at most
//! [`RESET_PER_ACCOUNT`] links per account and [`RESET_PER_IP`] requests per
//! address in [`RESET_WINDOW`].

/// Mistakes per account and address before any wait.
pub const PAIR_FREE: i64 = 5;
/// The first wait after those, in seconds; it doubles with each mistake.
pub const PAIR_FIRST_WAIT: i64 = 60;
/// The longest wait for one account and address.
pub const PAIR_MAX_WAIT: i64 = 3600;
/// How far back mistakes count.
pub const PAIR_WINDOW: i64 = 24 * 3600;

pub const IP_LIMIT: i64 = 100;
pub const IP_WINDOW: i64 = 15 * 60;

pub const ACCOUNT_LIMIT: i64 = 50;
pub const ACCOUNT_WINDOW: i64 = 3600;
/// An address that signed in to the account this recently is known to it.
pub const KNOWN_FOR: i64 = 30 * 24 * 3600;

pub const RESET_PER_ACCOUNT: i64 = 3;
pub const RESET_PER_IP: i64 = 20;
pub const RESET_WINDOW: i64 = 3600;

/// What the database knows about recent sign-ins, for one account and the
/// address asking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInHistory {
    /// Failures for this account from this address in [`PAIR_WINDOW`].
    pub pair_failures: i64,
    /// When the last of those was.
    pub pair_last_failure: Option<i64>,
    /// Failures from this address, any account, in [`IP_WINDOW`].
    pub ip_failures: i64,
    /// When the oldest of those was.
    pub ip_oldest_failure: Option<i64>,
    /// Failures for this account, any address, in [`ACCOUNT_WINDOW`].
    pub account_failures: i64,
    /// When the oldest of those was.
    pub account_oldest_failure: Option<i64>,
    /// This address signed in to this account within [`KNOWN_FOR`].
    pub known_address: bool,
}

/// May this sign-in be tried now?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Not yet: try again in this many seconds.
    Wait(i64),
}

/// How long the pair waits after `failures` mistakes.
pub fn pair_wait(failures: i64) -> i64 {
    if failures < PAIR_FREE {
        return 0;
    }
    let doublings = (failures - PAIR_FREE).min(20) as u32;
    PAIR_FIRST_WAIT.saturating_mul(1i64 << doublings).min(PAIR_MAX_WAIT)
}

/// Decide whether a sign-in may be tried at `now`.
pub fn sign_in(h: &SignInHistory, now: i64) -> Verdict {
    let mut wait = 0i64;
    if let Some(last) = h.pair_last_failure {
        wait = wait.max(last + pair_wait(h.pair_failures) - now);
    }
    if h.ip_failures >= IP_LIMIT {
        wait = wait.max(h.ip_oldest_failure.map(|t| t + IP_WINDOW - now).unwrap_or(IP_WINDOW));
    }
    if h.account_failures >= ACCOUNT_LIMIT && !h.known_address {
        wait = wait.max(h.account_oldest_failure.map(|t| t + ACCOUNT_WINDOW - now).unwrap_or(ACCOUNT_WINDOW));
    }
    if wait > 0 { Verdict::Wait(wait) } else { Verdict::Allow }
}

/// May another reset link be sent, given the requests in [`RESET_WINDOW`]
/// for this account and from this address?
pub fn reset_allowed(by_account: i64, by_ip: i64) -> bool {
    by_account < RESET_PER_ACCOUNT && by_ip < RESET_PER_IP
}

/// A wait in words: "1 minute", "4 minutes", "1 hour".
pub fn wait_words(seconds: i64) -> String {
    let minutes = ((seconds.max(1) + 59) / 60).max(1);
    match minutes {
        1 => "1 minute".into(),
        60 => "1 hour".into(),
        m => format!("{m} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pair_waits_longer_after_each_mistake() {
        assert_eq!((0..5).map(pair_wait).collect::<Vec<_>>(), vec![0, 0, 0, 0, 0]);
        assert_eq!(pair_wait(5), 60);
        assert_eq!(pair_wait(6), 120);
        assert_eq!(pair_wait(7), 240);
        assert_eq!(pair_wait(11), 3600);
        assert_eq!(pair_wait(1_000_000), 3600, "never more than an hour, never an overflow");
    }

    #[test]
    fn a_few_typos_cost_nothing() {
        let h = SignInHistory { pair_failures: 4, pair_last_failure: Some(1000), ..Default::default() };
        assert_eq!(sign_in(&h, 1001), Verdict::Allow);
        let h = SignInHistory { pair_failures: 5, pair_last_failure: Some(1000), ..Default::default() };
        assert_eq!(sign_in(&h, 1001), Verdict::Wait(59));
        assert_eq!(sign_in(&h, 1060), Verdict::Allow);
    }

    #[test]
    fn one_address_is_limited_over_all_accounts() {
        let h = SignInHistory { ip_failures: IP_LIMIT, ip_oldest_failure: Some(1000), ..Default::default() };
        assert_eq!(sign_in(&h, 1100), Verdict::Wait(IP_WINDOW - 100));
        assert_eq!(sign_in(&h, 1000 + IP_WINDOW), Verdict::Allow);
        let h = SignInHistory { ip_failures: IP_LIMIT - 1, ..h };
        assert_eq!(sign_in(&h, 1100), Verdict::Allow);
    }

    #[test]
    fn guessing_from_elsewhere_does_not_lock_the_owner_out() {
        let attacked = SignInHistory {
            account_failures: ACCOUNT_LIMIT * 10,
            account_oldest_failure: Some(1000),
            ..Default::default()
        };
        // A new address waits …
        assert_eq!(sign_in(&attacked, 1000), Verdict::Wait(ACCOUNT_WINDOW));
        // … the owner, from where they signed in before, does not.
        assert_eq!(sign_in(&SignInHistory { known_address: true, ..attacked }, 1000), Verdict::Allow);
    }

    #[test]
    fn reset_links_have_their_own_limit() {
        assert!(reset_allowed(0, 0));
        assert!(reset_allowed(RESET_PER_ACCOUNT - 1, RESET_PER_IP - 1));
        assert!(!reset_allowed(RESET_PER_ACCOUNT, 0));
        assert!(!reset_allowed(0, RESET_PER_IP));
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(wait_words(1), "1 minute");
        assert_eq!(wait_words(59), "1 minute");
        assert_eq!(wait_words(61), "2 minutes");
        assert_eq!(wait_words(3600), "1 hour");
    }
}
