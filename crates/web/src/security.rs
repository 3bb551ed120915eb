//! Secrets: password hashes (argon2id), random tokens, and their hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// Hash a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash the password: {e}"))
}

/// Check a password against a stored hash. Without a stored hash (no such
/// person, or not yet set) a dummy hash is checked so the time taken does
/// not tell whether an account exists.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default());
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real
}

/// A new random token: 32 bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// The hash of a token as stored in the database.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The CSRF token of a session. Derived from the session's secret, it is
/// bound to that session, changes with it (every sign-in makes a new
/// session) and needs no storage; knowing it tells nothing of the session.
pub fn csrf_for_session(session_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(format!("upward-csrf\0{session_token}").as_bytes()))
}

/// Compare two secrets in constant time.
pub fn same(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong horse battery", Some(&h)));
        assert!(!verify_password("not a real password", None));
        assert!(!verify_password("x", Some("garbage")));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(csrf_for_session(&a), csrf_for_session(&a));
        assert_ne!(csrf_for_session(&a), csrf_for_session(&b));
        assert_ne!(csrf_for_session(&a), a);
        assert_ne!(csrf_for_session(&a), token_hash(&a), "not the session's stored hash either");
        assert_eq!(csrf_for_session(&a).len(), 43);
    }
}
