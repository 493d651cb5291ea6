//! The credentials the emulator issued, in memory and bounded: looked up by access key id when
//! a request is signed with them, kept a while past expiry so late callers are told
//! `ExpiredTokenException`, and evicted once expired when room is needed.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use bedrock_auth::{KnownCredential, SecretString};

/// Default of [`EmulatorConfig::max_issued_credentials`](crate::EmulatorConfig).
pub const DEFAULT_MAX_ISSUED_CREDENTIALS: usize = 10_000;

/// How long an expired credential is kept, so a request signed with it is answered
/// `ExpiredTokenException` rather than as unknown; older ones are dropped on the next issue.
const KEEP_EXPIRED: Duration = Duration::from_secs(15 * 60);

/// Who a set of credentials speaks for, as `GetCallerIdentity` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>` (or a user's ARN).
    pub arn: String,
    /// `AROA...:<session>` (or the user's id).
    pub user_id: String,
    /// The 12-digit account.
    pub account: String,
}

/// One set of credentials the emulator issued.
pub(crate) struct Issued {
    pub access_key_id: String,
    /// The secret, the token and the expiry, in the verifier's form.
    pub known: KnownCredential,
    pub identity: Identity,
}

impl Issued {
    /// New random credentials for `identity`, expiring at `expires_at`.
    pub(crate) fn generate(identity: Identity, expires_at: SystemTime) -> Option<Issued> {
        let mut key = [0u8; 10];
        let mut secret = [0u8; 30];
        let mut token = [0u8; 96];
        for buf in [&mut key[..], &mut secret[..], &mut token[..]] {
            aws_lc_rs::rand::fill(buf).ok()?;
        }
        let engine = &base64::engine::general_purpose::STANDARD;
        Some(Issued {
            // `ASIA` and 16 characters of base 32, as temporary access key ids look.
            access_key_id: format!("ASIA{}", base32(&key)),
            known: KnownCredential::temporary(
                SecretString::new(engine.encode(secret)),
                SecretString::new(engine.encode(token)),
                expires_at,
            ),
            identity,
        })
    }

    /// When these credentials expire.
    pub(crate) fn expires_at(&self) -> SystemTime {
        self.known.expires_at.unwrap_or(SystemTime::UNIX_EPOCH)
    }
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `KnownCredential` shows its secret and token redacted.
        f.debug_struct("Issued")
            .field("access_key_id", &self.access_key_id)
            .field("known", &self.known)
            .field("identity", &self.identity)
            .finish()
    }
}

/// RFC 4648 base 32 (A-Z, 2-7) of `bytes`, without padding.
pub(crate) fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            let index = (buffer >> bits) & 31;
            out.extend(ALPHABET.get(index as usize).map(|&c| char::from(c)));
        }
    }
    if bits > 0 {
        let index = (buffer << (5 - bits)) & 31;
        out.extend(ALPHABET.get(index as usize).map(|&c| char::from(c)));
    }
    out
}

/// The store was full of credentials that are still valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoreFull {
    /// The cap, `max_issued_credentials`.
    pub capacity: usize,
}

impl fmt::Display for StoreFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "The emulator already holds {} unexpired issued credentials, the most it keeps \
             (max_issued_credentials); wait for some to expire, or raise max_issued_credentials",
            self.capacity
        )
    }
}

/// Issued credentials by access key id, at most `capacity` of them.
pub(crate) struct IssuedStore {
    capacity: usize,
    entries: Mutex<HashMap<String, Arc<Issued>>>,
}

impl IssuedStore {
    /// An empty store holding at most `capacity` credentials.
    pub(crate) fn new(capacity: usize) -> Self {
        IssuedStore {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The credentials issued under `access_key_id`, expired or not, while kept.
    pub(crate) fn get(&self, access_key_id: &str) -> Option<Arc<Issued>> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(access_key_id)
            .cloned()
    }

    /// Keeps `issued`. Credentials expired longer than [`KEEP_EXPIRED`] go first; when the store
    /// is still full, every expired one goes; when all are valid, the new ones are refused.
    pub(crate) fn insert(&self, issued: Issued, now: SystemTime) -> Result<Arc<Issued>, StoreFull> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|_, e| e.expires_at() + KEEP_EXPIRED > now);
        if entries.len() >= self.capacity {
            entries.retain(|_, e| e.expires_at() > now);
        }
        if entries.len() >= self.capacity {
            return Err(StoreFull {
                capacity: self.capacity,
            });
        }
        let issued = Arc::new(issued);
        entries.insert(issued.access_key_id.clone(), issued.clone());
        Ok(issued)
    }

    /// How many credentials are kept now.
    pub(crate) fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl fmt::Debug for IssuedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedStore")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            arn: "arn:aws:sts::123456789012:assumed-role/r/s".into(),
            user_id: "AROAEXAMPLE:s".into(),
            account: "123456789012".into(),
        }
    }

    #[test]
    fn base32_matches_rfc4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn generated_credentials_look_temporary_and_differ() {
        let now = SystemTime::now();
        let a = Issued::generate(identity(), now).unwrap();
        let b = Issued::generate(identity(), now).unwrap();
        assert!(a.access_key_id.starts_with("ASIA") && a.access_key_id.len() == 20);
        assert_ne!(a.access_key_id, b.access_key_id);
        assert_ne!(a.known.secret_access_key, b.known.secret_access_key);
        let debug = format!("{a:?}");
        assert!(
            !debug.contains(a.known.secret_access_key.expose_secret())
                && !debug.contains(a.known.session_token.as_ref().unwrap().expose_secret()),
            "{debug}"
        );
    }

    #[test]
    fn full_store_evicts_expired_then_refuses() {
        let now = SystemTime::now();
        let store = IssuedStore::new(2);
        let old = store
            .insert(
                Issued::generate(identity(), now - Duration::from_secs(1)).unwrap(),
                now,
            )
            .unwrap();
        store
            .insert(
                Issued::generate(identity(), now + Duration::from_secs(60)).unwrap(),
                now,
            )
            .unwrap();
        // Expired but recent: still there to be answered as expired.
        assert!(store.get(&old.access_key_id).is_some());
        // Room is needed: the expired one goes.
        store
            .insert(
                Issued::generate(identity(), now + Duration::from_secs(60)).unwrap(),
                now,
            )
            .unwrap();
        assert!(store.get(&old.access_key_id).is_none());
        let err = store
            .insert(
                Issued::generate(identity(), now + Duration::from_secs(60)).unwrap(),
                now,
            )
            .unwrap_err();
        assert!(err.to_string().contains("max_issued_credentials"), "{err}");
        assert_eq!(store.len(), 2);
        // Long expired ones go at the next issue, full or not.
        let later = now + Duration::from_secs(60) + KEEP_EXPIRED;
        store
            .insert(
                Issued::generate(identity(), later + Duration::from_secs(1)).unwrap(),
                later,
            )
            .unwrap();
        assert_eq!(store.len(), 1);
    }
}
