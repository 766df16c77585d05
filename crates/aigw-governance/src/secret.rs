//! Key secrets: made from 32 random bytes, shown once, stored only as their SHA-256.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The prefix every virtual key's secret starts with (recognisable in logs and scanners).
pub const PREFIX: &str = "sk-aigw-";

/// A new secret: [`PREFIX`] + 64 hex digits of operating-system randomness.
pub fn generate() -> Result<SecretString, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(SecretString::from(format!(
        "{PREFIX}{}",
        hex::encode(bytes)
    )))
}

/// A short random identifier (`key_` + 16 hex digits).
pub fn new_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)?;
    Ok(format!("key_{}", hex::encode(bytes)))
}

/// The SHA-256 of a presented secret, in hex: what the store keeps and what lookups use. A
/// plain hash is enough for secrets of 256 random bits (no dictionary to try); looking it up
/// in a map leaks nothing about the secret itself.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// What may be shown of a secret: its prefix and last four characters.
pub fn hint(secret: &SecretString) -> String {
    let s = secret.expose_secret();
    let tail = s.get(s.len().saturating_sub(4)..).unwrap_or("");
    format!("{PREFIX}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_only_hinted() {
        let a = generate().unwrap_or_else(|_| SecretString::from(String::new()));
        let b = generate().unwrap_or_else(|_| SecretString::from(String::new()));
        assert!(a.expose_secret().starts_with(PREFIX));
        assert_eq!(a.expose_secret().len(), PREFIX.len() + 64);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(hash(a.expose_secret()).len(), 64);
        assert_ne!(hash(a.expose_secret()), hash(b.expose_secret()));
        let hint = hint(&a);
        assert!(
            hint.starts_with("sk-aigw-…") && hint.chars().count() == 13,
            "{hint}"
        );
        assert!(!format!("{a:?}").contains(a.expose_secret()));
    }
}
